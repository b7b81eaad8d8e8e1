// The status a test's CodeLens reads after a run (`▶ Run test · passed 2 min ago · p95 8.4 ms`,
// `▶ Run test · failed 5 min ago · p95 231.4 ms > 200 ms`). Pure (no 'vscode') for unit tests.
import type { RunResult, ThresholdResult } from '../../engine/format/result';
import { formatThresholdValue } from '../../engine/report';

/** `just now`, `1 min ago`, `5 h ago`, `2 days ago` (the lens is redrawn each minute). */
export function ago(thenMs: number, nowMs: number): string {
  const minutes = Math.floor(Math.max(0, nowMs - thenMs) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** What is measured, as written before the operator (`p95`, `iteration_duration p95`, `checks`). */
function metricLabel(expression: string): string {
  const m = /^\s*(.*?)\s*(<=|>=|==|<|>)/.exec(expression);
  return m ? m[1] : expression.trim();
}

/** A threshold value in its unit, as the reports write it. */
export function thresholdValue(expression: string, value: number): string {
  return formatThresholdValue(expression, value);
}

/** Why a threshold failed, in a few words: `p95 231.4 ms > 200 ms`, `list: rps 80 req/s < 150 req/s`. */
export function thresholdWhy(t: ThresholdResult): string {
  const prefix = t.endpoint === null ? '' : `${t.endpoint}: `;
  const label = metricLabel(t.expression);
  if (t.actual === null) return `${prefix}${label}: no data`;
  const actual = thresholdValue(t.expression, t.actual);
  if (t.limit === undefined || t.limit === null) return `${prefix}${t.expression}: was ${actual}`;
  const relation = t.actual > t.limit ? '>' : t.actual < t.limit ? '<' : '=';
  const baseline = t.baseline === undefined || t.baseline === null ? '' : ` (baseline ${thresholdValue(t.expression, t.baseline)})`;
  return `${prefix}${label} ${actual} ${relation} ${thresholdValue(t.expression, t.limit)}${baseline}`;
}

function short(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** The part after `▶ Run test · `: outcome, age and the figure that matters. */
export function lensStatus(result: RunResult, nowMs: number): string {
  const when = ago(Date.parse(result.completed_at), nowMs);
  if (result.status === 'cancelled') return `cancelled ${when}`;
  if (result.status === 'failed') return `failed ${when} · ${short(result.error ?? result.failure_reasons[0] ?? 'the run failed')}`;
  if (result.passed) return `passed ${when} · p95 ${formatThresholdValue('p95', result.metrics.latency_ms.p95)}`;
  const firstFailed = (result.thresholds ?? []).find((t) => !t.passed && t.no_baseline !== true);
  const why = firstFailed ? thresholdWhy(firstFailed) : result.failure_reasons[0] ?? 'a threshold or expectation failed';
  return `failed ${when} · ${short(why)}`;
}

/** The lens title with the status appended. */
export function decoratedTitle(title: string, status: string | null): string {
  return status === null ? title : `${title} · ${status}`;
}
