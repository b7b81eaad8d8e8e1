// Messages between the extension (or any parent) and the engine process (dist/engine.js),
// declared once; both sides import these constants. Transport: Node IPC (`fork`) through
// vscode-jsonrpc's IPCMessageReader/IPCMessageWriter.
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { ProgressUpdate, RunResult, SampledRequest } from './format/result';

/** Bumped on any incompatible change to the messages below. */
export const ENGINE_PROTOCOL_VERSION = 1;

export interface HelloParams {
  protocolVersion: number;
}
export interface HelloResult {
  protocolVersion: number;
  engineVersion: string;
  nodeVersion: string;
}
/** First message: the parent checks that it speaks the engine's protocol. */
export const HelloRequest = new RequestType<HelloParams, HelloResult, void>('atm/hello');

export interface RunParams {
  /** A run id chosen by the parent (a UUID); every notification of this run carries it. */
  runId: string;
  /** Absolute path of the spec file (for relative `env_file`, and shown in results). */
  file: string;
  /** The spec text (the editor's buffer, saved or not). When absent the engine reads `file`. */
  text?: string;
  /** The test to run (its `name`). */
  testName: string;
  /** Replaces the test's `base_url` (used by `--demo`). */
  baseUrlOverride?: string;
  /** Environment for `{{env:NAME}}`, before `env_file`. Defaults to the engine's own environment. */
  env?: Record<string, string>;
  /** Bytes of a sampled response body to keep (default 8192). */
  sampleBodyBytes?: number;
  /** Path shown in the result's `file` (e.g. relative to the workspace). Defaults to `file`. */
  displayFile?: string;
  /**
   * A result JSON to compare baseline thresholds with when the spec has no `baseline:` (the run
   * pinned as baseline). A file that cannot be used is logged and reported in the result's
   * `baseline_error`; the run still happens, without a baseline.
   */
  baselineFile?: string;
  /**
   * `[HOST:]PORT` where the engine serves the run's live Prometheus metrics at /metrics (the
   * setting atm.prometheus.address), from before the first request until the final numbers have
   * been scraped once (or 15 s) after the run. An address it cannot listen on answers with
   * PROMETHEUS_UNAVAILABLE before anything is sent.
   */
  prometheus?: string;
}

/**
 * Runs one test and answers with its result, whether it completed, was cancelled (status
 * `cancelled`, partial metrics) or failed (status `failed`, with `error`). A spec that does not
 * validate answers with a ResponseError whose code is SPEC_INVALID and whose message lists the
 * problems. Cancelling the request (the jsonrpc cancellation token) is the first, graceful stage
 * of a stop; TerminateNotification or killing the process is the second.
 */
export const RunRequest = new RequestType<RunParams, RunResult, void>('atm/run');

/** JSON-RPC error codes the engine answers with. */
export const EngineErrorCodes = {
  SPEC_INVALID: -32001,
  TEST_NOT_FOUND: -32002,
  BUSY: -32003,
  PROMETHEUS_UNAVAILABLE: -32004,
} as const;

/** About once a second while a run goes. */
export const ProgressNotification = new NotificationType<ProgressUpdate>('atm/progress');

export interface SampleParams {
  runId: string;
  sample: SampledRequest;
}
/** A sampled request and its response, secrets redacted, as soon as it is taken. */
export const SampleNotification = new NotificationType<SampleParams>('atm/sample');

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export interface LogParams {
  level: LogLevel;
  message: string;
  runId?: string;
}
/** Engine logs (secrets redacted); the engine never writes to its console. */
export const LogNotification = new NotificationType<LogParams>('atm/log');

/** The second stage of a stop: end at once (the engine exits). */
export const TerminateNotification = new NotificationType<void>('atm/terminate');
