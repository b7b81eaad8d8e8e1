// Flow scheduling (SPEC.md "Flows, captures, checks, data"): each connection slot of a run is a
// virtual user that carries one iteration at a time through the steps in order. This module
// decides what a slot does after each answer (the iteration's next step, a pause, a new
// iteration, or nothing) in the closed model, and starts iterations at their due times in the
// open model. The run (run.ts) owns the slots, the clock and the recording of answers; flow.ts
// holds the iterations' counts and what each step evaluates.
import { performance } from 'node:perf_hooks';
import type { PlanFlow, RunPlan } from '../format/plan';
import type { CheckResult, RunResult, SampledRequest } from '../format/result';
import { redact } from '../format';
import type { EndpointState } from './endpointState';
import { FlowState, newIteration, type EndpointEvaluation, type Evaluated, type Iteration } from './flow';
import { prepareRequest, type PreparedRequest, type RequestSlot } from './http';
import { dueOffsetMs } from './scheduler';
import type { FlowFacts } from './verdict';

/** What the flow asks of the run it schedules for. */
export interface FlowHost {
  readonly plan: RunPlan;
  readonly endpoints: readonly EndpointState[];
  readonly evaluations: readonly EndpointEvaluation[];
  /** performance.now() ms at the start of the measured window. */
  readonly t0: number;
  /** When scheduling ends (duration_seconds), or null. */
  readonly endAt: number | null;
  readonly stopping: boolean;
  readonly inFlight: number;
  /** True while a request is handed to its connection: a completion then goes on on a fresh stack. */
  readonly sending: boolean;
  /** The next request index. */
  issue(): number;
  /** Sends `prepared` on `slot` as request `index` of step `endpointIndex`. */
  dispatch(slot: RequestSlot, prepared: PreparedRequest, endpointIndex: number, index: number, due: number, now: number): void;
  /** Counts a request whose templates render into no usable request. */
  unbuildable(state: EndpointState, err: unknown): void;
  /** Open model: counts an arrival that found no free slot. */
  dropped(state: EndpointState): void;
  stopScheduling(): void;
  finish(): void;
  later(ms: number, fn: () => void): void;
  /** Open model: `slot` waits for the next arrival. */
  release(slot: RequestSlot): void;
  /** Open model: a slot for an arrival, if one is free. */
  takeFree(): RequestSlot | undefined;
  /** Open model: arrivals are looked at again in time for the one due at `due`. */
  wakeFor(due: number, now: number): void;
}

export class FlowRun {
  readonly state: FlowState;
  /** Per slot (virtual user): its iteration object, reused from one iteration to the next. */
  private readonly iterations: Iteration[];
  /** Per slot: 1 while its iteration runs. */
  private readonly running: Uint8Array;
  private readonly rate: number;
  private readonly rampMs: number;

  constructor(
    private readonly host: FlowHost,
    flow: PlanFlow,
    slots: number,
    share?: { offset: number; stride: number },
  ) {
    this.state = new FlowState(flow, Math.random, share);
    const n = Math.max(1, slots);
    this.iterations = Array.from({ length: n }, newIteration);
    this.running = new Uint8Array(n);
    this.rate = flow.iterationsPerSecond ?? 0;
    this.rampMs = Math.max(0, host.plan.rampUpSeconds * 1000);
  }

  /** The iteration `slot` is running, or null. */
  iterationOf(slot: RequestSlot): Iteration | null {
    return this.running[slot.id] === 1 ? this.iterations[slot.id] : null;
  }

  /** Closed model: the virtual user on `slot` runs its iteration's current step, or starts one. */
  next(slot: RequestSlot): void {
    const host = this.host;
    const flow = this.state;
    const now = performance.now();
    if (this.running[slot.id] === 0) {
      if (!flow.canStart() || (host.endAt !== null && now >= host.endAt)) {
        if (flow.active === 0 || host.endAt !== null) host.stopScheduling();
        return;
      }
      this.begin(slot, now);
    }
    const iteration = this.iterations[slot.id];
    this.sendStep(slot, iteration, iteration.step === 0 ? iteration.dueAt : now, now);
  }

  /** Open model: starts every iteration now due; those that find no free virtual user are dropped. */
  arrive(): void {
    const host = this.host;
    const flow = this.state;
    const now = performance.now();
    for (;;) {
      if (!flow.canStart()) {
        if (flow.active === 0) host.stopScheduling();
        return;
      }
      // Arrival i of the whole run is due at its own time, whichever runner takes it.
      const due = host.t0 + dueOffsetMs(flow.globalIndex(flow.arrivals), this.rate, this.rampMs);
      if (host.endAt !== null && due >= host.endAt) {
        host.stopScheduling();
        return;
      }
      if (due > now) {
        host.wakeFor(due, now);
        return;
      }
      const slot = host.takeFree();
      if (slot === undefined) {
        flow.drop();
        host.dropped(host.endpoints[0]);
        continue;
      }
      const iteration = this.begin(slot, due);
      this.sendStep(slot, iteration, due, performance.now());
    }
  }

