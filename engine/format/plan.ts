// A run plan: a valid test resolved for running. Templates are compiled once; a request without
// built-ins renders to the same string every time, so the engine builds it once.
import type { DistributionStrategy, ExpectedStatus, HttpMethod } from './types';

export type LatencyMetric = 'min' | 'mean' | 'p50' | 'p75' | 'p90' | 'p95' | 'p99' | 'p99.9' | 'max';
export type ThresholdMetric = LatencyMetric | 'error_rate' | 'rps' | 'dropped';
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
}

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
  /** Test-wide thresholds. */
  thresholds: ParsedThreshold[];
  /** Every value to replace by `***` wherever anything is stored, shown or logged. */
  secrets: string[];
  /** The resolved spec with secrets redacted (the result's `spec`). */
  redactedSpec: Record<string, unknown>;
  /** `baseline:` as written (a result JSON relative to the spec), or null. */
  baseline: string | null;
}
