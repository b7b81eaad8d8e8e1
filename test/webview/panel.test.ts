// The results panel in real Chromium: each state's DOM, hostile samples, state restore, themes
// (screenshots in test-results/webview/, looked at by a person) and the live update cost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ExtensionMessage } from '../../webview/protocol';
import { formatCount, formatMs, formatPercent, formatRate } from '../../webview/format';
import { MAX_BODY_DISPLAY_CHARS } from '../../webview/state';
import {
  cancelledResult,
  engineFailedResult,
  failedThresholdsResult,
  HOSTILE_HEADER,
  HOSTILE_IMG,
  HOSTILE_SCRIPT,
  HOSTILE_URL,
  hostileResult,
  manyEndpointsProgress,
  manyEndpointsResult,
  manyEndpointsRunInfo,
  passedResult,
  runningSequence,
} from '../fixtures/webview/runs';
import { loadRecorded, RECORDED_NAMES } from '../fixtures/webview/recorded';
import {
  buildWebview,
  launchChromium,
  openPanel,
  renderCount,
  screenshot,
  SCREENSHOT_DIR,
  startPanelServer,
  textOf,
  waitForPosted,
  waitForRender,
  waitForText,
  type PanelPage,
  type PanelServer,
  type PanelTestGlobals,
  type Theme,
  themeVariables,
  THEME_KIND,
} from './harness';
import type { ProgressUpdate, RunResult } from '../../engine/format/result';

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

/** Everything a page did that it must not: foreign requests, CSP violations, script errors, injected script. */
async function assertClean(p: PanelPage): Promise<void> {
  const foreign = p.requests.filter((u) => !u.startsWith(`${server.origin}/`));
  assert.deepEqual(foreign, [], 'no request leaves the page');
  assert.deepEqual(await p.violations(), [], 'no CSP violation events');
  assert.deepEqual(p.cspConsole, [], 'no CSP messages on the console');
  assert.deepEqual(
    p.errors.filter((e) => !/favicon/.test(e) && !/Failed to load resource.*404/.test(e)),
    [],
    'no script errors',
  );
  const pwned = await p.page.evaluate(() => (globalThis as unknown as PanelTestGlobals).__pwned);
  assert.equal(pwned, undefined, 'no injected script ran');
}

async function shoot(p: PanelPage, name: string): Promise<void> {
  shots.push(await screenshot(p.page, name));
}

async function showTab(p: PanelPage, id: 'overview' | 'endpoints' | 'errors' | 'samples'): Promise<void> {
  await p.page.locator(`vscode-panel-tab#tab-${id}`).click();
  await p.page.locator(`vscode-panel-view#view-${id}`).waitFor({ state: 'visible' });
}

async function showResult(theme: Theme, r: RunResult): Promise<PanelPage> {
  const p = await openPanel(browser, server.origin, theme);
  await p.send({ type: 'init', run: null, result: r, running: false, canRerun: true } satisfies ExtensionMessage);
  return p;
}

/**
 * Sends `count` progress updates in one go from inside the page (seconds 1..count, each with
 * `last`'s numbers and its own timeline point), so that the test does not ship count × 100
 * endpoints through the driver.
 */
async function sendBurst(p: PanelPage, last: ProgressUpdate, count: number): Promise<void> {
  const points = manyEndpointsResult().timeline.slice(0, count);
  assert.equal(points.length, count);
  await p.page.evaluate(
    ({ template, pts }) => {
      const t = (globalThis as unknown as PanelTestGlobals).__atmTest;
      for (const point of pts) t.send({ type: 'progress', update: { ...template, point, elapsed_seconds: point.t } });
    },
    { template: last, pts: points },
  );
}

function statusOf(r: RunResult): string {
  return r.status === 'failed' ? 'error' : r.status === 'cancelled' ? 'cancelled' : r.passed ? 'passed' : 'failed';
}

async function assertTiles(p: PanelPage, r: RunResult): Promise<void> {
  const m = r.metrics;
  await waitForText(p.page, 'metric-requests', formatCount(m.total_requests));
  assert.equal(await textOf(p.page, 'metric-rps'), formatRate(m.requests_per_second));
  assert.equal(await textOf(p.page, 'metric-p50'), formatMs(m.latency_ms.p50));
  assert.equal(await textOf(p.page, 'metric-p95'), formatMs(m.latency_ms.p95));
  assert.equal(await textOf(p.page, 'metric-p99'), formatMs(m.latency_ms.p99));
  assert.equal(await textOf(p.page, 'metric-error-rate'), formatPercent(m.error_rate));
  assert.equal(await textOf(p.page, 'metric-dropped'), formatCount(m.dropped_requests));
}

