// Response times are taken when the bytes arrive (stamped before undici parses them): the first
// byte for ttfb, the last chunk for latency and service time, each from its own chunk; responses
// that arrive together are all stamped before any of them is handled.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { runPlan } from '../../engine/run';
import { prepareRequest, RequestSlot, type SlotOwner } from '../../engine/run/http';
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

void describe('responses that arrive together', { timeout: 30_000 }, () => {
  void it('are each timed from their arrival, not after the ones handled before them', async () => {
    // Three requests on three connections; the server answers all three in one turn of its loop,
    // so the responses land together. Handling each completed response takes 30 ms here (a
    // stand-in for parsing, recording and sending the next request): a response must not be
    // timed after the handling of the ones read before it.
    const held: Array<() => void> = [];
    const server = await serve((_req, res) => {
      held.push(() => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
        res.end('ok');
      });
      if (held.length === 3) for (const answer of held.splice(0)) answer();
    });
    const ended: number[] = [];
    let slots: RequestSlot[] = [];
    const done = new Promise<void>((resolve) => {
      const owner: SlotOwner = {
        wantsBody: () => false,
        onSlotDone(slot) {
          assert.equal(slot.error, null);
          assert.equal(slot.status, 200);
          ended.push(slot.endedAt);
          const until = performance.now() + 30;
          while (performance.now() < until) {
            // busy: the handling of this response
          }
          if (ended.length === 3) resolve();
        },
      };
      const prepared = prepareRequest(endpoint({ url: `${server.url}/together` }), { requestIndex: 0 }, 5000);
      slots = [0, 1, 2].map((id) => new RequestSlot(id, owner, { timeoutMs: 5000, insecureTls: false }, 0));
      const now = performance.now();
      for (const slot of slots) slot.send(prepared, 0, slot.id, now, now);
    });
    try {
      await done;
      const spread = Math.max(...ended) - Math.min(...ended);
      assert.ok(spread < 15, `responses that arrived together were timed ${spread.toFixed(1)} ms apart`);
    } finally {
      await Promise.all(slots.map((slot) => slot.destroy()));
      await server.close();
    }
  });
});
