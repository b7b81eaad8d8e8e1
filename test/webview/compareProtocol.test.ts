// The compare view's data and messages in node: built from two results with known histograms it
// carries exactly what `atm compare` computes; the messages are validated; the panel state takes a
// comparison only for the finished run it shows, and the Baseline state only for that run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareRuns, distributionOf } from '../../engine/compare';
import { buildCompareData, CompareError } from '../../client/compareData';
import { isExtensionMessage, isPanelMessage, type ExtensionMessage } from '../../webview/protocol';
import { closeCompare, initialState, reduce, upgradeState, type PanelState } from '../../webview/state';
import { fastRun, slowRun } from '../fixtures/webview/compare';
import { passedResult } from '../fixtures/webview/runs';

const labels = { a: 'baseline 07:00', b: 'this run 07:10' };

void describe('compare view data', () => {
  const a = fastRun();
  const b = slowRun();
  const data = buildCompareData(a, b, labels);

  void it('has the numbers of atm compare: metric deltas and the exact percentiles of both histograms', () => {
    const exact = compareRuns(a, b);
    assert.deepEqual(data.overall, exact.overall.metrics);
    assert.deepEqual(data.distribution, exact.overall.distribution);
    const p = (x: number): { a_ms: number | null; b_ms: number | null } | undefined => data.distribution?.find((d) => d.percentile === x);
    assert.deepEqual(p(50), { percentile: 50, a_ms: 0.1, b_ms: 0.125, change_ms: 0.025, change_pct: 25 });
    assert.deepEqual(p(99.99), { percentile: 99.99, a_ms: 1.6, b_ms: 2, change_ms: 0.4, change_pct: 25 });
    const rps = data.overall.find((m) => m.metric === 'requests_per_second');
    assert.deepEqual(rps, { metric: 'requests_per_second', unit: 'req/s', a: 200, b: 150, change: -50, change_pct: -25, better: 'higher', verdict: 'worse' });
    const errors = data.overall.find((m) => m.metric === 'error_rate');
    assert.equal(errors?.verdict, 'worse');
    assert.equal(errors?.change_pct, null, 'A had no errors: no relative change');
  });

  void it('carries each run’s percentile curve (from its histogram, on the log axis) and timeline', () => {
    assert.equal(data.a.curve.length, data.b.curve.length);
    assert.ok(data.a.curve.length > 50, `${data.a.curve.length} points`);
    assert.ok(Math.abs(data.a.curve[0].x - Math.log10(2)) < 1e-9);
    assert.equal(data.a.curve[0].ms, 0.1);
    assert.equal(data.b.curve[0].ms, 0.125);
    const last = data.b.curve[data.b.curve.length - 1];
    assert.deepEqual(last, { x: 4, ms: distributionOf(b.histogram ?? '', [99.99])[0] });
    assert.equal(last.ms, 2);
    assert.deepEqual(data.a.timeline[0], { t: 1, rps: 200, p95: a.timeline[0].p95 });
    assert.equal(data.a.timeline.length, 5);
    assert.equal(data.b.timeline.length, 7);
    assert.deepEqual([data.a.label, data.b.label, data.a.runId, data.b.runId], ['baseline 07:00', 'this run 07:10', 'run-fast', 'run-slow']);
  });

  void it('judges B’s baseline thresholds against A, and keeps the table’s metrics per endpoint', () => {
    assert.deepEqual(
      data.thresholds.map((t) => [t.expression, t.passed]),
      [
        ['p95 < baseline + 10%', false],
        ['rps > baseline - 5%', false],
      ],
    );
    assert.equal(data.passed, false);
    assert.deepEqual(
      data.endpoints.map((e) => [e.name, e.metrics.map((m) => m.metric)]),
      ['list', 'create'].map((n) => [n, ['requests_per_second', 'error_rate', 'latency_ms.p50', 'latency_ms.p95', 'latency_ms.p99']]),
    );
    const list = data.endpoints[0].metrics.find((m) => m.metric === 'latency_ms.p95');
    assert.deepEqual([list?.a, list?.b, list?.verdict], [0.4, 0.5, 'worse']);
  });

  void it('names the run whose histogram is corrupt', () => {
    const broken = { ...fastRun(), id: 'run-broken', histogram: 'HISTFAAA-not-base64!!' };
    assert.throws(() => buildCompareData(broken, b, labels), (err: unknown) => err instanceof CompareError && /baseline 07:00 \(run run-broken\)/.test(err.message));
  });

  void it('is a valid compare message, and malformed ones are rejected', () => {
    assert.ok(isExtensionMessage({ type: 'compare', data }));
    assert.ok(isExtensionMessage({ type: 'baselineState', runId: 'r', pinned: true, canPin: true }));
    const bad: unknown[] = [
      { type: 'compare' },
      { type: 'compare', data: { ...data, a: { ...data.a, curve: [{ x: 1 }] } } },
      { type: 'compare', data: { ...data, overall: [{ ...data.overall[0], verdict: 'great' }] } },
      { type: 'compare', data: { ...data, overall: [{ ...data.overall[0], change: Number.NaN }] } },
      { type: 'compare', data: { ...data, distribution: [{ percentile: 50 }] } },
      { type: 'compare', data: { ...data, endpoints: [{ name: 'x', only_in: 'c', metrics: [] }] } },
      { type: 'compare', data: { ...data, b: { ...data.b, timeline: [{ t: 1, rps: 2 }] } } },
      { type: 'baselineState', runId: 'r', pinned: 'yes', canPin: true },
      { type: 'baselineState', pinned: true, canPin: true },
    ];
    for (const m of bad) assert.equal(isExtensionMessage(m), false, JSON.stringify(m).slice(0, 160));
    for (const type of ['pinBaseline', 'unpinBaseline', 'compareWith']) {
      assert.ok(isPanelMessage({ type, runId: 'r' }), type);
      assert.equal(isPanelMessage({ type }), false, type);
      assert.equal(isPanelMessage({ type, runId: 3 }), false, type);
    }
  });
});

