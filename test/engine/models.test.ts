// Load shapes against real servers on 127.0.0.1: closed loops, the open-model arrival clock,
// dropped requests, latency from the due time, ramp-up, distribution and the timeline.
import { strict as assert } from 'node:assert';
import type { Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { endpoint, ok, plan, serve, type TestServer } from './helpers';

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function track(server: Promise<TestServer>): Promise<TestServer> {
  const s = await server;
  servers.push(s);
  return s;
}

void describe('closed model', { timeout: 30_000 }, () => {
  void it('sends exactly total_requests over `concurrency` connections, one request at a time on each', async () => {
    const inFlight = new Map<Socket, number>();
    let worst = 0;
    const server = await track(
      serve((req, res) => {
        const n = (inFlight.get(req.socket) ?? 0) + 1;
        inFlight.set(req.socket, n);
        worst = Math.max(worst, n);
        setImmediate(() => {
          inFlight.set(req.socket, (inFlight.get(req.socket) ?? 1) - 1);
          ok(res);
        });
      }),
    );
    const result = await runPlan(plan({ concurrency: 5, totalRequests: 500, endpoints: [endpoint({ url: `${server.url}/` })] }));
    assert.equal(result.metrics.total_requests, 500);
    assert.equal(server.count, 500);
    assert.equal(inFlight.size, 5, 'one keep-alive connection per slot');
    assert.equal(worst, 1, 'never two requests on one connection');
    assert.equal(result.passed, true);
  });

  void it('ramp-up starts the loops one after another', async () => {
    const firstSeen = new Map<Socket, number>();
    const t0 = performance.now();
    const server = await track(
      serve((req, res) => {
        if (!firstSeen.has(req.socket)) firstSeen.set(req.socket, performance.now() - t0);
        setTimeout(() => ok(res), 5);
      }),
    );
    const result = await runPlan(
      plan({ concurrency: 4, durationSeconds: 1.5, totalRequests: null, rampUpSeconds: 1, endpoints: [endpoint({ url: `${server.url}/` })] }),
    );
    assert.equal(result.status, 'completed');
    const starts = [...firstSeen.values()].sort((a, b) => a - b);
    assert.equal(starts.length, 4);
    // Loops start at 0, 250, 500 and 750 ms.
    assert.ok(starts[3] - starts[0] >= 600, `starts ${starts.map(Math.round).join(', ')}`);
    assert.ok(starts[1] - starts[0] >= 150, `starts ${starts.map(Math.round).join(', ')}`);
  });
});

void describe('open model', { timeout: 30_000 }, () => {
  void it('achieves the target rate from one clock', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const result = await runPlan(
      plan({ requestsPerSecond: 200, concurrency: 50, durationSeconds: 1.5, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }),
    );
    assert.equal(result.model, 'open');
    assert.equal(result.target_rps, 200);
    // Request i is due at i/200 s: 300 fall inside 1.5 s.
    assert.equal(result.metrics.total_requests + result.metrics.dropped_requests, 300);
    // Only a machine stalled for 250 ms (50 in flight) could drop any.
    assert.ok(result.metrics.dropped_requests <= 15, `dropped ${result.metrics.dropped_requests}`);
  });

  void it('stops after total_requests arrivals', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const t0 = performance.now();
    const result = await runPlan(plan({ requestsPerSecond: 100, concurrency: 20, totalRequests: 50, endpoints: [endpoint({ url: `${server.url}/` })] }));
    const elapsed = performance.now() - t0;
    assert.equal(result.metrics.total_requests + result.metrics.dropped_requests, 50);
    // The 50th request is due at 490 ms.
    assert.ok(elapsed >= 480, `took ${elapsed} ms`);
  });

  void it('counts a due request that finds `concurrency` in flight as dropped, never queues it', async () => {
    let concurrent = 0;
    let worst = 0;
    const server = await track(
      serve((_req, res) => {
        concurrent++;
        worst = Math.max(worst, concurrent);
        setTimeout(() => {
          concurrent--;
          ok(res);
        }, 400);
      }),
    );
    const result = await runPlan(
      plan({ requestsPerSecond: 100, concurrency: 5, durationSeconds: 1, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }),
    );
    const m = result.metrics;
    assert.equal(m.total_requests + m.dropped_requests, 100);
    assert.ok(m.dropped_requests >= 70, `dropped ${m.dropped_requests}`);
    assert.ok(worst <= 5, `server saw ${worst} at once`);
    assert.ok(result.timeline.some((p) => (p.dropped ?? 0) > 0));
  });

  void it('measures latency from the due time: a stalled engine or server shows in the percentiles', async () => {
    // Block the engine's event loop (the server shares it) for 300 ms in the middle of the
    // measured window, at the 60th request: requests due meanwhile leave late, and their latency
    // says so while their service time does not.
    let seen = 0;
    const server = await track(
      serve((_req, res) => {
        if (++seen === 60) {
          const until = performance.now() + 300;
          while (performance.now() < until) {
            // busy
          }
        }
        ok(res);
      }),
    );
    const result = await runPlan(
      plan({ requestsPerSecond: 200, concurrency: 100, durationSeconds: 1.2, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }),
    );
    const m = result.metrics;
    assert.ok(m.latency_ms.max >= 250, `latency max ${m.latency_ms.max}`);
    assert.ok(m.latency_ms.p90 >= 50, `latency p90 ${m.latency_ms.p90}`);
    assert.ok(m.service_time_ms.p90 < m.latency_ms.p90, `service p90 ${m.service_time_ms.p90} vs latency p90 ${m.latency_ms.p90}`);
  });

  void it('a server stall shows in p99 (no coordinated omission)', async () => {
    let stallUntil = 0;
    const server = await track(
      serve((_req, res, n) => {
        if (n === 40) stallUntil = performance.now() + 500;
        const wait = stallUntil - performance.now();
        if (wait > 0) setTimeout(() => ok(res), wait);
        else ok(res);
      }),
    );
    const result = await runPlan(
      plan({ requestsPerSecond: 200, concurrency: 200, durationSeconds: 1.5, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }),
    );
    const m = result.metrics;
    assert.ok(m.dropped_requests <= 10, `dropped ${m.dropped_requests}`);
    assert.ok(m.latency_ms.p99 >= 300, `p99 ${m.latency_ms.p99}`);
    assert.ok(m.latency_ms.p50 < 250, `p50 ${m.latency_ms.p50}`);
  });

  void it('ramps the rate up linearly', async () => {
    const arrivals: number[] = [];
    const t0 = performance.now();
    const server = await track(
      serve((_req, res) => {
        arrivals.push(performance.now() - t0);
        ok(res);
      }),
    );
    const result = await runPlan(
      plan({ requestsPerSecond: 200, rampUpSeconds: 1, concurrency: 20, durationSeconds: 1.5, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }),
    );
    // ∫ rate: 200·1/2 during the ramp + 200·0.5 after.
    assert.equal(result.metrics.total_requests + result.metrics.dropped_requests, 200);
    const firstHalf = arrivals.filter((t) => t < 500).length;
    const secondHalf = arrivals.filter((t) => t >= 500 && t < 1000).length;
    assert.ok(firstHalf < secondHalf / 2, `first ${firstHalf}, second ${secondHalf}`);
  });
});

