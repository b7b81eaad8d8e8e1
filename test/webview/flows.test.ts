// A flow run in the results panel, in real Chromium: iteration tiles, the Steps table with checks
// per step, the Checks table, and a sample showing its whole iteration with what each step captured.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ExtensionMessage, RunInfo } from '../../webview/protocol';
import { formatCount, formatMs, formatPercent, formatRate } from '../../webview/format';
import type { ProgressUpdate, RunResult } from '../../engine/format/result';
import { flowResult, FLOW_CHECKS } from '../fixtures/webview/flows';
import { passedResult } from '../fixtures/webview/runs';
import {
  buildWebview,
  launchChromium,
  openPanel,
  screenshot,
  SCREENSHOT_DIR,
  startPanelServer,
  textOf,
  waitForPosted,
  waitForText,
  type PanelPage,
  type PanelServer,
} from './harness';

let server: PanelServer;
let browser: Browser;
const shots: string[] = [];

before(async () => {
  buildWebview();
  server = await startPanelServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (shots.length > 0) console.log(`webview screenshots (${shots.length}) in ${SCREENSHOT_DIR}`);
});

async function showResult(r: RunResult, width: number): Promise<PanelPage> {
  const p = await openPanel(browser, server.origin, 'dark', width);
  await p.send({ type: 'init', run: null, result: r, running: false, canRerun: true } satisfies ExtensionMessage);
  return p;
}

async function showTab(p: PanelPage, id: 'overview' | 'endpoints' | 'samples'): Promise<void> {
  await p.page.locator(`vscode-panel-tab#tab-${id}`).click();
  await p.page.locator(`vscode-panel-view#view-${id}`).waitFor({ state: 'visible' });
}

async function rowTexts(p: PanelPage, testid: string): Promise<string[][]> {
  const rows = p.page.getByTestId(testid);
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    out.push((await rows.nth(i).locator(':scope > vscode-data-grid-cell').allTextContents()).map((t) => t.trim()));
  }
  return out;
}

