// Thresholds and expectations decide `passed`; failure reasons name the threshold and the actual.
import { strict as assert } from 'node:assert';
import { after, describe, it } from 'node:test';
import { evaluate, runPlan } from '../../engine/run';
import type { EndpointMetrics, Metrics } from '../../engine/format/result';
import { endpoint, ok, plan, serve, threshold, type TestServer } from './helpers';

function metrics(overrides: Partial<Metrics> = {}): Metrics {
  const lat = { min: 1, mean: 50, p50: 40, p75: 60, p90: 150, p95: 231.4, p99: 400, p99_9: 500, max: 600 };
  return {
    total_requests: 1000,
    successful_requests: 1000,
    failed_requests: 0,
    dropped_requests: 0,
    requests_per_second: 199.8,
    duration_seconds: 5.005,
    error_rate: 0,
    bytes_received: 0,
    bytes_sent: 0,
    latency_ms: lat,
    service_time_ms: lat,
    ttfb_ms: lat,
    status_code_counts: { '200': 1000 },
    errors_by_type: {},
    ...overrides,
  };
}

void describe('evaluate', () => {
  const ep = endpoint({ name: 'list', url: 'http://127.0.0.1:1/' });
  const asEndpoint = (m: Metrics): EndpointMetrics => ({ name: 'list', method: 'GET', url: '/', ...m });

  void it('names the threshold, the limit and the actual value', () => {
    const m = metrics();
    const v = evaluate([threshold('p95 < 200ms', 'p95', '<', 200), threshold('rps >= 150', 'rps', '>=', 150)], [ep], m, [asEndpoint(m)]);
    assert.equal(v.passed, false);
    assert.deepEqual(v.failure_reasons, ['p95 < 200ms: was 231.4ms']);
    assert.deepEqual(v.thresholds, [
      { expression: 'p95 < 200ms', endpoint: null, actual: 231.4, passed: false, baseline: null, limit: 200 },
      { expression: 'rps >= 150', endpoint: null, actual: 199.8, passed: true, baseline: null, limit: 150 },
    ]);
  });

  void it('every operator and metric', () => {
    const m = metrics({ error_rate: 0.025, failed_requests: 25, successful_requests: 975, dropped_requests: 3, errors_by_type: { unexpected_status: 25 } });
    const cases: Array<[Parameters<typeof threshold>, boolean]> = [
      [['error_rate < 1%', 'error_rate', '<', 0.01], false],
      [['error_rate <= 2.5%', 'error_rate', '<=', 0.025], true],
      [['p99.9 < 1s', 'p99.9', '<', 1000], true],
      [['max > 600ms', 'max', '>', 600], false],
      [['dropped == 3', 'dropped', '==', 3], true],
      [['mean >= 50', 'mean', '>=', 50], true],
      [['min < 1', 'min', '<', 1], false],
    ];
    for (const [args, expected] of cases) {
      const v = evaluate([threshold(...args)], [ep], m, [asEndpoint(m)]);
      assert.equal(v.thresholds[0].passed, expected, args[0]);
    }
    const failed = evaluate([threshold('error_rate < 1%', 'error_rate', '<', 0.01)], [ep], m, [asEndpoint(m)]);
    assert.deepEqual(failed.failure_reasons, ['error_rate < 1%: was 2.5%']);
  });

  void it('without an error_rate threshold every request must succeed', () => {
    const m = metrics({ failed_requests: 10, successful_requests: 990, error_rate: 0.01, errors_by_type: { unexpected_status: 10 } });
    const v = evaluate([], [ep], m, [asEndpoint(m)]);
    assert.equal(v.passed, false);
    assert.deepEqual(v.failure_reasons, ['10 of 1000 requests failed (unexpected_status 10)']);
    const tolerant = evaluate([threshold('error_rate < 5%', 'error_rate', '<', 0.05)], [ep], m, [asEndpoint(m)]);
    assert.equal(tolerant.passed, true);
  });

  void it('no completed requests does not pass', () => {
    const m = metrics({ total_requests: 0, successful_requests: 0 });
    const v = evaluate([threshold('p95 < 200ms', 'p95', '<', 200)], [ep], m, [asEndpoint(m)]);
    assert.equal(v.passed, false);
    assert.equal(v.thresholds[0].actual, null);
  });
});

void describe('verdicts of real runs', { timeout: 30_000 }, () => {
  let server: TestServer;
  after(() => server.close());

  void it('per-endpoint thresholds, expected statuses and classes', async () => {
    server = await serve((req, res) => {
      if (req.url === '/slow') setTimeout(() => ok(res), 30);
      else if (req.url === '/created') ok(res, '{}', 201);
      else if (req.url === '/missing') ok(res, 'no', 404);
      else ok(res);
    });
    const result = await runPlan(
      plan({
        concurrency: 2,
        totalRequests: 40,
        endpoints: [
          endpoint({ name: 'fast', url: `${server.url}/fast`, thresholds: [threshold('p99 < 2s', 'p99', '<', 2000)] }),
          endpoint({ name: 'slow', url: `${server.url}/slow`, thresholds: [threshold('p50 < 10ms', 'p50', '<', 10)] }),
          endpoint({ name: 'created', url: `${server.url}/created`, expectedStatus: [201] }),
          endpoint({ name: 'missing', url: `${server.url}/missing`, expectedStatus: ['4xx'] }),
        ],
        thresholds: [threshold('error_rate == 0', 'error_rate', '==', 0)],
      }),
    );
    assert.equal(result.status, 'completed');
    assert.equal(result.metrics.failed_requests, 0);
    assert.deepEqual(result.metrics.status_code_counts, { '200': 20, '201': 10, '404': 10 });
    assert.equal(result.passed, false);
    const slow = result.thresholds.find((t) => t.endpoint === 'slow');
    assert.ok(slow !== undefined && !slow.passed && slow.actual !== null && slow.actual >= 28);
    assert.equal(result.failure_reasons.length, 1, JSON.stringify(result.failure_reasons));
    assert.match(result.failure_reasons[0], /^slow: p50 < 10ms: was \d+(\.\d)?ms$/);
    assert.equal(result.thresholds.find((t) => t.endpoint === 'fast')?.passed, true);
  });

  void it('an unexpected status is an error under its key', async () => {
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 4, endpoints: [endpoint({ name: 'x', url: `${server.url}/missing` })] }));
    assert.deepEqual(result.metrics.errors_by_type, { unexpected_status: 4 });
    assert.deepEqual(result.metrics.status_code_counts, { '404': 4 });
    assert.equal(result.metrics.error_rate, 1);
    assert.equal(result.passed, false);
    const sample = result.sampled_requests.find((s) => s.error_type === 'unexpected_status');
    assert.ok(sample !== undefined);
    assert.equal(sample.status, 404);
    assert.equal(sample.response_body, 'no');
  });
});