void describe('distribution', { timeout: 30_000 }, () => {
  const threeEndpoints = (url: string, weights = [1, 1, 1]): ReturnType<typeof endpoint>[] =>
    ['a', 'b', 'c'].map((name, i) => endpoint({ name, url: `${url}/${name}`, weight: weights[i] }));

  void it('round_robin cycles A B C', async () => {
    const paths: string[] = [];
    const server = await track(
      serve((req, res) => {
        paths.push(req.url ?? '');
        ok(res);
      }),
    );
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 9, endpoints: threeEndpoints(server.url) }));
    assert.deepEqual(paths.join(''), '/a/b/c/a/b/c/a/b/c');
    assert.deepEqual(
      result.endpoint_metrics.map((e) => e.total_requests),
      [3, 3, 3],
    );
  });

  void it('weighted picks at random by weight', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const result = await runPlan(plan({ concurrency: 4, totalRequests: 800, distribution: 'weighted', endpoints: threeEndpoints(server.url, [6, 3, 1]) }));
    const [a, b, c] = result.endpoint_metrics.map((e) => e.total_requests / 800);
    assert.ok(Math.abs(a - 0.6) < 0.08 && Math.abs(b - 0.3) < 0.08 && Math.abs(c - 0.1) < 0.06, `${a} ${b} ${c}`);
  });

  void it('sequential sends the share of A, then of B, then of C (total split evenly)', async () => {
    const paths: string[] = [];
    const server = await track(
      serve((req, res) => {
        paths.push(req.url ?? '');
        ok(res);
      }),
    );
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 10, distribution: 'sequential', endpoints: threeEndpoints(server.url) }));
    assert.equal(paths.join(''), '/a/a/a/a/b/b/b/c/c/c');
    assert.deepEqual(
      result.endpoint_metrics.map((e) => e.total_requests),
      [4, 3, 3],
    );
  });

  void it('sequential with a duration splits the time', async () => {
    const arrivals: Array<[string, number]> = [];
    const t0 = performance.now();
    const server = await track(
      serve((req, res) => {
        arrivals.push([req.url ?? '', performance.now() - t0]);
        setTimeout(() => ok(res), 2);
      }),
    );
    await runPlan(
      plan({ concurrency: 1, durationSeconds: 1, totalRequests: null, distribution: 'sequential', endpoints: threeEndpoints(server.url).slice(0, 2) }),
    );
    const lastA = Math.max(...arrivals.filter(([p]) => p === '/a').map(([, t]) => t));
    const firstA = Math.min(...arrivals.filter(([p]) => p === '/a').map(([, t]) => t));
    const firstB = Math.min(...arrivals.filter(([p]) => p === '/b').map(([, t]) => t));
    assert.ok(lastA < firstB, 'every A before every B');
    // Timed from the first request, not from the call: warming up before the window takes its own time.
    const half = firstB - firstA;
    assert.ok(half > 400 && half < 700, `B starts ${half} ms after A`);
  });
});

