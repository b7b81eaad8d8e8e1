// Results in the spec, in a real VS Code (code-server): after a run each threshold line shows its
// outcome at the end of the line, and a run can be pinned as the test's baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { clickLens, openFile, openWorkbench, setupE2e, storedResults, waitFor, waitForPanel } from './harness';

const SPEC = `name: Outcomes
base_url: BASE
url: /health
concurrency: 2
total_requests: 40
thresholds:
  - error_rate < 1%
  - rps >= 100000000
  - p95 < baseline + 10%
`;

const e2e = setupE2e('results', { files: (baseUrl) => ({ 'outcomes.atm.yaml': SPEC.replace('BASE', baseUrl) }) });

/** The texts of the after-text decorations (VS Code draws them as ::after rules with `content`). */
async function outcomes(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const texts = [];
    for (const sheet of [...document.styleSheets]) {
      let rules = [];
      try { rules = [...sheet.cssRules]; } catch { continue; }
      for (const r of rules) {
        const content = r.style ? r.style.content : '';
        if (content && /\u2713|\u2717|no baseline/.test(content)) texts.push(content);
      }
    }
    return texts;
  })()`) as Promise<string[]>;
}

void test('after a run each threshold line shows its outcome', { timeout: 240_000 }, async () => {
  const { shots, serverRoot } = e2e;
  const page = await openWorkbench(e2e.browser, e2e.server);
  await openFile(page, 'outcomes.atm.yaml');
  await clickLens(page, /Run test/);
  const texts = await waitFor('the inline outcomes', async () => {
    const t = await outcomes(page);
    return t.length >= 3 ? t : false;
  }, 120_000, 500);
  // The outcomes come from the history as soon as the run is recorded; the panel beside renders
  // its result a moment later: the screenshot waits for it, so it shows both.
  const panel = await waitForPanel(page, 'the results panel to show the run', (p) => p.status === 'failed' && p.tiles.requests === '40', 60_000);
  assert.match(panel.message, /rps >= 100000000/);
  await shots.take(page, 'inline-outcomes');
  const all = texts.join('\n');
  assert.match(all, /✓ 0%/, 'error_rate passed');
  assert.match(all, /✗ [\d.]+ req\/s/, 'rps failed with its actual value');
  assert.match(all, /no baseline/, 'the baseline threshold without a baseline');
  assert.deepEqual(storedResults(serverRoot).map((r) => r.name), ['Outcomes']);
});
