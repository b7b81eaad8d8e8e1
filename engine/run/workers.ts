// A run on several threads: each worker thread runs its share of the plan with the single-thread
// runner (run.ts), with its own connections and histograms, and this module merges their raw
// numbers exactly (merge.ts). Workers rebuild the plan from the spec text (a plan holds compiled
// templates, which cannot cross threads).
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { RunPlan } from '../format/plan';
import type { RunResult, RunStatus, SampledRequest } from '../format/result';
import { PartMerger } from './merge';
import type { RunPart } from './parts';
import { runPlan, type RunLogLevel, type RunOptions } from './run';
import { baselineMetricsOf } from './verdict';

/** `auto` keeps at least this many connections on each thread (closed model) ... */
export const MIN_CONNECTIONS_PER_WORKER = 25;
/** ... or this arrival rate (open model), so that small runs stay on one thread. */
export const MIN_RPS_PER_WORKER = 2000;
/** How long after all workers are ready the common start is set: time for the message to reach them. */
const START_MARGIN_MS = 30;

/** Where a worker finds its plan: the spec text and how it was resolved. */
export interface PlanSource {
  text: string;
  /** The test's index among the file's documents. */
  testIndex: number;
  file: string;
  displayFile?: string;
  env: Record<string, string | undefined>;
  baseUrlOverride?: string;
}

/**
 * The open model's requests per second: a flow sends every step of each iteration (an upper
 * bound: a failed iteration skips its later steps).
 */
function requestRate(plan: RunPlan): number {
  if (plan.flow === null) return plan.requestsPerSecond ?? 0;
  return (plan.flow.iterationsPerSecond ?? 0) * plan.flow.steps.length;
}

/** The threads a plan runs on: `requested` (or the spec's `workers`) resolved against the cores. */
export function resolveWorkerCount(plan: RunPlan, requested: number | 'auto' = plan.workers, cores = availableParallelism()): number {
  let count: number;
  if (requested === 'auto') {
    // Connections are a flow's virtual users; its arrival rate counts in requests.
    const byLoad = plan.model === 'open' ? Math.floor(requestRate(plan) / MIN_RPS_PER_WORKER) : Math.floor(plan.concurrency / MIN_CONNECTIONS_PER_WORKER);
    count = Math.min(cores - 1, byLoad);
  } else {
    count = requested;
  }
  // Every thread needs at least one connection (virtual user), and something to send.
  count = Math.min(count, Math.max(1, plan.concurrency));
  if (plan.totalRequests !== null) count = Math.min(count, plan.totalRequests);
  const iterations = plan.flow?.iterations ?? null;
  if (iterations !== null) count = Math.min(count, iterations);
  return Math.max(1, Math.floor(count));
}

/**
 * Share `index` of `count`: concurrency, total_requests and a flow's iterations split, the
 * remainder to the first shares. Rates are not split: each share takes every count-th arrival
 * (arrivalsOf).
 */
export function sharePlan(plan: RunPlan, index: number, count: number): RunPlan {
  const split = (n: number): number => Math.floor(n / count) + (index < n % count ? 1 : 0);
  const flow = plan.flow;
  return {
    ...plan,
    concurrency: Math.max(1, split(plan.concurrency)),
    totalRequests: plan.totalRequests === null ? null : split(plan.totalRequests),
    flow: flow === null || flow.iterations === null ? flow : { ...flow, iterations: split(flow.iterations) },
  };
}

/** A shard's own load, on which its threads are counted: its share, at its share of the rate. */
function shardLoad(plan: RunPlan, shardPlan: RunPlan, shard: Shard | null): RunPlan {
  if (shard === null) return shardPlan;
  const share = (rate: number | null): number | null => (rate === null ? null : rate / shard.count);
  const flow = shardPlan.flow;
  return {
    ...shardPlan,
    requestsPerSecond: share(plan.requestsPerSecond),
    flow: flow === null ? null : { ...flow, iterationsPerSecond: share(flow.iterationsPerSecond) },
  };
}

/** Messages from a worker thread. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'part'; part: RunPart; final: boolean }
  | { type: 'log'; level: RunLogLevel; message: string }
  | { type: 'sample'; sample: SampledRequest }
  | { type: 'failed'; message: string };

/** Messages to a worker thread. */
export type MainMessage = { type: 'start'; at: number } | { type: 'cancel' };

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