void describe('panel: flow runs', () => {
  void it('shows iteration tiles, the Checks table and the Steps table with checks per step', async () => {
    const r = flowResult();
    for (const width of [900, 500]) {
      const p = await showResult(r, width);
      await waitForText(p.page, 'run-status', 'passed');
      assert.equal(await textOf(p.page, 'metric-iterations-rate'), formatRate(59.97));
      assert.equal(await textOf(p.page, 'metric-iterations-sub'), `${formatCount(1150)} completed · ${formatCount(50)} failed`);
      assert.equal(await textOf(p.page, 'metric-iteration-p95'), formatMs(r.iteration_duration_ms?.p95));

      const checks = await rowTexts(p, 'check-row');
      assert.equal(checks.length, FLOW_CHECKS.length);
      for (const [i, c] of FLOW_CHECKS.entries()) {
        assert.deepEqual(checks[i], [
          c.expression,
          c.step,
          formatCount(c.passes),
          formatCount(c.fails),
          formatPercent(c.passes / (c.passes + c.fails)),
        ]);
      }
      await shoot(p, `flow-overview-${width}`);

      assert.equal((await p.page.locator('vscode-panel-tab#tab-endpoints').innerText()).trim().split('\n')[0], 'Steps');
      await showTab(p, 'endpoints');
      const steps = await rowTexts(p, 'step-row');
      assert.equal(await p.page.getByTestId('endpoint-row').count(), 0, 'a flow shows steps, not endpoints');
      assert.deepEqual(
        steps.map((s) => [s[0], s[1], s[3], s[8], s[9]]),
        [
          ['1', 'login', formatCount(1200), formatCount(1180 + 1180), formatCount(20)],
          ['2', 'create order', formatCount(1180), formatCount(1180), formatCount(0)],
          ['3', 'read order', formatCount(1180), formatCount(1150 + 1180), formatCount(30)],
        ],
      );
      assert.equal(steps[0][4], formatPercent(20 / 1200));
      assert.equal(steps[2][6], formatMs(r.endpoint_metrics[2].latency_ms.p95));
      assert.match(await textOf(p.page, 'skipped-steps'), /^40 steps not sent/);
      await shoot(p, `flow-steps-${width}`);
      await p.close();
    }
  });

  void it('shows a sample with its whole iteration, step by step, with captured values redacted', async () => {
    const r = flowResult();
    const p = await showResult(r, 900);
    await showTab(p, 'samples');
    await p.page.getByTestId('sample-row').nth(2).click();
    const iteration = p.page.getByTestId('sample-iteration');
    await iteration.waitFor();
    assert.match(await iteration.locator('h3').innerText(), /^Iteration 42$/);
    const steps = p.page.getByTestId('iteration-step');
    assert.equal(await steps.count(), 3, 'the three steps of iteration 41 (0-based), not the other iteration');
    assert.deepEqual(
      await p.page.getByTestId('iteration-captured').allInnerTexts(),
      ['token = ***\nuser_id = 7', 'order_id = o-1043'],
    );
    assert.deepEqual(await p.page.getByTestId('iteration-failed-check').allInnerTexts(), [
      'check failed: json $.items[0].sku == "A-1"',
    ]);
    assert.equal(await steps.nth(2).getAttribute('data-tone'), 'fail');
    assert.equal(await steps.nth(2).getAttribute('aria-current'), 'step');
    const body = await p.page.locator('vscode-panel-view#view-samples').innerText();
    assert.doesNotMatch(body, /eyJ|secret-token/, 'no token in clear anywhere in the samples');
    await shoot(p, 'flow-sample-iteration-900');

    // A step of the iteration selects that step's request and response.
    await steps.nth(0).locator('button').click();
    await waitForText(p.page, 'sample-request-line', `POST ${r.sampled_requests[0].url}`);
    assert.equal(await p.page.getByTestId('iteration-step').nth(0).getAttribute('aria-current'), 'step');
    await p.close();
  });

  void it('follows a live flow run in iterations, with the iteration tiles and checks as they arrive', async () => {
    const r = flowResult();
    const p = await openPanel(browser, server.origin, 'dark', 900);
    const run: RunInfo = {
      runId: 'run-live-flow',
      name: 'Order journey',
      file: 'journey.atm.yaml',
      model: 'closed',
      target_rps: null,
      total_requests: null,
      duration_seconds: null,
      started_at: '2026-11-23T18:00:00.000Z',
      flow: { iterations: 1200, iterations_per_second: null },
    };
    await p.send({ type: 'runStarted', run } satisfies ExtensionMessage);
    const update: ProgressUpdate = {
      runId: run.runId,
      name: run.name,
      elapsed_seconds: 3,
      progress: 0.25,
      model: 'closed',
      target_rps: null,
      point: { t: 3, rps: 180, p50: 9, p95: 20, p99: 30, errors: 1, in_flight: 5, iterations: 60 },
      summary: r.metrics,
      endpoints: r.endpoint_metrics,
      thresholds: [],
      checks: FLOW_CHECKS.slice(0, 2),
      iterations: { started: 305, completed: 290, failed: 10, dropped: 0, per_second: 100 },
      iteration_duration_ms: r.iteration_duration_ms,
      skipped_steps: 12,
    };
    await p.send({ type: 'progress', update } satisfies ExtensionMessage);
    await waitForText(p.page, 'run-progress', `${formatCount(300)} / ${formatCount(1200)} iterations (25%)`);
    assert.equal(await textOf(p.page, 'metric-iterations-rate'), formatRate(100));
    assert.equal(await p.page.getByTestId('check-row').count(), 2);
    assert.match(await p.page.locator('.model').innerText(), /^Flow · closed model/);
    await showTab(p, 'endpoints');
    assert.equal(await p.page.getByTestId('step-row').count(), 3);
    await p.close();
  });

  void it('keeps the plain-request panel for a run without a flow: no iteration tiles, no checks', async () => {
    const p = await showResult(passedResult(), 900);
    await waitForText(p.page, 'run-status', 'passed');
    assert.equal(await p.page.getByTestId('metric-iterations-rate').isVisible(), false);
    assert.equal(await p.page.getByTestId('check-row').count(), 0);
    assert.equal((await p.page.locator('vscode-panel-tab#tab-endpoints').innerText()).trim().split('\n')[0], 'Endpoints');
    await p.close();
  });

  void it('drops a result whose flow fields are malformed', async () => {
    const p = await showResult(passedResult(), 900);
    await waitForText(p.page, 'run-status', 'passed');
    const good = flowResult();
    const bad: unknown[] = [
      { type: 'result', result: { ...good, checks: [{ step: 'login', expression: 'status == 200', passes: '1' }] } },
      { type: 'result', result: { ...good, iterations: { started: 1 } } },
      { type: 'result', result: { ...good, sampled_requests: [{ ...good.sampled_requests[0], captured: { token: 1 } }] } },
    ];
    for (const m of bad) await p.send(m);
    await waitForPosted(p.page, 'log', bad.length);
    assert.equal(await p.page.getByTestId('check-row').count(), 0, 'none of them was rendered');
    await p.close();
  });
});

async function shoot(p: PanelPage, name: string): Promise<void> {
  shots.push(await screenshot(p.page, name));
}