void describe('timeline', { timeout: 30_000 }, () => {
  void it('has a point per second and a last partial one; counts add up', async () => {
    const server = await track(serve((_req, res) => setTimeout(() => ok(res), 2)));
    const progress: number[] = [];
    const result = await runPlan(
      plan({ concurrency: 2, durationSeconds: 2.5, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }),
      { onProgress: (u) => progress.push(u.point.t) },
    );
    assert.deepEqual(
      result.timeline.map((p) => p.t),
      [1, 2, 3],
    );
    assert.deepEqual(progress, [1, 2]);
    const counted = result.timeline.slice(0, 2).reduce((sum, p) => sum + p.rps, 0) + result.timeline[2].rps * (result.metrics.duration_seconds - 2);
    assert.ok(Math.abs(counted - result.metrics.total_requests) <= result.metrics.total_requests * 0.05 + 2, `${counted} vs ${result.metrics.total_requests}`);
    for (const p of result.timeline) {
      assert.ok(p.p50 > 0 && p.p50 <= p.p95 && p.p95 <= p.p99, JSON.stringify(p));
      assert.equal(p.errors, 0);
    }
  });

  void it('a last partial second under 0.25 s joins the point before it', async () => {
    const server = await track(serve((_req, res) => setTimeout(() => ok(res), 2)));
    const result = await runPlan(plan({ concurrency: 2, durationSeconds: 2.1, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }));
    assert.deepEqual(
      result.timeline.map((p) => p.t),
      [1, 2],
    );
    // The last point covers 1.1 s or so: its rate over that time accounts for every request.
    const tail = result.metrics.duration_seconds - 1;
    assert.ok(tail > 1 && tail < 1.25, `duration ${result.metrics.duration_seconds}`);
    const counted = result.timeline[0].rps + result.timeline[1].rps * tail;
    assert.ok(Math.abs(counted - result.metrics.total_requests) <= 2, `${counted} vs ${result.metrics.total_requests}`);
    const last = result.timeline[1];
    assert.ok(last.p50 > 0 && last.p50 <= last.p99, JSON.stringify(last));
  });
});
