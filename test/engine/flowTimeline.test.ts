// The timeline's last partial second: a short tail is merged into the point before it, and for a
// flow that point then counts the iterations finished in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline } from '../../engine/run/timeline';

function complete(timeline: Timeline, n: number, latencyUs: number): void {
  for (let i = 0; i < n; i++) {
    timeline.interval.completed++;
    timeline.interval.latency.record(latencyUs);
  }
}

void test('a short tail joins the last point: requests over 1 + tail seconds, iterations of both', () => {
  const timeline = new Timeline(false, false);
  complete(timeline, 30, 1000);
  timeline.closeSecond(0, 10);
  complete(timeline, 3, 3000);
  timeline.closeTail(0.1, 0, 1);
  assert.equal(timeline.points.length, 1);
  const [point] = timeline.points;
  assert.equal(point.t, 1);
  assert.equal(point.rps, Math.round((33 / 1.1) * 10) / 10);
  assert.equal(point.iterations, 11);
  // The tail's slower requests are in the merged point's percentiles (HDR: within 0.1 %).
  assert.ok(Math.abs(point.p99 - 3) < 0.01, `p99 ${point.p99}`);
});

void test('a tail of a quarter second or more is a point of its own; a test without flow has no iteration counts', () => {
  const timeline = new Timeline(true, true);
  complete(timeline, 10, 1000);
  timeline.interval.dropped = 2;
  timeline.closeSecond(4, null);
  complete(timeline, 5, 1000);
  timeline.closeTail(0.5, 0, null);
  assert.deepEqual(
    timeline.points.map((p) => [p.t, p.rps, p.dropped, p.in_flight, 'iterations' in p]),
    [
      [1, 10, 2, 4, false],
      [2, 10, 0, 0, false],
    ],
  );
  // The raw seconds for an exact merge of several runners, handed over once.
  assert.deepEqual(
    timeline.takeRaw().map((r) => [r.t, r.seconds, r.completed, r.dropped]),
    [
      [1, 1, 10, 2],
      [2, 0.5, 5, 0],
    ],
  );
  assert.deepEqual(timeline.takeRaw(), []);
});

void test('an empty tail adds nothing', () => {
  const timeline = new Timeline(false, false);
  complete(timeline, 4, 1000);
  timeline.closeSecond(0, 2);
  timeline.closeTail(0.1, 0, 0);
  assert.equal(timeline.points.length, 1);
  assert.equal(timeline.points[0].iterations, 2);
  assert.equal(timeline.points[0].rps, 4);
});
