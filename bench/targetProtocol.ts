// Messages between the bench and its forked Node target (bench/nodeTarget.ts).

export interface TargetOptions {
  /** hello: answer at once; delay: answer after delayMs; stall: answer at once, but freeze the
   * whole process for stallMs, stallAfterMs after the first request. */
  mode: 'hello' | 'delay' | 'stall';
  delayMs?: number;
  stallAfterMs?: number;
  stallMs?: number;
}

export interface TargetStats {
  requests: number;
  stalled: boolean;
  /** Time the target held each request, arrival to the end of the answer (server side). */
  hold_ms: { p50: number; p99: number; max: number };
  /** From answering a request to the next one arriving on the same connection (closed model):
   * loopback both ways plus the client's own work in between. */
  turnaround_ms: { p50: number; p99: number; max: number };
  /** Request arrivals per 10 ms bucket (first and last bucket left out). */
  arrivals_per_10ms: { buckets: number; mean: number; stddev: number; min: number; p50: number; max: number };
  /** Gaps between consecutive arrivals. */
  gap_ms: { p50: number; p99: number; max: number };
  /** Arrivals in each 100 ms of the first two seconds after the first one: how the run warms up. */
  warmup_per_100ms: number[];
  /** Seconds after the first arrival at which the longest gap ended. */
  max_gap_at_s: number;
}

export type TargetRequest = { type: 'stats' };
export type TargetReply = { type: 'listening'; port: number } | { type: 'stats'; stats: TargetStats };
