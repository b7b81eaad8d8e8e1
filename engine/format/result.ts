// The result of a run (SPEC.md "A result") and the live progress the engine reports while it
// runs. Shared by the engine, the CLI, the extension and the results panel (types only there).
import type { ShardData } from './parts';

export type RunStatus = 'completed' | 'cancelled' | 'failed';
export type LoadModel = 'open' | 'closed';

/** Stable error keys (SPEC.md). */
export const ERROR_TYPES = [
  'timeout',
  'connect_timeout',
  'connection_refused',
  'connection_reset',
  'dns',
  'tls',
  'socket',
  'body_too_large',
  'unexpected_status',
  /** A check on the answer failed. */
  'check_failed',
  /** A flow's capture found nothing in the answer; the iteration ended. */
  'capture_failed',
  'other',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** Latency summary in milliseconds (floats, microsecond resolution). */
export interface LatencySummary {
  min: number;
  mean: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p99_9: number;
  max: number;
}

export interface Metrics {
  total_requests: number;
  successful_requests: number;
  failed_requests: number;
  dropped_requests: number;
  requests_per_second: number;
  duration_seconds: number;
  /** 0..1 */
  error_rate: number;
  bytes_received: number;
  bytes_sent: number;
  /** From the due time (open model) or the send time (closed model). */
  latency_ms: LatencySummary;
  /** From the actual send. */
  service_time_ms: LatencySummary;
  /** From the actual send to the first response byte. */
  ttfb_ms: LatencySummary;
  status_code_counts: Record<string, number>;
  errors_by_type: Partial<Record<ErrorType, number>>;
  /**
   * Redirects followed (follow_redirects), hops of every chain added up; a chain is one request
   * in every other count. Absent from results written before it existed.
   */
  redirects?: number;
}

export interface EndpointMetrics extends Metrics {
  name: string;
  method: string;
  url: string;
  /** This endpoint's latency HDR histogram, compressed base64 (absent in results of older versions). */
  histogram?: string;
}

/** Flows: how many iterations did what. */
export interface IterationCounts {
  started: number;
  /** Every step ran and none failed. */
  completed: number;
  /** Ended by a failed request, a failed check or a capture that found nothing. */
  failed: number;
  /** Open model: arrivals due while `concurrency` iterations were in flight, not started. */
  dropped: number;
  /** Iterations finished (completed or failed) per second of the run. */
  per_second: number;
}

/** One check and how often it held. */
export interface CheckResult {
  /** The step (or endpoint) it belongs to. */
  step: string;
  expression: string;
  passes: number;
  fails: number;
}

export interface ThresholdResult {
  expression: string;
  /** null for a test-wide threshold, else the endpoint (or step) name. */
  endpoint: string | null;
  /** The measured value in the threshold's own unit (ms for latency, fraction for error_rate). */
  actual: number | null;
  passed: boolean;
  /**
   * The baseline's value of this threshold's metric (same endpoint), or null: no baseline, or the
   * baseline has no such endpoint or no data. Absent in results of versions before baselines.
   */
  baseline?: number | null;
  /**
   * The bound `actual` was compared with, in the same unit: the written value, or the one computed
   * from the baseline; null for a baseline threshold without a baseline.
   */
  limit?: number | null;
  /** A baseline threshold that had nothing to compare with: reported as `no baseline`, does not fail. */
  no_baseline?: boolean;
}

/** The version of the result format; a baseline of another version is refused. */
export const RESULT_SCHEMA_VERSION = 1;

/** One second of the run. */
export interface TimelinePoint {
  /** Seconds since the start (1 for the first second). */
  t: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  in_flight: number;
  /** Requests due but not sent this second (open model). */
  dropped?: number;
  /** Flows: iterations finished this second. */
  iterations?: number;
}

export interface SampledRequest {
  endpoint: string;
  method: string;
  url: string;
  request_headers: Record<string, string>;
  request_body: string | null;
  status: number | null;
  response_headers: Record<string, string>;
  /** The first bytes; ends with `...(truncated)` when cut. */
  response_body: string | null;
  response_body_truncated?: boolean;
  latency_ms: number;
  error: string | null;
  error_type?: ErrorType | null;
  /** Flows: the iteration this request belongs to (0-based); the samples of one iteration share it. */
  iteration?: number;
  /** Flows: the step's position in the flow (0-based). */
  step_index?: number;
  /** Flows: what this step captured, by name (secrets as `***`). */
  captured?: Record<string, string>;
  /** The expressions of the checks that failed on this answer. */
  failed_checks?: string[];
}

export interface RunResult {
  id: string;
  name: string;
  file: string;
  status: RunStatus;
  passed: boolean;
  failure_reasons: string[];
  started_at: string;
  completed_at: string;
  model: LoadModel;
  target_rps: number | null;
  insecure_tls?: boolean;
  /** Present when status is `failed`: what went wrong. */
  error?: string;
  /** The resolved spec, secrets redacted. */
  spec: Record<string, unknown>;
  metrics: Metrics;
  endpoint_metrics: EndpointMetrics[];
  thresholds: ThresholdResult[];
  timeline: TimelinePoint[];
  sampled_requests: SampledRequest[];
  /** Latency HDR histogram, compressed base64. */
  histogram: string;
  /** RESULT_SCHEMA_VERSION of the engine that wrote it (absent before baselines: version 1). */
  schema_version?: number;
  /** The id of the baseline run thresholds compared with, or null when there was none. */
  baseline_run?: string | null;
  /** Where the baseline came from (a file path), when there was one. */
  baseline_source?: string | null;
  /** Why the baseline named for this run could not be used (the run went ahead without it). */
  baseline_error?: string;
  /** Engine threads the run used (on a merged result, all shards' together). */
  workers?: number;
  /** This result is one shard of a distributed run (`atm run --shard K/N`). */
  shard?: { index: number; count: number };
  /** A shard's raw numbers, for `atm merge`. */
  shard_data?: ShardData;
  /** A merged result: the ids of its parts (`atm merge`). */
  merged_from?: string[];
  /** Every check of the test (endpoints, steps or the single request), with its counts. */
  checks?: CheckResult[];
  /** Flows only. */
  iterations?: IterationCounts;
  /** Flows only: whole iterations, think time included. */
  iteration_duration_ms?: LatencySummary;
  /** Flows only: steps not sent because their iteration ended earlier. */
  skipped_steps?: number;
}

/** What the engine reports about once a second while a run goes. Small enough to render. */
export interface ProgressUpdate {
  runId: string;
  name: string;
  /** Seconds since the run started. */
  elapsed_seconds: number;
  /** 0..1 when known (requests or time done of total). */
  progress: number | null;
  model: LoadModel;
  target_rps: number | null;
  /** The newest timeline point. */
  point: TimelinePoint;
  /** Cumulative summary so far. */
  summary: Metrics;
  /** Cumulative per-endpoint summaries so far. */
  endpoints: EndpointMetrics[];
  /** Threshold verdicts on the numbers so far. */
  thresholds: ThresholdResult[];
  checks?: CheckResult[];
  /** Flows only, cumulative. */
  iterations?: IterationCounts;
  iteration_duration_ms?: LatencySummary;
  skipped_steps?: number;
}
