// A run plan: a valid test resolved for running. Templates are compiled once; a request without
// built-ins renders to the same string every time, so the engine builds it once.
import type { DataOrder, DistributionStrategy, ExpectedStatus, HttpMethod } from './types';

export type LatencyMetric = 'min' | 'mean' | 'p50' | 'p75' | 'p90' | 'p95' | 'p99' | 'p99.9' | 'max';
export type ThresholdMetric = LatencyMetric | 'error_rate' | 'rps' | 'dropped' | 'checks';
export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==';

export interface ParsedThreshold {
  /** As written, trimmed. */
  expression: string;
  metric: ThresholdMetric;
  op: ThresholdOp;
  /**
   * Normalised: milliseconds for latency, a fraction (0..1) for error_rate, req/s for rps, a count
   * for dropped. 0 when `baseline` is set: the limit then comes from the baseline's value.
   */
  value: number;
  /** A latency metric over whole iterations of a flow (`iteration_duration p95 < 2s`). */
  iteration?: boolean;
  /** Set for `p95 < baseline + 10%` and the like: the limit is relative to a baseline run. */
  baseline?: BaselineBound;
}

/** `baseline`, `baseline + 10%`, `baseline - 5%`, `baseline * 1.2`, `baseline + 20ms`. */
export interface BaselineBound {
  op: '+' | '-' | '*';
  /**
   * `*`: the factor. `+`/`-` with `relative`: a share of the baseline's value (10% is 0.1);
   * otherwise an amount in the metric's normalised unit (`error_rate <= baseline + 0.5%` adds
   * 0.005, half a percentage point, since an error rate is itself a percentage).
   */
  amount: number;
  relative: boolean;
}

export interface TemplateContext {
  /** 0-based, per test. */
  requestIndex: number;
  /** Flows: the values captured so far in this iteration, by name. */
  captures?: ReadonlyMap<string, string>;
  /** Flows: this iteration's data row, by column. */
  data?: ReadonlyMap<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Flows: captures and checks (SPEC.md "Flows, captures, checks, data")

/** One step of a JSONPath subset: `.key` / `['key']`, `[index]`, `[*]`. */
export type JsonPathSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

export interface JsonPath {
  /** As written, e.g. `$.items[0].id`. */
  text: string;
  segments: JsonPathSegment[];
}

export type CaptureSource =
  | { kind: 'json'; path: JsonPath }
  | { kind: 'header'; name: string }
  /** First group, else the whole match, over the body (RE2 syntax, linear time). */
  | { kind: 'regex'; pattern: string }
  | { kind: 'status' };

export interface PlanCapture {
  /** The name used as `{{NAME}}` in later steps. */
  name: string;
  /** The source as written (`json $.token`). */
  expression: string;
  source: CaptureSource;
}

export type CheckOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'matches';
/** A literal in a check: a quoted string, a number, true, false or null. */
export type CheckValue = string | number | boolean | null;

export type ParsedCheck =
  | { subject: 'status'; expression: string; op: CheckOp; value: CheckValue }
  | { subject: 'json'; expression: string; path: JsonPath; op: CheckOp | 'exists'; value: CheckValue }
  | { subject: 'header'; expression: string; name: string; op: CheckOp; value: CheckValue }
  | { subject: 'body'; expression: string; op: CheckOp; value: CheckValue }
  /** `value` in milliseconds. */
  | { subject: 'latency'; expression: string; op: CheckOp; value: number };


export interface CompiledTemplate {
  /** True when it renders the same string every time (no built-ins). */
  readonly isStatic: boolean;
  /** The text as written, with `{{env:...}}` values never substituted (safe to show). */
  readonly source: string;
  render(ctx: TemplateContext): string;
}

export interface PlanEndpoint {
  name: string;
  method: HttpMethod;
  /** The URL as written in the spec (for display and per-endpoint results). */
  displayUrl: string;
  /** Absolute URL (base_url applied, auth query key added). */
  url: CompiledTemplate;
  /** Final headers: test headers, endpoint headers, auth, Content-Type for JSON bodies. */
  headers: Array<[name: string, value: CompiledTemplate]>;
  body: CompiledTemplate | null;
  /** null means any 2xx. */
  expectedStatus: ExpectedStatus[] | null;
  weight: number;
  thresholds: ParsedThreshold[];
  /** Redirects to follow; absent means 0 (a 3xx is the response). */
  followRedirects?: number;
  /**
   * Lower-case names of the headers never sent to another origin on a redirect: the secret
   * headers (Authorization, Cookie, X-Api-Key, ...) and the auth block's header.
   */
  originBoundHeaders?: readonly string[];
  /** Checks on every answer (empty when none). */
  checks: ParsedCheck[];
}

/** A step of a flow: an endpoint plus captures and a pause. */
export interface PlanStep extends PlanEndpoint {
  captures: PlanCapture[];
  /** The pause after the step, in milliseconds (0: none). */
  thinkTimeMs: number;
}

/** A CSV feeder, read and parsed when the plan is made. */
export interface PlanData {
  /** The path as written in the spec. */
  file: string;
  order: DataOrder;
  columns: string[];
  /** Each row has one value per column. */
  rows: string[][];
}

export interface PlanFlow {
  /** The same objects as RunPlan.endpoints, in order. */
  steps: PlanStep[];
  /** Total iterations; null when RunPlan.durationSeconds bounds the run. */
  iterations: number | null;
  /** Open model: iteration arrivals per second (RunPlan.model is `open`). */
  iterationsPerSecond: number | null;
  data: PlanData | null;
  /** Names of captures sent in a secret place: their values are redacted wherever stored or shown. */
  secretCaptures: string[];
}

export interface RunPlan {
  name: string;
  file: string;
  model: 'open' | 'closed';
  concurrency: number;
  /** Exactly one of totalRequests and durationSeconds is set. */
  totalRequests: number | null;
  durationSeconds: number | null;
  requestsPerSecond: number | null;
  rampUpSeconds: number;
  timeoutMs: number;
  insecureTls: boolean;
  /** Engine threads as the spec asks: 'auto' or a count (engine/run/workers.ts decides how many). */
  workers: number | 'auto';
  distribution: DistributionStrategy;
  endpoints: PlanEndpoint[];
  /** A flow (`steps`): endpoints are then its steps; totalRequests and requestsPerSecond are null. */
  flow: PlanFlow | null;
  /** Test-wide thresholds. */
  thresholds: ParsedThreshold[];
  /** Every value to replace by `***` wherever anything is stored, shown or logged. */
  secrets: string[];
  /** The resolved spec with secrets redacted (the result's `spec`). */
  redactedSpec: Record<string, unknown>;
  /** `baseline:` as written (a result JSON relative to the spec), or null. */
  baseline: string | null;
}
