// Stats and intervals to and from their raw parts (format/parts.ts); merge.ts turns parts into one result.
import type { IntervalPart, StatsPart } from '../format/parts';
import { ERROR_TYPES } from '../format/result';
import { decodeHistogram, encodeHistogram, Interval, Stats } from './metrics';

export type { IntervalPart, RunPart, StatsPart } from '../format/parts';

export function statsToPart(stats: Stats): StatsPart {
  const statusCounts: Record<string, number> = {};
  for (let code = 0; code < 1000; code++) if (stats.statusCounts[code] > 0) statusCounts[String(code)] = stats.statusCounts[code];
  const errorCounts: Record<string, number> = {};
  ERROR_TYPES.forEach((type, i) => {
    if (stats.errorCounts[i] > 0) errorCounts[type] = stats.errorCounts[i];
  });
  return {
    latency: encodeHistogram(stats.latency.histogram()),
    service: encodeHistogram((stats.serviceIsLatency ? stats.latency : stats.service).histogram()),
    ttfb: encodeHistogram(stats.ttfb.histogram()),
    successful: stats.successful,
    failed: stats.failed,
    dropped: stats.dropped,
    bytesReceived: stats.bytesReceived,
    bytesSent: stats.bytesSent,
    statusCounts,
    errorCounts,
  };
}

/** Adds a part's numbers into `stats` (whose service histogram is kept separately). */
export function addStatsPart(stats: Stats, part: StatsPart): void {
  stats.latency.histogram().add(decodeHistogram(part.latency));
  stats.service.histogram().add(decodeHistogram(part.service));
  stats.ttfb.histogram().add(decodeHistogram(part.ttfb));
  stats.successful += part.successful;
  stats.failed += part.failed;
  stats.dropped += part.dropped;
  stats.bytesReceived += part.bytesReceived;
  stats.bytesSent += part.bytesSent;
  for (const [code, count] of Object.entries(part.statusCounts)) {
    const n = Number(code);
    if (Number.isInteger(n) && n >= 0 && n < 1000) stats.statusCounts[n] += count;
  }
  for (const [type, count] of Object.entries(part.errorCounts)) {
    const i = (ERROR_TYPES as readonly string[]).indexOf(type);
    stats.errorCounts[i >= 0 ? i : ERROR_TYPES.indexOf('other')] += count;
  }
}

/** `iterations`: the flow iterations finished in the second (null for a test of independent requests). */
export function intervalToPart(t: number, seconds: number, interval: Interval, inFlight: number, iterations: number | null = null): IntervalPart {
  const part: IntervalPart = {
    t,
    seconds,
    completed: interval.completed,
    errors: interval.errors,
    dropped: interval.dropped,
    latency: encodeHistogram(interval.latency.histogram()),
    inFlight,
  };
  if (iterations !== null) part.iterations = iterations;
  return part;
}

export function addIntervalPart(interval: Interval, part: IntervalPart): void {
  interval.latency.histogram().add(decodeHistogram(part.latency));
  interval.completed += part.completed;
  interval.errors += part.errors;
  interval.dropped += part.dropped;
}
