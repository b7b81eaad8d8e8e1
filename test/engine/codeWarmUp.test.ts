// The code warm-up: a burst of the test's own requests to a server of the engine's own on
// 127.0.0.1 before the measured window. The target never sees it; the plan it runs keeps the
// test's paths, methods and bodies and drops its verdict.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { CODE_WARM_UP_REQUESTS, warmCode, warmUpPlan } from '../../engine/run/codeWarmUp';
import { dynamic, endpoint, ok, plan, serve, threshold } from './helpers';

void describe('code warm-up', { timeout: 30_000 }, () => {
  void it('aims the test at its own origin, keeps paths and bodies, and carries no verdict', () => {
    const test = plan({
      model: 'open',
      requestsPerSecond: 500,
      concurrency: 200,
      totalRequests: null,
      durationSeconds: 30,
      insecureTls: true,
      thresholds: [threshold('p95 < 1ms', 'p95', '<', 1)],
      endpoints: [
        endpoint({ name: 'a', url: 'https://api.example.test:8443/v1/items?limit=5', headers: [['Host', 'api.example.test'], ['Accept', 'application/json']], expectedStatus: [201] }),
        endpoint({ name: 'b', method: 'POST', url: dynamic('http://h.test/items/{{$i}}', (ctx) => `http://h.test/items/${ctx.requestIndex}`), body: '{"x":1}', weight: 3 }),
      ],
    });
    const warm = warmUpPlan(test, 'http://127.0.0.1:4321');
    assert.equal(warm.model, 'closed');
    assert.equal(warm.requestsPerSecond, null);
    assert.equal(warm.totalRequests, CODE_WARM_UP_REQUESTS);
    assert.equal(warm.durationSeconds, null);
    assert.ok(warm.concurrency >= 1 && warm.concurrency <= 16);
    assert.equal(warm.insecureTls, false);
    assert.deepEqual(warm.thresholds, []);
    assert.equal(warm.endpoints[0].url.render({ requestIndex: 0 }), 'http://127.0.0.1:4321/v1/items?limit=5');
    assert.equal(warm.endpoints[1].url.render({ requestIndex: 7 }), 'http://127.0.0.1:4321/items/7');
    assert.deepEqual(warm.endpoints[0].headers.map(([name]) => name), ['Accept']);
    assert.equal(warm.endpoints[0].expectedStatus, null);
    assert.equal(warm.endpoints[1].body?.render({ requestIndex: 0 }), '{"x":1}');
    assert.equal(warm.endpoints[1].method, 'POST');
    assert.equal(warm.endpoints[1].weight, 3);
    // The test's own plan is untouched.
    assert.equal(test.endpoints[0].url.render({ requestIndex: 0 }), 'https://api.example.test:8443/v1/items?limit=5');
  });

  void it('its own server answers the whole burst, bodies included', async () => {
    const test = plan({
      totalRequests: 10,
      endpoints: [endpoint({ url: 'http://192.0.2.1:9/never', method: 'POST', body: 'x'.repeat(70_000) }), endpoint({ url: 'http://192.0.2.1:9/get' })],
    });
    let failed = -1;
    const sent = await warmCode(
      test,
      async (warm, signal) => {
        const r = await runPlan(warm, { signal, warmCode: false });
        failed = r.metrics.failed_requests;
        return r;
      },
      new AbortController().signal,
    );
    assert.ok(sent > 0, 'the burst ran');
    assert.equal(failed, 0, 'every warm-up request got a 200 from the engine’s own server');
  });

  void it('the target sees exactly the run’s requests, none of the warm-up', async () => {
    const server = await serve((_req, res) => ok(res));
    try {
      const logs: string[] = [];
      const r = await runPlan(plan({ totalRequests: 40, concurrency: 4, endpoints: [endpoint({ url: `${server.url}/x` })] }), {
        onLog: (_level, message) => logs.push(message),
      });
      assert.equal(r.metrics.total_requests, 40);
      assert.equal(server.count, 40);
      const line = logs.find((l) => l.startsWith('code warm-up: '));
      assert.ok(line !== undefined, logs.join('\n'));
      assert.ok(Number(/code warm-up: (\d+) requests/.exec(line)?.[1]) > 0, line);
    } finally {
      await server.close();
    }
  });

  void it('a run stopped before it starts sends no warm-up at all', async () => {
    const stop = new AbortController();
    stop.abort();
    let called = false;
    const sent = await warmCode(plan({ totalRequests: 10, endpoints: [endpoint({ url: 'http://127.0.0.1:9/x' })] }), (warm, signal) => {
      called = true;
      return runPlan(warm, { signal, warmCode: false });
    }, stop.signal);
    assert.equal(sent, 0);
    assert.equal(called, false);
  });
});