async function thresholdMarks(p: PanelPage): Promise<string[]> {
  return p.page
    .getByTestId('threshold-row')
    .evaluateAll((rows) => rows.map((r) => (r.lastElementChild?.textContent ?? '').trim()));
}

void describe('results panel in Chromium', () => {
  void it('shows a live run: status, tiles, progress, samples; Stop posts stop', async () => {
    const { run, messages } = runningSequence();
    for (const theme of ['light', 'dark'] as const) {
      const p = await openPanel(browser, server.origin, theme);
      for (const m of messages) await p.send(m);
      const lastProgress = messages.filter((m) => m.type === 'progress').at(-1);
      assert.ok(lastProgress?.type === 'progress');
      const s = lastProgress.update.summary;
      await waitForText(p.page, 'metric-requests', formatCount(s.total_requests));
      assert.equal(await textOf(p.page, 'run-status'), 'running');
      assert.equal(await textOf(p.page, 'metric-p95'), formatMs(s.latency_ms.p95));
      assert.equal(await textOf(p.page, 'metric-error-rate'), formatPercent(s.error_rate));
      assert.match(await textOf(p.page, 'run-progress'), new RegExp(`^${formatCount(s.total_requests)} / 1,000 requests`));
      assert.equal(await p.page.getByTestId('stop-button').isVisible(), true);
      assert.equal(await p.page.getByTestId('rerun-button').getAttribute('disabled'), '');
      await p.page.locator('vscode-panel-view#view-overview canvas').first().waitFor();
      await shoot(p, `running-${theme}`);
      // Tabs that were hidden while the updates came show the newest numbers once opened.
      await showTab(p, 'endpoints');
      assert.equal(await p.page.getByTestId('endpoint-row').count(), 3);
      const create = lastProgress.update.endpoints[2];
      const cells = await p.page
        .getByTestId('endpoint-row')
        .nth(2)
        .evaluate((row) => Array.from(row.children as ArrayLike<{ textContent: string | null }>).map((c) => (c.textContent ?? '').trim()));
      assert.deepEqual([cells[0], cells[3], cells[8]], [create.name, formatCount(create.total_requests), formatCount(create.failed_requests)]);
      await showTab(p, 'samples');
      assert.equal(await p.page.getByTestId('sample-row').count(), 2);
      await showTab(p, 'overview');
      if (theme === 'dark') {
        await p.page.getByTestId('stop-button').click();
        await waitForPosted(p.page, 'stop');
        const stop = (await p.posted()).find((m) => m.type === 'stop');
        assert.deepEqual(stop, { type: 'stop', runId: run.runId });
        await waitForText(p.page, 'run-status', 'stopping');
      }
      await assertClean(p);
      await p.close();
    }
  });

  void it('coalesces a burst of live updates into few renders', async () => {
    const base = manyEndpointsResult();
    const p = await openPanel(browser, server.origin, 'dark');
    await p.send({ type: 'runStarted', run: manyEndpointsRunInfo(base) } satisfies ExtensionMessage);
    await waitForText(p.page, 'run-status', 'running');
    const before = await renderCount(p.page);
    // 39 updates with second 39's numbers, then second 40: its numbers on screen mean all arrived.
    await sendBurst(p, manyEndpointsProgress(base, 39), 39);
    const last = manyEndpointsProgress(base, 40);
    await p.send({ type: 'progress', update: last } satisfies ExtensionMessage);
    await waitForText(p.page, 'metric-requests', formatCount(last.summary.total_requests));
    const renders = (await renderCount(p.page)) - before;
    assert.ok(renders >= 1 && renders <= 3, `40 updates in one burst rendered ${renders} times`);
    await assertClean(p);
    await p.close();
  });

  void it('shows a passed run with every threshold ✓', async () => {
    const r = passedResult();
    for (const theme of ['light', 'dark'] as const) {
      const p = await showResult(theme, r);
      await waitForText(p.page, 'run-status', 'passed');
      await assertTiles(p, r);
      assert.equal(await p.page.getByTestId('threshold-row').count(), r.thresholds.length);
      assert.deepEqual(await thresholdMarks(p), r.thresholds.map(() => '✓'));
      assert.equal(await p.page.getByTestId('stop-button').isVisible(), false);
      assert.equal(await p.page.getByTestId('rerun-button').getAttribute('disabled'), null);
      assert.match(await p.page.locator('.model').innerText(), /target 200\.0 req\/s · achieved 200\.0 req\/s/);
      await p.page.locator('vscode-panel-view#view-overview canvas').first().waitFor();
      await shoot(p, `passed-${theme}`);
      await showTab(p, 'endpoints');
      assert.equal(await p.page.getByTestId('endpoint-row').count(), r.endpoint_metrics.length);
      await p.page.getByTestId('rerun-button').click();
      await waitForPosted(p.page, 'rerun');
      await assertClean(p);
      await p.close();
    }
  });

  void it('shows failed thresholds with ✗, the reasons, and the failing tiles', async () => {
    const r = failedThresholdsResult();
    for (const theme of ['light', 'dark'] as const) {
      const p = await showResult(theme, r);
      await waitForText(p.page, 'run-status', 'failed');
      await assertTiles(p, r);
      assert.deepEqual(await thresholdMarks(p), ['✗', '✗', '✓', '✓']);
      const banner = await textOf(p.page, 'run-message');
      for (const reason of r.failure_reasons) assert.ok(banner.includes(reason), `banner shows "${reason}"`);
      assert.equal(await p.page.locator('.tile[data-tone="fail"]').count(), 2, 'p95 and error-rate tiles marked');
      await shoot(p, `failed-${theme}`);
      await showTab(p, 'errors');
      await shoot(p, `failed-errors-${theme}`);
      await assertClean(p);
      await p.close();
    }
  });

  void it('shows a cancelled run and an engine failure', async () => {
    for (const theme of ['light', 'dark'] as const) {
      for (const r of [cancelledResult(), engineFailedResult()]) {
        const p = await showResult(theme, r);
        await waitForText(p.page, 'run-status', statusOf(r));
        await assertTiles(p, r);
        if (r.status === 'failed') assert.ok((await textOf(p.page, 'run-message')).includes(r.error ?? '?'));
        else assert.match(await textOf(p.page, 'run-message'), /stopped before it finished/);
        await shoot(p, `${statusOf(r)}-${theme}`);
        await assertClean(p);
        await p.close();
      }
    }
  });

  void it('shows an engine error that produced no result, keeping the last numbers', async () => {
    const { run, messages } = runningSequence();
    for (const theme of ['light', 'dark'] as const) {
      const p = await openPanel(browser, server.origin, theme);
      const upTo = messages.findIndex((m, i) => i >= 4 && m.type === 'progress');
      for (const m of messages.slice(0, upTo + 1)) await p.send(m);
      const last = messages[upTo];
      assert.ok(last.type === 'progress');
      await p.send({
        type: 'error',
        runId: run.runId,
        message: 'The engine process exited unexpectedly (code 134).',
        lastUpdate: last.update,
      } satisfies ExtensionMessage);
      await waitForText(p.page, 'run-status', 'error');
      assert.equal(await textOf(p.page, 'run-message'), 'The engine process exited unexpectedly (code 134).');
      assert.equal(await textOf(p.page, 'metric-requests'), formatCount(last.update.summary.total_requests));
      assert.equal(await p.page.getByTestId('stop-button').isVisible(), false);
      await shoot(p, `engine-error-${theme}`);
      await assertClean(p);
      await p.close();
    }
  });

  void it('shows 100 endpoints, status codes and errors by type', async () => {
    const r = manyEndpointsResult();
    for (const theme of ['light', 'dark'] as const) {
      const p = await showResult(theme, r);
      await waitForText(p.page, 'run-status', 'failed');
      await assertTiles(p, r);
      assert.deepEqual(await thresholdMarks(p), ['✓', '✗', '✗']);
      await p.page.locator('vscode-panel-view#view-overview canvas').first().waitFor();
      await shoot(p, `many-overview-${theme}`);
      await showTab(p, 'endpoints');
      assert.equal(await p.page.getByTestId('endpoint-row').count(), 100);
      const first = p.page.getByTestId('endpoint-row').first();
      const e0 = r.endpoint_metrics[0];
      assert.deepEqual(
        await first.evaluate((row) => Array.from(row.children as ArrayLike<{ textContent: string | null }>).map((c) => (c.textContent ?? '').trim())),
        [e0.name, e0.method, e0.url, formatCount(e0.total_requests), formatRate(e0.requests_per_second), formatMs(e0.latency_ms.p50), formatMs(e0.latency_ms.p95), formatMs(e0.latency_ms.p99), formatCount(e0.failed_requests), formatPercent(e0.error_rate)],
      );
      await shoot(p, `many-endpoints-${theme}`);
      await showTab(p, 'errors');
      const statusRows = p.page.locator('vscode-data-grid[aria-label="Status codes"] vscode-data-grid-row:not([row-type="header"])');
      assert.equal(await statusRows.count(), Object.keys(r.metrics.status_code_counts).length);
      const errorRows = p.page.locator('vscode-data-grid[aria-label="Errors by type"] vscode-data-grid-row:not([row-type="header"])');
      assert.equal(await errorRows.count(), 3);
      assert.equal(((await errorRows.first().locator('vscode-data-grid-cell').first().textContent()) ?? '').trim(), 'unexpected status');
      await shoot(p, `many-errors-${theme}`);
      await showTab(p, 'samples');
      await p.page.locator('vscode-checkbox').click();
      await p.page.getByTestId('sample-row').nth(8).waitFor({ state: 'detached' });
      assert.equal(await p.page.getByTestId('sample-row').count(), r.sampled_requests.filter((s) => s.error !== null).length);
      // Keyboard: focus a cell of the second failed sample and press Enter.
      await p.page.getByTestId('sample-row').nth(1).locator('vscode-data-grid-cell').first().focus();
      await p.page.keyboard.press('Enter');
      await waitForText(p.page, 'sample-request-line', `GET ${r.sampled_requests[5].url}`);
      await p.page.getByTestId('sample-row').first().click();
      await waitForText(p.page, 'sample-request-line', `GET ${r.sampled_requests[0].url}`);
      await shoot(p, `many-samples-${theme}`);
      await assertClean(p);
      await p.close();
    }
  });

  void it('replays real engine runs recorded against the demo target', async () => {
    for (const name of RECORDED_NAMES) {
      const rec = loadRecorded(name);
      const r = rec.result;
      const p = await openPanel(browser, server.origin, 'dark');
      // Everything up to the result, as the extension forwarded it during the run.
      for (const m of rec.messages.slice(0, -1)) await p.send(m);
      const progress = rec.messages.filter((m) => m.type === 'progress');
      const last = progress.at(-1);
      await waitForText(p.page, 'run-status', rec.messages.some((m) => m.type === 'stopping') ? 'stopping' : 'running');
      if (last?.type === 'progress') await waitForText(p.page, 'metric-requests', formatCount(last.update.summary.total_requests));
      else assert.equal(await textOf(p.page, 'metric-requests'), '—', `${name}: no progress before the result`);
      await p.send(rec.messages[rec.messages.length - 1]);
      await waitForText(p.page, 'run-status', statusOf(r));
      await assertTiles(p, r);
      assert.deepEqual(await thresholdMarks(p), r.thresholds.map((t) => (t.passed ? '✓' : '✗')), name);
      const banner = await textOf(p.page, 'run-message');
      const cancelledReason = 'run cancelled';
      for (const reason of r.failure_reasons) {
        if (r.status === 'cancelled' && reason === cancelledReason) continue;
        assert.ok(banner.includes(reason), `${name}: banner shows "${reason}"`);
      }
      if (r.status === 'cancelled') {
        assert.match(banner, /stopped before it finished/);
        assert.ok(r.failure_reasons.includes(cancelledReason), `${name}: the engine said why`);
        assert.ok(!banner.includes(cancelledReason), `${name}: the banner says it once, not again as "${cancelledReason}"`);
      }
      if (r.timeline.length >= 2) {
        await p.page.locator('vscode-panel-view#view-overview canvas').first().waitFor();
        assert.equal(await p.page.getByTestId('charts-note').isVisible(), false, `${name}: no note over charts`);
        // Without a cursor over the chart, the legend shows the latest values, not dashes.
        const legend = await p.page.locator('vscode-panel-view#view-overview .u-legend').first().innerText();
        assert.match(legend, /req\/s:?\s*[\d.,]+\s*[kM]?/, `${name}: legend "${legend}"`);
        assert.ok(!legend.includes('—'), `${name}: legend "${legend}"`);
      } else {
        await p.page.getByTestId('charts-note').waitFor();
        assert.equal(await p.page.locator('.charts').isVisible(), false, `${name}: no charts for one point`);
      }
      const modelLine = await p.page.locator('.model').innerText();
      if (r.model === 'closed') assert.equal(modelLine, `Closed model · ${formatCount(Number(r.spec.concurrency))} connections`);
      else assert.match(modelLine, new RegExp(`^Open model · target ${formatRate(r.target_rps)} req/s · achieved ${formatRate(r.metrics.requests_per_second)} req/s`));
      await shoot(p, `recorded-${name}-dark`);
      await showTab(p, 'endpoints');
      assert.equal(await p.page.getByTestId('endpoint-row').count(), r.endpoint_metrics.length);
      await showTab(p, 'samples');
      assert.equal(await p.page.getByTestId('sample-row').count(), Math.min(r.sampled_requests.length, 200));
      await p.page.getByTestId('sample-row').first().click();
      await waitForText(p.page, 'sample-request-line', `${r.sampled_requests[0].method} ${r.sampled_requests[0].url}`);
      await shoot(p, `recorded-${name}-samples-dark`);
      await assertClean(p);
      await p.close();
    }
    const one = loadRecorded('quickstart').result;
    const single = await showResult('dark', { ...one, spec: { ...one.spec, concurrency: 1 } });
    await waitForText(single.page, 'run-status', 'passed');
    assert.equal(await single.page.locator('.model').innerText(), 'Closed model · 1 connection');
    await single.close();
  });

  void it('a run shorter than 2 s says so in place of the charts; a live run gets its charts at its second point', async () => {
    const quick = loadRecorded('quickstart');
    for (const theme of ['light', 'dark'] as const) {
      const p = await openPanel(browser, server.origin, theme);
      for (const m of quick.messages) await p.send(m);
      await waitForText(p.page, 'run-status', 'passed');
      const seconds = quick.result.metrics.duration_seconds.toFixed(2);
      await waitForText(
        p.page,
        'charts-note',
        `This run took ${seconds} s: too short for charts, which plot one point per second. The totals above cover the whole run.`,
      );
      assert.equal(await p.page.locator('vscode-panel-view#view-overview canvas').count(), 0, 'no empty or one-dot chart');
      assert.equal(await textOf(p.page, 'metric-requests'), '300');
      // The note sits where the charts would, above the thresholds.
      const top = async (selector: string): Promise<number> => (await p.page.locator(selector).first().boundingBox())?.y ?? Number.NaN;
      const order = { tiles: await top('.tiles'), note: await top('[data-testid="charts-note"]'), thresholds: await top('[data-testid="threshold-row"]') };
      assert.ok(order.tiles < order.note && order.note < order.thresholds, JSON.stringify(order));
      await shoot(p, `short-run-${theme}`);
      await assertClean(p);
      await p.close();
    }

    const live = loadRecorded('passed');
    const progress = live.messages.filter((m) => m.type === 'progress');
    const p = await openPanel(browser, server.origin, 'dark');
    await p.send(live.messages[0]);
    await waitForText(p.page, 'run-status', 'running');
    await p.page.getByTestId('charts-note').filter({ hasText: /^Charts appear once the run has 2 seconds of data/ }).waitFor();
    await p.send(progress[0]);
    assert.ok(progress[0].type === 'progress');
    await waitForText(p.page, 'metric-requests', formatCount(progress[0].update.summary.total_requests));
    assert.equal(await p.page.getByTestId('charts-note').isVisible(), true);
    assert.equal(await p.page.locator('.charts').isVisible(), false);
    await shoot(p, 'live-first-second-dark');
    await p.send(progress[1]);
    await p.page.locator('vscode-panel-view#view-overview canvas').first().waitFor();
    await p.page.getByTestId('charts-note').waitFor({ state: 'hidden' });
    await shoot(p, 'live-second-second-dark');
    await assertClean(p);
    await p.close();
  });

  void it('shows hostile names, URLs, headers and bodies as literal text and runs nothing', async () => {
    const r = hostileResult();
    for (const theme of ['light', 'dark'] as const) {
      const p = await showResult(theme, r);
      await waitForText(p.page, 'run-status', 'passed');
      assert.equal(await p.page.locator('h1.run-name').textContent(), r.name);
      assert.equal(await p.page.title(), 'ATM results');
      await showTab(p, 'endpoints');
      const cells = await p.page
        .getByTestId('endpoint-row')
        .first()
        .evaluate((row) => Array.from(row.children as ArrayLike<{ textContent: string | null }>).map((c) => c.textContent ?? ''));
      assert.equal(cells[0], HOSTILE_SCRIPT);
      assert.equal(cells[2], HOSTILE_URL);
      await showTab(p, 'samples');
      const rows = p.page.getByTestId('sample-row');
      assert.equal(await rows.count(), 5);

      await rows.nth(0).click();
      await waitForText(p.page, 'sample-response-body', HOSTILE_IMG);
      await rows.nth(1).click();
      await waitForText(p.page, 'sample-response-body', HOSTILE_SCRIPT);
      await rows.nth(2).click();
      await p.page.getByTestId('sample-response-headers').filter({ hasText: 'x-evil' }).waitFor();
      assert.ok((await textOf(p.page, 'sample-response-headers')).includes(`x-evil: ${HOSTILE_HEADER}`));
      await rows.nth(3).click();
      await p.page.getByTestId('sample-truncated').waitFor();
      const shown = await p.page.getByTestId('sample-response-body').evaluate((e) => (e.textContent ?? '').length);
      assert.equal(shown, MAX_BODY_DISPLAY_CHARS, 'a 5 MB body is cut for display');
      assert.match(await textOf(p.page, 'sample-truncated'), /Display limited to the first 256 KB of 5 MB/);
      await rows.nth(4).click();
      await waitForText(p.page, 'sample-request-line', `GET ${HOSTILE_URL}`);
      assert.match(await textOf(p.page, 'sample-truncated'), /Truncated/);
      assert.ok((await textOf(p.page, 'sample-response-body')).includes(HOSTILE_IMG.replace(/"/g, '\\"')));
      assert.ok((await textOf(p.page, 'sample-error')).includes(HOSTILE_SCRIPT));
      await shoot(p, `hostile-${theme}`);

      // Nothing from the run became an element.
      const injected = await p.page.evaluate(() => {
        const d = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document;
        return d.querySelectorAll('#app img, #app svg:not(.uplot svg), #app b, #app style, #app script').length;
      });
      assert.equal(injected, 0);
      await assertClean(p);
      await p.close();
    }
  });

  void it('waits quietly before any run', async () => {
    const p = await openPanel(browser, server.origin, 'light');
    await p.send({ type: 'init', run: null, result: null, running: false, canRerun: false } satisfies ExtensionMessage);
    await waitForText(p.page, 'run-status', 'waiting');
    assert.equal(await textOf(p.page, 'metric-requests'), '—');
    assert.equal(await p.page.getByTestId('threshold-row').count(), 0);
    assert.equal(await p.page.getByText('No results yet.').count(), 1);
    assert.equal(await p.page.getByTestId('stop-button').isVisible(), false);
    assert.equal(await p.page.getByTestId('rerun-button').getAttribute('disabled'), '');
    await shoot(p, 'waiting-light');
    await assertClean(p);
    await p.close();
  });

  void it('drops malformed messages and logs them to the extension', async () => {
    const p = await openPanel(browser, server.origin, 'dark');
    const good = passedResult();
    await p.send({ type: 'result', result: good });
    await waitForText(p.page, 'run-status', 'passed');
    const bad: unknown[] = [
      null,
      'result',
      { type: 'nope' },
      { type: 'result', result: { ...good, metrics: { ...good.metrics, total_requests: '<b>1</b>' } } },
      { type: 'progress', update: { runId: 'x' } },
      { type: 'sample', runId: good.id, sample: { endpoint: 1 } },
      { type: 'init', run: null, result: null },
    ];
    for (const m of bad) await p.send(m);
    await waitForPosted(p.page, 'log', bad.length);
    const logs = (await p.posted()).filter((m) => m.type === 'log');
    assert.equal(logs.length, bad.length);
    assert.ok(logs.every((l) => l.type === 'log' && l.level === 'warn' && l.message.startsWith('dropped a malformed')));
    assert.equal(await textOf(p.page, 'run-status'), 'passed');
    assert.equal(await textOf(p.page, 'metric-requests'), formatCount(good.metrics.total_requests));
    await assertClean(p);
    await p.close();
  });

  void it('restores its last state after a reload, and renders a result reopened from history', async () => {
    const p = await openPanel(browser, server.origin, 'dark');
    const r = failedThresholdsResult();
    await p.send({ type: 'result', result: r });
    await waitForText(p.page, 'run-status', 'failed');
    await showTab(p, 'samples');
    await p.page.getByTestId('sample-row').nth(1).click();
    await p.page.getByTestId('sample-error').waitFor();
    // The ui state is saved at most once a second.
    await p.page.waitForFunction(() => {
      const s = (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('atm-panel-state');
      return s !== null && s.includes('"selectedSample":1');
    });
    await p.page.reload();
    await waitForPosted(p.page, 'ready');
    // No init sent: the panel rebuilds itself from getState().
    await waitForText(p.page, 'run-status', 'failed');
    assert.equal(await p.page.getByTestId('threshold-row').count(), r.thresholds.length);
    assert.equal(await textOf(p.page, 'metric-p95'), formatMs(r.metrics.latency_ms.p95));
    await p.page.locator('vscode-panel-view#view-samples').waitFor({ state: 'visible' });
    assert.ok((await textOf(p.page, 'sample-error')).includes('unexpected status 503'));
    await assertClean(p);
    await p.close();

    // A fresh panel given a finished result (from history) renders all of it.
    const h = await showResult('dark', manyEndpointsResult());
    await waitForText(h.page, 'run-status', 'failed');
    await showTab(h, 'endpoints');
    assert.equal(await h.page.getByTestId('endpoint-row').count(), 100);
    await showTab(h, 'samples');
    assert.equal(await h.page.getByTestId('sample-row').count(), 40);
    await assertClean(h);
    await h.close();
  });

  void it('renders readably in a high-contrast theme', async () => {
    const p = await showResult('high-contrast', failedThresholdsResult());
    await waitForText(p.page, 'run-status', 'failed');
    await p.page.locator('vscode-panel-view#view-overview canvas').first().waitFor();
    await shoot(p, 'failed-high-contrast');
    await assertClean(p);
    await p.close();
  });

  void it('fits a narrow panel without sideways scrolling of the page', async () => {
    const short = { ...passedResult(), id: 'run-one-second', timeline: passedResult().timeline.slice(0, 1) };
    for (const r of [failedThresholdsResult(), manyEndpointsResult(), short]) {
      const p = await openPanel(browser, server.origin, 'dark', 520);
      await p.send({ type: 'init', run: null, result: r, running: false, canRerun: true } satisfies ExtensionMessage);
      await waitForText(p.page, 'run-status', statusOf(r));
      // One timeline point: a note stands in for the charts.
      await p.page.locator(r.timeline.length < 2 ? '[data-testid="charts-note"]' : 'vscode-panel-view#view-overview canvas').first().waitFor();
      const overflow = await p.page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
        return d.documentElement.scrollWidth - d.documentElement.clientWidth;
      });
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the panel`);
      if (r.thresholds.length > 0) {
        // Every header and value of the thresholds table is whole, not cut to an ellipsis.
        await p.page.getByTestId('threshold-row').first().waitFor();
        const cut = await p.page.locator('vscode-data-grid[aria-label="Thresholds"] vscode-data-grid-cell').evaluateAll((cells) =>
          cells.filter((c) => c.scrollWidth > c.clientWidth).map((c) => `${c.textContent ?? ''} (${c.scrollWidth} > ${c.clientWidth}px)`),
        );
        assert.deepEqual(cut, [], `cut in a ${520}px panel: ${cut.join(', ')}`);
      }
      await shoot(p, `narrow-${r.id}`);
      if (r.id === 'run-many') {
        for (const tab of ['endpoints', 'samples'] as const) {
          await showTab(p, tab);
          await p.page.getByTestId(tab === 'endpoints' ? 'endpoint-row' : 'sample-row').first().waitFor();
          // The table scrolls inside itself; the page does not.
          const sizes = await p.page.locator(`vscode-panel-view#view-${tab} vscode-data-grid`).first().evaluate((g) => ({
            scroll: g.scrollWidth,
            client: g.clientWidth,
          }));
          assert.ok(sizes.client > 0 && sizes.client <= 520, JSON.stringify(sizes));
          await shoot(p, `narrow-${r.id}-${tab}`);
        }
      }
      await assertClean(p);
      await p.close();
    }
  });

  void it('follows a theme change like VS Code makes it (body class and variables)', async () => {
    const p = await showResult('dark', passedResult());
    await waitForText(p.page, 'run-status', 'passed');
    const firstCanvas = p.page.locator('vscode-panel-view#view-overview canvas').first();
    await firstCanvas.waitFor();
    await firstCanvas.evaluate((c) => c.setAttribute('data-old', ''));
    await p.page.evaluate(
      ({ vars, kind }) => {
        const d = (globalThis as unknown as { document: { documentElement: { style: { setProperty(k: string, v: string): void } }; body: { className: string; setAttribute(k: string, v: string): void } } }).document;
        for (const [k, v] of Object.entries(vars)) d.documentElement.style.setProperty(k, v);
        d.body.setAttribute('data-vscode-theme-kind', kind);
        d.body.className = kind;
      },
      { vars: themeVariables('light'), kind: THEME_KIND.light },
    );
    // The charts are rebuilt with the new palette: a new canvas replaces the old one.
    await p.page.locator('vscode-panel-view#view-overview canvas:not([data-old])').first().waitFor();
    const background = await p.page.evaluate(() => {
      const g = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { body: unknown } };
      return g.getComputedStyle(g.document.body).backgroundColor;
    });
    assert.equal(background, 'rgb(255, 255, 255)');
    await shoot(p, 'theme-switched-dark-to-light');
    await assertClean(p);
    await p.close();
  });

  void it('keeps live updates cheap with 100 endpoints and a 10-minute timeline', async () => {
    const base = manyEndpointsResult();
    const p = await openPanel(browser, server.origin, 'dark');
    await p.send({ type: 'runStarted', run: manyEndpointsRunInfo(base) } satisfies ExtensionMessage);
    await waitForText(p.page, 'run-status', 'running');
    // The first 590 seconds arrive in one burst; the last 10 one at a time, each render awaited.
    await sendBurst(p, manyEndpointsProgress(base, 589), 589);
    const at590 = manyEndpointsProgress(base, 590);
    await p.send({ type: 'progress', update: at590 } satisfies ExtensionMessage);
    await waitForText(p.page, 'metric-requests', formatCount(at590.summary.total_requests));
    await p.page.evaluate(() => {
      const perf = (globalThis as unknown as PanelTestGlobals).__atmTest.perf;
      perf.render.length = 0;
      perf.message.length = 0;
    });
    const measure = async (from: number, to: number): Promise<{ render: number[]; message: number[] }> => {
      await p.page.evaluate(() => {
        const perf = (globalThis as unknown as PanelTestGlobals).__atmTest.perf;
        perf.render.length = 0;
        perf.message.length = 0;
      });
      for (let t = from; t <= to; t++) {
        const n = await renderCount(p.page);
        await p.send({ type: 'progress', update: manyEndpointsProgress(base, t) } satisfies ExtensionMessage);
        await waitForRender(p.page, n);
      }
      await waitForText(p.page, 'metric-requests', formatCount(manyEndpointsProgress(base, to).summary.total_requests));
      return p.page.evaluate(() => (globalThis as unknown as PanelTestGlobals).__atmTest.perf);
    };
    const stats = (xs: number[]): string => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mean = xs.reduce((sum, x) => sum + x, 0) / xs.length;
      return `n=${xs.length} mean=${mean.toFixed(2)}ms median=${sorted[Math.floor(sorted.length / 2)].toFixed(2)}ms max=${sorted[sorted.length - 1].toFixed(2)}ms`;
    };
    // On the overview (tiles, 3 charts of 600 points, thresholds): what a live run shows by default.
    const overview = await measure(591, 595);
    console.log(`live update, 100 endpoints, 600-point timeline, overview tab: render ${stats(overview.render)}; message handling ${stats(overview.message)}`);
    await showTab(p, 'endpoints');
    // With the 100-row endpoint table on screen (charts hidden).
    const endpoints = await measure(596, 600);
    console.log(`live update, 100 endpoints, 600-point timeline, endpoints tab: render ${stats(endpoints.render)}; message handling ${stats(endpoints.message)}`);
    assert.equal(overview.render.length, 5);
    assert.equal(endpoints.render.length, 5);
    for (const perf of [overview, endpoints]) {
      const median = [...perf.render].sort((a, b) => a - b)[2];
      assert.ok(median < 50, `median render ${median.toFixed(2)} ms`);
    }
    // Rows below the fold were left for later; scrolled into view, they show second 600.
    const lastRow = p.page.getByTestId('endpoint-row').nth(99);
    const want = formatCount(manyEndpointsProgress(base, 600).endpoints[99].total_requests);
    const before = await lastRow.evaluate((row) => (row as unknown as { children: ArrayLike<{ textContent: string | null }> }).children[3].textContent);
    assert.notEqual(before, want, 'a row far below the fold is not rewritten by live updates');
    await lastRow.scrollIntoViewIfNeeded();
    const handle = await lastRow.elementHandle();
    await p.page.waitForFunction(
      ([row, text]) => (row as unknown as { children: ArrayLike<{ textContent: string | null }> }).children[3].textContent === text,
      [handle, want] as const,
    );
    await p.page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await showTab(p, 'overview');
    await shoot(p, 'many-live-dark');
    await assertClean(p);
    await p.close();
  });
});
