// Results in the spec, in a real VS Code (code-server): after a run each threshold line shows its
// outcome at the end of the line, and a run can be pinned as the test's baseline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../engine/demo/server';
import { clickLens, launchBrowser, openFile, openWorkbench, packageVsix, REPO, Shots, startCodeServer, waitFor, waitForPanel, type CodeServer } from './harness';

const root = mkdtempSync(join(tmpdir(), 'atm-e2e-results-'));
const shots = new Shots(join(REPO, 'test-results', `e2e-results-${new Date().toISOString().replace(/[:.]/g, '-')}`));
let demo: DemoServer | null = null;
let browser: Browser | null = null;
let server: CodeServer | null = null;

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

before(async () => {
  console.log(`[e2e] screenshots: ${shots.dir}`);
  const vsix = packageVsix().path;
  demo = await startDemoServer({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'outcomes.atm.yaml'), SPEC.replace('BASE', demo.url));
  server = await startCodeServer({ root: join(root, 'server'), workspace, vsix, trusted: true });
});

after(async () => {
  await server?.close();
  await browser?.close();
  await demo?.close();
  rmSync(root, { recursive: true, force: true });
});

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
  assert.ok(browser && server);
  const page = await openWorkbench(browser, server);
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
  const stored = (readdirSync(join(root, 'server'), { recursive: true }) as string[]).filter((p) => /runs[\\/]\d{15}-.*\.json$/.test(p));
  assert.equal(stored.length, 1);
  assert.equal((JSON.parse(readFileSync(join(root, 'server', stored[0]), 'utf8')) as { name: string }).name, 'Outcomes');
});
