// When requests are due and which endpoint each goes to. Pure arithmetic, no timers: the run
// loop asks, so the rules are testable on their own.
import type { DistributionStrategy } from '../format/types';

/**
 * Open model: the time (ms after t0) request `i` is due. The rate rises linearly from 0 to
 * `rate` over `rampMs`, so the count due by time t is the integral of the rate: R·t²/(2T)
 * during the ramp and R·T/2 + R·(t − T) after it. Inverting gives the due time.
 */
export function dueOffsetMs(i: number, rate: number, rampMs: number): number {
  const perMs = rate / 1000;
  if (rampMs <= 0) return i / perMs;
  const rampCount = (perMs * rampMs) / 2;
  if (i < rampCount) return Math.sqrt((2 * rampMs * i) / perMs);
  return rampMs + (i - rampCount) / perMs;
}

/** Closed model: when the k-th of n loops starts (loops rise linearly over the ramp). */
export function loopStartMs(k: number, n: number, rampMs: number): number {
  return rampMs <= 0 ? 0 : (rampMs * k) / n;
}

export interface Picker {
  /** The endpoint for request `index` (0-based), `elapsedMs` after the start. */
  pick(index: number, elapsedMs: number): number;
}

export interface PickerOptions {
  strategy: DistributionStrategy;
  weights: readonly number[];
  totalRequests: number | null;
  durationMs: number | null;
  random?: () => number;
}

export function createPicker(options: PickerOptions): Picker {
  const n = options.weights.length;
  if (n <= 1) return { pick: () => 0 };
  switch (options.strategy) {
    case 'round_robin':
      return { pick: (index) => index % n };
    case 'weighted': {
      const random = options.random ?? Math.random;
      const cumulative: number[] = [];
      let sum = 0;
      for (const w of options.weights) {
        sum += Math.max(0, w);
        cumulative.push(sum);
      }
      if (sum <= 0) return { pick: (index) => index % n };
      return {
        pick: () => {
          const r = random() * sum;
          for (let i = 0; i < n; i++) if (r < cumulative[i]) return i;
          return n - 1;
        },
      };
    }
    case 'sequential': {
      if (options.totalRequests !== null) {
        // Shares as even as possible: the first (total mod n) endpoints get one more.
        const base = Math.floor(options.totalRequests / n);
        const extra = options.totalRequests % n;
        const ends: number[] = [];
        let end = 0;
        for (let i = 0; i < n; i++) {
          end += base + (i < extra ? 1 : 0);
          ends.push(end);
        }
        return {
          pick: (index) => {
            for (let i = 0; i < n; i++) if (index < ends[i]) return i;
            return n - 1;
          },
        };
      }
      const slice = (options.durationMs ?? 0) / n;
      return { pick: (_index, elapsedMs) => (slice > 0 ? Math.min(n - 1, Math.max(0, Math.floor(elapsedMs / slice))) : 0) };
    }
  }
}