export interface WorkerData {
  source: PlanSource;
  index: number;
  count: number;
  shard: Shard | null;
  runId: string;
  sampleBodyBytes?: number;
  drainMs?: number;
  warmCode?: boolean;
  /**
   * Whether the main thread shows progress or serves live metrics: only then does a worker send its
   * cumulative numbers every second (encoding and decoding histograms); otherwise one part, at the end.
   */
  progress: boolean;
}

export interface WorkersOptions extends RunOptions {
  /** Overrides the spec's `workers`. */
  workers?: number | 'auto';
  /** Where worker threads rebuild the plan; without it the run stays on this thread. */
  source?: PlanSource;
  /** Run only this shard of the plan (`atm run --shard K/N`); the result carries its raw parts. */
  shard?: Shard;
  /** When the measured window starts, epoch ms (`--start-at`: shards on several machines start together). */
  startAtEpoch?: number;
  /** The ATM version, recorded with a shard's raw parts. */
  version?: string;
  /** Each runner's cumulative raw numbers as they arrive (runner: the thread's index), for live metrics. */
  onRunnerPart?: (runner: number, part: RunPart, final: boolean) => void;
}

/** Where request `i` of thread `thread` of `threads` (in shard `shard`) sits in the whole run's sequence. */
export function arrivalsOf(thread: number, threads: number, shard: Shard | null): { offset: number; stride: number } {
  const k = shard?.index ?? 0;
  const n = shard?.count ?? 1;
  return { offset: k + n * thread, stride: n * threads };
}

/** A thread's plan: the shard's share of the plan, then the thread's share of that. */
export function threadPlan(plan: RunPlan, thread: number, threads: number, shard: Shard | null): RunPlan {
  const shardPlan = shard === null ? plan : sharePlan(plan, shard.index, shard.count);
  return threads === 1 ? shardPlan : sharePlan(shardPlan, thread, threads);
}

/** The worker thread: the bundle beside this one when built; from source (tests, via tsx) otherwise. */
function startWorker(data: WorkerData): Worker {
  if (__filename.endsWith('.ts')) {
    const entry = JSON.stringify(join(__dirname, 'worker.ts'));
    return new Worker(`require('tsx/cjs'); require(${entry});`, { eval: true, workerData: data });
  }
  return new Worker(join(__dirname, 'worker.js'), { workerData: data });
}

/** Runs a plan on as many threads as it resolves to; `workers` in the result says how many. */
export async function runWithWorkers(plan: RunPlan, options: WorkersOptions = {}): Promise<RunResult> {
  const shard = options.shard ?? null;
  const shardPlan = threadPlan(plan, 0, 1, shard);
  // A shard's threads are counted on the shard's own load.
  const count = options.source === undefined ? 1 : resolveWorkerCount(shardLoad(plan, shardPlan, shard), options.workers ?? plan.workers);
  let result: RunResult;
  let parts: RunPart[];
  if (count === 1) {
    parts = [];
    const at = options.startAtEpoch;
    result = await runPlan(shardPlan, {
      ...options,
      // Parts are kept for a shard's result, which needs only the final one.
      partsEverySecond: options.partsEverySecond ?? (options.onPart !== undefined || options.onRunnerPart !== undefined),
      arrivals: arrivalsOf(0, 1, shard),
      startAt: at !== undefined ? () => Promise.resolve(at) : options.startAt,
      onPart: (part, final) => {
        if (final) parts.push(part);
        options.onPart?.(part, final);
        options.onRunnerPart?.(0, part, final);
      },
    });
  } else {
    const run = new WorkerRun(shardPlan, options.source!, count, options);
    result = await run.run();
    parts = run.parts();
  }
  result.workers = count;
  if (shard !== null) {
    result.shard = { index: shard.index, count: shard.count };
    result.shard_data = { version: options.version ?? '0.0.0', parts };
  }
  return result;
}

class WorkerRun {
  private readonly id: string;
  private readonly merger: PartMerger;
  private readonly workers: Worker[] = [];
  private readonly finished: boolean[];
  private ready = 0;
  private emitted = 0;
  private failure: string | null = null;
  private cancelled = false;

