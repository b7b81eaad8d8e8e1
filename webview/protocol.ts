// Messages between the extension and the results panel, declared once; the extension (client/)
// and the panel (webview/main.ts) both import this file. It has no DOM or Node dependencies so it
// type-checks under both tsconfigs. Anything that fails the validators below is dropped and logged,
// never acted on: a webview message is untyped JSON at runtime.
import type { ProgressUpdate, RunResult, SampledRequest, LoadModel } from '../engine/format/result';
import { isCompareData, type CompareData } from './compareData';

export type { CompareData } from './compareData';

/** What the panel knows about a run before any number arrives. */
export interface RunInfo {
  runId: string;
  name: string;
  /** The spec file as shown to the user (workspace-relative when possible). */
  file: string;
  model: LoadModel;
  target_rps: number | null;
  /** The planned size of the run: one of the two is set (SPEC.md: total_requests or duration_seconds). */
  total_requests: number | null;
  duration_seconds: number | null;
  /** ISO-8601. */
  started_at: string;
  /** A flow (`steps`): its planned iterations (null when duration_seconds bounds it) and open-model arrival rate. */
  flow?: { iterations: number | null; iterations_per_second: number | null };
}

/** Extension → panel. */
export type ExtensionMessage =
  /** The whole state, answered to `ready` (a new panel, a re-shown one, or one reopened from history). */
  | { type: 'init'; run: RunInfo | null; result: RunResult | null; running: boolean; canRerun: boolean }
  /** A new run begins in this panel: clears the previous numbers. */
  | { type: 'runStarted'; run: RunInfo }
  | { type: 'progress'; update: ProgressUpdate }
  | { type: 'sample'; runId: string; sample: SampledRequest }
  /** The run is over (completed, cancelled or failed): the full result replaces the live view. */
  | { type: 'result'; result: RunResult }
  /** The run could not produce a result (engine crashed, spec invalid). */
  | { type: 'error'; runId: string | null; message: string; lastUpdate?: ProgressUpdate }
  /** A stop was requested and is under way. */
  | { type: 'stopping'; runId: string }
  /**
   * Whether the shown run is the pinned baseline of its test, and whether it can be pinned at all
   * (it is a completed run in the history). Sent after `init`/`result` and whenever the pins change.
   */
  | { type: 'baselineState'; runId: string; pinned: boolean; canPin: boolean }
  /** The shown run (`data.b`) compared with another run of its test: the panel shows the compare view. */
  | { type: 'compare'; data: CompareData };

/** Panel → extension. */
export type PanelMessage =
  /** The panel script has loaded and listens: send `init`. */
  | { type: 'ready' }
  | { type: 'stop'; runId: string }
  | { type: 'rerun' }
  | { type: 'openSpec' }
  /** Pin the shown run as the baseline of its test (or unpin it). */
  | { type: 'pinBaseline'; runId: string }
  | { type: 'unpinBaseline'; runId: string }
  /** Pick a run of the same test (the baseline or one from the history) to compare the shown one with. */
  | { type: 'compareWith'; runId: string }
  /** Something the panel dropped or failed on, for the extension's output channel. */
  | { type: 'log'; level: 'warn' | 'error'; message: string };

export type ExtensionMessageType = ExtensionMessage['type'];
export type PanelMessageType = PanelMessage['type'];

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function isStr(x: unknown): x is string {
  return typeof x === 'string';
}
function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
function isNumOrNull(x: unknown): boolean {
  return x === null || isNum(x);
}
function isStrOrNull(x: unknown): boolean {
  return x === null || isStr(x);
}
function isModel(x: unknown): x is LoadModel {
  return x === 'open' || x === 'closed';
}
function isStringRecord(x: unknown): boolean {
  return isObj(x) && Object.values(x).every(isStr);
}
function isNumberRecord(x: unknown): boolean {
  return isObj(x) && Object.values(x).every(isNum);
}

const LATENCY_KEYS = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'max'] as const;

function isLatency(x: unknown): boolean {
  return isObj(x) && LATENCY_KEYS.every((k) => isNum(x[k]));
}

function isMetrics(x: unknown): boolean {
  return (
    isObj(x) &&
    isNum(x.total_requests) &&
    isNum(x.successful_requests) &&
    isNum(x.failed_requests) &&
    isNum(x.dropped_requests) &&
    isNum(x.requests_per_second) &&
    isNum(x.duration_seconds) &&
    isNum(x.error_rate) &&
    isLatency(x.latency_ms) &&
    isNumberRecord(x.status_code_counts) &&
    isNumberRecord(x.errors_by_type)
  );
}

function isEndpointMetrics(x: unknown): boolean {
  return isObj(x) && isStr(x.name) && isStr(x.method) && isStr(x.url) && isMetrics(x);
}

function isThreshold(x: unknown): boolean {
  return (
    isObj(x) && isStr(x.expression) && isStrOrNull(x.endpoint) && isNumOrNull(x.actual) && typeof x.passed === 'boolean'
  );
}

function isPoint(x: unknown): boolean {
  return (
    isObj(x) &&
    isNum(x.t) &&
    isNum(x.rps) &&
    isNum(x.p50) &&
    isNum(x.p95) &&
    isNum(x.p99) &&
    isNum(x.errors) &&
    isNum(x.in_flight) &&
    (x.dropped === undefined || isNum(x.dropped))
  );
}

function isArrayOf(x: unknown, item: (v: unknown) => boolean): boolean {
  return Array.isArray(x) && x.every(item);
}

function isCheck(x: unknown): boolean {
  return isObj(x) && isStr(x.step) && isStr(x.expression) && isNum(x.passes) && isNum(x.fails);
}

