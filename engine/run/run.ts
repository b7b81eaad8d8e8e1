// One run of a plan: drives the slots (closed loops or the open-model arrival clock), records
// every completion, reports a timeline point and progress each second, and ends with the
// result. Knows nothing of processes or IPC: callers pass callbacks and an AbortSignal.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { redact } from '../format';
import type { PlanEndpoint, RunPlan } from '../format/plan';
import type { Histogram } from 'hdr-histogram-js';
import type { CheckResult, EndpointMetrics, Metrics, ProgressUpdate, RunResult, RunStatus, SampledRequest, TimelinePoint } from '../format/result';
import { ERROR_TYPES, RESULT_SCHEMA_VERSION } from '../format/result';
import { warmCode } from './codeWarmUp';
import { classifyError, ConnectDeadlineError, DeadlineError, describeError, ERROR_INDEX } from './errors';
import { isStaticEndpoint, prepareRequest, RequestSlot, type ConnectionSettings, type PreparedRequest, type SlotOwner } from './http';
import { encodeHistogram, Interval, Stats, sumStats, toMicros } from './metrics';
import { intervalToPart, statsToPart, type IntervalPart, type RunPart } from './parts';
import { buildSample, EndpointSampler, type SampleKind } from './samples';
import { createPicker, dueOffsetMs, loopStartMs, type Picker } from './scheduler';
import { baselineMetricsOf, evaluate, type BaselineMetrics, type FlowFacts } from './verdict';
import { Answer, EVALUATION_BODY_LIMIT } from './checks';
import { checkResults, EndpointEvaluation, evaluateAnswer, FlowState, type Evaluated, type Iteration } from './flow';

export type RunLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RunOptions {
  /** Carried by progress updates. Default: a new UUID (also the result's id). */
  runId?: string;
  /** The first stage of a stop: scheduling ends, in-flight requests get `drainMs` to finish. */
  signal?: AbortSignal;
  onProgress?: (update: ProgressUpdate) => void;
  onSample?: (sample: SampledRequest) => void;
  onLog?: (level: RunLogLevel, message: string) => void;
  /** Bytes of a sampled response body to keep. Default 8192. */
  sampleBodyBytes?: number;
  /** How long a cancelled run waits for in-flight requests. Default 2000 ms. */
  drainMs?: number;
  /** Replaces DNS resolution. */
  lookup?: ConnectionSettings['lookup'];
  /** Warm the engine's code on a server of its own before the measured window (codeWarmUp.ts). Default true. */
  warmCode?: boolean;
  /** The run baseline thresholds compare with (see engine/compare loadBaseline); none: `no baseline`. */
  baseline?: RunResult | null;
  /** Where the baseline came from (a path), stored as the result's `baseline_source`. */
  baselineSource?: string;
  /** Why the baseline asked for could not be used; stored as the result's `baseline_error`. */
  baselineError?: string;
  /**
   * This runner's share of a run split across threads or machines: it takes arrivals (open
   * model) and request indexes offset, offset + stride, offset + 2·stride, ... of the whole run.
   * The plan given is already this share's (its concurrency and total_requests).
   */
  arrivals?: { offset: number; stride: number };
  /**
   * Asked once warm-up is over: when the measured window starts, in epoch milliseconds
   * (performance.timeOrigin + performance.now()), so that several runners share one clock.
   */
  startAt?: () => Promise<number>;
  /** The raw numbers (parts.ts) each second and once at the end, for an exact merge of several runners. */
  onPart?: (part: RunPart, final: boolean) => void;
  /** false: onPart gets only the final part (its seconds included), not one each second. Default true. */
  partsEverySecond?: boolean;
}

export const DEFAULT_SAMPLE_BODY_BYTES = 8192;
/** The longest the warm-up waits for connections (less when timeout_seconds is shorter). */
const WARM_UP_MAX_MS = 10_000;
/** Open model: how long before a due time the arrival clock stops sleeping on a timer. */
const SPIN_MS = 0.2;
/** How late a timer typically fires on an idle event loop. */
const TIMER_LATE_MS = 0.1;
/**
 * Open model: with more than this between two arrivals the clock only sleeps on timers, which
 * may send a request up to about 1 ms after its due time (latency is still measured from the due
 * time, so the lateness shows). Spinning through the last fraction of a millisecond before each
 * due time at such rates would cost a large share of a core for nothing.
 */
const TIMER_ONLY_GAP_MS = 2;
/** A last partial second shorter than this joins the point before it. */
const MIN_TAIL_SECONDS = 0.25;
const UNEXPECTED_STATUS = ERROR_INDEX.unexpected_status;
const TIMEOUT = ERROR_INDEX.timeout;
const CHECK_FAILED = ERROR_INDEX.check_failed;
const CAPTURE_FAILED = ERROR_INDEX.capture_failed;
const BODY_TOO_LARGE = ERROR_INDEX.body_too_large;

/** The first `limit` bytes of a kept body, for a sample. */
function cutBody(chunks: Buffer[] | null, limit: number, truncated: boolean): { body: Buffer[] | null; truncated: boolean } {
  if (chunks === null) return { body: null, truncated };
  let size = 0;
  for (const c of chunks) size += c.length;
  if (size <= limit) return { body: chunks, truncated };
  return { body: [Buffer.concat(chunks).subarray(0, limit)], truncated: true };
}