  constructor(
    plan: RunPlan,
    private readonly source: PlanSource,
    private readonly count: number,
    private readonly options: WorkersOptions,
  ) {
    this.id = options.runId ?? randomUUID();
    this.merger = new PartMerger(plan, count, options.baseline ? baselineMetricsOf(options.baseline) : null);
    this.finished = new Array<boolean>(count).fill(false);
  }

  async run(): Promise<RunResult> {
    const startedAt = new Date();
    const ends: Array<Promise<void>> = [];
    const onAbort = (): void => {
      this.cancelled = true;
      this.broadcast({ type: 'cancel' });
    };
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    this.options.onLog?.('info', `run on ${this.count} worker threads`);
    for (let index = 0; index < this.count; index++) {
      const data: WorkerData = {
        source: this.source,
        index,
        count: this.count,
        shard: this.options.shard ?? null,
        runId: this.id,
        sampleBodyBytes: this.options.sampleBodyBytes,
        drainMs: this.options.drainMs,
        warmCode: this.options.warmCode,
        // Live metrics read every second's numbers too.
        progress: this.options.onProgress !== undefined || this.options.onRunnerPart !== undefined,
      };
      const worker = startWorker(data);
      this.workers.push(worker);
      ends.push(this.watch(worker, index));
    }
    if (this.options.signal?.aborted === true) onAbort();
    await Promise.all(ends);
    this.options.signal?.removeEventListener('abort', onAbort);
    const status: RunStatus = this.failure !== null ? 'failed' : this.cancelled ? 'cancelled' : 'completed';
    const result = this.merger.result({ id: this.id, startedAt, status, failure: this.failure });
    result.baseline_run = this.options.baseline?.id ?? null;
    if (this.options.baseline) result.baseline_source = this.options.baselineSource ?? null;
    if (this.options.baselineError !== undefined) result.baseline_error = this.options.baselineError;
    this.options.onLog?.('info', `run ${status}: ${result.metrics.total_requests} requests in ${result.metrics.duration_seconds} s on ${this.count} threads`);
    return result;
  }

  parts(): RunPart[] {
    return this.merger.parts();
  }

  private broadcast(message: MainMessage): void {
    this.workers.forEach((worker, i) => {
      if (!this.finished[i]) worker.postMessage(message);
    });
  }

  private fail(reason: string): void {
    if (this.failure === null) {
      this.failure = reason;
      this.options.onLog?.('error', `run failed: ${reason}`);
    }
    this.broadcast({ type: 'cancel' });
  }

  /** Resolves when the worker has exited, whatever the reason. */
  private watch(worker: Worker, index: number): Promise<void> {
    let final = false;
    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          if (++this.ready === this.count) {
            const at = Math.max(performance.timeOrigin + performance.now() + START_MARGIN_MS, this.options.startAtEpoch ?? 0);
            this.broadcast({ type: 'start', at });
          }
          break;
        case 'part':
          this.merger.add(index, message.part, message.final);
          this.options.onRunnerPart?.(index, message.part, message.final);
          if (message.final) {
            final = true;
            if (message.part.status === 'failed') this.fail(`worker ${index + 1} of ${this.count}: ${message.part.failure ?? 'failed'}`);
          } else {
            this.emitProgress();
          }
          break;
        case 'log':
          this.options.onLog?.(message.level, message.message);
          break;
        case 'sample':
          this.options.onSample?.(message.sample);
          break;
        case 'failed':
          this.fail(`worker ${index + 1} of ${this.count}: ${message.message}`);
          break;
      }
    });
    return new Promise<void>((resolve) => {
      worker.on('error', (err) => {
        this.fail(`worker ${index + 1} of ${this.count} crashed: ${err instanceof Error ? err.message : String(err)}`);
      });
      worker.on('exit', (code) => {
        this.finished[index] = true;
        if (!final) this.fail(`worker ${index + 1} of ${this.count} stopped before the end of the run (exit code ${code})`);
        // A worker that is gone still counts as ready, so that the others are not held at the start line.
        if (this.ready < this.count && this.failure !== null) this.ready++;
        resolve();
      });
    });
  }

  private emitProgress(): void {
    if (this.options.onProgress === undefined) return;
    const all = this.merger.reportedByAll;
    if (all <= this.emitted) return;
    this.emitted = all;
    const update = this.merger.progress(this.id);
    if (update !== null) this.options.onProgress(update);
  }
}
