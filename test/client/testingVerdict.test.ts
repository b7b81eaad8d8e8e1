// The Testing view's verdict and the lens status from REAL engine results: runs against throwaway
// servers on 127.0.0.1 (a fast one, a slow one, a closed port), then the text and the lines.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { runPlan } from '../../engine/run';
import { parseSpecFile, planTest } from '../../engine/run/load';
import { lensStatus } from '../../client/testing/lensStatus';
import { verdictOf, type TestPlace } from '../../client/testing/verdict';

let server: Server;
let base = '';
let closedPort = 0;

before(async () => {
  server = createServer((req, res) => {
    const delay = req.url?.startsWith('/slow') ? 25 : 0;
    setTimeout(() => res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json' }).end('{"ok":true}'), delay);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function run(text: string): Promise<{ result: RunResult; place: TestPlace }> {
  const parsed = parseSpecFile(text);
  const test = parsed.tests[0];
  const outcome = planTest(test, { file: '/tmp/unit.atm.yaml', displayFile: 'unit.atm.yaml', env: {} });
  if (!outcome.ok) throw new Error(outcome.message);
  const result = await runPlan(outcome.plan, { warmCode: false });
  const lines = text.split('\n');
  return { result, place: { lines, start: test.range.start.line, end: test.range.end.line + 1, headLine: test.keyRange.start.line } };
}

void describe('verdictOf a real run', () => {
  void it('a run whose thresholds hold passes, with the run\'s duration', async () => {
    const { result, place } = await run(`name: fast\nurl: ${base}/fast\ntotal_requests: 20\nconcurrency: 2\nthresholds:\n  - p95 < 5s\n  - error_rate < 1%\n`);
    const v = verdictOf(result, place);
    assert.equal(v.kind, 'passed');
    assert.equal(v.durationMs, Date.parse(result.completed_at) - Date.parse(result.started_at));
    assert.ok(v.durationMs >= 0);
    assert.match(lensStatus(result, Date.parse(result.completed_at) + 2 * 60_000), /^passed 2 min ago · p95 [\d.]+ ms$/);
  });

  void it('each failed threshold is a message at its own line, naming the threshold, its limit and the actual value', async () => {
    const text = [
      'name: slow', //                   0
      `url: ${base}/slow`,
      'total_requests: 12',
      'concurrency: 2',
      'thresholds:',
      '  - error_rate < 1%  # holds', // 5
      '  - p95 < 2ms',
      '  - "max <= 1ms"',
      '',
    ].join('\n');
    const { result, place } = await run(text);
    const v = verdictOf(result, place);
    assert.equal(v.kind, 'failed');
    if (v.kind !== 'failed') return;
    assert.deepEqual(v.messages.map((m) => m.line), [6, 7]);
    const [p95, max] = v.messages;
    assert.match(p95.message, /^Threshold p95 < 2ms failed: was \d+(\.\d+)? ms \(limit 2 ms\)$/);
    assert.equal(p95.expected, 'p95 < 2ms');
    assert.match(p95.actual ?? '', /^p95 = \d+(\.\d+)? ms$/);
    assert.match(max.message, /^Threshold max <= 1ms failed: was \d+(\.\d+)? ms \(limit 1 ms\)$/);
    assert.ok(v.durationMs > 0);
    // The lens names the first failing threshold.
    assert.match(lensStatus(result, Date.parse(result.completed_at) + 5 * 60_000 + 10_000), /^failed 5 min ago · p95 \d+(\.\d+)? ms > 2 ms$/);
  });

  void it('an expectation that failed (unexpected statuses) is a message at the test\'s first line', async () => {
    const { result, place } = await run(`name: half\nendpoints:\n  - name: ok\n    url: ${base}/fine\n  - name: gone\n    url: ${base}/missing\ntotal_requests: 10\n`);
    const v = verdictOf(result, place);
    assert.equal(v.kind, 'failed');
    if (v.kind !== 'failed') return;
    assert.equal(v.messages.length, 1);
    assert.equal(v.messages[0].line, 0);
    assert.match(v.messages[0].message, /gone: 5 of 5 requests failed \(unexpected_status 5\)/);
  });

  void it('connection refused everywhere is an error, not a failed threshold', async () => {
    const { result, place } = await run(`name: down\nurl: http://127.0.0.1:${closedPort}/\ntotal_requests: 6\nconcurrency: 1\nthresholds:\n  - p95 < 200ms\n`);
    const v = verdictOf(result, place);
    assert.equal(v.kind, 'errored');
    if (v.kind !== 'errored') return;
    assert.deepEqual(v.messages.map((m) => m.line), [0]);
    assert.match(v.messages[0].message, /^No request succeeded: 6 of 6 failed \(connection_refused 6\)\.$/);
  });
});

void describe('verdictOf a stored result', () => {
  const stored = (over: Partial<RunResult>): RunResult => ({
    id: 'r', name: 't', file: 't.atm.yaml', status: 'completed', passed: false, failure_reasons: [],
    started_at: '2026-12-01T10:00:00.000Z', completed_at: '2026-12-01T10:00:04.500Z', model: 'closed', target_rps: null, spec: {},
    metrics: { total_requests: 10, successful_requests: 10, failed_requests: 0, dropped_requests: 0, requests_per_second: 2, duration_seconds: 4.2, error_rate: 0, bytes_received: 0, bytes_sent: 0,
      latency_ms: { min: 1, mean: 1, p50: 1, p75: 1, p90: 1, p95: 231.4, p99: 1, p99_9: 1, max: 1 }, service_time_ms: { min: 1, mean: 1, p50: 1, p75: 1, p90: 1, p95: 1, p99: 1, p99_9: 1, max: 1 },
      ttfb_ms: { min: 1, mean: 1, p50: 1, p75: 1, p90: 1, p95: 1, p99: 1, p99_9: 1, max: 1 }, status_code_counts: { 200: 10 }, errors_by_type: {} },
    endpoint_metrics: [], thresholds: [], timeline: [], sampled_requests: [], histogram: '',
    ...over,
  } as RunResult);
  const place: TestPlace = { lines: ['name: t', 'url: /', 'thresholds:', '  - p95 < baseline + 10%'], start: 0, end: 4, headLine: 0 };

  void it('a baseline threshold names the baseline and the limit it computed', () => {
    const v = verdictOf(stored({ thresholds: [{ expression: 'p95 < baseline + 10%', endpoint: null, actual: 231.4, passed: false, baseline: 198, limit: 217.8 }], failure_reasons: ['p95 < baseline + 10%: was 231.4ms (baseline 198ms, +16.9%, limit 217.8ms)'] }), place);
    assert.equal(v.kind, 'failed');
    if (v.kind !== 'failed') return;
    assert.deepEqual(v.messages, [{ message: 'Threshold p95 < baseline + 10% failed: was 231.4 ms (limit 217.8 ms, baseline 198 ms)', expected: 'p95 < baseline + 10%', actual: 'p95 = 231.4 ms', line: 3 }]);
    assert.equal(v.durationMs, 4500);
  });

  void it('a failed run is an error with the engine\'s message; a cancelled one is skipped', () => {
    const failed = verdictOf(stored({ status: 'failed', error: 'cannot resolve host', failure_reasons: ['run failed: cannot resolve host'] }), place);
    assert.deepEqual(failed, { kind: 'errored', durationMs: 4500, messages: [{ message: 'The run failed: cannot resolve host', line: 0 }] });
    assert.equal(verdictOf(stored({ status: 'cancelled', failure_reasons: ['run cancelled'] }), place).kind, 'skipped');
  });
});
