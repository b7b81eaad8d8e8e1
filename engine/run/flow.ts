// Flows (SPEC.md "Flows, captures, checks, data"): the iterations of virtual users. A run slot
// carries one iteration at a time through the steps in order; this module keeps what belongs to
// iterations (captured values, the data row, the counts, the iteration-duration histogram) and
// what belongs to every endpoint (its checks and captures), so run.ts only asks and tells.
import { MIN_SECRET_LENGTH } from '../format';
import type { PlanEndpoint, PlanFlow, PlanStep } from '../format/plan';
import type { FlowPart } from '../format/parts';
import type { CheckResult, IterationCounts, LatencySummary } from '../format/result';
import { Answer, needsBody, needsHeaders, RunnableCapture, RunnableCheck } from './checks';
import { emptySummary, encodeHistogram, Recorder, summarize, toMicros } from './metrics';

/** The first iterations are sampled whole, step by step. */
export const SAMPLED_ITERATIONS = 3;

/** A result's iteration counts (one runner's, or several added), with iterations finished per second over the run. */
export function iterationCounts(n: Pick<FlowPart, 'started' | 'completed' | 'failed' | 'dropped'>, durationSeconds: number): IterationCounts {
  const finished = n.completed + n.failed;
  return {
    started: n.started,
    completed: n.completed,
    failed: n.failed,
    dropped: n.dropped,
    per_second: durationSeconds > 0 ? Math.round((finished / durationSeconds) * 10) / 10 : 0,
  };
}

/** What a run does with each answer of an endpoint (or step). */
export class EndpointEvaluation {
  readonly checks: RunnableCheck[];
  readonly captures: RunnableCapture[];
  readonly needsBody: boolean;
  readonly needsHeaders: boolean;
  readonly thinkTimeMs: number;

  constructor(endpoint: PlanEndpoint | PlanStep) {
    const captures = 'captures' in endpoint ? endpoint.captures : [];
    this.checks = endpoint.checks.map((c) => new RunnableCheck(endpoint.name, c));
    this.captures = captures.map((c) => new RunnableCapture(c));
    this.needsBody = needsBody(endpoint.checks, captures);
    this.needsHeaders = needsHeaders(endpoint.checks, captures);
    this.thinkTimeMs = 'thinkTimeMs' in endpoint ? endpoint.thinkTimeMs : 0;
  }

  get evaluates(): boolean {
    return this.checks.length > 0 || this.captures.length > 0;
  }
}

export interface Evaluated {
  /** `EXPRESSION: why` for each failed check. */
  failedChecks: string[];
  /** Why a capture found nothing, if one did. */
  captureError: string | null;
  /** What this answer captured (real values; redact before showing). */
  captured: Array<[string, string]>;
}

export function emptyEvaluated(): Evaluated {
  return { failedChecks: [], captureError: null, captured: [] };
}

/**
 * Runs the checks and, in a flow, the captures, into `out` (reused per connection slot: its
 * lists are emptied first). Captures run even on an answer that failed (its iteration ends all
 * the same), so that a secret it carries is known and redacted in its sample.
 */
export function evaluateAnswer(
  evaluation: EndpointEvaluation,
  answer: Answer,
  requestOk: boolean,
  iteration: Iteration | null,
  secretCaptures: ReadonlySet<string>,
  out: Evaluated,
): Evaluated {
  // A new list only where the last answer left one filled: most answers fill neither, and
  // truncating an array (setting its length) costs more than making a small one.
  if (out.failedChecks.length !== 0) out.failedChecks = [];
  if (out.captured.length !== 0) out.captured = [];
  const failedChecks = out.failedChecks;
  const captured = out.captured;
  out.captureError = null;
  for (const check of evaluation.checks) {
    const why = check.run(answer);
    if (why !== null) failedChecks.push(`${check.check.expression}: ${why}`);
  }
  if (iteration !== null) {
    const counts = requestOk && failedChecks.length === 0;
    for (const capture of evaluation.captures) {
      const r = capture.run(answer);
      if (!r.ok) {
        if (counts && out.captureError === null) out.captureError = r.message;
        continue;
      }
      const name = capture.capture.name;
      iteration.captures.set(name, r.value);
      captured.push([name, r.value]);
      if (secretCaptures.has(name) && r.value.length >= MIN_SECRET_LENGTH) iteration.secrets.push(r.value);
    }
  }
  return out;
}

