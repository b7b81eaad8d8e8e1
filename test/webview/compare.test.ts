// The panel's baseline controls and compare view in real Chromium: Pin/Unpin and Compare with…
// post their messages for the run shown; the compare view's tiles carry the right signs and
// colours for known runs (slower and faster), the percentile chart holds both runs' points, and
// the per-endpoint deltas and exact percentiles are listed. Screenshots in test-results/webview/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildCompareData } from '../../client/compareData';
import type { ExtensionMessage } from '../../webview/protocol';
import { formatMs } from '../../webview/format';
import { fastRun, slowRun } from '../fixtures/webview/compare';
import { cancelledResult } from '../fixtures/webview/runs';
import { buildWebview, launchChromium, openPanel, screenshot, startPanelServer, waitForPosted, waitForText, type PanelPage, type PanelServer } from './harness';

let server: PanelServer;
let browser: Browser;

before(async () => {
  buildWebview();
  server = await startPanelServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function showing(result = slowRun(), theme: 'dark' | 'light' = 'dark', width = 1000): Promise<PanelPage> {
  const p = await openPanel(browser, server.origin, theme, width);
  await p.send({ type: 'init', run: null, result, running: false, canRerun: true } satisfies ExtensionMessage);
  await waitForText(p.page, 'run-status', result.passed ? 'passed' : result.status === 'cancelled' ? 'cancelled' : 'failed');
  return p;
}

/** The little of the page's DOM the evaluations below use (the tests compile without the DOM library). */
interface PageDom {
  document: { createElement(tag: string): { style: { color: string }; remove(): void }; body: { appendChild(node: unknown): void } };
  getComputedStyle(node: unknown): { color: string };
}
type RowLike = { children: ArrayLike<{ textContent: string | null; getAttribute(name: string): string | null }> };

/** Script errors and CSP violations; the harness serves no favicon, whose 404 is not the panel's. */
async function misdeeds(p: PanelPage): Promise<string[]> {
  const foreign = p.requests.filter((u) => !u.startsWith(server.origin));
  return [...foreign, ...(await p.violations()), ...p.errors.filter((e) => !/favicon/.test(e) && !/Failed to load resource.*404/.test(e))];
}

/** The computed text colour of an element, and of a probe coloured with a CSS variable of the panel. */
async function colours(page: Page, testid: string): Promise<{ actual: string; pass: string; fail: string; muted: string }> {
  // No named functions inside: the page has not the helpers the test's compiler wraps them in.
  return page.getByTestId(testid).evaluate((node) => {
    const w = globalThis as unknown as PageDom;
    const resolved: string[] = [];
    for (const value of ['var(--atm-pass)', 'var(--atm-fail)', 'var(--vscode-descriptionForeground)']) {
      const span = w.document.createElement('span');
      span.style.color = value;
      w.document.body.appendChild(span);
      resolved.push(w.getComputedStyle(span).color);
      span.remove();
    }
    return { actual: w.getComputedStyle(node).color, pass: resolved[0], fail: resolved[1], muted: resolved[2] };
  });
}

async function tile(page: Page, key: string): Promise<{ value: string; delta: string; was: string; verdict: string | null }> {
  return {
    value: ((await page.getByTestId(`compare-value-${key}`).textContent()) ?? '').trim(),
    delta: ((await page.getByTestId(`compare-delta-${key}`).textContent()) ?? '').trim(),
    was: ((await page.getByTestId(`compare-was-${key}`).textContent()) ?? '').trim(),
    verdict: await page.getByTestId(`compare-tile-${key}`).getAttribute('data-verdict'),
  };
}

void describe('Pin as Baseline in the panel', () => {
  void it('offers Pin for a stored completed run, shows Baseline with Unpin once pinned, and posts both for the shown run', async () => {
    const p = await showing();
    // Until the extension says the run is stored, there is nothing to pin.
    assert.equal(await p.page.getByTestId('pin-button').isVisible(), false);
    await p.send({ type: 'baselineState', runId: 'run-slow', pinned: false, canPin: true } satisfies ExtensionMessage);
    await waitForText(p.page, 'pin-button', 'Pin as Baseline');
    assert.equal(await p.page.getByTestId('baseline-tag').isVisible(), false);
    await p.page.getByTestId('pin-button').click();
    await waitForPosted(p.page, 'pinBaseline');
    assert.deepEqual((await p.posted()).filter((m) => m.type === 'pinBaseline'), [{ type: 'pinBaseline', runId: 'run-slow' }]);

    await p.send({ type: 'baselineState', runId: 'run-slow', pinned: true, canPin: true } satisfies ExtensionMessage);
    await waitForText(p.page, 'pin-button', 'Unpin Baseline');
    await p.page.getByTestId('baseline-tag').waitFor({ state: 'visible' });
    await screenshot(p.page, 'compare-pinned-header');
    await p.page.getByTestId('pin-button').click();
    await waitForPosted(p.page, 'unpinBaseline');
    assert.deepEqual((await p.posted()).filter((m) => m.type === 'unpinBaseline'), [{ type: 'unpinBaseline', runId: 'run-slow' }]);

    // A state for another run is not this run's.
    await p.send({ type: 'baselineState', runId: 'someone-else', pinned: false, canPin: false } satisfies ExtensionMessage);
    await waitForText(p.page, 'pin-button', 'Unpin Baseline');
    assert.deepEqual(await misdeeds(p), []);
    await p.close();
  });

  void it('marks a baseline threshold without a baseline as not judged, neither ✓ nor ✗', async () => {
    const run = { ...slowRun(), thresholds: [
      { expression: 'p95 < baseline + 10%', endpoint: null, actual: 0.5, passed: true, baseline: null, limit: null, no_baseline: true },
      { expression: 'p99 < 50ms', endpoint: null, actual: 0.5, passed: true, baseline: null, limit: 50 },
    ] };
    const p = await showing(run);
    const rows = p.page.getByTestId('threshold-row');
    await rows.nth(1).waitFor();
    const results = await rows.evaluateAll((list: RowLike[]) => list.map((r) => ({ text: (r.children[3]?.textContent ?? '').trim(), title: r.children[3]?.getAttribute('title') ?? '' })));
    assert.equal(results[0].text, '–');
    assert.match(results[0].title, /^no baseline: not judged/);
    assert.deepEqual(results[1], { text: '✓', title: 'passed' });
    await p.close();
  });

  void it('offers no Pin for a cancelled run, but Compare with… still', async () => {
    const p = await showing(cancelledResult());
    await p.send({ type: 'baselineState', runId: cancelledResult().id, pinned: false, canPin: false } satisfies ExtensionMessage);
    await p.page.getByTestId('compare-button').waitFor({ state: 'visible' });
    assert.equal(await p.page.getByTestId('pin-button').isVisible(), false);
    await p.close();
  });
});

void describe('the compare view', () => {
  const slower = buildCompareData(fastRun(), slowRun(), { a: 'baseline 07:00:00', b: 'this run 07:10:00' });

  void it('opens from Compare with…, shows a regression in red and goes back to the run', async () => {
    const p = await showing();
    await p.page.getByTestId('compare-button').click();
    await waitForPosted(p.page, 'compareWith');
    assert.deepEqual((await p.posted()).filter((m) => m.type === 'compareWith'), [{ type: 'compareWith', runId: 'run-slow' }]);
    await p.send({ type: 'compare', data: slower } satisfies ExtensionMessage);
    await p.page.getByTestId('compare-view').waitFor({ state: 'visible' });
    assert.equal(await p.page.locator('.tiles').first().isVisible(), false, 'the single-run tiles give way');

    // p95: 0.4 → 0.5 ms, +0.1 ms (+25%), worse (red).
    assert.deepEqual(await tile(p.page, 'p95'), { value: '0.50 ms', delta: '+0.10 ms (+25.0%)', was: 'A: 0.40 ms', verdict: 'worse' });
    assert.deepEqual(await tile(p.page, 'p50'), { value: '0.13 ms', delta: '+0.03 ms (+25.0%)', was: 'A: 0.10 ms', verdict: 'worse' });
    // Fewer requests per second is worse too: −50 req/s (−25%).
    assert.deepEqual(await tile(p.page, 'rps'), { value: '150.0', delta: '\u221250.0 (\u221225.0%)', was: 'A: 200.0', verdict: 'worse' });
    // Errors from none: in percentage points, no relative change.
    assert.deepEqual(await tile(p.page, 'error-rate'), { value: '2%', delta: '+2.00 pp', was: 'A: 0%', verdict: 'worse' });
    // The number of requests is neither better nor worse.
    assert.deepEqual(await tile(p.page, 'requests'), { value: '1,000', delta: '0 (0.0%)', was: 'A: 1,000', verdict: null });
    const red = await colours(p.page, 'compare-delta-p95');
    assert.equal(red.actual, red.fail);
    assert.notEqual(red.fail, red.pass);

    await waitForText(p.page, 'compare-verdict', '2 of 2 baseline thresholds failed against A.');
    await waitForText(p.page, 'compare-against', 'This run 07:10:00 (B) against baseline 07:00:00 (A)');
    const thresholds = await p.page.getByTestId('compare-threshold-row').evaluateAll((rows: RowLike[]) => rows.map((r) => Array.from(r.children, (c) => (c.textContent ?? '').trim())));
    assert.deepEqual(thresholds, [
      ['p95 < baseline + 10%', 'all', '0.50 ms', '0.40 ms', '✗'],
      ['rps > baseline - 5%', 'all', '150.0 req/s', '200.0 req/s', '✗'],
    ]);
    await screenshot(p.page, 'compare-regression-1000');

    await p.page.getByTestId('compare-back').click();
    await p.page.getByTestId('compare-view').waitFor({ state: 'hidden' });
    await p.page.locator('.tiles').first().waitFor({ state: 'visible' });
    await waitForText(p.page, 'metric-p95', '0.50 ms');
    assert.deepEqual(await misdeeds(p), []);
    await p.close();
  });

  void it('colours an improvement green (the same two runs the other way round)', async () => {
    const faster = buildCompareData(slowRun(), fastRun(), { a: 'run 07:10:00', b: 'this run 07:00:00' });
    const p = await showing(fastRun(), 'light');
    await p.send({ type: 'compare', data: faster } satisfies ExtensionMessage);
    await p.page.getByTestId('compare-view').waitFor({ state: 'visible' });
    assert.deepEqual(await tile(p.page, 'p95'), { value: '0.40 ms', delta: '\u22120.10 ms (\u221220.0%)', was: 'A: 0.50 ms', verdict: 'better' });
    assert.deepEqual(await tile(p.page, 'rps'), { value: '200.0', delta: '+50.0 (+33.3%)', was: 'A: 150.0', verdict: 'better' });
    assert.deepEqual(await tile(p.page, 'error-rate'), { value: '0%', delta: '\u22122.00 pp (\u2212100%)', was: 'A: 2%', verdict: 'better' });
    const green = await colours(p.page, 'compare-delta-p95');
    assert.equal(green.actual, green.pass);
    await waitForText(p.page, 'compare-verdict', 'All 2 baseline thresholds held against A.');
    await screenshot(p.page, 'compare-improvement-light');
    await p.close();
  });

  void it('overlays both runs: the percentile chart has each run’s points on the log axis, the timelines both series', async () => {
    const p = await showing();
    await p.send({ type: 'compare', data: slower } satisfies ExtensionMessage);
    await p.page.getByTestId('compare-view').waitFor({ state: 'visible' });
    const chart = p.page.getByTestId('compare-percentile-chart');
    await chart.locator('canvas').waitFor();
    // Both series in each chart's legend.
    for (const id of ['compare-percentile-chart', 'compare-rps-chart', 'compare-p95-chart']) {
      const labels = await p.page.getByTestId(id).locator('.u-legend .u-series .u-label').allTextContents();
      assert.deepEqual(labels.slice(1), ['baseline 07:00:00', 'this run 07:10:00'], id);
    }
    // The chart's points (its text alternative): one row per point, A and B from their curves.
    const rows = await p.page.getByTestId('compare-percentile-points').locator('tbody tr').evaluateAll((list: RowLike[]) => list.map((r) => Array.from(r.children, (c) => c.textContent ?? '')));
    assert.equal(rows.length, slower.a.curve.length);
    assert.deepEqual(rows[0], ['p50', '0.10 ms', '0.13 ms']);
    const last = rows[rows.length - 1];
    assert.deepEqual(last, ['p99.99', '1.6 ms', '2.0 ms']);
    // Every point is the curve's, A's and B's side by side.
    assert.deepEqual(
      rows.map((r) => r.slice(1)),
      slower.a.curve.map((pt, i) => [formatMs(pt.ms), formatMs(slower.b.curve[i].ms)]),
    );
    // B is above A all along: 25% slower at every percentile.
    assert.ok(slower.a.curve.every((pt, i) => slower.b.curve[i].ms > pt.ms));
    // The timelines: A has 5 seconds, B 7; the union is B's 7 seconds.
    const canvasSizes = await p.page.locator('[data-testid="compare-view"] canvas').evaluateAll((cs: Array<{ width: number; height: number }>) => cs.map((c) => c.width > 0 && c.height > 0));
    assert.deepEqual(canvasSizes, [true, true, true]);
    await p.close();
  });

  void it('lists the exact percentiles and each endpoint’s deltas', async () => {
    const p = await showing();
    await p.send({ type: 'compare', data: slower } satisfies ExtensionMessage);
    await p.page.getByTestId('compare-view').waitFor({ state: 'visible' });
    const percentiles = await p.page.getByTestId('compare-percentile-row').evaluateAll((rows: RowLike[]) => rows.map((r) => Array.from(r.children, (c) => (c.textContent ?? '').trim())));
    assert.equal(percentiles.length, 12);
    assert.deepEqual(percentiles[0], ['p50', '0.10 ms', '0.13 ms', '+0.03 ms (+25.0%)']);
    assert.deepEqual(percentiles[percentiles.length - 1], ['p99.99', '1.6 ms', '2.0 ms', '+0.40 ms (+25.0%)']);
    const endpoints = await p.page.getByTestId('compare-endpoint-row').evaluateAll((rows: RowLike[]) =>
      rows.map((r) => Array.from(r.children, (c) => ({ text: (c.textContent ?? '').trim(), tone: c.getAttribute('data-tone') }))),
    );
    assert.deepEqual(endpoints.map((r) => r[0].text), ['list', 'create']);
    // list: 100 → 75 req/s, errors 0 → 2%, p95 0.4 → 0.5 ms.
    assert.deepEqual(endpoints[0].slice(1), [
      { text: '75.0 (\u221225.0%)', tone: 'worse' },
      { text: '0.13 ms (+25.0%)', tone: 'worse' },
      { text: '0.50 ms (+25.0%)', tone: 'worse' },
      { text: '0.50 ms (+25.0%)', tone: 'worse' },
      { text: '2%', tone: 'worse' },
    ]);
    // create had no errors in either run: the same.
    assert.deepEqual(endpoints[1][5], { text: '0%', tone: 'same' });
    await p.close();
  });

  void it('drops a comparison that is not of the run shown', async () => {
    const p = await showing(fastRun());
    await p.send({ type: 'compare', data: slower } satisfies ExtensionMessage);
    await p.send({ type: 'baselineState', runId: 'run-fast', pinned: false, canPin: true } satisfies ExtensionMessage);
    await waitForText(p.page, 'pin-button', 'Pin as Baseline');
    assert.equal(await p.page.getByTestId('compare-view').isVisible(), false);
    await p.close();
  });
});

