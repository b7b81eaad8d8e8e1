// Runs on several worker threads against real servers on 127.0.0.1: totals, the exact merge of
// histograms, the open-model interleave across threads, cancel and a failing worker.
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import { parseSpecFile, planTest } from '../../engine/run/load';
import { decodeHistogram, newHistogram, summarize } from '../../engine/run/metrics';
import { PartMerger } from '../../engine/run/merge';
import { Interval, Stats } from '../../engine/run/metrics';
import { intervalToPart, statsToPart, type RunPart } from '../../engine/run/parts';
import { runPlan } from '../../engine/run/run';
import { resolveWorkerCount, runWithWorkers, sharePlan, type PlanSource } from '../../engine/run/workers';
import type { RunPlan } from '../../engine/format/plan';
import { FIRST_SUCCESSES, RESERVOIR_SIZE } from '../../engine/run/samples';
import { prng } from '../fixtures/prng';
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

function fromText(text: string): { plan: RunPlan; source: PlanSource } {
  const test = parseSpecFile(text).tests[0];
  assert.ok(test !== undefined);
  const source: PlanSource = { text, testIndex: 0, file: 'workers.atm.yaml', env: {} };
  const outcome = planTest(test, source);
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  return { plan: outcome.plan, source };
}

void describe('how many workers', () => {
  const base = plan({ endpoints: [endpoint({ url: 'http://127.0.0.1:1/' })] });
  void it('auto: cores minus one, at least 25 connections or 2,000 req/s each, at least 1', () => {
    assert.equal(resolveWorkerCount({ ...base, concurrency: 10 }, 'auto', 8), 1);
    assert.equal(resolveWorkerCount({ ...base, concurrency: 60 }, 'auto', 8), 2);
    assert.equal(resolveWorkerCount({ ...base, concurrency: 1000, totalRequests: 10_000 }, 'auto', 8), 7);
    assert.equal(resolveWorkerCount({ ...base, concurrency: 1000, totalRequests: 10_000 }, 'auto', 1), 1);
    const open = { ...base, model: 'open' as const, concurrency: 500, totalRequests: null, durationSeconds: 10 };
    assert.equal(resolveWorkerCount({ ...open, requestsPerSecond: 1500 }, 'auto', 8), 1);
    assert.equal(resolveWorkerCount({ ...open, requestsPerSecond: 6500 }, 'auto', 8), 3);
  });
  void it('a number is taken as asked, but never more than connections or requests', () => {
    assert.equal(resolveWorkerCount({ ...base, concurrency: 10 }, 4, 2), 4);
    assert.equal(resolveWorkerCount({ ...base, concurrency: 3 }, 4, 2), 3);
    assert.equal(resolveWorkerCount({ ...base, concurrency: 10, totalRequests: 2 }, 4, 2), 2);
  });
  void it('concurrency and total_requests are split with the remainder to the first shares', () => {
    const p = { ...base, concurrency: 11, totalRequests: 101 };
    const shares = [0, 1, 2].map((i) => sharePlan(p, i, 3));
    assert.deepEqual(shares.map((s) => s.concurrency), [4, 4, 3]);
    assert.deepEqual(shares.map((s) => s.totalRequests), [34, 34, 33]);
  });
});

void describe('exact merge', () => {
  void it('merged counters and percentiles equal those of the union of every recorded value', () => {
    const random = prng(7);
    const p = plan({ endpoints: [endpoint({ name: 'a', url: 'http://127.0.0.1:1/a' }), endpoint({ name: 'b', url: 'http://127.0.0.1:1/b' })] });
    const union = [new Stats(), new Stats()];
    const merger = new PartMerger(p, 3);
    for (let w = 0; w < 3; w++) {
      const mine = [new Stats(), new Stats()];
      const second = new Interval();
      for (let i = 0; i < 5000; i++) {
        // A long tail: most values small, a few up to seconds, different per worker.
        const us = 1 + Math.floor(random() ** (4 + w) * 2_000_000);
        const e = i % 2;
        for (const s of [mine[e], union[e]]) {
          s.latency.record(us);
          s.service.record(Math.max(1, us - 50));
          s.ttfb.record(Math.max(1, us >> 1));
          s.successful++;
          s.statusCounts[200]++;
          s.bytesReceived += 10;
        }
        second.latency.record(us);
        second.completed++;
      }
      const part: RunPart = {
        t0: 1000,
        elapsedSeconds: 1 + w / 10,
        issued: 5000,
        inFlight: 0,
        status: 'completed',
        failure: null,
        endpoints: mine.map(statsToPart),
        intervals: [intervalToPart(1, 1, second, 0)],
        samples: [[], []],
      };
      merger.add(w, part, true);
    }
    const merged = merger.result({ id: 'x', startedAt: new Date(), status: 'completed', failure: null });
    assert.equal(merged.metrics.total_requests, 15_000);
    assert.equal(merged.metrics.bytes_received, 150_000);
    assert.equal(merged.metrics.duration_seconds, 1.2);
    merged.endpoint_metrics.forEach((m, e) => {
      const expected = union[e].toMetrics(1.2);
      assert.deepEqual(m.latency_ms, expected.latency_ms);
      assert.deepEqual(m.service_time_ms, expected.service_time_ms);
      assert.deepEqual(m.ttfb_ms, expected.ttfb_ms);
      assert.equal(m.total_requests, 7500);
    });
    const all = newHistogram();
    for (const s of union) all.add(s.latency.histogram());
    assert.deepEqual(merged.metrics.latency_ms, summarize(all));
    assert.equal(decodeHistogram(merged.histogram).totalCount, 15_000);
    assert.equal(merged.timeline.length, 1);
    assert.equal(merged.timeline[0].rps, 15_000);
  });
});

