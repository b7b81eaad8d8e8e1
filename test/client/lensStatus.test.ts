// The CodeLens status text: the age in words and why a run failed (the first failing threshold).
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { ago, decoratedTitle, lensStatus, thresholdWhy } from '../../client/testing/lensStatus';
import type { RunResult, ThresholdResult } from '../../engine/format/result';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const t = (expression: string, actual: number | null, limit: number | null, extra: Partial<ThresholdResult> = {}): ThresholdResult => ({ expression, endpoint: null, actual, passed: false, limit, ...extra });

void test('ago: just now, minutes, hours, days', () => {
  assert.equal(ago(T0, T0), 'just now');
  assert.equal(ago(T0, T0 + 59_999), 'just now');
  assert.equal(ago(T0, T0 + 60_000), '1 min ago');
  assert.equal(ago(T0, T0 + 2 * 60_000 + 30_000), '2 min ago');
  assert.equal(ago(T0, T0 + 59 * 60_000), '59 min ago');
  assert.equal(ago(T0, T0 + 3 * 3600_000), '3 h ago');
  assert.equal(ago(T0, T0 + 24 * 3600_000), '1 day ago');
  assert.equal(ago(T0, T0 + 50 * 3600_000), '2 days ago');
  // A clock that went back a little is not "in the future".
  assert.equal(ago(T0, T0 - 5000), 'just now');
});

void test('why a threshold failed, in each unit', () => {
  assert.equal(thresholdWhy(t('p95 < 200ms', 231.4, 200)), 'p95 231.4 ms > 200 ms');
  assert.equal(thresholdWhy(t('rps >= 150', 80.04, 150)), 'rps 80 req/s < 150 req/s');
  assert.equal(thresholdWhy(t('error_rate < 1%', 0.125, 0.01)), 'error_rate 12.5% > 1%');
  assert.equal(thresholdWhy(t('checks > 99%', 0.9, 0.99)), 'checks 90% < 99%');
  assert.equal(thresholdWhy(t('iteration_duration p95 < 2s', 2500, 2000)), 'iteration_duration p95 2500 ms > 2000 ms');
  assert.equal(thresholdWhy(t('p95 < 200ms', 231.4, 200, { endpoint: 'list' })), 'list: p95 231.4 ms > 200 ms');
  assert.equal(thresholdWhy(t('p95 < baseline + 10%', 231.4, 217.8, { baseline: 198 })), 'p95 231.4 ms > 217.8 ms (baseline 198 ms)');
  assert.equal(thresholdWhy(t('p95 < 200ms', null, 200)), 'p95: no data');
  // A result from before limits were recorded.
  assert.equal(thresholdWhy({ expression: 'p95 < 200ms', endpoint: null, actual: 231.4, passed: false }), 'p95 < 200ms: was 231.4 ms');
});

void test('the status of each kind of run, and the title it decorates', () => {
  const result = (over: Partial<RunResult>): RunResult =>
    ({ status: 'completed', passed: true, failure_reasons: [], completed_at: '2026-12-01T10:00:00.000Z', thresholds: [], metrics: { latency_ms: { p95: 8.4 } }, ...over }) as unknown as RunResult;
  const now = T0 + 2 * 60_000;
  assert.equal(lensStatus(result({}), now), 'passed 2 min ago · p95 8.4 ms');
  assert.equal(
    lensStatus(result({ passed: false, thresholds: [t('p95 < baseline + 10%', 9, null, { no_baseline: true, passed: true }), { ...t('p95 < 200ms', 231.4, 200), passed: true }, t('p99 < 300ms', 412, 300)] }), now),
    'failed 2 min ago · p99 412 ms > 300 ms',
  );
  assert.equal(lensStatus(result({ passed: false, failure_reasons: ['3 of 10 requests failed (unexpected_status 3)'] }), now), 'failed 2 min ago · 3 of 10 requests failed (unexpected_status 3)');
  assert.equal(lensStatus(result({ status: 'cancelled', passed: false }), now), 'cancelled 2 min ago');
  assert.equal(lensStatus(result({ status: 'failed', passed: false, error: 'getaddrinfo ENOTFOUND nowhere.invalid' }), now), 'failed 2 min ago · getaddrinfo ENOTFOUND nowhere.invalid');
  assert.equal(lensStatus(result({ status: 'failed', passed: false, failure_reasons: [`run failed: ${'x'.repeat(200)}`] }), now).length, 'failed 2 min ago · '.length + 80);
  assert.equal(decoratedTitle('▶ Run test', 'passed 2 min ago · p95 8.4 ms'), '▶ Run test · passed 2 min ago · p95 8.4 ms');
  assert.equal(decoratedTitle('▶ Run test', null), '▶ Run test');
});
