import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineBoundInWords, parseThreshold, thresholdHolds } from '../../engine/format';

const ok = (expr: string) => {
  const r = parseThreshold(expr);
  assert.ok(r.ok, `${expr}: ${r.ok ? '' : r.message}`);
  return r.threshold;
};

void test('valid thresholds normalise units', () => {
  const cases: Array<[string, string, string, number]> = [
    ['p95 < 200ms', 'p95', '<', 200],
    ['p95<200', 'p95', '<', 200],
    ['  p99.9 <= 1.5s ', 'p99.9', '<=', 1500],
    ['p99_9 < 2s', 'p99.9', '<', 2000],
    ['mean > 0.5ms', 'mean', '>', 0.5],
    ['max >= 1e3', 'max', '>=', 1000],
    ['min == 0', 'min', '==', 0],
    ['p50 < 10', 'p50', '<', 10],
    ['p75 < 10', 'p75', '<', 10],
    ['p90 < 10', 'p90', '<', 10],
    ['error_rate < 1%', 'error_rate', '<', 0.01],
    ['error_rate <= 0.05', 'error_rate', '<=', 0.05],
    ['rps >= 150', 'rps', '>=', 150],
    ['dropped == 0', 'dropped', '==', 0],
  ];
  for (const [expr, metric, op, value] of cases) {
    const t = ok(expr);
    assert.equal(t.metric, metric, expr);
    assert.equal(t.op, op, expr);
    assert.ok(Math.abs(t.value - value) < 1e-12, `${expr}: ${t.value}`);
    assert.equal(t.expression, expr.trim());
  }
});

void test('invalid thresholds are located at the bad token', () => {
  const cases: Array<[string, string, number, number]> = [
    ['', 'Empty threshold: write `METRIC OP VALUE`, e.g. `p95 < 200ms`.', 0, 0],
    ['p96 < 1s', 'Unknown metric `p96`; did you mean `p90`? Metrics: min, mean, p50, p75, p90, p95, p99, p99.9, max, error_rate, rps, dropped, checks, iteration_duration p95.', 0, 3],
    ['latency < 1s', 'Unknown metric `latency`. Metrics: min, mean, p50, p75, p90, p95, p99, p99.9, max, error_rate, rps, dropped, checks, iteration_duration p95.', 0, 7],
    ['p95 = 1', 'Use `==` to compare for equality.', 4, 5],
    ['p95 ~ 1', 'Expected a comparison (<, <=, >, >=, ==) after `p95`.', 4, 5],
    ['p95 < fast', 'Expected a number after `<`, found `fast`.', 6, 10],
    ['p95 <', 'Expected a number after `<`.', 5, 5],
    ['p95 < 200 ms', 'Write the unit right after the number, without a space: `200ms`.', 9, 12],
    ['error_rate < 1 %', 'Write the unit right after the number, without a space: `1%`.', 14, 16],
    ['p95 < 200 ms extra', 'Unexpected `ms extra` after the value.', 10, 18],
    ['p95 < 200kb', '`kb` is not a unit for `p95`; use `ms` (the default) or `s`.', 9, 11],
    ['error_rate < 5', 'An error rate without % is a fraction from 0 to 1: write `5%` or `0.05`.', 13, 14],
    ['error_rate < 150%', 'An error rate is between 0% and 100%.', 13, 17],
    ['error_rate < 1ms', '`ms` is not a unit for `error_rate`; write a percentage (`1%`) or a fraction (`0.01`).', 14, 16],
    ['rps > 10ms', '`ms` is not a unit for `rps`; `rps` is in requests per second, no unit.', 8, 10],
    ['dropped < 1.5', '`dropped` is a count: use a whole number.', 10, 13],
    ['p95 < -5', 'A threshold value cannot be negative.', 6, 8],
    ['< 5', 'A threshold starts with a metric (min, mean, p50, p75, p90, p95, p99, p99.9, max, error_rate, rps, dropped, checks), e.g. `p95 < 200ms`.', 0, 1],
  ];
  for (const [expr, message, start, end] of cases) {
    const r = parseThreshold(expr);
    assert.ok(!r.ok, expr);
    assert.deepEqual({ message: r.message, start: r.start, end: r.end }, { message, start, end }, expr);
  }
});

void test('thresholdHolds compares in the normalised unit', () => {
  assert.equal(thresholdHolds(ok('p95 < 1s'), 999), true);
  assert.equal(thresholdHolds(ok('p95 < 1s'), 1000), false);
  assert.equal(thresholdHolds(ok('error_rate <= 1%'), 0.01), true);
  assert.equal(thresholdHolds(ok('rps >= 150'), 149.9), false);
  assert.equal(thresholdHolds(ok('dropped == 0'), 0), true);
  assert.equal(thresholdHolds(ok('max > 5'), 5), false);
});

