// Two runs' metrics side by side, plus the comparison `atm compare` makes (exact percentile
// distributions from the histograms, baseline thresholds of B judged against A).
import { compareRuns as compareExactly, type TestComparison } from '../compare/compare';
import type { Metrics, RunResult } from '../format/result';

export interface MetricRow {
  metric: string;
  a: number | null;
  b: number | null;
  /** b - a, or null when either side is missing. */
  change: number | null;
  /** (b - a) / a as a fraction; null when a is 0 or missing. */
  change_ratio: number | null;
}

export interface RunComparison {
  a: { id: string; name: string; status: string; passed: boolean; started_at: string };
  b: { id: string; name: string; status: string; passed: boolean; started_at: string };
  metrics: MetricRow[];
  endpoints: { name: string; metrics: MetricRow[] }[];
  /** What `atm compare A B` reports for this test (A the baseline). */
  comparison: TestComparison;
}

const LATENCY_KEYS = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'max'] as const;

function flatten(m: Metrics | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (m === undefined) return out;
  out.set('total_requests', m.total_requests);
  out.set('successful_requests', m.successful_requests);
  out.set('failed_requests', m.failed_requests);
  out.set('dropped_requests', m.dropped_requests);
  out.set('requests_per_second', m.requests_per_second);
  out.set('duration_seconds', m.duration_seconds);
  out.set('error_rate', m.error_rate);
  for (const k of LATENCY_KEYS) out.set(`latency_ms.${k}`, m.latency_ms[k]);
  return out;
}

function rows(a: Metrics | undefined, b: Metrics | undefined): MetricRow[] {
  const fa = flatten(a);
  const fb = flatten(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  return keys.map((metric) => {
    const va = fa.get(metric) ?? null;
    const vb = fb.get(metric) ?? null;
    const change = va !== null && vb !== null ? vb - va : null;
    return { metric, a: va, b: vb, change, change_ratio: change !== null && va !== null && va !== 0 ? change / va : null };
  });
}

const head = (r: RunResult): RunComparison['a'] => ({ id: r.id, name: r.name, status: r.status, passed: r.passed, started_at: r.started_at });

export function compareRuns(a: RunResult, b: RunResult): RunComparison {
  const names = [...new Set([...a.endpoint_metrics.map((e) => e.name), ...b.endpoint_metrics.map((e) => e.name)])];
  return {
    a: head(a),
    b: head(b),
    comparison: compareExactly(a, b),
    metrics: rows(a.metrics, b.metrics),
    endpoints: names.map((name) => ({
      name,
      metrics: rows(
        a.endpoint_metrics.find((e) => e.name === name),
        b.endpoint_metrics.find((e) => e.name === name),
      ),
    })),
  };
}
