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
  /** Normalised: milliseconds for latency, a fraction (0..1) for error_rate, req/s for rps, a count for dropped. */
  value: number;
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
}
