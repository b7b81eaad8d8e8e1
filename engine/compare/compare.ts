// Two runs side by side: every summary metric of A and B with the change, and the latency
// distribution from each run's HDR histogram (exact bucket values, not interpolated from the
// summary). B's baseline thresholds are judged again with A as the baseline, so `atm compare`
// answers "did B regress against A" the way `atm run --baseline A` would have.
import type { MetricUnit, MetricDelta, PercentileDelta } from './types';
import type { Histogram } from 'hdr-histogram-js';
import { parseThreshold } from '../format/threshold';
import type { ParsedThreshold } from '../format/plan';
import { thresholdsOfScope } from '../format/scopedThresholds';
import type { EndpointMetrics, Metrics, RunResult, ThresholdResult } from '../format/result';
import { decodeHistogram } from '../run/metrics';
import { baselineMetricsOf, judge } from '../run/verdict';

/** The percentiles of a distribution: p50 to p99.99, denser towards the tail (the HdrHistogram plot). */
export const DISTRIBUTION_PERCENTILES: readonly number[] = [50, 75, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.975, 99.99];

export type { MetricUnit, MetricDelta, PercentileDelta } from './types';

export interface ScopeComparison {
  /** null for the whole test. */
  endpoint: string | null;
  /** Present on one side only: the other run had no such endpoint. */
  only_in?: 'a' | 'b';
  metrics: MetricDelta[];
  /** From the histograms; null when a side has no histogram (an endpoint in an older result). */
  distribution: PercentileDelta[] | null;
}

export interface TestComparison {
  name: string;
  a: { id: string; started_at: string; file: string };
  b: { id: string; started_at: string; file: string };
  overall: ScopeComparison;
  endpoints: ScopeComparison[];
  /** B's baseline thresholds judged with A as the baseline. */
  thresholds: ThresholdResult[];
  failure_reasons: string[];
  passed: boolean;
}

export interface Comparison {
  tests: TestComparison[];
  /** Tests found in only one of the two. */
  only_in_a: string[];
  only_in_b: string[];
  /** Every baseline threshold of B held. */
  passed: boolean;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** Latency at each percentile, in ms, from an HDR histogram recorded in microseconds. */
export function percentileValues(histogram: Histogram, percentiles: readonly number[] = DISTRIBUTION_PERCENTILES): number[] {
  if (histogram.totalCount === 0) return percentiles.map(() => 0);
  return percentiles.map((p) => round3(histogram.getValueAtPercentile(p) / 1000));
}

/** The distribution of a compressed base64 histogram (a result's `histogram`). */
export function distributionOf(base64: string, percentiles: readonly number[] = DISTRIBUTION_PERCENTILES): number[] {
  return percentileValues(decodeHistogram(base64), percentiles);
}

/**
 * The latency-by-percentile curve of a histogram, for the HdrHistogram plot: points evenly spaced
 * on its log axis, x = -log10(1 - p/100), from p50 (x ≈ 0.3) to p99.99 (x = 4).
 */
export function percentileCurve(base64: string, step = 0.05): Array<{ percentile: number; x: number; ms: number }> {
  const h = decodeHistogram(base64);
  if (h.totalCount === 0) return [];
  const out: Array<{ percentile: number; x: number; ms: number }> = [];
  const first = Math.log10(2);
  const count = Math.round((4 - first) / step);
  for (let i = 0; i <= count; i++) {
    const x = i === count ? 4 : first + i * step;
    const percentile = 100 * (1 - 10 ** -x);
    out.push({ percentile, x, ms: round3(h.getValueAtPercentile(percentile) / 1000) });
  }
  return out;
}

function delta(metric: string, unit: MetricUnit, better: MetricDelta['better'], a: number | null, b: number | null): MetricDelta {
  const change = a !== null && b !== null ? round3(b - a) : null;
  const changePct = a !== null && b !== null && a !== 0 ? Math.round(((b - a) / a) * 10000) / 100 : null;
  let verdict: MetricDelta['verdict'] = null;
  if (change !== null && better !== 'neither') {
    // Within 1% of the value a change is noise between two runs, not a direction.
    const tolerance = Math.max(Math.abs(a ?? 0) * 0.01, 1e-9);
    if (Math.abs(b! - a!) <= tolerance) verdict = 'same';
    else verdict = (b! < a!) === (better === 'lower') ? 'better' : 'worse';
  }
  return { metric, unit, a, b, change, change_pct: changePct, better, verdict };
}

const LATENCY_KEYS = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'max'] as const;

