// A flow in the extension as a user meets it: the journey example (login → token → create order →
// read it back, users from a CSV) run from its CodeLens in code-server against the demo target,
// then the panel's Checks and Steps tables. Screenshots go to the folder printed at the start.
import { afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { clickLens, journeyFiles, openFile, openWorkbench, panelFrame, panelRows, setupE2e, tileNumber, waitFor, waitForPanel } from './harness';

const e2e = setupE2e('flows', { files: journeyFiles });
const { shots } = e2e;

void describe('a flow from the CodeLens', { timeout: 8 * 60_000 }, () => {
  let page: Page;

  before(async () => {
    page = await openWorkbench(e2e.browser, e2e.server);
  });

  afterEach(async () => {
    // What the window looked like at the end, passed or not.
    if (page) await shots.take(page, 'after').catch(() => undefined);
  });

  void test('the journey runs, and the panel shows its iterations, Checks and Steps', async () => {
    await openFile(page, 'journey.atm.yaml');
    await clickLens(page, /Run test/);
    await shots.take(page, 'journey-started');
    const done = await waitForPanel(page, 'the journey to finish', (p) => p.status === 'passed' || p.status === 'failed' || p.status === 'error', 120_000);
    await shots.take(page, 'journey-done');
    assert.equal(done.status, 'passed', `the journey passes against the demo target: ${done.message}`);
    assert.match(done.name, /Order journey/);
    assert.ok(tileNumber(done.tiles['iterations-rate']) > 0, `iterations/s tile: ${done.tiles['iterations-rate']}`);
    assert.ok(tileNumber(done.tiles['iteration-p95']) > 0, `iteration p95 tile: ${done.tiles['iteration-p95']}`);
    assert.equal(tileNumber(done.tiles.requests), 600, '200 iterations of 3 steps');

    // Rows brought into view are written on the next intersection callback: wait for the final counts.
    const checks = await waitFor('every check row to show its final counts', async () => {
      const rows = await panelRows(page, 'check-row');
      return rows.length > 0 && rows.every((r) => tileNumber(r[2]) + tileNumber(r[3]) === 200) ? rows : undefined;
    }, 15_000);
    assert.ok(checks.length >= 8, `a row per check: ${JSON.stringify(checks)}`);
    for (const row of checks) {
      assert.equal(row[3], '0', `no check failed: ${row.join(' | ')}`);
      assert.equal(row[4], '100%', `every check held: ${row.join(' | ')}`);
      assert.equal(tileNumber(row[2]), 200, `each check ran once per iteration: ${row.join(' | ')}`);
    }
    assert.deepEqual(new Set(checks.map((r) => r[1])), new Set(['login', 'create order', 'read back']));

    const frame = await panelFrame(page);
    assert.ok(frame);
    await frame.locator('vscode-panel-tab#tab-endpoints').click();
    await frame.locator('[data-testid="step-row"]').first().waitFor({ timeout: 15_000 });
    await shots.take(page, 'journey-steps');
    const steps = await panelRows(page, 'step-row');
    assert.deepEqual(steps.map((s) => [s[0], s[1], s[2], s[3]]), [
      ['1', 'login', 'POST', '200'],
      ['2', 'create order', 'POST', '200'],
      ['3', 'read back', 'GET', '200'],
    ]);
    for (const s of steps) assert.equal(s[4], '0%', `no errors on ${s[1]}`);
    assert.equal((await frame.locator('vscode-panel-tab#tab-endpoints').innerText()).trim().split('\n')[0], 'Steps');
  });
});
