// One run of a plan: drives the slots (closed loops or the open-model arrival clock), reports a
// timeline point and progress each second, stops, and ends with the result. A flow's iterations
// are scheduled by flowRun.ts, each answer is recorded by completions.ts, the seconds are kept by
// timeline.ts. Knows nothing of processes or IPC: callers pass callbacks and an AbortSignal.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { redact } from '../format';
import type { RunPlan } from '../format/plan';
import type { ProgressUpdate, RunResult, RunStatus, SampledRequest } from '../format/result';
import { RESULT_SCHEMA_VERSION } from '../format/result';
import { warmCode } from './codeWarmUp';
import { ConnectDeadlineError, DeadlineError, describeError, ERROR_INDEX } from './errors';
import { isStaticEndpoint, prepareRequest, RequestSlot, type ConnectionSettings, type PreparedRequest, type SlotOwner } from './http';
import { encodeHistogram } from './metrics';
import { statsToPart, type RunPart } from './parts';
import { createPicker, dueOffsetMs, loopStartMs, type Picker } from './scheduler';
import { baselineMetricsOf, evaluate, type BaselineMetrics } from './verdict';
import { checkResults, EndpointEvaluation } from './flow';
import { Completions } from './completions';
import { endpointState, snapshot, type EndpointState } from './endpointState';
import { FlowRun, flowFacts, flowFigures, type FlowHost } from './flowRun';
import { Timeline } from './timeline';
import { warmConnections } from './connectionWarmUp';

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

class Run implements SlotOwner, FlowHost {
  private readonly id: string;
  private readonly sampleBodyBytes: number;
  readonly endpoints: EndpointState[];
  /** Checks and captures of each endpoint (or step). */
  readonly evaluations: EndpointEvaluation[];
  /** Flows: the iterations and their scheduling; null for a test of independent requests. */
  private readonly flow: FlowRun | null;
  private readonly completions: Completions;
  private readonly slots: RequestSlot[] = [];
  private readonly free: RequestSlot[] = [];
  private readonly timeline: Timeline;
  private readonly picker: Picker;
  private readonly rampMs: number;
  private readonly rate: number;
  private readonly offset: number;
  private readonly stride: number;

  t0 = 0;
  private startedAt = new Date();
  endAt: number | null = null;
  private issued = 0;
  inFlight = 0;
  stopping = false;
  private finished = false;
  sending = false;
  private status: RunStatus = 'completed';
  private failure: string | null = null;

  private arrivalTimeout: NodeJS.Timeout | null = null;
  private arrivalImmediate: NodeJS.Immediate | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | null = null;
  private resolveDone: (() => void) | null = null;
  private readonly tickBound = (): void => this.arrive();
  private readonly onAbort = (): void => this.cancel();
  private readonly baseline: BaselineMetrics | null;

