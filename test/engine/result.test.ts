// The result object: every key SPEC.md lists, secrets redacted everywhere, from spec text to
// result through the spec module as the engine process and the CLI use it.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { decodeHistogram } from '../../engine/run';
import { parseSpecFile, planTest } from '../../engine/run/load';
import type { RunPlan } from '../../engine/format/plan';
import type { RunResult } from '../../engine/format/result';
import { serve, type TestServer } from './helpers';

const TOKEN = 's3cr3t-bearer-token-value';
const ENV_KEY = 'k3y-from-the-environment';

function planFrom(text: string, env: Record<string, string>): RunPlan {
  const parsed = parseSpecFile(text);
  assert.equal(parsed.tests.length, 1);
  const outcome = planTest(parsed.tests[0], { file: '/nonexistent/dir/api.atm.yaml', displayFile: 'api.atm.yaml', env });
  if (!outcome.ok) assert.fail(`${outcome.message}: ${outcome.diagnostics.map((d) => d.message).join('; ')}`);
  return outcome.plan;
}

void describe('result and redaction', { timeout: 30_000 }, () => {
  let server: TestServer;
  let result: RunResult;
  const logs: string[] = [];
  const streamed: string[] = [];

  before(async () => {
    // Echoes everything back, secrets included, and fails some requests so error samples exist.
    server = await serve((req, res, n) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.stringify({ n, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(n % 4 === 3 ? 500 : 200, { 'content-type': 'application/json', 'set-cookie': `session=${TOKEN}`, 'x-echo': ENV_KEY });
        res.end(body);
      });
    });
    const text = [
      'name: Redaction',
      `base_url: ${server.url}`,
      'auth:',
      '  type: bearer',
      '  token: "{{env:API_TOKEN}}"',
      'endpoints:',
      '  - name: get',
      '    url: /items?key={{env:API_KEY}}',
      '    thresholds: ["p99 < 10s"]',
      '  - name: post',
      '    method: POST',
      '    url: /items',
      '    headers: { X-Key: "{{env:API_KEY}}" }',
      '    body: { key: "{{env:API_KEY}}", n: "{{$requestIndex}}" }',
      'concurrency: 2',
      'total_requests: 40',
      'thresholds: ["error_rate < 50%", "p95 < 10s"]',
      '',
    ].join('\n');
    const plan = planFrom(text, { API_TOKEN: TOKEN, API_KEY: ENV_KEY });
    assert.ok(plan.secrets.includes(TOKEN) && plan.secrets.includes(ENV_KEY));
    result = await runPlan(plan, {
      onLog: (_level, message) => logs.push(message),
      onSample: (sample) => streamed.push(JSON.stringify(sample)),
    });
  });
  after(() => server.close());

  void it('has every key of SPEC.md', () => {
    const keys = ['id', 'name', 'file', 'status', 'passed', 'failure_reasons', 'started_at', 'completed_at', 'model', 'target_rps', 'spec', 'metrics', 'endpoint_metrics', 'thresholds', 'timeline', 'sampled_requests', 'histogram', 'schema_version', 'baseline_run'];
    for (const key of keys) assert.ok(key in result, key);
    const metricKeys = ['total_requests', 'successful_requests', 'failed_requests', 'dropped_requests', 'requests_per_second', 'duration_seconds', 'error_rate', 'bytes_received', 'bytes_sent', 'latency_ms', 'service_time_ms', 'ttfb_ms', 'status_code_counts', 'errors_by_type', 'redirects'];
    assert.deepEqual(Object.keys(result.metrics).sort(), [...metricKeys].sort());
    // Each endpoint carries its own histogram too, for per-endpoint comparison.
    for (const e of result.endpoint_metrics) assert.deepEqual(Object.keys(e).sort(), [...metricKeys, 'name', 'method', 'url', 'histogram'].sort());
    assert.equal(result.schema_version, 1);
    assert.equal(result.baseline_run, null);
    const latencyKeys = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'max'];
    for (const k of ['latency_ms', 'service_time_ms', 'ttfb_ms'] as const) assert.deepEqual(Object.keys(result.metrics[k]), latencyKeys);
    for (const t of result.thresholds) assert.deepEqual(Object.keys(t).sort(), ['actual', 'baseline', 'endpoint', 'expression', 'limit', 'passed']);
    const sampleKeys = ['endpoint', 'method', 'url', 'request_headers', 'request_body', 'status', 'response_headers', 'response_body', 'latency_ms', 'error'];
    for (const s of result.sampled_requests) for (const k of sampleKeys) assert.ok(k in s, k);
    assert.equal(result.file, 'api.atm.yaml');
    assert.equal(result.model, 'closed');
    assert.equal(result.target_rps, null);
    assert.match(result.id, /^[0-9a-f-]{36}$/);
    assert.ok(Date.parse(result.started_at) <= Date.parse(result.completed_at));
  });

  void it('numbers agree with each other', () => {
    const m = result.metrics;
    assert.equal(m.total_requests, 40);
    assert.equal(m.successful_requests + m.failed_requests, 40);
    assert.equal(m.failed_requests, 10);
    assert.deepEqual(m.status_code_counts, { '200': 30, '500': 10 });
    assert.deepEqual(m.errors_by_type, { unexpected_status: 10 });
    assert.equal(m.error_rate, 0.25);
    assert.equal(result.passed, true, result.failure_reasons.join('; '));
    assert.equal(result.endpoint_metrics.reduce((n, e) => n + e.total_requests, 0), 40);
    assert.ok(m.bytes_sent > 0 && m.bytes_received > 0);
    assert.ok(m.latency_ms.min <= m.latency_ms.p50 && m.latency_ms.p50 <= m.latency_ms.p99 && m.latency_ms.p99 <= m.latency_ms.max);
    assert.equal(decodeHistogram(result.histogram).totalCount, 40);
    assert.deepEqual(
      result.endpoint_metrics.map((e) => (e.histogram === undefined ? -1 : decodeHistogram(e.histogram).totalCount)),
      result.endpoint_metrics.map((e) => e.total_requests),
    );
    assert.equal(result.thresholds.length, 3);
  });

  void it('samples: first successes, each status, errors, with bodies', () => {
    const all = result.sampled_requests;
    for (const name of ['get', 'post']) assert.ok(all.some((s) => s.endpoint === name && s.status === 200), `a success of ${name}`);
    assert.ok(all.some((s) => s.status === 500 && s.error_type === 'unexpected_status' && s.error === 'unexpected status 500'));
    assert.ok(result.sampled_requests.length <= 2 * (3 + 16 + 10 + 5));
    const post = result.sampled_requests.find((s) => s.endpoint === 'post' && s.status === 200);
    assert.ok(post !== undefined && post.request_body !== null && post.response_body !== null, JSON.stringify(post));
    assert.equal(post.method, 'POST');
    assert.ok(streamed.length >= result.sampled_requests.length, `${streamed.length} streamed`);
  });

  void it('secrets never appear in the result, the samples or the logs', () => {
    const everything = JSON.stringify(result) + streamed.join('\n') + logs.join('\n');
    assert.ok(!everything.includes(TOKEN), 'bearer token leaked');
    assert.ok(!everything.includes(ENV_KEY), 'env value leaked');
    const sample = result.sampled_requests.find((s) => s.endpoint === 'get' && s.status === 200);
    assert.ok(sample !== undefined);
    assert.equal(sample.request_headers.authorization, '***');
    assert.equal(sample.response_headers['set-cookie'], '***');
    assert.ok(sample.url.includes('key=***'), sample.url);
    assert.ok(sample.response_body !== null && sample.response_body.includes('***'));
    assert.ok(logs.some((l) => l.startsWith('run started')));
  });

  void it('secrets are redacted from error messages', async () => {
    const plan = planFrom(['name: DNS', `url: http://${ENV_KEY}.invalid/`, 'total_requests: 2', 'concurrency: 1', ''].join('\n'), { API_KEY: ENV_KEY });
    // The host itself is not a secret here; make it one to see errors redacted.
    const secretPlan: RunPlan = { ...plan, secrets: [ENV_KEY] };
    const errorLogs: string[] = [];
    const r = await runPlan(secretPlan, { onLog: (_l, m) => errorLogs.push(m) });
    assert.deepEqual(r.metrics.errors_by_type, { dns: 2 });
    // (The spec itself did not mark the host secret, so `spec` is left out here.)
    const text = JSON.stringify({ ...r, spec: null }) + errorLogs.join('\n');
    assert.ok(!text.includes(ENV_KEY), text);
    assert.ok(r.sampled_requests[0].error?.includes('***.invalid'), JSON.stringify(r.sampled_requests));
  });
});