interface EndpointState {
  plan: PlanEndpoint;
  stats: Stats;
  sampler: EndpointSampler;
  /** Built once when nothing in the request changes between requests. */
  prepared: PreparedRequest | null;
  /** 1 where a status is expected. */
  expected: Uint8Array;
}

function expectedTable(endpoint: PlanEndpoint): Uint8Array {
  const table = new Uint8Array(1000);
  const list = endpoint.expectedStatus ?? ['2xx'];
  for (const entry of list) {
    if (typeof entry === 'number') {
      if (entry >= 0 && entry < 1000) table[entry] = 1;
      continue;
    }
    const match = /^([1-5])xx$/i.exec(entry.trim());
    if (match !== null) {
      const base = Number(match[1]) * 100;
      table.fill(1, base, base + 100);
    } else if (/^\d{3}$/.test(entry.trim())) {
      table[Number(entry.trim())] = 1;
    }
  }
  return table;
}

/**
 * Connection slots for a run: `concurrency`, but never more than the requests it sends, since
 * every slot opens a connection per origin before the first request.
 */
export function slotCount(plan: RunPlan): number {
  const wanted = Math.max(1, plan.concurrency);
  return plan.totalRequests === null ? wanted : Math.max(1, Math.min(wanted, plan.totalRequests));
}

export function runPlan(plan: RunPlan, options: RunOptions = {}): Promise<RunResult> {
  return new Run(plan, options).start();
}

class Run implements SlotOwner {
  private readonly id: string;
  private readonly sampleBodyBytes: number;
  private readonly endpoints: EndpointState[];
  /** Checks and captures of each endpoint (or step). */
  private readonly evaluations: EndpointEvaluation[];
  /** Flows: the iterations; null for a test of independent requests. */
  private readonly flow: FlowState | null;
  /** Flows: the iteration each slot (a virtual user) is running. */
  private readonly iterations: Array<Iteration | null>;
  /** Per slot: whether its last request failed, and what its answer gave. */
  private readonly outcomes: Array<{ failed: boolean; evaluated: Evaluated | null; error: string | null }>;
  private readonly slots: RequestSlot[] = [];
  private readonly free: RequestSlot[] = [];
  private readonly sampleKinds: Array<SampleKind | null>;
  private interval = new Interval();
  /** The second before `interval`: a short tail at the end is merged into it. */
  private previous = new Interval();
  private readonly timeline: TimelinePoint[] = [];
  private readonly picker: Picker;
  private readonly rampMs: number;
  private readonly rate: number;
  private readonly offset: number;
  private readonly stride: number;
  /** Raw seconds not yet handed to onPart. */
  private rawIntervals: IntervalPart[] = [];

  private t0 = 0;
  private startedAt = new Date();
  private endAt: number | null = null;
  private issued = 0;
  private inFlight = 0;
  private stopping = false;
  private finished = false;
  private sending = false;
  private status: RunStatus = 'completed';
  private failure: string | null = null;
  private secondsReported = 0;

  private arrivalTimeout: NodeJS.Timeout | null = null;
  private arrivalImmediate: NodeJS.Immediate | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | null = null;
  private resolveDone: (() => void) | null = null;
  private readonly tickBound = (): void => this.arrive();
  private readonly onAbort = (): void => this.cancel();
  private readonly baseline: BaselineMetrics | null;

  constructor(
    private readonly plan: RunPlan,
    private readonly options: RunOptions,
  ) {
    this.id = options.runId ?? randomUUID();
    this.baseline = options.baseline ? baselineMetricsOf(options.baseline) : null;
    this.sampleBodyBytes = options.sampleBodyBytes ?? DEFAULT_SAMPLE_BODY_BYTES;
    this.rampMs = Math.max(0, plan.rampUpSeconds * 1000);
    this.rate = plan.requestsPerSecond ?? plan.flow?.iterationsPerSecond ?? 0;
    this.offset = options.arrivals?.offset ?? 0;
    this.stride = Math.max(1, options.arrivals?.stride ?? 1);
    this.evaluations = plan.endpoints.map((e) => new EndpointEvaluation(e));
    this.flow = plan.flow === null ? null : new FlowState(plan.flow);
    this.iterations = new Array<Iteration | null>(Math.max(1, plan.concurrency)).fill(null);
    this.outcomes = Array.from({ length: Math.max(1, plan.concurrency) }, () => ({ failed: false, evaluated: null, error: null }));
    this.endpoints = plan.endpoints.map((endpoint) => ({
      plan: endpoint,
      stats: new Stats(plan.model === 'closed'),
      sampler: new EndpointSampler(),
      prepared: null,
      expected: expectedTable(endpoint),
    }));
    this.sampleKinds = new Array<SampleKind | null>(slotCount(plan)).fill(null);
    this.picker = createPicker({
      strategy: plan.distribution,
      weights: plan.endpoints.map((e) => e.weight),
      totalRequests: plan.totalRequests,
      durationMs: plan.durationSeconds === null ? null : plan.durationSeconds * 1000,
    });
  }