function metricDeltas(a: Metrics | null, b: Metrics | null): MetricDelta[] {
  const pick = (m: Metrics | null, f: (m: Metrics) => number | undefined): number | null => {
    if (m === null) return null;
    const v = f(m);
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const out: MetricDelta[] = [
    delta('total_requests', 'count', 'neither', pick(a, (m) => m.total_requests), pick(b, (m) => m.total_requests)),
    delta('requests_per_second', 'req/s', 'higher', pick(a, (m) => m.requests_per_second), pick(b, (m) => m.requests_per_second)),
    delta('error_rate', 'fraction', 'lower', pick(a, (m) => m.error_rate), pick(b, (m) => m.error_rate)),
    delta('failed_requests', 'count', 'lower', pick(a, (m) => m.failed_requests), pick(b, (m) => m.failed_requests)),
    delta('dropped_requests', 'count', 'lower', pick(a, (m) => m.dropped_requests), pick(b, (m) => m.dropped_requests)),
    delta('duration_seconds', 's', 'neither', pick(a, (m) => m.duration_seconds), pick(b, (m) => m.duration_seconds)),
  ];
  for (const key of LATENCY_KEYS) out.push(delta(`latency_ms.${key}`, 'ms', 'lower', pick(a, (m) => m.latency_ms[key]), pick(b, (m) => m.latency_ms[key])));
  for (const key of LATENCY_KEYS) out.push(delta(`service_time_ms.${key}`, 'ms', 'lower', pick(a, (m) => m.service_time_ms?.[key]), pick(b, (m) => m.service_time_ms?.[key])));
  for (const key of LATENCY_KEYS) out.push(delta(`ttfb_ms.${key}`, 'ms', 'lower', pick(a, (m) => m.ttfb_ms?.[key]), pick(b, (m) => m.ttfb_ms?.[key])));
  out.push(delta('bytes_received', 'bytes', 'neither', pick(a, (m) => m.bytes_received), pick(b, (m) => m.bytes_received)));
  out.push(delta('bytes_sent', 'bytes', 'neither', pick(a, (m) => m.bytes_sent), pick(b, (m) => m.bytes_sent)));
  return out;
}

/** Percentile by percentile, from two compressed histograms (either may be missing). */
export function compareDistributions(a: string | undefined, b: string | undefined, percentiles: readonly number[] = DISTRIBUTION_PERCENTILES): PercentileDelta[] | null {
  if (a === undefined && b === undefined) return null;
  const av = a === undefined ? null : distributionOf(a, percentiles);
  const bv = b === undefined ? null : distributionOf(b, percentiles);
  return percentiles.map((percentile, i) => {
    const x = av === null ? null : av[i];
    const y = bv === null ? null : bv[i];
    return {
      percentile,
      a_ms: x,
      b_ms: y,
      change_ms: x !== null && y !== null ? round3(y - x) : null,
      change_pct: x !== null && y !== null && x !== 0 ? Math.round(((y - x) / x) * 10000) / 100 : null,
    };
  });
}

/** The threshold expressions of a result's spec (test-wide, and per endpoint by name). */
function specThresholds(result: RunResult): Array<{ endpoint: string | null; threshold: ParsedThreshold }> {
  const out: Array<{ endpoint: string | null; threshold: ParsedThreshold }> = [];
  const add = (endpoint: string | null, list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const expr of list) {
      if (typeof expr !== 'string') continue;
      const parsed = parseThreshold(expr);
      if (parsed.ok) out.push({ endpoint, threshold: parsed.threshold });
    }
  };
  const spec = result.spec;
  add(null, spec.thresholds);
  if (Array.isArray(spec.endpoints)) {
    for (const e of spec.endpoints as unknown[]) {
      if (typeof e === 'object' && e !== null && !Array.isArray(e)) {
        const endpoint = e as Record<string, unknown>;
        if (typeof endpoint.name === 'string') add(endpoint.name, thresholdsOfScope(spec.thresholds, endpoint.name, endpoint.thresholds));
      }
    }
  }
  return out;
}

