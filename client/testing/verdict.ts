// How a finished run shows in the Testing view: passed, failed (a message per failed threshold,
// at its line in the spec) or errored (the run did not measure the service). Pure (no 'vscode').
import type { RunResult, ThresholdResult } from '../../engine/format/result';
import { placeOutcomes } from '../outcomes';
import { thresholdValue } from './lensStatus';

export interface TestMessageSpec {
  message: string;
  /** For the diff view: the threshold as it must hold, and what was measured. */
  expected?: string;
  actual?: string;
  /** 0-based line in the spec (the threshold's line, else the test's first key). */
  line: number;
}

export type TestVerdict =
  | { kind: 'passed'; durationMs: number }
  | { kind: 'failed'; durationMs: number; messages: TestMessageSpec[] }
  | { kind: 'errored'; durationMs: number; messages: TestMessageSpec[] }
  | { kind: 'skipped'; durationMs: number; reason: string };

/** Where the test sits in the spec's current text. */
export interface TestPlace {
  lines: readonly string[];
  /** The test's lines [start, end). */
  start: number;
  end: number;
  /** Where a message without a line of its own goes (the test's lens line). */
  headLine: number;
}

/** The run's duration: from its start to its end, as the result records them. */
export function runDurationMs(result: RunResult): number {
  const wall = Date.parse(result.completed_at) - Date.parse(result.started_at);
  if (Number.isFinite(wall) && wall >= 0) return wall;
  return Math.max(0, result.metrics.duration_seconds * 1000);
}

function reasonPrefix(t: ThresholdResult): string {
  return `${t.endpoint === null ? '' : `${t.endpoint}: `}${t.expression}:`;
}

export function thresholdMessage(t: ThresholdResult, line: number): TestMessageSpec {
  const scope = t.endpoint === null ? '' : ` (${t.endpoint})`;
  const actual = t.actual === null ? 'no data' : thresholdValue(t.expression, t.actual);
  const details: string[] = [];
  if (t.limit !== undefined && t.limit !== null) details.push(`limit ${thresholdValue(t.expression, t.limit)}`);
  if (t.baseline !== undefined && t.baseline !== null) details.push(`baseline ${thresholdValue(t.expression, t.baseline)}`);
  return {
    message: `Threshold ${t.expression}${scope} failed: was ${actual}${details.length ? ` (${details.join(', ')})` : ''}`,
    expected: t.expression,
    actual: `${t.expression.replace(/\s*(<=|>=|==|<|>).*$/, '')} = ${actual}`,
    line,
  };
}

function errorsInWords(result: RunResult): string {
  const entries = Object.entries(result.metrics.errors_by_type ?? {}).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([type, n]) => `${type} ${n}`).join(', ') : 'no detail';
}

export function verdictOf(result: RunResult, place: TestPlace): TestVerdict {
  const durationMs = runDurationMs(result);
  const head = (message: string): TestMessageSpec => ({ message, line: place.headLine });
  if (result.status === 'cancelled') return { kind: 'skipped', durationMs, reason: 'the run was cancelled' };
  if (result.status === 'failed') {
    return { kind: 'errored', durationMs, messages: [head(`The run failed: ${result.error ?? (result.failure_reasons.join('; ') || 'no detail')}`)] };
  }
  const m = result.metrics;
  // Not one request got an answer: the target was not measured (down, refused, wrong port).
  if (m.total_requests > 0 && m.successful_requests === 0 && !result.passed) {
    return { kind: 'errored', durationMs, messages: [head(`No request succeeded: ${m.failed_requests} of ${m.total_requests} failed (${errorsInWords(result)}).`)] };
  }
  if (result.passed) return { kind: 'passed', durationMs };
  const thresholds = Array.isArray(result.thresholds) ? result.thresholds : [];
  const failed = thresholds.filter((t) => !t.passed && t.no_baseline !== true);
  const placed = placeOutcomes(place.lines, place.start, place.end, failed);
  const messages = failed.map((t) => thresholdMessage(t, placed.find((o) => o.threshold === t)?.line ?? place.headLine));
  // Expectations (unexpected statuses, failed requests) and anything else the verdict said.
  for (const reason of result.failure_reasons) {
    if (!failed.some((t) => reason.startsWith(reasonPrefix(t)))) messages.push(head(reason));
  }
  if (messages.length === 0) messages.push(head('The run did not pass.'));
  return { kind: 'failed', durationMs, messages };
}