void describe('worker threads', { timeout: 180_000 }, () => {
  void it('closed model on 2 threads: every request counted once, result says 2 workers', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const { plan: p, source } = fromText(`name: w\nbase_url: ${server.url}\nurl: /x\nconcurrency: 4\ntotal_requests: 2001\nworkers: 2\n`);
    const progress: number[] = [];
    const result = await runWithWorkers(p, { source, warmCode: false, onProgress: (u) => progress.push(u.summary.total_requests) });
    assert.equal(result.status, 'completed', result.failure_reasons.join('; '));
    assert.equal(result.workers, 2);
    assert.equal(result.metrics.total_requests, 2001);
    assert.equal(server.count, 2001);
    assert.equal(result.metrics.status_code_counts['200'], 2001);
    assert.equal(decodeHistogram(result.histogram).totalCount, 2001);
    const timelineTotal = result.timeline.reduce((sum, point, i) => sum + point.rps * (i === result.timeline.length - 1 ? Math.max(1, result.metrics.duration_seconds - point.t + 1) : 1), 0);
    assert.ok(timelineTotal > 0);
    assert.equal(result.passed, true);
    // One endpoint, one status: the first successes and the reservoir, once for the run, not once per thread.
    assert.ok(result.sampled_requests.length >= FIRST_SUCCESSES);
    assert.ok(result.sampled_requests.length <= FIRST_SUCCESSES + RESERVOIR_SIZE, `${result.sampled_requests.length} samples`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i] >= progress[i - 1], 'merged progress only grows');
  });

  void it('open model on 2 threads: arrival i comes from thread i mod 2 at its own due time, evenly spaced', async () => {
    const arrivals = new Map<number, { at: number; port: number }>();
    const server = await track(
      serve((req, res) => {
        const index = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('i'));
        arrivals.set(index, { at: performance.now(), port: req.socket.remotePort ?? 0 });
        ok(res);
      }),
    );
    const rate = 200;
    const { plan: p, source } = fromText(`name: o\nbase_url: ${server.url}\nurl: "/x?i={{$requestIndex}}"\nrequests_per_second: ${rate}\nduration_seconds: 2\nconcurrency: 20\nworkers: 2\n`);
    const result = await runWithWorkers(p, { source, warmCode: false });
    assert.equal(result.status, 'completed', result.failure_reasons.join('; '));
    assert.equal(result.workers, 2);
    const total = result.metrics.total_requests + result.metrics.dropped_requests;
    assert.equal(total, 2 * rate, 'every due arrival was issued once');
    assert.equal(arrivals.size, result.metrics.total_requests);
    // Each thread has its own connections: even arrivals and odd arrivals never share a socket.
    const portsOf = (parity: number): Set<number> => new Set([...arrivals].filter(([i]) => i % 2 === parity).map(([, a]) => a.port));
    const even = portsOf(0);
    const odd = portsOf(1);
    assert.ok(even.size > 0 && odd.size > 0);
    for (const port of even) assert.ok(!odd.has(port), 'a socket carried arrivals of both threads');
    // Evenly spaced: arrival i is at t0 + i/rate, whichever thread sent it. Measured against that
    // line (its offset the median one), the typical arrival is close to it on both threads.
    const offsets = [...arrivals].map(([i, a]) => ({ i, off: a.at - (i * 1000) / rate }));
    const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
    const mid = (xs: number[]): number => sorted(xs)[Math.floor(xs.length / 2)];
    const line = mid(offsets.map((o) => o.off));
    for (const parity of [0, 1]) {
      const residual = mid(offsets.filter((o) => o.i % 2 === parity).map((o) => Math.abs(o.off - line)));
      assert.ok(residual < 2, `thread ${parity}: median distance from the even schedule ${residual.toFixed(2)} ms`);
    }
  });

  void it('a runner asked for parts only at the end sends one part that holds every second', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const { plan: p } = fromText(`name: p\nbase_url: ${server.url}\nurl: /x\nconcurrency: 2\nduration_seconds: 2.5\n`);
    const once: Array<{ final: boolean; seconds: number[] }> = [];
    const everySecond: Array<{ final: boolean; seconds: number[] }> = [];
    const record = (into: typeof once) => (part: RunPart, final: boolean) => into.push({ final, seconds: part.intervals.map((i) => i.t) });
    const a = await runPlan(p, { warmCode: false, onPart: record(once), partsEverySecond: false });
    const b = await runPlan(p, { warmCode: false, onPart: record(everySecond) });
    assert.equal(a.status, 'completed');
    assert.equal(b.status, 'completed');
    assert.deepEqual(once.map((x) => x.final), [true], 'one part, the final one');
    assert.deepEqual(once[0].seconds, [1, 2, 3], 'the final part carries every second of the run');
    assert.ok(everySecond.length >= 3, `${everySecond.length} parts`);
    assert.deepEqual(everySecond.flatMap((x) => x.seconds), [1, 2, 3], 'each second is sent once, in order');
  });

  void it('without progress, 2 threads still give every second of the timeline and exact totals', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const { plan: p, source } = fromText(`name: t\nbase_url: ${server.url}\nurl: /x\nconcurrency: 4\nduration_seconds: 2.5\nworkers: 2\n`);
    const result = await runWithWorkers(p, { source, warmCode: false });
    assert.equal(result.status, 'completed', result.failure_reasons.join('; '));
    assert.equal(result.workers, 2);
    assert.deepEqual(result.timeline.map((x) => x.t), [1, 2, 3]);
    for (const point of result.timeline) assert.ok(point.rps > 0, `second ${point.t} has requests`);
    assert.equal(server.count, result.metrics.total_requests);
    assert.equal(decodeHistogram(result.histogram).totalCount, result.metrics.total_requests);
  });

  void it('cancel without progress still returns the partial numbers of every thread', async () => {
    const server = await track(serve((_req, res) => setTimeout(() => ok(res), 2)));
    const { plan: p, source } = fromText(`name: c\nbase_url: ${server.url}\nurl: /x\nconcurrency: 4\nduration_seconds: 60\nworkers: 2\n`);
    const controller = new AbortController();
    const running = runWithWorkers(p, { source, warmCode: false, signal: controller.signal });
    // Cancelled once requests are flowing: their numbers come only with the threads' final parts.
    while (server.count < 100) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    const result = await running;
    assert.equal(result.status, 'cancelled');
    assert.ok(result.metrics.total_requests > 0, 'the partial numbers of the threads are in the result');
    assert.equal(decodeHistogram(result.histogram).totalCount, result.metrics.total_requests);
    assert.ok(server.count >= result.metrics.total_requests);
  });

  void it('cancel stops every thread and returns the partial result', async () => {
    const server = await track(serve((_req, res) => setTimeout(() => ok(res), 2)));
    const { plan: p, source } = fromText(`name: c\nbase_url: ${server.url}\nurl: /x\nconcurrency: 4\nduration_seconds: 60\nworkers: 2\n`);
    const controller = new AbortController();
    const started = performance.now();
    const result = await runWithWorkers(p, {
      source,
      warmCode: false,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    assert.equal(result.status, 'cancelled');
    assert.equal(result.workers, 2);
    assert.ok(result.metrics.total_requests > 0);
    assert.ok(performance.now() - started < 30_000, 'stopped long before the 60 s duration');
    assert.equal(result.failure_reasons[0], 'run cancelled');
  });

  void it('a worker that cannot run fails the run with its reason', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const { plan: p } = fromText(`name: f\nbase_url: ${server.url}\nurl: /x\nconcurrency: 4\nduration_seconds: 30\nworkers: 2\n`);
    // The threads rebuild the plan from this text, whose test is not valid.
    const broken: PlanSource = { text: 'name: f\nconcurrency: many\n', testIndex: 0, file: 'broken.atm.yaml', env: {} };
    const result = await runWithWorkers(p, { source: broken, warmCode: false });
    assert.equal(result.status, 'failed');
    assert.equal(result.passed, false);
    assert.match(result.error ?? '', /worker \d of 2: test 'f' is not valid/);
  });
});
