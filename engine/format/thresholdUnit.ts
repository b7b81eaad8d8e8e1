// What a threshold's values (its actual, limit and baseline) are measured in, read from the first
// word of its expression: `error_rate` and `checks` are shares (0..1), `rps` a rate, `dropped` a
// count, and every other metric milliseconds (a percentile, min, mean, max, or a latency before
// its percentile: `iteration_duration p95 < 2s`, `ttfb p99 < 50ms`). The reports, the editor and
// the results panel all show values by it. No imports: the panel's bundle uses it too.
export type ThresholdUnit = 'share' | 'rps' | 'count' | 'ms';

export function thresholdUnit(expression: string): ThresholdUnit {
  const metric = expression.trim().split(/[\s<>=]/)[0];
  if (metric === 'error_rate' || metric === 'checks') return 'share';
  if (metric === 'rps') return 'rps';
  if (metric === 'dropped') return 'count';
  return 'ms';
}
