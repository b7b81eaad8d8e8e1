// The raw numbers of one part of a run (a worker thread, or a shard on another machine):
// counters and encoded HDR histograms, never summaries, so that parts add up exactly. Plain data
// (structured-cloneable and JSON): a shard's result carries its parts for `atm merge`.
import type { CheckResult, RunStatus, SampledRequest } from './result';

/** Why a sample was kept (one sampler's limits apply to each kind). */
export type SampleKind = 'first' | 'status' | 'reservoir';

export interface TaggedSample {
  kind: SampleKind | 'error';
  sample: SampledRequest;
}

export interface StatsPart {
  latency: string;
  service: string;
  ttfb: string;
  successful: number;
  failed: number;
  dropped: number;
  bytesReceived: number;
  bytesSent: number;
  /** Status code → count (only codes seen). */
  statusCounts: Record<string, number>;
  /** Error type → count (only types seen). */
  errorCounts: Record<string, number>;
}

/** One second (or the last, partial one) of a part, on the run's common clock. */
export interface IntervalPart {
  /** 1-based second after the start. */
  t: number;
  seconds: number;
  completed: number;
  errors: number;
  dropped: number;
  latency: string;
  inFlight: number;
  /** Flows: iterations finished in this second. */
  iterations?: number;
}

/** A flow's iterations in one part: counts and the raw iteration-duration histogram. */
export interface FlowPart {
  started: number;
  completed: number;
  failed: number;
  dropped: number;
  skippedSteps: number;
  /** Encoded HDR histogram of whole iterations, microseconds. */
  duration: string;
}

export interface RunPart {
  /** Start of the measured window, epoch milliseconds (fractional); 0 when it never started. */
  t0: number;
  /** Seconds from t0 to the end (so far, in progress updates). */
  elapsedSeconds: number;
  /** Requests issued (sent or dropped) by this part. */
  issued: number;
  inFlight: number;
  status: RunStatus;
  failure: string | null;
  endpoints: StatsPart[];
  intervals: IntervalPart[];
  /** Per endpoint, in plan order. */
  samples: TaggedSample[][];
  /** Passes and fails of each check (step or endpoint, expression), in plan order; absent when none. */
  checks?: CheckResult[];
  /** Flows only. */
  flow?: FlowPart;
}

/** What a shard's result carries for an exact merge. */
export interface ShardData {
  /** The ATM version that ran it: parts of different versions are not merged. */
  version: string;
  /** One per worker thread of the shard. */
  parts: RunPart[];
}
