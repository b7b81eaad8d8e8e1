// Text the extension shows (status bar, history view), and the result recorded when the engine
// dies mid-run. Pure, so tests can pin the wording.
import { DEFAULTS } from '../engine/format/types';
import type { LatencySummary, Metrics, ProgressUpdate, RunResult } from '../engine/format/result';
import type { RunInfo } from '../webview/protocol';
import type { RunSummary } from './history/store';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatRate(rps: number): string {
  return integer.format(Math.round(rps));
}

/** Whole milliseconds from 10 ms up, one decimal below (a fast local API shows 0.8 ms). */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 10 ? `${integer.format(Math.round(ms))} ms` : `${(Math.round(ms * 10) / 10).toFixed(1)} ms`;
}

/** `ATM: 1,204 req/s · p95 38 ms` */
export function statusBarText(rps: number, p95: number): string {
  return `ATM: ${formatRate(rps)} req/s · p95 ${formatMs(p95)}`;
}

export function statusBarForProgress(update: ProgressUpdate): string {
  return statusBarText(update.point.rps, update.summary.latency_ms.p95);
}

/** "12:04:31 · 1,204 req/s · p95 38 ms" for a history entry. */
export function runDescription(run: RunSummary, now = new Date()): string {
  const done = new Date(run.completedAt);
  const sameDay = done.toDateString() === now.toDateString();
  const time = Number.isNaN(done.getTime())
    ? run.completedAt
    : sameDay
      ? done.toLocaleTimeString('en-GB', { hour12: false })
      : `${done.toISOString().slice(0, 10)} ${done.toLocaleTimeString('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit' })}`;
  return `${time} · ${formatRate(run.requestsPerSecond)} req/s · p95 ${formatMs(run.p95)}`;
}

/** passed | failed | cancelled | error: what the icon and the label say about a run. */
export function runOutcome(run: Pick<RunSummary, 'status' | 'passed'>): 'passed' | 'failed' | 'cancelled' | 'error' {
  if (run.status === 'cancelled') return 'cancelled';
  if (run.status === 'failed') return 'error';
  return run.passed ? 'passed' : 'failed';
}

const ZERO_LATENCY: LatencySummary = { min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p95: 0, p99: 0, p99_9: 0, max: 0 };

export function emptyMetrics(): Metrics {
  return {
    total_requests: 0,
    successful_requests: 0,
    failed_requests: 0,
    dropped_requests: 0,
    requests_per_second: 0,
    duration_seconds: 0,
    error_rate: 0,
    bytes_received: 0,
    bytes_sent: 0,
    latency_ms: { ...ZERO_LATENCY },
    service_time_ms: { ...ZERO_LATENCY },
    ttfb_ms: { ...ZERO_LATENCY },
    status_code_counts: {},
    errors_by_type: {},
  };
}

export interface FailedRunInfo {
  runId: string;
  name: string;
  file: string;
  startedAt: Date;
  message: string;
  spec?: Record<string, unknown>;
}

/** The result recorded when a run could not finish (the engine died or refused): the last
 * snapshot's numbers, status `failed`, and why. */
export function failedResult(info: FailedRunInfo, last: ProgressUpdate | null, timeline: RunResult['timeline'] = []): RunResult {
  return {
    id: info.runId,
    name: info.name,
    file: info.file,
    status: 'failed',
    passed: false,
    failure_reasons: [info.message],
    error: info.message,
    started_at: info.startedAt.toISOString(),
    completed_at: new Date().toISOString(),
    model: last?.model ?? 'closed',
    target_rps: last?.target_rps ?? null,
    spec: info.spec ?? {},
    metrics: last ? last.summary : emptyMetrics(),
    endpoint_metrics: last ? last.endpoints : [],
    thresholds: last ? last.thresholds : [],
    timeline,
    sampled_requests: [],
    histogram: '',
  };
}

/** What the results panel is told when a run of `spec` (a test's resolved spec) starts. */
export function runStartedInfo(spec: Record<string, unknown>, run: { runId: string; name: string; file: string; startedAt: Date }): RunInfo {
  const num = (key: string): number | null => (typeof spec[key] === 'number' ? spec[key] : null);
  const rps = num('requests_per_second');
  const duration = num('duration_seconds');
  if (Array.isArray(spec.steps)) {
    // A flow counts iterations, not requests; its open model is an iteration arrival rate.
    const perSecond = num('iterations_per_second');
    return {
      runId: run.runId,
      name: run.name,
      file: run.file,
      model: perSecond !== null ? 'open' : 'closed',
      target_rps: null,
      total_requests: null,
      duration_seconds: duration,
      started_at: run.startedAt.toISOString(),
      flow: { iterations: duration !== null ? null : (num('iterations') ?? DEFAULTS.iterations), iterations_per_second: perSecond },
    };
  }
  return {
    runId: run.runId,
    name: run.name,
    file: run.file,
    model: rps !== null ? 'open' : 'closed',
    target_rps: rps,
    total_requests: duration !== null ? null : (num('total_requests') ?? DEFAULTS.total_requests),
    duration_seconds: duration,
    started_at: run.startedAt.toISOString(),
  };
}