  private log(level: RunLogLevel, message: string): void {
    this.options.onLog?.(level, redact(message, this.plan.secrets));
  }

  async start(): Promise<RunResult> {
    this.startedAt = new Date();
    const done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    try {
      this.setUp();
      this.log('info', `run started: ${this.plan.name} (${this.plan.model} model, concurrency ${this.plan.concurrency})`);
      if (this.options.signal?.aborted === true) this.cancel();
      else {
        if (this.options.warmCode !== false) {
          const codeStop = new AbortController();
          void done.then(() => codeStop.abort());
          const started = performance.now();
          const sent = await warmCode(this.plan, (plan, signal) => runPlan(plan, { signal, warmCode: false, drainMs: 200 }), codeStop.signal);
          this.log('debug', `code warm-up: ${sent} requests to the engine's own loopback server in ${Math.round(performance.now() - started)} ms`);
        }
        if (!this.stopping) await this.warmUp(done);
      }
      if (!this.stopping && this.options.startAt !== undefined) await this.waitForStart(this.options.startAt, done);
      if (!this.stopping) this.launch();
    } catch (err) {
      this.status = 'failed';
      this.failure = redact(describeError(err), this.plan.secrets);
      this.log('error', `run failed: ${this.failure}`);
      this.finish();
    }
    await done;
    await Promise.all(this.slots.map((slot) => slot.destroy()));
    const result = this.result();
    this.options.onPart?.(this.part(this.t0 > 0 ? (this.endedAt - this.t0) / 1000 : 0, true), true);
    return result;
  }