/** B's baseline thresholds (from B's spec) judged on B's numbers with A as the baseline. */
export function judgeAgainst(b: RunResult, a: RunResult): { thresholds: ThresholdResult[]; failure_reasons: string[]; passed: boolean } {
  const base = baselineMetricsOf(a);
  const own = baselineMetricsOf(b);
  const thresholds: ThresholdResult[] = [];
  const reasons: string[] = [];
  for (const { endpoint, threshold } of specThresholds(b)) {
    if (threshold.baseline === undefined) continue;
    const metrics = endpoint === null ? own.overall : own.endpoints.get(endpoint);
    if (metrics === undefined) continue;
    const { result, reason } = judge(threshold, metrics, endpoint, endpoint === null ? base.overall : (base.endpoints.get(endpoint) ?? null));
    thresholds.push(result);
    if (reason !== null) reasons.push(reason);
  }
  return { thresholds, failure_reasons: reasons, passed: reasons.length === 0 };
}

function compareScope(endpoint: string | null, a: (Metrics & { histogram?: string }) | null, b: (Metrics & { histogram?: string }) | null): ScopeComparison {
  const scope: ScopeComparison = {
    endpoint,
    metrics: metricDeltas(a, b),
    distribution: a !== null && b !== null && (a.histogram === undefined || b.histogram === undefined) ? null : compareDistributions(a?.histogram, b?.histogram),
  };
  if (a === null) scope.only_in = 'b';
  if (b === null) scope.only_in = 'a';
  return scope;
}

/** One test: A is the earlier run (the baseline), B the one judged. */
export function compareRuns(a: RunResult, b: RunResult): TestComparison {
  const endpoints: ScopeComparison[] = [];
  const aByName = new Map<string, EndpointMetrics>(a.endpoint_metrics.map((e) => [e.name, e]));
  const bByName = new Map<string, EndpointMetrics>(b.endpoint_metrics.map((e) => [e.name, e]));
  // A single-request test has one endpoint that is the whole test: no per-endpoint rows.
  const several = a.endpoint_metrics.length > 1 || b.endpoint_metrics.length > 1;
  if (several) {
    for (const name of new Set([...aByName.keys(), ...bByName.keys()])) endpoints.push(compareScope(name, aByName.get(name) ?? null, bByName.get(name) ?? null));
  }
  const judged = judgeAgainst(b, a);
  return {
    name: b.name,
    a: { id: a.id, started_at: a.started_at, file: a.file },
    b: { id: b.id, started_at: b.started_at, file: b.file },
    overall: compareScope(null, { ...a.metrics, histogram: a.histogram }, { ...b.metrics, histogram: b.histogram }),
    endpoints,
    ...judged,
  };
}

/** Every test in both A and B, matched by name. */
export function compareResults(a: readonly RunResult[], b: readonly RunResult[]): Comparison {
  const aByName = new Map(a.map((r) => [r.name, r]));
  const tests: TestComparison[] = [];
  for (const run of b) {
    const base = aByName.get(run.name);
    if (base !== undefined) tests.push(compareRuns(base, run));
  }
  const bNames = new Set(b.map((r) => r.name));
  return {
    tests,
    only_in_a: a.filter((r) => !bNames.has(r.name)).map((r) => r.name),
    only_in_b: b.filter((r) => !aByName.has(r.name)).map((r) => r.name),
    passed: tests.every((t) => t.passed),
  };
}
