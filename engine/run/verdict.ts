// Thresholds and expectations → `passed`, `failure_reasons` and `thresholds[]`; baseline
// thresholds compare with the same scope (test, or endpoint by name) of a baseline run.
//
// Expectations: a request whose status is not expected, or that failed, is an error. When the
// test (or an endpoint) states an `error_rate` threshold, that threshold is the tolerance for
// errors; otherwise every request must succeed. A run with no completed request does not pass.
import type { ParsedThreshold, PlanEndpoint } from '../format/plan';
import type { CheckResult, EndpointMetrics, LatencySummary, Metrics, ThresholdResult } from '../format/result';
import { baselineLimit, holds } from '../format/threshold';

/** What thresholds on checks and on whole iterations are measured on. */
export interface FlowFacts {
  checks: readonly CheckResult[];
  /** Flows only; null before any iteration finished. */
  iterationDuration: LatencySummary | null;
}

/** The share of passed checks (of one step or endpoint, or all), or null when none ran. */
export function checkShare(checks: readonly CheckResult[], step: string | null): number | null {
  let passes = 0;
  let total = 0;
  for (const c of checks) {
    if (step !== null && c.step !== step) continue;
    passes += c.passes;
    total += c.passes + c.fails;
  }
  return total > 0 ? passes / total : null;
}

export function measure(threshold: ParsedThreshold, metrics: Metrics, facts?: FlowFacts, endpoint: string | null = null): number | null {
  if (threshold.metric === 'checks') return facts ? checkShare(facts.checks, endpoint) : null;
  if (threshold.iteration === true) {
    const d = facts?.iterationDuration ?? null;
    if (d === null) return null;
    return threshold.metric === 'p99.9' ? d.p99_9 : d[threshold.metric as Exclude<typeof threshold.metric, 'p99.9' | 'error_rate' | 'rps' | 'dropped' | 'checks'>];
  }
  const lat = metrics.latency_ms;
  const completed = metrics.total_requests;
  switch (threshold.metric) {
    case 'error_rate':
      return completed > 0 ? metrics.error_rate : null;
    case 'rps':
      return metrics.requests_per_second;
    case 'dropped':
      return metrics.dropped_requests;
    case 'p99.9':
      return completed > 0 ? lat.p99_9 : null;
    default:
      return completed > 0 ? lat[threshold.metric] : null;
  }
}

const trim = (n: number, digits: number): string => String(Math.round(n * 10 ** digits) / 10 ** digits);

export function formatActual(threshold: ParsedThreshold, actual: number): string {
  switch (threshold.metric) {
    case 'error_rate':
    case 'checks':
      return `${trim(actual * 100, 2)}%`;
    case 'rps':
      return trim(actual, 1);
    case 'dropped':
      return String(actual);
    default:
      // Sub-10 ms latencies need the second decimal to tell a limit from the actual.
      return `${trim(actual, actual < 10 ? 2 : 1)}ms`;
  }
}

export interface Verdict {
  passed: boolean;
  failure_reasons: string[];
  thresholds: ThresholdResult[];
}

/** The baseline's numbers a verdict compares with: its overall metrics and its endpoints by name. */
export interface BaselineMetrics {
  overall: Metrics;
  endpoints: ReadonlyMap<string, Metrics>;
}

export function baselineMetricsOf(result: { metrics: Metrics; endpoint_metrics: readonly EndpointMetrics[] }): BaselineMetrics {
  return { overall: result.metrics, endpoints: new Map(result.endpoint_metrics.map((e) => [e.name, e])) };
}

/**
 * One threshold on one set of metrics. `baseline` is the baseline's metrics for the same scope
 * (test or endpoint), or null when there is none: a baseline threshold then reads `no baseline`
 * and holds.
 */
