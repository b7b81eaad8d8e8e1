// Baselines from the results panel in a real VS Code (code-server): a run against a fast loopback
// server is pinned as baseline with the panel's button, the server is made slower, the test runs
// again and fails its baseline threshold, and Compare with… the baseline shows the regression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import { clickLens, openFile, openWorkbench, panelFrame, setupE2e, waitFor, waitForPanel } from './harness';

/** How long the target waits before it answers: 0 for the baseline, then slower. */
let delayMs = 0;

const SPEC = `name: Checkout
base_url: BASE
url: /checkout
concurrency: 2
duration_seconds: 3
thresholds:
  - error_rate < 1%
  - p95 < baseline + 50%
`;

const e2e = setupE2e('compare', {
  files: (baseUrl) => ({ 'checkout.atm.yaml': SPEC.replace('BASE', baseUrl) }),
  target: (_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
  },
});

async function frameOf(page: Page): Promise<Frame> {
  return waitFor('the results panel', () => panelFrame(page), 30_000);
}

async function visible(page: Page, testid: string, text?: string): Promise<void> {
  await waitFor(`${testid}${text ? ` "${text}"` : ''} in the panel`, async () => {
    const frame = await panelFrame(page);
    if (!frame) return false;
    const node = frame.locator(`[data-testid="${testid}"]`).first();
    if (!(await node.isVisible())) return false;
    return text === undefined || ((await node.textContent()) ?? '').trim() === text;
  }, 60_000, 250);
}

void test('pin a run as baseline from the panel, regress, and compare with the baseline', { timeout: 6 * 60_000 }, async () => {
  const { shots } = e2e;
  const page = await openWorkbench(e2e.browser, e2e.server);
  await openFile(page, 'checkout.atm.yaml');

  // 1. The baseline: a fast target.
  await clickLens(page, /Run test/);
  const first = await waitForPanel(page, 'the first run to finish', (p) => ['passed', 'failed', 'error'].includes(p.status), 120_000);
  assert.equal(first.status, 'passed', `the first run passes (its baseline threshold has no baseline yet): ${first.message}`);
  await visible(page, 'pin-button', 'Pin as Baseline');
  await (await frameOf(page)).locator('[data-testid="pin-button"]').click();
  await visible(page, 'baseline-tag', 'Baseline');
  await visible(page, 'pin-button', 'Unpin Baseline');
  await shots.take(page, 'pinned-from-panel');

  // 2. A slower target: the same test again fails p95 < baseline + 50%.
  delayMs = 25;
  await (await frameOf(page)).locator('[data-testid="rerun-button"]').click();
  const second = await waitForPanel(page, 'the slower run to finish', (p) => p.status === 'failed' || p.status === 'error', 120_000);
  assert.equal(second.status, 'failed', `the slower run fails its baseline threshold: ${second.message}`);
  assert.match(second.message, /p95 < baseline \+ 50%/);
  await visible(page, 'pin-button', 'Pin as Baseline');
  assert.equal(await (await frameOf(page)).locator('[data-testid="baseline-tag"]').isVisible(), false, 'the new run is not the baseline');

  // 3. Compare with… the baseline, picked in the QuickPick.
  await (await frameOf(page)).locator('[data-testid="compare-button"]').click();
  const pick = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Baseline' }).first();
  await pick.waitFor({ state: 'visible', timeout: 15_000 });
  await shots.take(page, 'compare-quickpick');
  await pick.click();
  await visible(page, 'compare-view');
  const frame = await frameOf(page);
  await frame.locator('[data-testid="compare-view"] canvas').nth(2).waitFor({ timeout: 15_000 });
  assert.equal(await frame.locator('[data-testid="compare-tile-p95"]').getAttribute('data-verdict'), 'worse');
  const delta = ((await frame.locator('[data-testid="compare-delta-p95"]').textContent()) ?? '').trim();
  assert.match(delta, /^\+[\d.]+ ms \(\+\d+(\.\d)?%\)$/, `p95 got slower: ${delta}`);
  assert.equal(((await frame.locator('[data-testid="compare-verdict"]').textContent()) ?? '').trim(), '1 of 1 baseline threshold failed against A.');
  assert.match(((await frame.locator('[data-testid="compare-against"]').textContent()) ?? '').trim(), /^This run .* \(B\) against baseline .* \(A\)$/);
  const percentiles = await frame.locator('[data-testid="compare-percentile-row"]').count();
  assert.equal(percentiles, 12, 'p50 … p99.99 from both histograms');
  await shots.take(page, 'compare-regression');

  // Back to the run alone.
  await frame.locator('[data-testid="compare-back"]').click();
  await waitFor('the single-run view', async () => !(await frame.locator('[data-testid="compare-view"]').isVisible()) && (await frame.locator('[data-testid="metric-p95"]').isVisible()), 15_000);
});
