// The comparison's row types, free of Node and DOM, so the panel's compare view shows them as they are.

export type MetricUnit = 'ms' | 'req/s' | 'fraction' | 'count' | 'bytes' | 's';

export interface MetricDelta {
  /** As in the result: `requests_per_second`, `latency_ms.p95`, ... */
  metric: string;
  unit: MetricUnit;
  a: number | null;
  b: number | null;
  /** b - a, in `unit`. */
  change: number | null;
  /** (b - a) / a * 100; null when a is 0 or missing. */
  change_pct: number | null;
  /** Which way is good for this metric. */
  better: 'lower' | 'higher' | 'neither';
  /** B against A: improved, regressed or unchanged; null when a side is missing or it is neither. */
  verdict: 'better' | 'worse' | 'same' | null;
}

export interface PercentileDelta {
  percentile: number;
  a_ms: number | null;
  b_ms: number | null;
  change_ms: number | null;
  change_pct: number | null;
}