  constructor(
    readonly plan: RunPlan,
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
    this.endpoints = plan.endpoints.map((endpoint) => endpointState(endpoint, plan.model === 'closed'));
    this.timeline = new Timeline(plan.model === 'open', options.onPart !== undefined);
    this.flow = plan.flow === null ? null : new FlowRun(this, plan.flow, plan.concurrency, { offset: this.offset, stride: this.stride });
    this.completions = new Completions(
      {
        plan,
        endpoints: this.endpoints,
        evaluations: this.evaluations,
        timeline: this.timeline,
        flow: this.flow,
        sampleBodyBytes: this.sampleBodyBytes,
        log: (level, message) => this.log(level, message),
        onSample: options.onSample,
      },
      plan.concurrency,
    );
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
    const intervals = this.timeline.takeRaw();
    const part: RunPart = {
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
    const checks = checkResults(this.evaluations);
    if (checks.length > 0) part.checks = checks;
    if (this.flow !== null) part.flow = this.flow.state.part();
    return part;
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

  /** Opens the connections before the measured window (connectionWarmUp.ts), waiting at most the request timeout and no more than 10 s. */
  private async warmUp(done: Promise<void>): Promise<void> {
    const warm = await warmConnections(this.slots, this.endpoints, Math.min(this.plan.timeoutMs, WARM_UP_MAX_MS), done);
    if (warm !== null) this.log('debug', `warm-up: ${warm.open} of ${warm.total} connections open in ${warm.ms} ms`);
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

  later(ms: number, fn: () => void): void {
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
        this.unbuildable(state, err);
        if (this.plan.model === 'open') this.free.push(slot);
        else setImmediate(slot.resume);
        return;
      }
    }
    this.dispatch(slot, prepared, endpointIndex, index, due, now);
  }

  issue(): number {
    return this.issued++;
  }

  dispatch(slot: RequestSlot, prepared: PreparedRequest, endpointIndex: number, index: number, due: number, now: number): void {
    this.inFlight++;
    this.sending = true;
    slot.send(prepared, endpointIndex, index, due, now);
    this.sending = false;
  }

  /** A template that renders an unusable request: counted, never sent. */
  unbuildable(state: EndpointState, err: unknown): void {
    state.stats.failed++;
    state.stats.errorCounts[ERROR_INDEX.other]++;
    this.timeline.interval.errors++;
    if (state.sampler.firstError('other', ERROR_INDEX.other)) this.log('warn', `${state.plan.name}: cannot build the request: ${describeError(err)}`);
  }

  dropped(state: EndpointState): void {
    state.stats.dropped++;
    this.timeline.interval.dropped++;
  }

  release(slot: RequestSlot): void {
    this.free.push(slot);
  }

  takeFree(): RequestSlot | undefined {
    return this.free.pop();
  }

  /** Closed model: the slot's next request, if the run goes on. */
  private next(slot: RequestSlot, at = 0): void {
    if (this.stopping) return;
    if (this.flow !== null) {
      this.flow.next(slot);
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

  /** Open model: sends every request now due, counts as dropped those that find no free slot. */
  private arrive(): void {
    this.arrivalTimeout = null;
    this.arrivalImmediate = null;
    if (this.stopping) return;
    if (this.flow !== null) {
      this.flow.arrive();
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
        this.wakeFor(due, now);
        return;
      }
      const slot = this.free.pop();
      if (slot === undefined) {
        const index = this.issued++ * this.stride + this.offset;
        this.dropped(this.endpoints[this.picker.pick(index, due - this.t0)]);
        continue;
      }
      // Service time starts at the actual send, which in a batch of due requests is a little later.
      this.send(slot, due, performance.now());
    }
  }

  /**
   * Open model: arrivals are looked at again in time for the one due at `due`. Timers count whole
   * milliseconds and fire a little late: sleep on one until at most SPIN_MS before the due time,
   * then take the next turns of the event loop so that the request leaves on time without
   * spinning through the whole wait.
   */
  wakeFor(due: number, now: number): void {
    const sleep = Math.floor(due - now - SPIN_MS - TIMER_LATE_MS);
    if (sleep >= 1) this.arrivalTimeout = setTimeout(this.tickBound, sleep);
    else this.arrivalImmediate = setImmediate(this.tickBound);
  }

  /** The time between the arrival due at `due` and the one before it (the first: the one after it). */
  private arrivalGapMs(due: number): number {
    const i = this.issued;
    const other = this.t0 + dueOffsetMs(i === 0 ? 1 : i - 1, this.rate, this.rampMs);
    return Math.abs(due - other);
  }

  // ---- completions ----

  wantsBody(slot: RequestSlot): boolean {
    return this.completions.wantsBody(slot);
  }

  onSlotDone(slot: RequestSlot): void {
    this.inFlight--;
    this.completions.done(slot);
    if (this.stopping) {
      if (this.inFlight === 0) this.finish();
      return;
    }
    if (this.flow !== null) {
      this.flow.afterStep(slot, this.completions.failed(slot));
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
    const nextAt = this.t0 + (this.timeline.seconds + 1) * 1000;
    this.later(Math.max(0, nextAt - performance.now()), () => {
      this.timeline.closeSecond(this.inFlight, this.flow === null ? null : this.flow.takeFinished());
      this.report();
      if (!this.finished) this.scheduleSecond();
    });
  }

  private elapsedSeconds(at: number = performance.now()): number {
    return this.t0 === 0 ? 0 : (at - this.t0) / 1000;
  }

  private report(): void {
    if (this.options.onPart !== undefined && this.options.partsEverySecond !== false) this.options.onPart(this.part(this.elapsedSeconds(), false), false);
    if (this.options.onProgress === undefined) return;
    const elapsed = this.elapsedSeconds();
    const { overall: summary, endpoints } = snapshot(this.endpoints, this.plan.secrets, elapsed);
    const checks = checkResults(this.evaluations);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, summary, endpoints, this.baseline, flowFacts(this.flow, checks));
    // A flow bounded by its iteration count, else requests, else time.
    let progress: number | null = this.flow === null ? null : this.flow.progress();
    if (progress === null && this.plan.totalRequests !== null && this.plan.totalRequests > 0) progress = Math.min(1, this.issued / this.plan.totalRequests);
    else if (progress === null && this.plan.durationSeconds !== null && this.plan.durationSeconds > 0) progress = Math.min(1, elapsed / this.plan.durationSeconds);
    const point = this.timeline.points[this.timeline.points.length - 1];
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
      ...flowFigures(this.flow, checks, elapsed),
    });
  }

  // ---- stopping ----

  stopScheduling(): void {
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

  finish(): void {
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
    if (this.t0 > 0) this.timeline.closeTail(this.elapsedSeconds(this.endedAt) - this.timeline.seconds, this.inFlight, this.flow === null ? null : this.flow.takeFinished());
    this.resolveDone?.();
  }

  private endedAt = 0;

  private result(): RunResult {
    const duration = this.t0 > 0 ? Math.max(0, (this.endedAt - this.t0) / 1000) : 0;
    const { overall: metrics, overallLatency, endpoints } = snapshot(this.endpoints, this.plan.secrets, duration);
    const checks = checkResults(this.evaluations);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, metrics, endpoints, this.baseline, flowFacts(this.flow, checks));
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
      timeline: this.timeline.points,
      sampled_requests: samples,
      histogram: encodeHistogram(overallLatency),
      schema_version: RESULT_SCHEMA_VERSION,
      baseline_run: this.options.baseline?.id ?? null,
      ...flowFigures(this.flow, checks, duration),
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
