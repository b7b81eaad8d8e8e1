// The TypeScript shape of one test in a `.atm.yaml` file (SPEC.md). The JSON Schema in
// schema.ts is the one definition; test/format/drift.test.ts fails when these types and the
// schema disagree (a key in one and not the other, or a different requiredness).

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
export type DistributionStrategy = 'round_robin' | 'weighted' | 'sequential';

/** An expected status: a code (200) or a class ("2xx"). */
export type ExpectedStatus = number | string;

/** A request body: a string is sent as is; a mapping or sequence is sent as JSON. */
export type RequestBody = string | Record<string, unknown> | unknown[];

export interface BearerAuth {
  type: 'bearer';
  token: string;
}
export interface ApiKeyAuth {
  type: 'api_key';
  key: string;
  /** Header name when `in` is `header` (default `X-API-Key`). */
  header?: string;
  /** Where the key goes: `header` (default) or `query`. */
  in?: 'header' | 'query';
  /** Query parameter name when `in` is `query` (default `api_key`). */
  name?: string;
}
export interface BasicAuth {
  type: 'basic';
  username: string;
  password: string;
}
export type AuthSpec = BearerAuth | ApiKeyAuth | BasicAuth;

export interface EndpointSpec {
  name: string;
  url: string;
  method?: HttpMethod;
  headers?: Record<string, string>;
  body?: RequestBody;
  expected_status_codes?: ExpectedStatus[];
  weight?: number;
  /** Redirects to follow (default: the test's, else 0). */
  follow_redirects?: number;
  thresholds?: string[];
  /** Assertions on each answer: `status == 200`, `json $.id exists`, ... */
  checks?: string[];
}

/**
 * An item of a test's `thresholds`: an expression for the whole test, or a one-key mapping from a
 * step or endpoint name to expressions that mean the same as in that step's own `thresholds`.
 */
export type TestThreshold = string | Record<string, string | string[]>;

/** `sequential` (default, wraps around) or `random`. */
export type DataOrder = 'sequential' | 'random';

/** A CSV feeder: one row per iteration, columns as `{{data.COLUMN}}`. */
export interface DataSpec {
  /** A CSV file with a header row, relative to the spec. */
  file: string;
  order?: DataOrder;
}

/** One step of a flow: an endpoint, plus what to capture from its answer and how long to pause. */
export interface StepSpec {
  name: string;
  url: string;
  method?: HttpMethod;
  headers?: Record<string, string>;
  body?: RequestBody;
  expected_status_codes?: ExpectedStatus[];
  thresholds?: string[];
  /** NAME → source (`json PATH`, `header NAME`, `regex "PATTERN"`, `status`). */
  capture?: Record<string, string>;
  checks?: string[];
  /** A pause after this step (`200ms`, `1s`); in no latency figure. */
  think_time?: string;
}

export interface TestSpec {
  name: string;
  description?: string;
  base_url?: string;
  env_file?: string;
  variables?: Record<string, string | number | boolean>;
  auth?: AuthSpec;
  headers?: Record<string, string>;

  // one request ...
  url?: string;
  method?: HttpMethod;
  body?: RequestBody;
  expected_status_codes?: ExpectedStatus[];

  // ... or several endpoints
  endpoints?: EndpointSpec[];
  distribution_strategy?: DistributionStrategy;

  // ... or a flow
  steps?: StepSpec[];
  data?: DataSpec;
  /** Flows: total iterations (default 10), or `duration_seconds`. */
  iterations?: number;
  /** Flows: the open model, iteration arrivals per second. */
  iterations_per_second?: number;

  /** Checks on the single request (`url`). */
  checks?: string[];

  // load shape
  concurrency?: number;
  total_requests?: number;
  duration_seconds?: number;
  requests_per_second?: number;
  ramp_up_seconds?: number;
  timeout_seconds?: number;
  insecure_tls?: boolean;
  /** Redirects to follow (default 0: a 3xx is the response). */
  follow_redirects?: number;
  /** Engine threads: 'auto' or a count. */
  workers?: number | 'auto';

  /** Expressions for the whole test, or `{NAME: expression(s)}` for a step or endpoint by name. */
  thresholds?: TestThreshold[];
  /** A result JSON relative to the spec, compared with by baseline thresholds. */
  baseline?: string;
}

export const DEFAULTS = {
  method: 'GET' as HttpMethod,
  concurrency: 10,
  total_requests: 100,
  timeout_seconds: 30,
  distribution_strategy: 'round_robin' as DistributionStrategy,
  weight: 1,
  insecure_tls: false,
  ramp_up_seconds: 0,
  follow_redirects: 0,
  workers: 'auto',
  iterations: 10,
  data_order: 'sequential' as DataOrder,
} as const;