  /** The agreed start, on this thread's clock; waits for it (a start already past by more than a second is taken as now). */
  private startPlanned: number | null = null;
  private async waitForStart(startAt: () => Promise<number>, done: Promise<void>): Promise<void> {
    const epoch = await Promise.race([startAt(), done.then(() => null)]);
    if (epoch === null || this.stopping) return;
    const local = epoch - performance.timeOrigin;
    const wait = local - performance.now();
    if (wait < -1000) {
      this.log('warn', `the agreed start was ${Math.round(-wait)} ms ago; starting now`);
      return;
    }
    this.startPlanned = local;
    if (wait > 2) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.floor(wait - 1)))), done]);
      clearTimeout(timer);
    }
  }

  private part(elapsedSeconds: number, final: boolean): RunPart {
    const intervals = this.rawIntervals;
    this.rawIntervals = [];
    return {
      t0: this.t0 > 0 ? performance.timeOrigin + this.t0 : 0,
      elapsedSeconds,
      issued: this.issued,
      inFlight: this.inFlight,
      status: this.status,
      failure: this.failure,
      endpoints: this.endpoints.map((state) => statsToPart(state.stats)),
      intervals,
      samples: final ? this.endpoints.map((state) => state.sampler.tagged()) : [],
    };
  }

  private setUp(): void {
    if (this.plan.endpoints.length === 0) throw new Error('the plan has no endpoints');
    if (this.plan.model === 'open' && !(this.rate > 0)) throw new Error('the open model needs requests_per_second (iterations_per_second for a flow) > 0');
    for (const state of this.endpoints) {
      if (isStaticEndpoint(state.plan)) state.prepared = prepareRequest(state.plan, { requestIndex: 0 }, this.plan.timeoutMs);
    }
    const settings: ConnectionSettings = { timeoutMs: this.plan.timeoutMs, insecureTls: this.plan.insecureTls, lookup: this.options.lookup };
    for (let i = 0; i < slotCount(this.plan); i++) {
      const slot = new RequestSlot(i, this, settings, this.sampleBodyBytes);
      slot.resume = () => this.next(slot);
      this.slots.push(slot);
    }
    this.options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Opens every slot's connection to each origin before the measured window, sending nothing,
   * so that connecting is neither in the run's time nor in any request's latency. Waits at most
   * the request timeout (and no more than 10 s); a connection that fails or is still opening is
   * left to the first request, which reports what it finds.
   */
  private async warmUp(done: Promise<void>): Promise<void> {
    const origins = new Set<string>();
    for (const state of this.endpoints) {
      if (state.prepared !== null) {
        origins.add(state.prepared.origin);
        continue;
      }
      try {
        origins.add(new URL(state.plan.url.render({ requestIndex: 0 })).origin);
      } catch {
        // A URL that does not render: its requests fail as they are sent.
      }
    }
    if (origins.size === 0) return;
    const started = performance.now();
    let open = 0;
    const opening: Array<Promise<void>> = [];
    for (const slot of this.slots) {
      for (const origin of origins) {
        opening.push(
          slot.warm(origin).then((ok) => {
            if (ok) open++;
          }),
        );
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(this.plan.timeoutMs, WARM_UP_MAX_MS));
    });
    await Promise.race([Promise.all(opening), limit, done]);
    clearTimeout(timer);
    this.log('debug', `warm-up: ${open} of ${opening.length} connections open in ${Math.round(performance.now() - started)} ms`);
  }

  private launch(): void {
    // A planned start shared with other runners: arrivals are due from it, even a little late.
    this.t0 = this.startPlanned ?? performance.now();
    if (this.plan.durationSeconds !== null) {
      this.endAt = this.t0 + this.plan.durationSeconds * 1000;
      this.later(Math.max(0, this.endAt - performance.now()), () => {
        if (this.plan.model === 'open') {
          // Requests due before the end still go out (or count as dropped) when the loop runs
          // late; arrive() stops at the first one due at or after the end.
          this.clearArrival();
          this.arrive();
        } else {
          this.stopScheduling();
        }
      });
    }
    this.scheduleSecond();
    const sweepEvery = Math.min(250, Math.max(10, this.plan.timeoutMs / 4));
    this.sweeper = setInterval(() => this.sweep(), sweepEvery);

    if (this.plan.model === 'open') {
      for (let i = this.slots.length - 1; i >= 0; i--) this.free.push(this.slots[i]);
      this.arrive();
    } else {
      const n = this.slots.length;
      for (let k = 0; k < n; k++) {
        const at = loopStartMs(k, n, this.rampMs);
        const slot = this.slots[k];
        if (at <= 0) this.next(slot);
        else this.later(at, () => this.next(slot));
      }
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  // ---- sending ----

  /** Sends request number `issued` on `slot`. */
  private send(slot: RequestSlot, due: number, now: number): void {
    const index = this.issued++ * this.stride + this.offset;
    const endpointIndex = this.picker.pick(index, due - this.t0);
    const state = this.endpoints[endpointIndex];
    let prepared = state.prepared;
    if (prepared === null) {
      try {
        prepared = prepareRequest(state.plan, { requestIndex: index }, this.plan.timeoutMs);
      } catch (err) {
        // A template that renders an unusable request: counted, never sent.
        state.stats.failed++;
        state.stats.errorCounts[ERROR_INDEX.other]++;
        this.interval.errors++;
        if (state.sampler.firstError('other', ERROR_INDEX.other)) this.log('warn', `${state.plan.name}: cannot build the request: ${describeError(err)}`);
        if (this.plan.model === 'open') this.free.push(slot);
        else setImmediate(slot.resume);
        return;
      }
    }
    this.inFlight++;
    this.sending = true;
    slot.send(prepared, endpointIndex, index, due, now);
    this.sending = false;
  }

  /** Closed model: the slot's next request, if the run goes on. */
  private next(slot: RequestSlot, at = 0): void {
    if (this.stopping) return;
    if (this.flow !== null) {
      this.flowNext(slot, this.flow);
      return;
    }
    const total = this.plan.totalRequests;
    if (total !== null && this.issued >= total) {
      this.stopScheduling();
      return;
    }
    const now = at > 0 ? at : performance.now();
    if (this.endAt !== null && now >= this.endAt) {
      this.stopScheduling();
      return;
    }
    this.send(slot, now, now);
  }

  // ---- flows ----

  /** Closed model: the virtual user on `slot` runs its iteration's current step, or starts one. */
  private flowNext(slot: RequestSlot, flow: FlowState): void {
    const now = performance.now();
    let iteration = this.iterations[slot.id];
    if (iteration === null) {
      if (!flow.canStart() || (this.endAt !== null && now >= this.endAt)) {
        if (flow.active === 0 || this.endAt !== null) this.stopScheduling();
        return;
      }
      iteration = flow.start(now);
      this.iterations[slot.id] = iteration;
    }
    this.sendStep(slot, iteration, iteration.step === 0 ? iteration.dueAt : now, now);
  }

  private sendStep(slot: RequestSlot, iteration: Iteration, due: number, now: number): void {
    const index = this.issued++;
    const state = this.endpoints[iteration.step];
    let prepared = state.prepared;
    if (prepared === null) {
      try {
        prepared = prepareRequest(state.plan, { requestIndex: index, captures: iteration.captures, data: iteration.data }, this.plan.timeoutMs);
      } catch (err) {
        state.stats.failed++;
        state.stats.errorCounts[ERROR_INDEX.other]++;
        this.interval.errors++;
        if (state.sampler.firstError('other', ERROR_INDEX.other)) this.log('warn', `${state.plan.name}: cannot build the request: ${describeError(err)}`);
        this.endIteration(slot, iteration, performance.now(), true, true);
        return;
      }
    }
    this.inFlight++;
    this.sending = true;
    slot.send(prepared, iteration.step, index, due, now);
    this.sending = false;
  }

  /** After a step's answer: the next step (after its think time), or the iteration's end. */
  private afterStep(slot: RequestSlot, flow: FlowState): void {
    const iteration = this.iterations[slot.id];
    if (iteration === null) return;
    const failed = this.outcomes[slot.id].failed;
    const think = this.evaluations[iteration.step].thinkTimeMs;
    const last = iteration.step + 1 >= flow.plan.steps.length;
    // As for plain requests: after a failure undici may still be unwinding, so continue on a fresh stack.
    const defer = this.sending || slot.error !== null;
    if (failed) {
      this.endIteration(slot, iteration, performance.now(), true, defer);
    } else if (!last) {
      iteration.step++;
      if (think > 0) this.later(think, slot.resume);
      else if (defer) setImmediate(slot.resume);
      else this.next(slot);
    } else if (think > 0) {
      this.later(think, () => this.endIteration(slot, iteration, performance.now(), false, false));
    } else {
      this.endIteration(slot, iteration, performance.now(), false, defer);
    }
  }

  /** Ends the slot's iteration; the slot then starts the next one (closed model) or waits for an arrival (open). */
  private endIteration(slot: RequestSlot, iteration: Iteration, at: number, failed: boolean, defer: boolean): void {
    const flow = this.flow;
    if (flow === null) return;
    flow.end(iteration, at, failed);
    this.iterations[slot.id] = null;
    if (this.stopping) {
      if (this.inFlight === 0) this.finish();
      return;
    }
    if (!flow.canStart() && flow.active === 0) {
      this.stopScheduling();
      return;
    }
    if (this.plan.model === 'open') this.free.push(slot);
    else if (defer) setImmediate(slot.resume);
    else this.next(slot);
  }

  /** Open model for flows: starts every iteration now due, drops those that find no free virtual user. */
  private arriveIterations(flow: FlowState): void {
    const now = performance.now();
    for (;;) {
      if (!flow.canStart()) {
        if (flow.active === 0) this.stopScheduling();
        return;
      }
      const due = this.t0 + dueOffsetMs(flow.arrivals, this.rate, this.rampMs);
      if (this.endAt !== null && due >= this.endAt) {
        this.stopScheduling();
        return;
      }
      if (due > now) {
        const sleep = Math.floor(due - now - SPIN_MS - TIMER_LATE_MS);
        if (sleep >= 1) this.arrivalTimeout = setTimeout(this.tickBound, sleep);
        else this.arrivalImmediate = setImmediate(this.tickBound);
        return;
      }
      const slot = this.free.pop();
      if (slot === undefined) {
        flow.drop();
        this.endpoints[0].stats.dropped++;
        this.interval.dropped++;
        continue;
      }
      const iteration = flow.start(due);
      this.iterations[slot.id] = iteration;
      this.sendStep(slot, iteration, due, performance.now());
    }
  }

  /** Open model: sends every request now due, counts as dropped those that find no free slot. */
  private arrive(): void {
    this.arrivalTimeout = null;
    this.arrivalImmediate = null;
    if (this.stopping) return;
    if (this.flow !== null) {
      this.arriveIterations(this.flow);
      return;
    }
    const total = this.plan.totalRequests;
    const now = performance.now();
    for (;;) {
      if (total !== null && this.issued >= total) {
        this.stopScheduling();
        return;
      }
      const due = this.t0 + dueOffsetMs(this.issued * this.stride + this.offset, this.rate, this.rampMs);
      if (this.endAt !== null && due >= this.endAt) {
        this.stopScheduling();
        return;
      }
      if (due > now) {
        const wait = due - now;
        if (this.arrivalGapMs(due) > TIMER_ONLY_GAP_MS) {
          // A timer of n ms fires between n - 1 and n ms of loop time after it is set (loop time
          // counts whole milliseconds): one that fires early sets another of 1 ms.
          this.arrivalTimeout = setTimeout(this.tickBound, Math.max(1, Math.ceil(wait)));
          return;
        }
        // Timers count whole milliseconds and fire a little late: sleep on one until at most
        // SPIN_MS before the due time, then take the next turns of the event loop so that the
        // request leaves on time without spinning through the whole wait.
        const sleep = Math.floor(wait - SPIN_MS - TIMER_LATE_MS);
        if (sleep >= 1) this.arrivalTimeout = setTimeout(this.tickBound, sleep);
        else this.arrivalImmediate = setImmediate(this.tickBound);
        return;
      }
      const slot = this.free.pop();
      if (slot === undefined) {
        const index = this.issued++ * this.stride + this.offset;
        this.endpoints[this.picker.pick(index, due - this.t0)].stats.dropped++;
        this.interval.dropped++;
        continue;
      }
      // Service time starts at the actual send, which in a batch of due requests is a little later.
      this.send(slot, due, performance.now());
    }
  }

  /** The time between the arrival due at `due` and the one before it (the first: the one after it). */
  private arrivalGapMs(due: number): number {
    const i = this.issued;
    const other = this.t0 + dueOffsetMs(i === 0 ? 1 : i - 1, this.rate, this.rampMs);
    return Math.abs(due - other);
  }

  // ---- completions ----

  wantsBody(slot: RequestSlot): boolean {
    const state = this.endpoints[slot.endpointIndex];
    const evaluation = this.evaluations[slot.endpointIndex];
    const iteration = this.flow === null ? null : this.iterations[slot.id];
    const kind = iteration?.sampled === true ? 'first' : state.sampler.choose(slot.status, state.expected[slot.status] === 1);
    this.sampleKinds[slot.id] = kind;
    if (evaluation.needsBody) slot.bodyLimit = Math.max(slot.bodyLimit, EVALUATION_BODY_LIMIT);
    return kind !== null || evaluation.needsBody || evaluation.needsHeaders;
  }

  onSlotDone(slot: RequestSlot): void {
    this.inFlight--;
    if (!slot.discarded) this.record(slot);
    this.sampleKinds[slot.id] = null;
    if (this.stopping) {
      if (this.inFlight === 0) this.finish();
      return;
    }
    if (this.flow !== null) {
      this.afterStep(slot, this.flow);
    } else if (this.plan.model === 'open') {
      this.free.push(slot);
    } else if (this.sending || slot.error !== null) {
      // A failure: undici may be in the middle of failing a client's whole queue (or inside
      // dispatch()); continue on a fresh stack.
      setImmediate(slot.resume);
    } else {
      this.next(slot);
    }
  }

  private record(slot: RequestSlot): void {
    const state = this.endpoints[slot.endpointIndex];
    const stats = state.stats;
    const err = slot.error;
    const status = slot.status;
    let errorIndex = -1;
    const outcome = this.outcomes[slot.id];
    outcome.evaluated = null;
    outcome.error = null;
    if (err === null) {
      stats.statusCounts[status]++;
      if (state.expected[status] !== 1) errorIndex = UNEXPECTED_STATUS;
      const evaluation = this.evaluations[slot.endpointIndex];
      if (evaluation.evaluates) {
        if (evaluation.needsBody && slot.truncated) {
          if (errorIndex < 0) errorIndex = BODY_TOO_LARGE;
          outcome.error = `the answer is larger than ${EVALUATION_BODY_LIMIT / 1024 / 1024} MiB: too large to check or capture from`;
        } else {
          const iteration = this.flow === null ? null : this.iterations[slot.id];
          const answer = new Answer(status, slot.endedAt - slot.dueAt, slot.responseHeaders, slot.captured);
          const evaluated = evaluateAnswer(evaluation, answer, errorIndex < 0, iteration, this.flow?.secretCaptures ?? new Set());
          outcome.evaluated = evaluated;
          if (errorIndex < 0 && evaluated.failedChecks.length > 0) {
            errorIndex = CHECK_FAILED;
            outcome.error = `check failed: ${evaluated.failedChecks.join('; ')}`;
          } else if (errorIndex < 0 && evaluated.captureError !== null) {
            errorIndex = CAPTURE_FAILED;
            outcome.error = evaluated.captureError;
          }
        }
      }
      if (errorIndex < 0) stats.successful++;
      else stats.failed++;
    } else {
      stats.failed++;
      errorIndex = ERROR_INDEX[classifyError(err)];
    }
    outcome.failed = errorIndex >= 0;
    if (errorIndex >= 0) {
      stats.errorCounts[errorIndex]++;
      this.interval.errors++;
    }
    // Latency counts every request that got an answer or ran out of time; a connection that
    // failed at once has no latency worth mixing in.
    if (status > 0 || errorIndex === TIMEOUT) {
      const latencyUs = toMicros(slot.endedAt - slot.dueAt);
      stats.latency.record(latencyUs);
      if (!stats.serviceIsLatency) stats.service.record(toMicros(slot.endedAt - slot.sentAt));
      this.interval.latency.record(latencyUs);
    }
    if (slot.headersAt > 0) stats.ttfb.record(toMicros(slot.headersAt - slot.sentAt));
    this.interval.completed++;
    stats.bytesReceived += slot.bytesReceived;
    const prepared = slot.prepared;
    if (prepared !== null) stats.bytesSent += prepared.bytesSent + slot.redirectBytesSent;
    stats.redirects += slot.redirects;

    const kind = this.sampleKinds[slot.id];
    if (kind !== null) {
      this.takeSample(slot, state, kind, errorIndex);
    } else if (errorIndex >= 0 && errorIndex !== UNEXPECTED_STATUS && state.sampler.firstError(ERROR_TYPES[errorIndex], errorIndex)) {
      this.takeSample(slot, state, 'error', errorIndex);
    }
    if (errorIndex >= 0 && stats.errorCounts[errorIndex] === 1 && (err !== null || outcome.error !== null)) {
      const what = err !== null ? describeError(err) : (outcome.error ?? '');
      this.log('warn', `${state.plan.name}: first ${ERROR_TYPES[errorIndex]} error: ${redact(what, this.iterationSecrets(slot))}`);
    }
  }

  /** The plan's secrets, plus the secret values captured in the slot's iteration. */
  private iterationSecrets(slot: RequestSlot): readonly string[] {
    const iteration = this.flow === null ? null : this.iterations[slot.id];
    if (iteration === null || iteration.secrets.length === 0) return this.plan.secrets;
    return [...this.plan.secrets, ...iteration.secrets].sort((a, b) => b.length - a.length);
  }

  private takeSample(slot: RequestSlot, state: EndpointState, kind: SampleKind | 'error', errorIndex: number): void {
    if (slot.prepared === null) return;
    const secrets = this.iterationSecrets(slot);
    const outcome = this.outcomes[slot.id];
    const kept = cutBody(slot.captured, this.sampleBodyBytes, slot.truncated);
    const sample = buildSample({
      endpoint: state.plan.name,
      prepared: slot.prepared,
      status: slot.status > 0 ? slot.status : null,
      responseHeaders: slot.responseHeaders,
      body: kept.body,
      bodyTruncated: kept.truncated,
      latencyMs: slot.endedAt - slot.dueAt,
      error:
        slot.error !== null
          ? describeError(slot.error)
          : outcome.error !== null
            ? outcome.error
            : errorIndex === UNEXPECTED_STATUS
              ? `unexpected status ${slot.status}`
              : null,
      errorType: errorIndex >= 0 ? ERROR_TYPES[errorIndex] : null,
      secrets,
      sampleBodyBytes: this.sampleBodyBytes,
    });
    const evaluated = outcome.evaluated;
    if (evaluated !== null && evaluated.failedChecks.length > 0) sample.failed_checks = evaluated.failedChecks.map((c) => redact(c, secrets));
    const iteration = this.flow === null ? null : this.iterations[slot.id];
    if (iteration !== null) {
      sample.iteration = iteration.index;
      sample.step_index = iteration.step;
      const captured: Record<string, string> = {};
      for (const [name, value] of evaluated?.captured ?? []) captured[name] = this.flow?.secretCaptures.has(name) === true ? '***' : redact(value, secrets);
      sample.captured = captured;
    }
    state.sampler.add(sample, kind);
    this.options.onSample?.(sample);
  }

  /**
   * Ends requests that outlive timeout_seconds (undici's timeouts are per phase), those still
   * waiting for a connection included.
   */
  private sweep(): void {
    const now = performance.now();
    const limit = this.plan.timeoutMs;
    for (const slot of this.slots) {
      if (slot.busy && now - slot.sentAt > limit) slot.abort(slot.connected ? new DeadlineError(limit) : new ConnectDeadlineError(limit));
    }
  }

  // ---- time ----

  private scheduleSecond(): void {
    const nextAt = this.t0 + (this.secondsReported + 1) * 1000;
    this.later(Math.max(0, nextAt - performance.now()), () => {
      this.secondsReported++;
      this.closeInterval(this.secondsReported, 1);
      this.report();
      if (!this.finished) this.scheduleSecond();
    });
  }

  private closeInterval(t: number, seconds: number): void {
    if (this.options.onPart !== undefined) this.rawIntervals.push(intervalToPart(t, seconds, this.interval, this.inFlight));
    this.timeline.push(this.point(t, seconds, this.interval));
    if (this.flow !== null) this.flow.finishedInInterval = 0;
    const closed = this.interval;
    this.interval = this.previous;
    this.interval.reset();
    this.previous = closed;
  }

  private point(t: number, seconds: number, interval: Interval): TimelinePoint {
    const h = interval.latency.histogram();
    const ms = (us: number): number => Math.round(us) / 1000;
    const point: TimelinePoint = {
      t,
      rps: Math.round((interval.completed / seconds) * 10) / 10,
      p50: h.totalCount > 0 ? ms(h.getValueAtPercentile(50)) : 0,
      p95: h.totalCount > 0 ? ms(h.getValueAtPercentile(95)) : 0,
      p99: h.totalCount > 0 ? ms(h.getValueAtPercentile(99)) : 0,
      errors: interval.errors,
      in_flight: this.inFlight,
    };
    if (this.plan.model === 'open') point.dropped = interval.dropped;
    if (this.flow !== null) point.iterations = this.flow.finishedInInterval;
    return point;
  }

  /**
   * The last, partial second. Shorter than MIN_TAIL_SECONDS it is merged into the point before
   * (over 1 + tail seconds), so that a few requests finishing just after the end do not show as
   * a misleading rate.
   */
  private closeTail(): void {
    const tail = this.elapsedSeconds(this.endedAt) - this.secondsReported;
    const interval = this.interval;
    if (!(tail > 0.001) || (interval.completed === 0 && interval.dropped === 0 && interval.errors === 0)) return;
    if (tail >= MIN_TAIL_SECONDS || this.timeline.length === 0) {
      this.closeInterval(this.secondsReported + 1, tail);
      return;
    }
    if (this.options.onPart !== undefined) this.rawIntervals.push(intervalToPart(this.secondsReported + 1, tail, interval, this.inFlight));
    const last = this.timeline.length - 1;
    this.previous.add(interval);
    interval.reset();
    this.timeline[last] = this.point(this.timeline[last].t, 1 + tail, this.previous);
  }

  private elapsedSeconds(at: number = performance.now()): number {
    return this.t0 === 0 ? 0 : (at - this.t0) / 1000;
  }

  private snapshot(durationSeconds: number): { overall: Metrics; overallLatency: Histogram; endpoints: EndpointMetrics[] } {
    const endpoints = this.endpoints.map((state) => ({
      name: state.plan.name,
      method: state.plan.method,
      url: redact(state.plan.displayUrl, this.plan.secrets),
      ...state.stats.toMetrics(durationSeconds),
    }));
    if (this.endpoints.length === 1) {
      // One endpoint is the whole run: no need to add histograms up again.
      const { name: _name, method: _method, url: _url, ...overall } = endpoints[0];
      return { overall, overallLatency: this.endpoints[0].stats.latency.histogram(), endpoints };
    }
    const total = sumStats(this.endpoints.map((s) => s.stats));
    return { overall: total.toMetrics(durationSeconds), overallLatency: total.latency.histogram(), endpoints };
  }

  private report(): void {
    if (this.options.onPart !== undefined && this.options.partsEverySecond !== false) this.options.onPart(this.part(this.elapsedSeconds(), false), false);
    if (this.options.onProgress === undefined) return;
    const elapsed = this.elapsedSeconds();
    const { overall: summary, endpoints } = this.snapshot(elapsed);
    const checks = checkResults(this.evaluations);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, summary, endpoints, this.baseline, this.facts(checks));
    let progress: number | null = null;
    const iterations = this.plan.flow?.iterations ?? null;
    if (this.flow !== null && iterations !== null && iterations > 0) progress = Math.min(1, this.flow.arrivals / iterations);
    else if (this.plan.totalRequests !== null && this.plan.totalRequests > 0) progress = Math.min(1, this.issued / this.plan.totalRequests);
    else if (this.plan.durationSeconds !== null && this.plan.durationSeconds > 0) progress = Math.min(1, elapsed / this.plan.durationSeconds);
    const point = this.timeline[this.timeline.length - 1];
    this.options.onProgress({
      runId: this.id,
      name: this.plan.name,
      elapsed_seconds: Math.round(elapsed * 1000) / 1000,
      progress,
      model: this.plan.model,
      target_rps: this.plan.requestsPerSecond,
      point,
      summary,
      endpoints,
      thresholds: verdict.thresholds,
      ...this.flowFigures(checks, elapsed),
    });
  }

  private facts(checks: CheckResult[]): FlowFacts {
    return { checks, iterationDuration: this.flow !== null && this.flow.completed + this.flow.failed > 0 ? this.flow.durationSummary() : null };
  }

  /** The result and progress additions of checks and flows. */
  private flowFigures(checks: CheckResult[], seconds: number): Pick<RunResult, 'checks' | 'iterations' | 'iteration_duration_ms' | 'skipped_steps'> {
    const out: Pick<RunResult, 'checks' | 'iterations' | 'iteration_duration_ms' | 'skipped_steps'> = {};
    if (checks.length > 0) out.checks = checks;
    if (this.flow !== null) {
      out.iterations = this.flow.counts(seconds);
      out.iteration_duration_ms = this.flow.durationSummary();
      out.skipped_steps = this.flow.skipped;
    }
    return out;
  }

  // ---- stopping ----

  private stopScheduling(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.clearArrival();
    if (this.inFlight === 0) this.finish();
  }

  private clearArrival(): void {
    if (this.arrivalTimeout !== null) clearTimeout(this.arrivalTimeout);
    if (this.arrivalImmediate !== null) clearImmediate(this.arrivalImmediate);
    this.arrivalTimeout = null;
    this.arrivalImmediate = null;
  }

  private cancel(): void {
    if (this.finished || this.status === 'cancelled') return;
    this.status = 'cancelled';
    this.log('info', 'run cancelled: waiting briefly for requests in flight');
    this.stopScheduling();
    if (this.finished) return;
    this.later(this.options.drainMs ?? 2000, () => {
      for (const slot of this.slots) {
        if (slot.busy) {
          slot.discarded = true;
          slot.abort(new Error('run cancelled'));
        }
      }
      // Anything that still has not called back is given up on.
      this.later(1000, () => this.finish());
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopping = true;
    this.clearArrival();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.endedAt = performance.now();
    if (this.t0 > 0) this.closeTail();
    this.resolveDone?.();
  }

  private endedAt = 0;

  private result(): RunResult {
    const duration = this.t0 > 0 ? Math.max(0, (this.endedAt - this.t0) / 1000) : 0;
    const { overall: metrics, overallLatency, endpoints } = this.snapshot(duration);
    const checks = checkResults(this.evaluations);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, metrics, endpoints, this.baseline, this.facts(checks));
    const reasons = [...verdict.failure_reasons];
    if (this.status === 'cancelled') reasons.unshift('run cancelled');
    if (this.status === 'failed') reasons.unshift(`run failed: ${this.failure ?? 'unknown error'}`);
    const samples = this.endpoints.flatMap((state) => state.sampler.all());
    const result: RunResult = {
      id: this.id,
      name: this.plan.name,
      file: this.plan.file,
      status: this.status,
      passed: this.status === 'completed' && verdict.passed,
      failure_reasons: reasons,
      started_at: this.startedAt.toISOString(),
      completed_at: new Date().toISOString(),
      model: this.plan.model,
      target_rps: this.plan.requestsPerSecond,
      spec: this.plan.redactedSpec,
      metrics,
      endpoint_metrics: endpoints,
      thresholds: verdict.thresholds,
      timeline: this.timeline,
      sampled_requests: samples,
      histogram: encodeHistogram(overallLatency),
      schema_version: RESULT_SCHEMA_VERSION,
      baseline_run: this.options.baseline?.id ?? null,
      ...this.flowFigures(checks, duration),
    };
    // Per endpoint too, so that a comparison can show each endpoint's whole distribution.
    this.endpoints.forEach((state, i) => {
      endpoints[i].histogram = encodeHistogram(state.stats.latency.histogram());
    });
    if (this.options.baseline) result.baseline_source = this.options.baselineSource ?? null;
    if (this.options.baselineError !== undefined) result.baseline_error = this.options.baselineError;
    if (this.plan.insecureTls) result.insecure_tls = true;
    if (this.status === 'failed' && this.failure !== null) result.error = this.failure;
    this.log('info', `run ${this.status}: ${metrics.total_requests} requests in ${metrics.duration_seconds} s`);
    return result;
  }
}
