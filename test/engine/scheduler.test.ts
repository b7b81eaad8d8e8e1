// The arithmetic of arrivals and distribution, without a network.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { createPicker, dueOffsetMs } from '../../engine/run';

void describe('due times', () => {
  void it('without ramp-up: i / rate, evenly spaced (no per-second bursts)', () => {
    assert.equal(dueOffsetMs(0, 1000, 0), 0);
    assert.equal(dueOffsetMs(1, 1000, 0), 1);
    assert.equal(dueOffsetMs(2500, 10_000, 0), 250);
    for (let i = 1; i < 1000; i++) assert.ok(Math.abs(dueOffsetMs(i, 200, 0) - dueOffsetMs(i - 1, 200, 0) - 5) < 1e-9);
  });

  void it('with ramp-up: the count due by t is the integral of a linear rate', () => {
    const rate = 100;
    const ramp = 2000;
    // By the end of the ramp, rate·T/2 = 100 requests are due.
    assert.ok(Math.abs(dueOffsetMs(100, rate, ramp) - 2000) < 1e-9);
    // Halfway through the ramp, a quarter of them.
    assert.ok(Math.abs(dueOffsetMs(25, rate, ramp) - 1000) < 1e-9);
    // After the ramp, the full rate.
    assert.ok(Math.abs(dueOffsetMs(200, rate, ramp) - 3000) < 1e-9);
    // Gaps shrink during the ramp and never grow.
    let last = Infinity;
    for (let i = 1; i < 300; i++) {
      const gap = dueOffsetMs(i, rate, ramp) - dueOffsetMs(i - 1, rate, ramp);
      assert.ok(gap <= last + 1e-9);
      last = gap;
    }
  });
});

void describe('pickers', () => {
  void it('round_robin', () => {
    const p = createPicker({ strategy: 'round_robin', weights: [1, 1, 1], totalRequests: 9, durationMs: null });
    assert.deepEqual(
      Array.from({ length: 7 }, (_, i) => p.pick(i, 0)),
      [0, 1, 2, 0, 1, 2, 0],
    );
  });

  void it('weighted, by weight', () => {
    let r = 0;
    const random = (): number => (r = (r + 0.61803398875) % 1);
    const p = createPicker({ strategy: 'weighted', weights: [3, 1], totalRequests: null, durationMs: 1000, random });
    const counts = [0, 0];
    for (let i = 0; i < 4000; i++) counts[p.pick(i, 0)]++;
    assert.ok(Math.abs(counts[0] / 4000 - 0.75) < 0.01, String(counts));
  });

  void it('sequential: shares of the total, the remainder to the first', () => {
    const p = createPicker({ strategy: 'sequential', weights: [1, 1, 1], totalRequests: 11, durationMs: null });
    assert.deepEqual(
      Array.from({ length: 11 }, (_, i) => p.pick(i, 0)),
      [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2],
    );
  });

  void it('sequential: slices of the duration', () => {
    const p = createPicker({ strategy: 'sequential', weights: [1, 1], totalRequests: null, durationMs: 1000 });
    assert.deepEqual(
      [0, 499, 500, 999, 1500].map((t) => p.pick(0, t)),
      [0, 0, 1, 1, 1],
    );
  });

  void it('one endpoint is always 0', () => {
    const p = createPicker({ strategy: 'weighted', weights: [5], totalRequests: 3, durationMs: null });
    assert.equal(p.pick(2, 0), 0);
  });
});