function isIterations(x: unknown): boolean {
  return (
    isObj(x) && isNum(x.started) && isNum(x.completed) && isNum(x.failed) && isNum(x.dropped) && isNum(x.per_second)
  );
}

/** The flow fields a result and a progress update may carry: each absent or well-formed. */
function hasValidFlowFields(x: Obj): boolean {
  return (
    (x.checks === undefined || isArrayOf(x.checks, isCheck)) &&
    (x.iterations === undefined || isIterations(x.iterations)) &&
    (x.iteration_duration_ms === undefined || isLatency(x.iteration_duration_ms)) &&
    (x.skipped_steps === undefined || isNum(x.skipped_steps))
  );
}

export function isSampledRequest(x: unknown): x is SampledRequest {
  return (
    isObj(x) &&
    isStr(x.endpoint) &&
    isStr(x.method) &&
    isStr(x.url) &&
    isStringRecord(x.request_headers) &&
    isStrOrNull(x.request_body) &&
    isNumOrNull(x.status) &&
    isStringRecord(x.response_headers) &&
    isStrOrNull(x.response_body) &&
    isNum(x.latency_ms) &&
    isStrOrNull(x.error) &&
    (x.iteration === undefined || isNum(x.iteration)) &&
    (x.step_index === undefined || isNum(x.step_index)) &&
    (x.captured === undefined || isStringRecord(x.captured)) &&
    (x.failed_checks === undefined || isArrayOf(x.failed_checks, isStr))
  );
}

export function isProgressUpdate(x: unknown): x is ProgressUpdate {
  return (
    isObj(x) &&
    isStr(x.runId) &&
    isStr(x.name) &&
    isNum(x.elapsed_seconds) &&
    isNumOrNull(x.progress) &&
    isModel(x.model) &&
    isNumOrNull(x.target_rps) &&
    isPoint(x.point) &&
    isMetrics(x.summary) &&
    isArrayOf(x.endpoints, isEndpointMetrics) &&
    isArrayOf(x.thresholds, isThreshold) &&
    hasValidFlowFields(x)
  );
}

export function isRunResult(x: unknown): x is RunResult {
  return (
    isObj(x) &&
    isStr(x.id) &&
    isStr(x.name) &&
    isStr(x.file) &&
    (x.status === 'completed' || x.status === 'cancelled' || x.status === 'failed') &&
    typeof x.passed === 'boolean' &&
    isArrayOf(x.failure_reasons, isStr) &&
    isStr(x.started_at) &&
    isStr(x.completed_at) &&
    isModel(x.model) &&
    isNumOrNull(x.target_rps) &&
    (x.error === undefined || isStr(x.error)) &&
    isMetrics(x.metrics) &&
    isArrayOf(x.endpoint_metrics, isEndpointMetrics) &&
    isArrayOf(x.thresholds, isThreshold) &&
    isArrayOf(x.timeline, isPoint) &&
    isArrayOf(x.sampled_requests, isSampledRequest) &&
    hasValidFlowFields(x)
  );
}

export function isRunInfo(x: unknown): x is RunInfo {
  return (
    isObj(x) &&
    isStr(x.runId) &&
    isStr(x.name) &&
    isStr(x.file) &&
    isModel(x.model) &&
    isNumOrNull(x.target_rps) &&
    isNumOrNull(x.total_requests) &&
    isNumOrNull(x.duration_seconds) &&
    isStr(x.started_at) &&
    (x.flow === undefined ||
      (isObj(x.flow) && isNumOrNull(x.flow.iterations) && isNumOrNull(x.flow.iterations_per_second)))
  );
}

/** True when `x` is a well-formed extension → panel message. */
export function isExtensionMessage(x: unknown): x is ExtensionMessage {
  if (!isObj(x) || !isStr(x.type)) return false;
  const type = x.type as ExtensionMessageType;
  switch (type) {
    case 'init':
      return (
        (x.run === null || isRunInfo(x.run)) &&
        (x.result === null || isRunResult(x.result)) &&
        typeof x.running === 'boolean' &&
        typeof x.canRerun === 'boolean'
      );
    case 'runStarted':
      return isRunInfo(x.run);
    case 'progress':
      return isProgressUpdate(x.update);
    case 'sample':
      return isStr(x.runId) && isSampledRequest(x.sample);
    case 'result':
      return isRunResult(x.result);
    case 'error':
      return isStrOrNull(x.runId) && isStr(x.message) && (x.lastUpdate === undefined || isProgressUpdate(x.lastUpdate));
    case 'stopping':
      return isStr(x.runId);
    case 'baselineState':
      return isStr(x.runId) && typeof x.pinned === 'boolean' && typeof x.canPin === 'boolean';
    case 'compare':
      return isCompareData(x.data);
    default: {
      const unknownType: never = type;
      void unknownType;
      return false;
    }
  }
}

/** True when `x` is a well-formed panel → extension message. */
export function isPanelMessage(x: unknown): x is PanelMessage {
  if (!isObj(x) || !isStr(x.type)) return false;
  const type = x.type as PanelMessageType;
  switch (type) {
    case 'ready':
    case 'rerun':
    case 'openSpec':
      return true;
    case 'stop':
    case 'pinBaseline':
    case 'unpinBaseline':
    case 'compareWith':
      return isStr(x.runId);
    case 'log':
      return (x.level === 'warn' || x.level === 'error') && isStr(x.message);
    default: {
      const unknownType: never = type;
      void unknownType;
      return false;
    }
  }
}

/** A short description of a rejected message for logs: its type, never its content. */
export function describeMessage(x: unknown): string {
  if (isObj(x) && isStr(x.type)) return `message of type ${JSON.stringify(x.type.slice(0, 40))}`;
  return `message of kind ${x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x}`;
}
