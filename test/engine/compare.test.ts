// The comparison maths: two synthetic HDR histograms whose percentiles are known exactly, and
// baseline thresholds judged on them.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compareDistributions, compareResults, compareRuns, DISTRIBUTION_PERCENTILES, distributionOf, judgeAgainst, percentileCurve } from '../../engine/compare';
import type { EndpointMetrics, Metrics, RunResult } from '../../engine/format/result';
import { decodeHistogram, encodeHistogram, newHistogram, summarize } from '../../engine/run/metrics';

/** Values below 2048 µs are exact in an HDR histogram of 3 significant digits. */
function histogram(counts: Array<[us: number, count: number]>): string {
  const h = newHistogram();
  for (const [us, count] of counts) h.recordValueWithCount(us, count);
  return encodeHistogram(h);
}

// 1000 requests: 50% at 100 µs, 40% at 200, 9% at 400, 0.9% at 800, 0.1% at 1600.
const A_COUNTS: Array<[number, number]> = [
  [100, 500],
  [200, 400],
  [400, 90],
  [800, 9],
  [1600, 1],
];
// The same shape, every value 25% slower (still below 2048 µs: exact).
const B_COUNTS: Array<[number, number]> = A_COUNTS.map(([us, n]) => [us * 1.25, n]);

function metrics(base64: string, overrides: Partial<Metrics> = {}): Metrics {
  const total = 1000;
  const lat = summarize(decodeHistogram(base64));
  return {
    total_requests: total,
    successful_requests: total,
    failed_requests: 0,
    dropped_requests: 0,
    requests_per_second: 200,
    duration_seconds: 5,
    error_rate: 0,
    bytes_received: 0,
    bytes_sent: 0,
    latency_ms: lat,
    service_time_ms: lat,
    ttfb_ms: lat,
    status_code_counts: { '200': total },
    errors_by_type: {},
    ...overrides,
  };
}

function run(name: string, id: string, base64: string, extra: { thresholds?: string[]; endpoints?: EndpointMetrics[]; specEndpoints?: unknown[]; metrics?: Partial<Metrics> } = {}): RunResult {
  return {
    id,
    name,
    file: 't.atm.yaml',
    status: 'completed',
    passed: true,
    failure_reasons: [],
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:00:05.000Z',
    model: 'closed',
    target_rps: null,
    spec: { name, thresholds: extra.thresholds ?? [], ...(extra.specEndpoints ? { endpoints: extra.specEndpoints } : {}) },
    metrics: metrics(base64, extra.metrics),
    endpoint_metrics: extra.endpoints ?? [],
    thresholds: [],
    timeline: [],
    sampled_requests: [],
    histogram: base64,
  };
}

void describe('distributions from histograms', () => {
  const a = histogram(A_COUNTS);
  const b = histogram(B_COUNTS);

  void it('reads every percentile exactly from the histogram', () => {
    const percentiles = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99];
    assert.deepEqual(distributionOf(a, percentiles), [0.1, 0.2, 0.2, 0.4, 0.4, 0.8, 0.8, 1.6, 1.6]);
    assert.deepEqual(distributionOf(b, percentiles), [0.125, 0.25, 0.25, 0.5, 0.5, 1, 1, 2, 2]);
  });

  void it('gives the change at each percentile in ms and %', () => {
    const d = compareDistributions(a, b);
    assert.ok(d !== null);
    assert.deepEqual(
      d.map((p) => p.percentile),
      [...DISTRIBUTION_PERCENTILES],
    );
    assert.equal(d[0].percentile, 50);
    assert.equal(d[d.length - 1].percentile, 99.99);
    for (const p of d) {
      assert.ok(p.a_ms !== null && p.b_ms !== null && p.change_ms !== null);
      assert.equal(p.change_pct, 25, `p${p.percentile}`);
      assert.ok(Math.abs(p.change_ms - (p.b_ms - p.a_ms)) < 1e-9);
    }
    const p999 = d.find((p) => p.percentile === 99.9);
    assert.deepEqual(p999, { percentile: 99.9, a_ms: 0.8, b_ms: 1, change_ms: 0.2, change_pct: 25 });
  });

  void it('is not interpolated from the summary: a tail the summary cannot see shows up', () => {
    // Same p50..p99.9 as A, but the slowest 0.01% is 1900 µs instead of 1600 µs.
    const c = histogram([...A_COUNTS.slice(0, 4), [1600, 0], [1900, 1]]);
    const d = compareDistributions(a, c);
    assert.ok(d !== null);
    assert.deepEqual(
      d.filter((p) => p.change_ms !== 0).map((p) => [p.percentile, p.a_ms, p.b_ms]),
      [
        [99.95, 1.6, 1.9],
        [99.975, 1.6, 1.9],
        [99.99, 1.6, 1.9],
      ],
    );
  });
});

