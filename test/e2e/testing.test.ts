// The Testing view and the lens status in a real VS Code (code-server): a spec's tests listed
// beside each other with run buttons in the gutter, a run from the Testing view that passes, one
// that fails with its message at the threshold's line, a long one cancelled from the Testing
// view, the lens reading the outcome afterwards, and the journey example run from the palette.
import { afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import {
  journeyFiles,
  openFile,
  openWorkbench,
  panelFrame,
  panelRows,
  readPanel,
  runCommand,
  setupE2e,
  storedResults,
  tileNumber,
  waitFor,
  waitForPanel,
} from './harness';

const SPEC = `name: quick
base_url: BASE
url: /health
concurrency: 2
total_requests: 40
thresholds:
  - error_rate < 1%
---
name: too slow
base_url: BASE
url: /health
concurrency: 2
total_requests: 40
thresholds:
  - error_rate < 1%
  - rps >= 100000000
---
name: long
base_url: BASE
url: /health
concurrency: 1
requests_per_second: 5
duration_seconds: 300
`;

const e2e = setupE2e('testing', { files: (baseUrl) => ({ 'testing.atm.yaml': SPEC.replaceAll('BASE', baseUrl), ...journeyFiles(baseUrl) }) });
const { shots, serverRoot } = e2e;

/** The row of the Testing view's tree whose label is `label` (after a run it also holds the duration). */
function testRow(page: Page, label: string): Locator {
  return page.locator('.test-explorer .monaco-list-row', { has: page.locator('.label', { hasText: new RegExp(`^${label}(?:\\s*[\\d.]+\\s*(?:ms|s|m))?$`) }) }).first();
}

/** The state icon of a row (`passed`, `failed`, `errored`, `skipped`, `running`, `queued`, `unset`). */
async function rowState(row: Locator): Promise<string> {
  const classes = (await row.locator('.computed-state').first().getAttribute('class', { timeout: 2000 })) ?? '';
  const m = /codicon-testing-(\w+)-icon/.exec(classes);
  return m ? m[1] : classes;
}

/** Waits for the row of spec `file` (up to `fileTimeoutMs`), then expands it until its test `child` shows. */
async function expandTo(page: Page, file: string, child: string, fileTimeoutMs: number): Promise<void> {
  const row = testRow(page, file);
  await row.waitFor({ state: 'visible', timeout: fileTimeoutMs });
  await waitFor(`"${child}" under ${file}`, async () => {
    if (await testRow(page, child).isVisible()) return true;
    await row.locator('.monaco-tl-twistie').click({ timeout: 3000 });
    return false;
  }, 30_000, 500);
}

/** Runs a test from its row in the Testing view (the row's inline Run action). */
async function runFromView(page: Page, label: string): Promise<void> {
  const row = testRow(page, label);
  await waitFor(`the Run action of "${label}"`, async () => {
    await row.hover({ timeout: 3000 });
    const action = row.locator('.action-label[aria-label^="Run Test"]').first();
    if (!(await action.isVisible())) return false;
    await action.click({ timeout: 3000 });
    return true;
  }, 30_000, 300);
}

async function lensTexts(page: Page): Promise<string[]> {
  return page.locator('.editor-group-container.active .codelens-decoration a').allInnerTexts();
}

void describe('the Testing view', { timeout: 10 * 60_000 }, () => {
  let page: Page;

  before(async () => {
    page = await openWorkbench(e2e.browser, e2e.server);
  });

  afterEach(async () => {
    if (page) await shots.take(page, 'after').catch(() => undefined);
  });

  void test('lists the spec\'s tests beside each other, with run buttons in the gutter', async () => {
    await openFile(page, 'testing.atm.yaml');
    // The Testing view container's own entry in the activity bar (the flask).
    await page.locator('.activitybar .action-item a[aria-label^="Testing"]').first().click({ timeout: 30_000 });
    // Expanded, the file shows its three tests in file order.
    await expandTo(page, 'testing.atm.yaml', 'quick', 60_000);
    const labels = await page.locator('.test-explorer .monaco-list-row .label').allInnerTexts();
    const order = ['testing.atm.yaml', 'quick', 'too slow', 'long'].map((l) => labels.indexOf(l));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), `the spec then its tests in order: ${JSON.stringify(labels)}`);
    assert.ok(labels.includes('journey.atm.yaml'), `the other spec of the workspace is listed too: ${JSON.stringify(labels)}`);
    const glyphs = await waitFor('a run button per test in the gutter', async () => {
      const n = await page.locator('.editor-group-container.active .margin-view-overlays .codicon-testing-run-icon, .editor-group-container.active .glyph-margin-widgets .codicon-testing-run-icon, .editor-group-container.active .testing-run-glyph').count();
      return n >= 3 ? n : false;
    }, 30_000, 300);
    assert.ok(glyphs >= 3, `run buttons: ${glyphs}`);
    await shots.take(page, 'testing-view-listed');
  });

  void test('a test run from the Testing view passes, and its lens reads the outcome', async () => {
    await runFromView(page, 'quick');
    await waitFor('"quick" to pass in the Testing view', async () => (await rowState(testRow(page, 'quick'))) === 'passed', 120_000, 300);
    await shots.take(page, 'quick-passed');
    const done = await waitForPanel(page, 'the panel to show the run', (p) => p.name.includes('quick') && p.status === 'passed', 30_000);
    assert.equal(tileNumber(done.tiles.requests), 40);
    const lens = await waitFor('the lens to read the outcome', async () => (await lensTexts(page)).find((t) => /passed just now · p95 [\d.]+ ms/.test(t)), 30_000, 300);
    assert.match(lens, /^▶ Run test · passed just now · p95 [\d.]+ ms$/);
    await shots.take(page, 'quick-lens');
  });

  void test('a failing threshold fails the test with its message at the threshold\'s line', async () => {
    await runFromView(page, 'too slow');
    await waitFor('"too slow" to fail in the Testing view', async () => (await rowState(testRow(page, 'too slow'))) === 'failed', 120_000, 300);
    await shots.take(page, 'too-slow-failed');
    // The failure's message, as the Test Results view lists it under the test (its line in the spec
    // is checked where the message is built: test/client/testingVerdict.test.ts).
    const message = page.getByText(/Threshold rps >= 100000000 failed/).first();
    await message.waitFor({ state: 'attached', timeout: 30_000 });
    const text = await message.innerText();
    assert.match(text, /Threshold rps >= 100000000 failed/);
    await shots.take(page, 'too-slow-message');
    await page.keyboard.press('Escape');
    const lens = await waitFor('the lens to say why it failed', async () => (await lensTexts(page)).find((t) => t.includes('failed just now')), 30_000, 300);
    assert.match(lens, /^▶ Run test · failed just now · rps [\d.]+ req\/s < 100000000 req\/s$/);
    await shots.take(page, 'too-slow-lens');
  });

  void test('cancelling from the Testing view stops the engine run', async () => {
    await runFromView(page, 'long');
    await waitForPanel(page, 'the long run to be under way', (p) => p.name.includes('long') && p.status === 'running' && tileNumber(p.tiles.requests) > 0, 60_000);
    await waitFor('"long" to show as running', async () => (await rowState(testRow(page, 'long'))) === 'running' || undefined, 15_000, 300).catch(() => undefined);
    await shots.take(page, 'long-running');
    const cancelledAt = Date.now();
    await runCommand(page, 'Test: Cancel Test Run');
    const done = await waitForPanel(page, 'the run to end cancelled', (p) => p.status === 'cancelled', 60_000);
    assert.ok(Date.now() - cancelledAt < 60_000, 'stopped long before its 300 s');
    assert.ok(tileNumber(done.tiles.requests) < 300 * 5, `a partial run: ${done.tiles.requests}`);
    await waitFor('"long" to be skipped in the Testing view', async () => (await rowState(testRow(page, 'long'))) === 'skipped', 30_000, 300);
    const statuses = storedResults(serverRoot);
    assert.deepEqual(statuses.filter((s) => s.name === 'long').map((s) => s.status), ['cancelled']);
    await shots.take(page, 'long-cancelled');
    const panel = await readPanel(page);
    assert.equal(panel?.status, 'cancelled');
  });

  void test('the journey example runs from the palette (ATM: Run Test), the panel shows its Steps and the Testing view its outcome', async () => {
    await openFile(page, 'journey.atm.yaml');
    await runCommand(page, 'ATM: Run Test');
    const done = await waitForPanel(page, 'the journey to finish', (p) => p.name.includes('Order journey') && ['passed', 'failed', 'error'].includes(p.status), 120_000);
    assert.equal(done.status, 'passed', `the journey passes against the demo target: ${done.message}`);
    const frame = await panelFrame(page);
    assert.ok(frame);
    await frame.locator('vscode-panel-tab#tab-endpoints').click();
    await frame.locator('[data-testid="step-row"]').first().waitFor({ timeout: 15_000 });
    const steps = await panelRows(page, 'step-row');
    assert.deepEqual(steps.map((s) => [s[0], s[1], s[2], s[3]]), [
      ['1', 'login', 'POST', '200'],
      ['2', 'create order', 'POST', '200'],
      ['3', 'read back', 'GET', '200'],
    ]);
    await shots.take(page, 'journey-steps');
    // A run started from the palette is reported in the Testing view too, as a run of its own.
    await runCommand(page, 'Testing: Focus on Test Explorer View');
    await expandTo(page, 'journey.atm.yaml', 'Order journey', 30_000);
    await waitFor('"Order journey" to show as passed in the Testing view', async () => (await rowState(testRow(page, 'Order journey'))) === 'passed', 30_000, 300);
    await shots.take(page, 'journey-in-testing-view');
  });
});
