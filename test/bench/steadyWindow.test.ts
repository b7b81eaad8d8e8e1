// The bench's steady window: requests per CPU-second after a run's first second and before its
// end, so that start-up, the first second's compiling and teardown stay out of the figure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { steadyWindow } from '../../bench/loadgens';

const END = Date.parse('2026-01-01T00:00:10.000Z');

function result(duration: number, rps: number[]): RunResult {
  return {
    completed_at: new Date(END).toISOString(),
    metrics: { duration_seconds: duration },
    timeline: rps.map((r, i) => ({ t: i + 1, rps: r })),
  } as unknown as RunResult;
}

/** CPU samples every 100 ms: `startup` CPU-s per s until t0 + 1 s, `steady` after, `teardown` after the end. */
function samples(duration: number, rates: { startup: number; steady: number; teardown: number }): Array<[number, number]> {
  const t0 = END - duration * 1000;
  const out: Array<[number, number]> = [];
  let cpu = 0;
  for (let t = t0 - 2000; t <= END + 500; t += 100) {
    out.push([t, cpu]);
    const rate = t < t0 + 1000 ? rates.startup : t < END ? rates.steady : rates.teardown;
    cpu += rate * 100 * 1000; // µs per 100 ms
  }
  return out;
}

void test('the steady window leaves the first second and the teardown out', () => {
  const w = steadyWindow(result(5, [9000, 40000, 40000, 40000, 40000]), samples(5, { startup: 2, steady: 1, teardown: 3 }));
  assert.ok(w !== null);
  assert.equal(w.rps, 40000);
  assert.ok(Math.abs(w.cpu_per_second - 1) < 0.01, `cpu per second ${w.cpu_per_second}`);
  assert.ok(Math.abs(w.req_per_cpu_second - 40000) < 400, `req per CPU-s ${w.req_per_cpu_second}`);
  assert.ok(w.seconds > 3 && w.seconds < 4);
});

void test('a costlier steady state shows as fewer requests per CPU-second', () => {
  const w = steadyWindow(result(5, [9000, 40000, 40000, 40000, 40000]), samples(5, { startup: 1, steady: 1.25, teardown: 1 }));
  assert.ok(w !== null);
  assert.ok(Math.abs(w.req_per_cpu_second - 32000) < 400, `req per CPU-s ${w.req_per_cpu_second}`);
});

void test('a run too short for a window, or without samples, has none', () => {
  assert.equal(steadyWindow(result(2, [9000, 40000]), samples(2, { startup: 1, steady: 1, teardown: 1 })), null);
  assert.equal(steadyWindow(result(5, [9000, 40000, 40000, 40000, 40000]), []), null);
  // Samples that stop before the window ends cannot say what it cost.
  const early = samples(5, { startup: 1, steady: 1, teardown: 1 }).filter(([t]) => t < END - 2000);
  assert.equal(steadyWindow(result(5, [9000, 40000, 40000, 40000, 40000]), early), null);
});
