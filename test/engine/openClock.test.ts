// The open-model arrival clock: at low rates (more than 2 ms between arrivals) it only sleeps on
// timers; at high rates it still takes the turns of the event loop just before each due time.
// Observed by counting how the run's clock asks to be woken (its callback is the run's
// `tickBound`), and by when the requests reach a server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { endpoint, ok, plan, serve, type TestServer } from './helpers';

interface Wakes {
  timers: number;
  immediates: number;
}

/** Runs `fn` while counting the arrival clock's setTimeout and setImmediate calls. */
async function countingWakes<T>(fn: () => Promise<T>): Promise<{ value: T; wakes: Wakes }> {
  const wakes: Wakes = { timers: 0, immediates: 0 };
  const realTimeout = globalThis.setTimeout;
  const realImmediate = globalThis.setImmediate;
  const patchedTimeout = ((cb: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (cb.name === 'tickBound') wakes.timers++;
    return realTimeout(cb, ms, ...args);
  }) as typeof setTimeout;
  const patchedImmediate = ((cb: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (cb.name === 'tickBound') wakes.immediates++;
    return realImmediate(cb, ...args);
  }) as typeof setImmediate;
  globalThis.setTimeout = patchedTimeout;
  globalThis.setImmediate = patchedImmediate;
  try {
    return { value: await fn(), wakes };
  } finally {
    globalThis.setTimeout = realTimeout;
    globalThis.setImmediate = realImmediate;
  }
}

void describe('open-model clock', { timeout: 60_000 }, () => {
  let server: TestServer;
  const arrivals: number[] = [];
  before(async () => {
    server = await serve((_req, res) => {
      arrivals.push(performance.now());
      ok(res);
    });
  });
  after(() => server.close());

  void it('100 req/s: wakes on timers only, and requests still leave about every 10 ms', async () => {
    arrivals.length = 0;
    const { value: result, wakes } = await countingWakes(() =>
      runPlan(plan({ concurrency: 60, totalRequests: 60, requestsPerSecond: 100, endpoints: [endpoint({ url: `${server.url}/` })] }), { warmCode: false }),
    );
    assert.equal(result.metrics.successful_requests, 60);
    // Fewer than one per request when a busy machine wakes it late and several are due at once.
    assert.ok(wakes.timers > 0, `the clock slept on ${wakes.timers} timers`);
    assert.equal(wakes.immediates, 0, 'no turn of the event loop was spent watching the clock');
    // 60 requests at 100 req/s span 590 ms (concurrency 60: a stall of this loaded machine drops
    // nothing); the median gap between arrivals is the period.
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]).sort((x, y) => x - y);
    const median = gaps[Math.floor(gaps.length / 2)];
    assert.ok(median > 5 && median < 15, `median gap ${median} ms`);
    const span = arrivals[arrivals.length - 1] - arrivals[0];
    assert.ok(span > 540, `60 arrivals over ${span} ms: none were sent early in a bunch`);
  });

  void it('2000 req/s: still takes turns of the event loop before due times', async () => {
    const { value: result, wakes } = await countingWakes(() =>
      runPlan(plan({ concurrency: 20, totalRequests: 400, requestsPerSecond: 2000, endpoints: [endpoint({ url: `${server.url}/` })] }), { warmCode: false }),
    );
    assert.equal(result.metrics.total_requests + result.metrics.dropped_requests, 400);
    assert.ok(wakes.immediates > 0, `immediates ${wakes.immediates}, timers ${wakes.timers}`);
  });
});
