// Counters and HDR histograms. Everything is recorded in whole microseconds; summaries are
// reported in milliseconds. Each endpoint records on its own; the overall numbers are the exact
// sum of the endpoints' (histograms of one configuration add without loss), computed when a
// summary is asked for, so the hot path records each value once.
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { ERROR_TYPES, type ErrorType, type LatencySummary, type Metrics } from '../format/result';

/** 60 s; autoResize lets longer values in rather than failing. */
const HIGHEST_US = 60_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64, 32, false);
}

/** Adds snapshots (compressed base64, e.g. from several workers) into one histogram. */
export function mergeHistograms(snapshots: readonly string[]): Histogram {
  const merged = newHistogram();
  for (const snapshot of snapshots) merged.add(decodeHistogram(snapshot));
  return merged;
}

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;
const usToMs = (us: number): number => round3(us / 1000);

export function emptySummary(): LatencySummary {
  return { min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, max: 0 };
}

export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return emptySummary();
  return {
    min: usToMs(histogram.minNonZeroValue),
    mean: usToMs(histogram.mean),
    p50: usToMs(histogram.getValueAtPercentile(50)),
    p75: usToMs(histogram.getValueAtPercentile(75)),
    p90: usToMs(histogram.getValueAtPercentile(90)),
    p95: usToMs(histogram.getValueAtPercentile(95)),
    p99: usToMs(histogram.getValueAtPercentile(99)),
    p99_9: usToMs(histogram.getValueAtPercentile(99.9)),
    // The bucket's value, like the percentiles: a decoded snapshot reports the same.
    max: usToMs(histogram.getValueAtPercentile(100)),
  };
}

/** Whole microseconds, at least 1 (the histogram's lowest discernible value). */
export function toMicros(ms: number): number {
  const us = Math.round(ms * 1000);
  return us < 1 ? 1 : us;
}

// The hot path counts into a plain array laid out like the HDR histogram's own buckets
// (3 significant digits, 1 µs unit: 2048 sub-buckets, halves of 1024), and the histogram takes
// the counts in batches when it is read. Each bucket is added back at its lowest value, which
// falls in the same HDR bucket, so the result is the same histogram, at a fraction of the cost
// of recordValue() per request.
const HALF_MAGNITUDE = 10;
const HALF_COUNT = 1 << HALF_MAGNITUDE;
/** Values from here on (about 18 minutes) go to the histogram directly. */
const FAST_LIMIT = 2 ** 30;
const FAST_SLOTS = 20 * HALF_COUNT + HALF_COUNT;

function fastIndex(value: number): number {
  const bucket = 21 - Math.clz32(value | 2047);
  return ((bucket + 1) << HALF_MAGNITUDE) + ((value >>> bucket) - HALF_COUNT);
}

function fastValue(index: number): number {
  let bucket = (index >> HALF_MAGNITUDE) - 1;
  let sub = (index & (HALF_COUNT - 1)) + HALF_COUNT;
  if (bucket < 0) {
    sub -= HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** Records whole microseconds into an HDR histogram, cheaply. */
export class Recorder {
  private readonly hist = newHistogram();
  private readonly counts = new Uint32Array(FAST_SLOTS);
  private lo = FAST_SLOTS;
  private hi = -1;

  record(us: number): void {
    if (us < FAST_LIMIT) {
      const index = fastIndex(us);
      this.counts[index]++;
      if (index < this.lo) this.lo = index;
      if (index > this.hi) this.hi = index;
    } else {
      this.hist.recordValue(us);
    }
  }

  /** The histogram with everything recorded so far. */
  histogram(): Histogram {
    const counts = this.counts;
    for (let i = this.lo; i <= this.hi; i++) {
      if (counts[i] !== 0) {
        this.hist.recordValueWithCount(fastValue(i), counts[i]);
        counts[i] = 0;
      }
    }
    this.lo = FAST_SLOTS;
    this.hi = -1;
    return this.hist;
  }

  reset(): void {
    if (this.hi >= 0) this.counts.fill(0, this.lo, this.hi + 1);
    this.lo = FAST_SLOTS;
    this.hi = -1;
    this.hist.reset();
  }
}

/** The numbers of one endpoint (or of the whole run, by adding endpoints). */
export class Stats {
  readonly latency = new Recorder();
  /** Unused when `serviceIsLatency` (closed model: a request is due when it is sent). */
  readonly service = new Recorder();
  readonly ttfb = new Recorder();
  successful = 0;
  failed = 0;
  dropped = 0;
  bytesReceived = 0;
  bytesSent = 0;
  redirects = 0;
  /** Indexed by status code (HTTP status codes have three digits). */
  readonly statusCounts = new Uint32Array(1000);
  /** Indexed like ERROR_TYPES. */
  readonly errorCounts = new Uint32Array(ERROR_TYPES.length);

  constructor(readonly serviceIsLatency = false) {}

  /** Adds another Stats into this one (exact). */
  add(other: Stats): void {
    this.latency.histogram().add(other.latency.histogram());
    this.service.histogram().add((other.serviceIsLatency ? other.latency : other.service).histogram());
    this.ttfb.histogram().add(other.ttfb.histogram());
    this.successful += other.successful;
    this.failed += other.failed;
    this.dropped += other.dropped;
    this.bytesReceived += other.bytesReceived;
    this.bytesSent += other.bytesSent;
    this.redirects += other.redirects;
    for (let i = 0; i < 1000; i++) this.statusCounts[i] += other.statusCounts[i];
    for (let i = 0; i < ERROR_TYPES.length; i++) this.errorCounts[i] += other.errorCounts[i];
  }

  toMetrics(durationSeconds: number): Metrics {
    const total = this.successful + this.failed;
    const statusCodeCounts: Record<string, number> = {};
    for (let code = 0; code < 1000; code++) {
      if (this.statusCounts[code] > 0) statusCodeCounts[String(code)] = this.statusCounts[code];
    }
    const errorsByType: Partial<Record<ErrorType, number>> = {};
    ERROR_TYPES.forEach((type, index) => {
      if (this.errorCounts[index] > 0) errorsByType[type] = this.errorCounts[index];
    });
    return {
      total_requests: total,
      successful_requests: this.successful,
      failed_requests: this.failed,
      dropped_requests: this.dropped,
      requests_per_second: durationSeconds > 0 ? Math.round((total / durationSeconds) * 10) / 10 : 0,
      duration_seconds: Math.round(durationSeconds * 1000) / 1000,
      error_rate: total > 0 ? this.failed / total : 0,
      bytes_received: this.bytesReceived,
      bytes_sent: this.bytesSent,
      latency_ms: summarize(this.latency.histogram()),
      service_time_ms: summarize((this.serviceIsLatency ? this.latency : this.service).histogram()),
      ttfb_ms: summarize(this.ttfb.histogram()),
      status_code_counts: statusCodeCounts,
      errors_by_type: errorsByType,
      redirects: this.redirects,
    };
  }
}

/** One second of the run, for the timeline. */
export class Interval {
  readonly latency = new Recorder();
  completed = 0;
  errors = 0;
  dropped = 0;

  /** Adds `other` into this one (exact). */
  add(other: Interval): void {
    this.latency.histogram().add(other.latency.histogram());
    this.completed += other.completed;
    this.errors += other.errors;
    this.dropped += other.dropped;
  }

  reset(): void {
    this.latency.reset();
    this.completed = 0;
    this.errors = 0;
    this.dropped = 0;
  }
}

export function sumStats(all: readonly Stats[]): Stats {
  const total = new Stats();
  for (const stats of all) total.add(stats);
  return total;
}