  /** After a step's answer (`failed`: the request, a check or a capture failed): the next step, after its think time, or the iteration's end. */
  afterStep(slot: RequestSlot, failed: boolean): void {
    if (this.running[slot.id] === 0) return;
    const iteration = this.iterations[slot.id];
    const think = this.host.evaluations[iteration.step].thinkTimeMs;
    const last = iteration.step + 1 >= this.state.plan.steps.length;
    // As for plain requests: after a failure undici may still be unwinding, so go on on a fresh stack.
    const defer = this.host.sending || slot.error !== null;
    if (failed) {
      this.endIteration(slot, iteration, performance.now(), true, defer);
    } else if (!last) {
      iteration.step++;
      if (think > 0) this.host.later(think, slot.resume);
      else if (defer) setImmediate(slot.resume);
      else this.next(slot);
    } else if (think > 0) {
      this.host.later(think, () => this.endIteration(slot, iteration, performance.now(), false, false));
    } else {
      this.endIteration(slot, iteration, performance.now(), false, defer);
    }
  }

  /** The plan's secrets, plus the secret values captured in the slot's iteration. */
  secrets(slot: RequestSlot): readonly string[] {
    const planSecrets = this.host.plan.secrets;
    const iteration = this.iterationOf(slot);
    if (iteration === null || iteration.secrets.length === 0) return planSecrets;
    return [...planSecrets, ...iteration.secrets].sort((a, b) => b.length - a.length);
  }

  /** Adds to a sample of `slot` its iteration, step and what the answer captured (redacted). */
  describe(sample: SampledRequest, slot: RequestSlot, evaluated: Evaluated | null, secrets: readonly string[]): void {
    const iteration = this.iterationOf(slot);
    if (iteration === null) return;
    sample.iteration = iteration.index;
    sample.step_index = iteration.step;
    const captured: Record<string, string> = {};
    for (const [name, value] of evaluated?.captured ?? []) captured[name] = this.state.secretCaptures.has(name) ? '***' : redact(value, secrets);
    sample.captured = captured;
  }

  /** Iterations finished since the last call (a timeline point's `iterations`). */
  takeFinished(): number {
    const n = this.state.finishedInInterval;
    this.state.finishedInInterval = 0;
    return n;
  }

  /** The share of `iterations` started, or null when the run is bounded by time. */
  progress(): number | null {
    const iterations = this.state.plan.iterations;
    return iterations !== null && iterations > 0 ? Math.min(1, this.state.arrivals / iterations) : null;
  }

  figures(seconds: number): Pick<RunResult, 'iterations' | 'iteration_duration_ms' | 'skipped_steps'> {
    return { iterations: this.state.counts(seconds), iteration_duration_ms: this.state.durationSummary(), skipped_steps: this.state.skipped };
  }

  private begin(slot: RequestSlot, dueAt: number): Iteration {
    this.running[slot.id] = 1;
    return this.state.start(dueAt, this.iterations[slot.id]);
  }

  private sendStep(slot: RequestSlot, iteration: Iteration, due: number, now: number): void {
    const host = this.host;
    const index = host.issue();
    const state = host.endpoints[iteration.step];
    let prepared = state.prepared;
    if (prepared === null) {
      try {
        prepared = prepareRequest(state.plan, { requestIndex: index, captures: iteration.captures, data: iteration.data }, host.plan.timeoutMs);
      } catch (err) {
        host.unbuildable(state, err);
        this.endIteration(slot, iteration, performance.now(), true, true);
        return;
      }
    }
    host.dispatch(slot, prepared, iteration.step, index, due, now);
  }

  /** Ends the slot's iteration; the slot then starts the next one (closed model) or waits for an arrival (open). */
  private endIteration(slot: RequestSlot, iteration: Iteration, at: number, failed: boolean, defer: boolean): void {
    const host = this.host;
    const flow = this.state;
    flow.end(iteration, at, failed);
    this.running[slot.id] = 0;
    if (host.stopping) {
      if (host.inFlight === 0) host.finish();
      return;
    }
    if (!flow.canStart() && flow.active === 0) {
      host.stopScheduling();
      return;
    }
    if (host.plan.model === 'open') host.release(slot);
    else if (defer) setImmediate(slot.resume);
    else this.next(slot);
  }
}

/** What thresholds on checks and iteration durations are judged on. */
export function flowFacts(flow: FlowRun | null, checks: CheckResult[]): FlowFacts {
  const state = flow?.state ?? null;
  return { checks, iterationDuration: state !== null && state.completed + state.failed > 0 ? state.durationSummary() : null };
}

/** The result and progress additions of checks and flows. */
export function flowFigures(flow: FlowRun | null, checks: CheckResult[], seconds: number): Pick<RunResult, 'checks' | 'iterations' | 'iteration_duration_ms' | 'skipped_steps'> {
  const out: Pick<RunResult, 'checks' | 'iterations' | 'iteration_duration_ms' | 'skipped_steps'> = {};
  if (checks.length > 0) out.checks = checks;
  return flow === null ? out : { ...out, ...flow.figures(seconds) };
}