void test('baseline thresholds parse into a bound relative to the baseline', () => {
  const cases: Array<[string, string, { op: string; amount: number; relative: boolean }]> = [
    ['p95 < baseline + 10%', 'p95', { op: '+', amount: 0.1, relative: true }],
    ['p99 <= baseline * 1.2', 'p99', { op: '*', amount: 1.2, relative: false }],
    ['rps > baseline - 5%', 'rps', { op: '-', amount: 0.05, relative: true }],
    // An error rate is itself a percentage: `+ 0.5%` is half a percentage point.
    ['error_rate <= baseline + 0.5%', 'error_rate', { op: '+', amount: 0.005, relative: false }],
    ['p95 < baseline + 20ms', 'p95', { op: '+', amount: 20, relative: false }],
    ['p95 < baseline+0.1s', 'p95', { op: '+', amount: 100, relative: false }],
    ['mean <= baseline', 'mean', { op: '+', amount: 0, relative: false }],
    ['dropped <= baseline + 10', 'dropped', { op: '+', amount: 10, relative: false }],
  ];
  for (const [expr, metric, bound] of cases) {
    const t = ok(expr);
    assert.equal(t.metric, metric, expr);
    assert.ok(t.baseline !== undefined, expr);
    assert.equal(t.baseline.op, bound.op, expr);
    assert.equal(t.baseline.relative, bound.relative, expr);
    assert.ok(Math.abs(t.baseline.amount - bound.amount) < 1e-12, `${expr}: ${t.baseline.amount}`);
  }
});

void test('malformed baseline thresholds are located at the bad token', () => {
  const cases: Array<[string, string, number, number]> = [
    ['p95 < baseline / 2', 'After `baseline` write `+ 10%`, `- 5%` or `* 1.2` (or nothing), not `/`.', 15, 16],
    ['p95 < baseline +', 'Expected a number after `baseline +`: e.g. `baseline + 10%`.', 16, 16],
    ['p95 < baseline + fast', 'Expected a positive number after `baseline +`, found `fast`: e.g. `baseline + 10%`.', 17, 21],
    ['p95 < baseline * 1.2ms', 'A factor has no unit: write `baseline * 1.2` (1.2 is 20% more).', 20, 22],
    ['p95 < baseline * 0', 'A factor must be greater than 0, e.g. `baseline * 1.2`.', 17, 18],
    ['p95 < baseline + 10kb', '`kb` is not a unit for `p95`; use `ms` (the default), `s` or `%` (of the baseline).', 19, 21],
    ['rps > baseline - 100%', 'Subtracting 100% or more of the baseline leaves nothing to compare with; use a smaller share.', 17, 21],
    ['p95 < baselin + 10%', 'Expected a number or `baseline` after `<`, found `baselin`; did you mean `baseline`?', 6, 13],
    ['p95 < baseline + 10% extra', 'Unexpected `extra` after the value.', 21, 26],
  ];
  for (const [expr, message, start, end] of cases) {
    const r = parseThreshold(expr);
    assert.ok(!r.ok, expr);
    assert.deepEqual({ message: r.message, start: r.start, end: r.end }, { message, start, end }, expr);
  }
});

void test('thresholdHolds with a baseline computes the limit from it, and holds without one', () => {
  assert.equal(thresholdHolds(ok('p95 < baseline + 10%'), 219, 200), true);
  assert.equal(thresholdHolds(ok('p95 < baseline + 10%'), 221, 200), false);
  assert.equal(thresholdHolds(ok('p99 <= baseline * 1.2'), 240, 200), true);
  assert.equal(thresholdHolds(ok('rps > baseline - 5%'), 94, 100), false);
  assert.equal(thresholdHolds(ok('error_rate <= baseline + 0.5%'), 0.015, 0.01), true);
  assert.equal(thresholdHolds(ok('error_rate <= baseline + 0.5%'), 0.016, 0.01), false);
  assert.equal(thresholdHolds(ok('p95 < baseline + 10%'), 1e9, null), true);
});

void test('baseline bounds in words, for hovers', () => {
  const words = (expr: string): string => {
    const t = ok(expr);
    assert.ok(t.baseline !== undefined);
    return baselineBoundInWords(t.baseline, t.metric);
  };
  assert.equal(words('p95 < baseline + 10%'), '10% above the baseline');
  assert.equal(words('rps > baseline - 5%'), '5% below the baseline');
  assert.equal(words('p99 <= baseline * 1.2'), '1.2 × the baseline');
  assert.equal(words('error_rate <= baseline + 0.5%'), '0.5 percentage points above the baseline');
  assert.equal(words('p95 < baseline + 0.1s'), '100 ms above the baseline');
  assert.equal(words('mean <= baseline'), 'the baseline');
});

void test('flow thresholds: checks share and iteration_duration over a latency metric', () => {
  const checks = ok('checks > 99%');
  assert.deepEqual([checks.metric, checks.op, checks.value, checks.iteration], ['checks', '>', 0.99, undefined]);
  assert.equal(ok('checks >= 0.95').value, 0.95);
  const it = ok('iteration_duration p95 < 2s');
  assert.deepEqual([it.metric, it.op, it.value, it.iteration], ['p95', '<', 2000, true]);
  assert.equal(ok('iteration_duration p99.9 <= 500ms').metric, 'p99.9');

  const bad = (expr: string): { message: string; start: number; end: number } => {
    const r = parseThreshold(expr);
    assert.ok(!r.ok, expr);
    return { message: r.message, start: r.start, end: r.end };
  };
  const rps = bad('iteration_duration rps < 5');
  assert.match(rps.message, /takes a latency metric/);
  assert.deepEqual([rps.start, rps.end], [19, 22]);
  assert.match(bad('iteration_duration').message, /Write a latency metric after `iteration_duration`/);
  assert.match(bad('checks > 150%').message, /between 0% and 100%/);
  assert.match(bad('checks > 99ms').message, /not a unit for `checks`/);
});