void describe('panel state with baselines and comparisons', () => {
  const shown = (result = slowRun()): PanelState => reduce(initialState(), { type: 'init', run: null, result, running: false, canRerun: true });
  const data = buildCompareData(fastRun(), slowRun(), labels);

  void it('takes a comparison for the finished run it shows, and goes back to the run alone', () => {
    const s = reduce(shown(), { type: 'compare', data });
    assert.equal(s.compare, data);
    assert.equal(closeCompare(s).compare, null);
    const plain = shown();
    assert.equal(closeCompare(plain), plain, 'nothing to close: the same state');
    // Another run shown, or a run going: a late comparison is dropped.
    assert.equal(reduce(shown(passedResult()), { type: 'compare', data }).compare, null);
    const running = reduce(shown(), { type: 'runStarted', run: { runId: 'new', name: 'Items API', file: 'api/items.atm.yaml', model: 'closed', target_rps: null, total_requests: 10, duration_seconds: null, started_at: '2026-12-04T07:20:00.000Z' } });
    assert.equal(reduce(running, { type: 'compare', data }).compare, null);
    // A new result replaces the comparison.
    assert.equal(reduce(s, { type: 'result', result: passedResult() }).compare, null);
  });

  void it('keeps the Baseline state of the shown run only', () => {
    const msg: ExtensionMessage = { type: 'baselineState', runId: 'run-slow', pinned: true, canPin: true };
    const s = reduce(shown(), msg);
    assert.deepEqual(s.baseline, { runId: 'run-slow', pinned: true, canPin: true });
    assert.equal(reduce(s, msg), s, 'the same state again changes nothing');
    assert.equal(reduce(shown(), { ...msg, runId: 'other' }).baseline, null);
    // Showing another run forgets it; the same run again keeps it.
    assert.equal(reduce(s, { type: 'init', run: null, result: passedResult(), running: false, canRerun: true }).baseline, null);
    assert.deepEqual(reduce(s, { type: 'init', run: null, result: slowRun(), running: false, canRerun: true }).baseline, s.baseline);
  });

  void it('reads a state saved before these fields existed', () => {
    const old = { ...shown() } as Partial<PanelState>;
    delete old.baseline;
    delete old.compare;
    const up = upgradeState(old as PanelState);
    assert.equal(up.baseline, null);
    assert.equal(up.compare, null);
  });
});
