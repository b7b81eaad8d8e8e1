// Response times are taken when the bytes arrive (stamped before undici parses them): the first
// byte for ttfb, the last chunk for latency and service time, each from its own chunk.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { endpoint, plan, serve } from './helpers';

void describe('response timing', { timeout: 30_000 }, () => {
  void it('ttfb from the headers chunk, latency from the last body chunk', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 10 });
      res.flushHeaders();
      res.write('01234');
      setTimeout(() => res.end('56789'), 80);
    });
    try {
      const r = await runPlan(plan({ totalRequests: 6, concurrency: 2, endpoints: [endpoint({ url: `${server.url}/split` })] }));
      assert.equal(r.metrics.successful_requests, 6);
      assert.ok(r.metrics.ttfb_ms.max < 60, `ttfb ${r.metrics.ttfb_ms.max} ms: the headers came at once`);
      assert.ok(r.metrics.latency_ms.min >= 79, `latency ${r.metrics.latency_ms.min} ms: the body ended 80 ms later`);
      assert.ok(r.metrics.service_time_ms.min >= 79);
    } finally {
      await server.close();
    }
  });

  void it('a whole response held back is in ttfb and latency alike', async () => {
    const server = await serve((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
        res.end('ok');
      }, 40);
    });
    try {
      const r = await runPlan(plan({ totalRequests: 6, concurrency: 3, endpoints: [endpoint({ url: `${server.url}/held` })] }));
      assert.equal(r.metrics.successful_requests, 6);
      assert.ok(r.metrics.ttfb_ms.min >= 39, `ttfb ${r.metrics.ttfb_ms.min}`);
      assert.ok(r.metrics.latency_ms.min >= 39, `latency ${r.metrics.latency_ms.min}`);
      assert.ok(r.metrics.latency_ms.max >= r.metrics.ttfb_ms.max);
    } finally {
      await server.close();
    }
  });
});