void describe('compareRuns', () => {
  const a = histogram(A_COUNTS);
  const b = histogram(B_COUNTS);

  void it('reports each metric of A and B, the change and whether it is better or worse', () => {
    const cmp = compareRuns(run('t', 'A', a), run('t', 'B', b, { metrics: { requests_per_second: 180 } }));
    const get = (name: string) => cmp.overall.metrics.find((m) => m.metric === name);
    assert.deepEqual(get('latency_ms.p95'), { metric: 'latency_ms.p95', unit: 'ms', a: 0.4, b: 0.5, change: 0.1, change_pct: 25, better: 'lower', verdict: 'worse' });
    assert.deepEqual(get('requests_per_second'), { metric: 'requests_per_second', unit: 'req/s', a: 200, b: 180, change: -20, change_pct: -10, better: 'higher', verdict: 'worse' });
    assert.equal(get('error_rate')?.verdict, 'same');
    assert.equal(cmp.overall.distribution?.length, DISTRIBUTION_PERCENTILES.length);
    assert.equal(cmp.passed, true, 'no baseline thresholds: nothing fails');
  });

  void it("judges B's baseline thresholds with A as the baseline", () => {
    const bRun = run('t', 'B', b, { thresholds: ['p95 < baseline + 10%', 'p99 <= baseline * 2', 'rps > baseline - 5%', 'p50 < 1s'] });
    const judged = judgeAgainst(bRun, run('t', 'A', a));
    assert.deepEqual(judged.thresholds, [
      { expression: 'p95 < baseline + 10%', endpoint: null, actual: 0.5, passed: false, baseline: 0.4, limit: 0.44 },
      { expression: 'p99 <= baseline * 2', endpoint: null, actual: 0.5, passed: true, baseline: 0.4, limit: 0.8 },
      { expression: 'rps > baseline - 5%', endpoint: null, actual: 200, passed: true, baseline: 200, limit: 190 },
    ]);
    assert.deepEqual(judged.failure_reasons, ['p95 < baseline + 10%: was 0.5ms (baseline 0.4ms, +25%, limit 0.44ms)']);
    assert.equal(judged.passed, false);
  });

  void it('compares endpoints by name, and says which side an endpoint is missing from', () => {
    const ep = (name: string, h: string): EndpointMetrics => ({ name, method: 'GET', url: `/${name}`, ...metrics(h), histogram: h });
    const aRun = run('t', 'A', a, { endpoints: [ep('list', a), ep('old', a)] });
    const bRun = run('t', 'B', b, {
      endpoints: [ep('list', b), ep('new', b)],
      specEndpoints: [{ name: 'list', thresholds: ['p99 < baseline + 20%'] }, { name: 'new', thresholds: ['p99 < baseline'] }],
    });
    const cmp = compareRuns(aRun, bRun);
    assert.deepEqual(
      cmp.endpoints.map((e) => [e.endpoint, e.only_in ?? 'both']),
      [
        ['list', 'both'],
        ['old', 'a'],
        ['new', 'b'],
      ],
    );
    const list = cmp.endpoints[0];
    assert.equal(list.distribution?.find((p) => p.percentile === 99)?.change_pct, 25);
    assert.deepEqual(
      cmp.thresholds.map((t) => [t.endpoint, t.expression, t.passed, t.no_baseline ?? false]),
      [
        ['list', 'p99 < baseline + 20%', false, false],
        ['new', 'p99 < baseline', true, true],
      ],
    );
    assert.equal(cmp.passed, false);
  });

  void it('matches tests by name across files and lists the unmatched', () => {
    const cmp = compareResults([run('x', 'A1', a), run('y', 'A2', a)], [run('y', 'B2', b), run('z', 'B3', b)]);
    assert.deepEqual(
      cmp.tests.map((t) => [t.name, t.a.id, t.b.id]),
      [['y', 'A2', 'B2']],
    );
    assert.deepEqual(cmp.only_in_a, ['x']);
    assert.deepEqual(cmp.only_in_b, ['z']);
  });
});

void describe('percentileCurve', () => {
  void it('spans p50 to p99.99 evenly on the log axis, with the histogram values', () => {
    const curve = percentileCurve(histogram(A_COUNTS));
    assert.ok(Math.abs(curve[0].percentile - 50) < 1e-9);
    assert.equal(curve[curve.length - 1].x, 4);
    assert.ok(Math.abs(curve[curve.length - 1].percentile - 99.99) < 1e-9);
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i].ms >= curve[i - 1].ms, 'monotonic');
    assert.equal(curve[0].ms, 0.1);
    assert.equal(curve[curve.length - 1].ms, 1.6);
    // Between p90 and p99 (x from 1 to 2) the 9% of requests at 400 µs.
    const between = curve.filter((p) => p.x > 1.01 && p.x <= 2);
    assert.ok(between.length > 10);
    assert.ok(between.every((p) => p.ms === 0.4));
  });
});
