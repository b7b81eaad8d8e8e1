// Reading a baseline: every way a file can be wrong gives one sentence naming the file.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadBaseline, readResultFile } from '../../engine/compare';
import { encodeHistogram, newHistogram } from '../../engine/run/metrics';

const dir = mkdtempSync(join(tmpdir(), 'atm-baseline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function histogram(): string {
  const h = newHistogram();
  h.recordValueWithCount(1000, 10);
  return encodeHistogram(h);
}

function result(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const lat = { min: 1, mean: 1, p50: 1, p75: 1, p90: 1, p95: 1, p99: 1, p99_9: 1, max: 1 };
  return {
    id: `id-${name}`,
    name,
    file: 't.atm.yaml',
    status: 'completed',
    passed: true,
    failure_reasons: [],
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:00:01.000Z',
    model: 'closed',
    target_rps: null,
    spec: { name },
    metrics: { total_requests: 10, successful_requests: 10, failed_requests: 0, dropped_requests: 0, requests_per_second: 10, duration_seconds: 1, error_rate: 0, bytes_received: 0, bytes_sent: 0, latency_ms: lat, service_time_ms: lat, ttfb_ms: lat, status_code_counts: {}, errors_by_type: {} },
    endpoint_metrics: [],
    thresholds: [],
    timeline: [],
    sampled_requests: [],
    histogram: histogram(),
    schema_version: 1,
    ...overrides,
  };
}

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

void describe('loadBaseline', () => {
  void it('reads a result, and picks the test by name from a file of several', () => {
    const one = loadBaseline(file('one.json', result('items')), 'items');
    assert.ok(one.ok);
    assert.equal(one.result.id, 'id-items');
    const many = loadBaseline(file('many.json', [result('a'), result('b')]), 'b');
    assert.ok(many.ok);
    assert.equal(many.result.id, 'id-b');
  });

  void it('accepts a result written before results had a schema version', () => {
    const { schema_version: _v, ...old } = result('items');
    assert.ok(loadBaseline(file('old.json', old), 'items').ok);
  });

  const cases: Array<[string, () => string, string]> = [
    ['a missing file', () => join(dir, 'nope.json'), 'no such file'],
    ['a folder', () => (mkdirSync(join(dir, 'folder.json'), { recursive: true }), join(dir, 'folder.json')), 'is a folder, not a result file'],
    ['not JSON', () => file('bad.json', '{ nope'), 'is not JSON ('],
    ['JSON that is not a result', () => file('spec.json', { name: 'items', url: '/x' }), 'the result is not a run result: it has no "metrics" (write one with `atm run --json FILE`)'],
    ['a list of numbers', () => file('nums.json', [1, 2]), 'result 1 of 2 is not a run result'],
    ['an empty list', () => file('empty.json', []), 'holds an empty list, not a run result'],
    ['another test', () => file('other.json', result('orders')), "is a result of test 'orders', not of 'items'"],
    ['another schema version', () => file('v2.json', result('items', { schema_version: 2 })), 'the result has result schema version 2; this version of ATM reads version 1'],
    ['a corrupt histogram', () => file('corrupt.json', result('items', { histogram: 'HISTFAAAAB3enJNpmS' })), 'the result: histogram is corrupt ('],
    ['a histogram that is not base64 of one', () => file('garbage.json', result('items', { histogram: 'aGVsbG8gd29ybGQ=' })), 'the result: histogram is corrupt ('],
    ['a metric that is not a number', () => file('nan.json', result('items', { metrics: { ...(result('items').metrics as object), error_rate: 'low' } })), 'the result: metrics.error_rate is not a number'],
    ['a cancelled run', () => file('cancelled.json', result('items', { status: 'cancelled' })), "the run of 'items' there was cancelled; a baseline must be a completed run"],
    ['a corrupt endpoint histogram', () => file('ep.json', result('items', { endpoint_metrics: [{ ...(result('items').metrics as object), name: 'list', method: 'GET', url: '/', histogram: 'xyz' }] })), 'the result: endpoint "list" histogram is corrupt ('],
  ];
  for (const [what, make, problem] of cases) {
    void it(`names the file and the problem: ${what}`, () => {
      const path = make();
      const outcome = loadBaseline(path, 'items');
      assert.ok(!outcome.ok, what);
      assert.ok(outcome.message.startsWith(`baseline ${path}: `), outcome.message);
      assert.ok(outcome.message.includes(problem), `${outcome.message}\n  should include: ${problem}`);
    });
  }

  void it('readResultFile throws the same errors for `atm compare`', () => {
    assert.throws(() => readResultFile(join(dir, 'nope.json')), /nope\.json: no such file/);
  });
});
