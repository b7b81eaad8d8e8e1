// A run's timeline: one point per second of the measured window (completions per second, latency
// percentiles, errors, requests in flight, dropped arrivals, finished iterations), and the same
// seconds as raw parts for an exact merge of several runners (parts.ts).
import type { TimelinePoint } from '../format/result';
import { Interval } from './metrics';
import { intervalToPart, type IntervalPart } from './parts';

/** A last partial second shorter than this joins the point before it. */
const MIN_TAIL_SECONDS = 0.25;

export class Timeline {
  /** The second being counted: completions, errors and drops are added here as they happen. */
  interval = new Interval();
  /** The second before `interval`: a short tail at the end is merged into it. */
  private previous = new Interval();
  readonly points: TimelinePoint[] = [];
  /** Whole seconds closed so far. */
  seconds = 0;
  /** Raw seconds not yet taken (kept only when asked for). */
  private raw: IntervalPart[] = [];

  constructor(
    private readonly openModel: boolean,
    private readonly keepRaw: boolean,
  ) {}

  /**
   * Closes the next whole second. `iterations`: the flow iterations finished in it (null for a
   * test of independent requests).
   */
  closeSecond(inFlight: number, iterations: number | null): void {
    this.seconds++;
    this.close(this.seconds, 1, inFlight, iterations);
  }

  /**
   * The last, partial second, `tail` seconds long. Shorter than MIN_TAIL_SECONDS it is merged into
   * the point before (over 1 + tail seconds), so that a few requests finishing just after the end
   * do not show as a misleading rate.
   */
  closeTail(tail: number, inFlight: number, iterations: number | null): void {
    const interval = this.interval;
    if (!(tail > 0.001) || (interval.completed === 0 && interval.dropped === 0 && interval.errors === 0)) return;
    if (tail >= MIN_TAIL_SECONDS || this.points.length === 0) {
      this.close(this.seconds + 1, tail, inFlight, iterations);
      return;
    }
    if (this.keepRaw) this.raw.push(intervalToPart(this.seconds + 1, tail, interval, inFlight, iterations));
    const last = this.points.length - 1;
    const before = this.points[last].iterations;
    this.previous.add(interval);
    interval.reset();
    this.points[last] = this.point(this.points[last].t, 1 + tail, this.previous, inFlight, iterations === null ? null : (before ?? 0) + iterations);
  }

  /** The raw seconds closed since the last call. */
  takeRaw(): IntervalPart[] {
    const raw = this.raw;
    this.raw = [];
    return raw;
  }

  private close(t: number, seconds: number, inFlight: number, iterations: number | null): void {
    if (this.keepRaw) this.raw.push(intervalToPart(t, seconds, this.interval, inFlight, iterations));
    this.points.push(this.point(t, seconds, this.interval, inFlight, iterations));
    const closed = this.interval;
    this.interval = this.previous;
    this.interval.reset();
    this.previous = closed;
  }

  private point(t: number, seconds: number, interval: Interval, inFlight: number, iterations: number | null): TimelinePoint {
    const h = interval.latency.histogram();
    const ms = (us: number): number => Math.round(us) / 1000;
    const point: TimelinePoint = {
      t,
      rps: Math.round((interval.completed / seconds) * 10) / 10,
      p50: h.totalCount > 0 ? ms(h.getValueAtPercentile(50)) : 0,
      p95: h.totalCount > 0 ? ms(h.getValueAtPercentile(95)) : 0,
      p99: h.totalCount > 0 ? ms(h.getValueAtPercentile(99)) : 0,
      errors: interval.errors,
      in_flight: inFlight,
    };
    if (this.openModel) point.dropped = interval.dropped;
    if (iterations !== null) point.iterations = iterations;
    return point;
  }
}