export function newIteration(): Iteration {
  return { index: 0, step: 0, dueAt: 0, captures: new Map(), data: undefined, secrets: [], sampled: false };
}

export interface Iteration {
  index: number;
  /** The step being run (0-based). */
  step: number;
  /** performance.now() ms: when the iteration was due (its first step's latency starts here). */
  dueAt: number;
  captures: Map<string, string>;
  data: ReadonlyMap<string, string> | undefined;
  /** Captured values that are secrets: redacted in this iteration's samples. */
  secrets: string[];
  sampled: boolean;
}

export class FlowState {
  /** Arrivals so far: started, plus dropped (open model). */
  arrivals = 0;
  started = 0;
  completed = 0;
  failed = 0;
  dropped = 0;
  skipped = 0;
  /** Iterations under way. */
  active = 0;
  /** Iterations finished since the last timeline point. */
  finishedInInterval = 0;
  readonly secretCaptures: ReadonlySet<string>;
  private readonly duration = new Recorder();
  private readonly rows: Array<ReadonlyMap<string, string>>;

  /**
   * `arrivals`: this runner's share of a flow split across threads or shards (workers.ts
   * arrivalsOf): its iteration i is iteration offset + i·stride of the whole run, which picks its
   * sequential data row and, in the open model, its due time.
   */
  constructor(
    readonly plan: PlanFlow,
    private readonly random: () => number = Math.random,
    private readonly share: { offset: number; stride: number } = { offset: 0, stride: 1 },
  ) {
    this.secretCaptures = new Set(plan.secretCaptures);
    const data = plan.data;
    this.rows = data === null ? [] : data.rows.map((row) => new Map(data.columns.map((c, i) => [c, row[i] ?? ''])));
  }

  /** Whether another iteration may start (the iteration count is not reached). */
  canStart(): boolean {
    return this.plan.iterations === null || this.arrivals < this.plan.iterations;
  }

  /**
   * Starts an iteration due at `dueAt` in `into`, the iteration object of the virtual user that
   * runs it: each virtual user reuses its own, since it runs one iteration at a time.
   */
  start(dueAt: number, into: Iteration): Iteration {
    const index = this.globalIndex(this.started++);
    this.arrivals++;
    this.active++;
    let data: ReadonlyMap<string, string> | undefined;
    if (this.rows.length > 0) {
      const order = this.plan.data?.order ?? 'sequential';
      data = this.rows[order === 'random' ? Math.floor(this.random() * this.rows.length) : index % this.rows.length];
    }
    into.index = index;
    into.step = 0;
    into.dueAt = dueAt;
    // A new map rather than clear(): clearing a Map showed in the profile at about a microsecond
    // per iteration, making one costs a few tens of nanoseconds.
    if (into.captures.size !== 0) into.captures = new Map();
    into.data = data;
    if (into.secrets.length !== 0) into.secrets = [];
    into.sampled = index < SAMPLED_ITERATIONS;
    return into;
  }

  /** The whole run's index of this runner's iteration (or arrival) `local`. */
  globalIndex(local: number): number {
    return this.share.offset + local * this.share.stride;
  }

  drop(): void {
    this.arrivals++;
    this.dropped++;
  }

  /** Ends an iteration at `at`; a failed one skips the steps after `iteration.step`. */
  end(iteration: Iteration, at: number, failed: boolean): void {
    this.active--;
    this.finishedInInterval++;
    if (failed) {
      this.failed++;
      this.skipped += this.plan.steps.length - iteration.step - 1;
    } else {
      this.completed++;
    }
    this.duration.record(toMicros(at - iteration.dueAt));
  }

  counts(durationSeconds: number): IterationCounts {
    return iterationCounts({ started: this.started, completed: this.completed, failed: this.failed, dropped: this.dropped }, durationSeconds);
  }

  /** The raw numbers of a part (format/parts.ts), for an exact merge of several runners. */
  part(): FlowPart {
    return {
      started: this.started,
      completed: this.completed,
      failed: this.failed,
      dropped: this.dropped,
      skippedSteps: this.skipped,
      duration: encodeHistogram(this.duration.histogram()),
    };
  }

  durationSummary(): LatencySummary {
    const h = this.duration.histogram();
    return h.totalCount > 0 ? summarize(h) : emptySummary();
  }
}

export function checkResults(evaluations: readonly EndpointEvaluation[]): CheckResult[] {
  return evaluations.flatMap((e) => e.checks.map((c) => ({ step: c.step, expression: c.check.expression, passes: c.passes, fails: c.fails })));
}