export function judge(
  threshold: ParsedThreshold,
  metrics: Metrics,
  endpoint: string | null,
  baseline: Metrics | null,
  facts?: FlowFacts,
): { result: ThresholdResult; reason: string | null } {
  const actual = measure(threshold, metrics, facts, endpoint);
  // Checks and whole iterations are not in a baseline's metrics: such a threshold reads `no baseline`.
  const baselineValue = baseline === null || threshold.metric === 'checks' || threshold.iteration === true ? null : measure(threshold, baseline);
  const prefix = endpoint === null ? '' : `${endpoint}: `;
  if (threshold.baseline !== undefined && baselineValue === null) {
    return { result: { expression: threshold.expression, endpoint, actual, passed: true, baseline: null, limit: null, no_baseline: true }, reason: null };
  }
  // Rounded to a millionth so that 0.4 + 10% is 0.44, not 0.44000000000000006.
  const limit = threshold.baseline !== undefined && baselineValue !== null ? Math.round(baselineLimit(threshold.baseline, baselineValue) * 1e6) / 1e6 : threshold.value;
  const passed = actual !== null && holds(threshold.op, actual, limit);
  const result: ThresholdResult = { expression: threshold.expression, endpoint, actual, passed, baseline: baselineValue, limit };
  if (passed) return { result, reason: null };
  const none = threshold.metric === 'checks' ? 'no checks ran' : threshold.iteration === true ? 'no iterations finished' : 'no requests completed';
  let why = actual === null ? none : `was ${formatActual(threshold, actual)}`;
  if (threshold.baseline !== undefined && baselineValue !== null && actual !== null) {
    why += ` (baseline ${formatActual(threshold, baselineValue)}, ${formatChange(threshold, actual, baselineValue)}, limit ${formatActual(threshold, limit)})`;
  }
  return { result, reason: `${prefix}${threshold.expression}: ${why}` };
}

/** `+16.9%` (or `+0.5 pp` for an error rate, where a relative change of ~0 means little). */
export function formatChange(threshold: ParsedThreshold, actual: number, baseline: number): string {
  if (threshold.metric === 'error_rate') {
    const pp = (actual - baseline) * 100;
    return `${pp >= 0 ? '+' : ''}${trim(pp, 2)} pp`;
  }
  if (baseline === 0) return actual === 0 ? '±0%' : 'new';
  const pct = ((actual - baseline) / baseline) * 100;
  return `${pct >= 0 ? '+' : ''}${trim(pct, 1)}%`;
}

function check(
  thresholds: readonly ParsedThreshold[],
  metrics: Metrics,
  endpoint: string | null,
  baseline: Metrics | null,
  results: ThresholdResult[],
  reasons: string[],
  facts?: FlowFacts,
): void {
  for (const threshold of thresholds) {
    const { result, reason } = judge(threshold, metrics, endpoint, baseline, facts);
    results.push(result);
    if (reason !== null) reasons.push(reason);
  }
}

function describeErrors(metrics: Metrics): string {
  return Object.entries(metrics.errors_by_type)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
}

export function evaluate(
  planThresholds: readonly ParsedThreshold[],
  endpoints: ReadonlyArray<Pick<PlanEndpoint, 'name' | 'thresholds'>>,
  overall: Metrics,
  perEndpoint: readonly EndpointMetrics[],
  baseline: BaselineMetrics | null = null,
  facts?: FlowFacts,
): Verdict {
  const results: ThresholdResult[] = [];
  const reasons: string[] = [];
  check(planThresholds, overall, null, baseline?.overall ?? null, results, reasons, facts);
  endpoints.forEach((endpoint, i) => {
    if (endpoint.thresholds.length > 0 && perEndpoint[i] !== undefined) {
      check(endpoint.thresholds, perEndpoint[i], endpoint.name, baseline?.endpoints.get(endpoint.name) ?? null, results, reasons, facts);
    }
  });

  const testTolerates = planThresholds.some((t) => t.metric === 'error_rate');
  // A `checks` threshold is the tolerance for failed checks (as error_rate is for all errors).
  const testToleratesChecks = planThresholds.some((t) => t.metric === 'checks');
  if (overall.total_requests === 0) {
    reasons.push('no requests completed');
  } else if (!testTolerates) {
    endpoints.forEach((endpoint, i) => {
      const m = perEndpoint[i];
      if (m === undefined || m.failed_requests === 0) return;
      if (endpoint.thresholds.some((t) => t.metric === 'error_rate')) return;
      const checksTolerated = testToleratesChecks || endpoint.thresholds.some((t) => t.metric === 'checks');
      const failed = m.failed_requests - (checksTolerated ? (m.errors_by_type.check_failed ?? 0) : 0);
      if (failed === 0) return;
      const label = endpoints.length > 1 ? `${endpoint.name}: ` : '';
      reasons.push(`${label}${failed} of ${m.total_requests} requests failed (${describeErrors(m)})`);
    });
  }
  return { passed: reasons.length === 0, failure_reasons: reasons, thresholds: results };
}
