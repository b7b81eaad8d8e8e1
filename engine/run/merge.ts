// Parts of one run (worker threads, or shards) → one result, exactly: histograms added, counters
// summed, seconds aligned on the common start, samples within one sampler's limits, thresholds
// judged on the merged numbers.
import type { PlanEndpoint, PlanFlow, RunPlan } from '../format/plan';
import type { CheckResult, EndpointMetrics, Metrics, ProgressUpdate, RunResult, RunStatus, TimelinePoint } from '../format/result';
import { RESULT_SCHEMA_VERSION } from '../format/result';
import { redact } from '../format';
import { iterationCounts } from './flow';
import { decodeHistogram, emptySummary, encodeHistogram, Interval, newHistogram, Stats, summarize, sumStats } from './metrics';
import { addIntervalPart, addStatsPart, type IntervalPart, type RunPart } from './parts';
import { mergeSamples } from './samples';
import { evaluate, type BaselineMetrics, type FlowFacts } from './verdict';

/** A last partial second shorter than this joins the point before it (as in run.ts). */
const MIN_TAIL_SECONDS = 0.25;

/** What merging needs of the plan: a worker's plan, or one rebuilt from shard results. */
export type MergeTarget = Pick<
  RunPlan,
  'name' | 'file' | 'model' | 'requestsPerSecond' | 'totalRequests' | 'durationSeconds' | 'thresholds' | 'secrets' | 'redactedSpec' | 'insecureTls'
> & {
  endpoints: Array<Pick<PlanEndpoint, 'name' | 'displayUrl' | 'thresholds'> & { method: string }>;
  /** A flow (its iteration count), or null for a test of independent requests. */
  flow: Pick<PlanFlow, 'iterations'> | null;
};

/** What checks and iterations add to a result or a progress update. */
type FlowFigures = Pick<RunResult, 'checks' | 'iterations' | 'iteration_duration_ms' | 'skipped_steps'>;

/** The checks of several parts added per step and expression, in the order the parts list them. */
function mergeChecks(parts: readonly RunPart[]): CheckResult[] {
  const byKey = new Map<string, CheckResult>();
  for (const part of parts) {
    for (const c of part.checks ?? []) {
      const key = JSON.stringify([c.step, c.expression]);
      const into = byKey.get(key);
      if (into === undefined) byKey.set(key, { ...c });
      else {
        into.passes += c.passes;
        into.fails += c.fails;
      }
    }
  }
  return [...byKey.values()];
}

/** Iteration counts and the iteration-duration histogram of several parts, added. */
function mergeFlow(parts: readonly RunPart[], durationSeconds: number): Required<Omit<FlowFigures, 'checks'>> & { finished: number } {
  const duration = newHistogram();
  const n = { started: 0, completed: 0, failed: 0, dropped: 0, skipped: 0 };
  for (const part of parts) {
    const f = part.flow;
    if (f === undefined) continue;
    n.started += f.started;
    n.completed += f.completed;
    n.failed += f.failed;
    n.dropped += f.dropped;
    n.skipped += f.skippedSteps;
    duration.add(decodeHistogram(f.duration));
  }
  return {
    iterations: iterationCounts(n, durationSeconds),
    iteration_duration_ms: duration.totalCount > 0 ? summarize(duration) : emptySummary(),
    skipped_steps: n.skipped,
    finished: n.completed + n.failed,
  };
}

export interface MergedNumbers {
  overall: Metrics;
  overallHistogram: string;
  endpoints: EndpointMetrics[];
}

/** One second of the merged timeline. */
interface SecondEntry {
  interval: Interval;
  seconds: number;
  inFlight: number;
  /** Flows: iterations finished in it. */
  iterations: number;
}

/** Collects the parts of several runners as they arrive. */
export class PartMerger {
  /** The latest cumulative part of each runner. */
  private readonly latest: Array<RunPart | null>;
  private readonly seconds = new Map<number, SecondEntry>();
  private readonly reported: number[];
  /** Per runner: its start after the earliest, in seconds (shards that started apart). */
  private readonly shifts: number[];

  constructor(
    private readonly plan: MergeTarget,
    readonly count: number,
    /** What baseline thresholds compare with (null: reported as `no baseline`). */
    private readonly baseline: BaselineMetrics | null = null,
  ) {
    this.shifts = new Array<number>(count).fill(0);
    this.latest = new Array<RunPart | null>(count).fill(null);
    this.reported = new Array<number>(count).fill(0);
  }

  /**
   * Adds a runner's part. `baseT0` (epoch ms) is the earliest start of all runners when known:
   * seconds are then aligned on the wall clock, whole seconds apart.
   */
  add(runner: number, part: RunPart, final: boolean, baseT0?: number): void {
    this.latest[runner] = part;
    if (baseT0 !== undefined && part.t0 > 0) this.shifts[runner] = (part.t0 - baseT0) / 1000;
    // A runner that has ended no longer holds the merged updates back.
    this.reported[runner] = final ? Number.POSITIVE_INFINITY : this.reported[runner] + 1;
    const shift = Math.round(this.shifts[runner]);
    for (const raw of part.intervals) this.addInterval(shift === 0 ? raw : { ...raw, t: raw.t + shift });
  }

  /** Progress reports every runner has sent (a merged update is due when this grows). */
  get reportedByAll(): number {
    return Math.min(...this.reported);
  }

  private addInterval(raw: IntervalPart): void {
    let entry = this.seconds.get(raw.t);
    if (entry === undefined) {
      entry = { interval: new Interval(), seconds: 0, inFlight: 0, iterations: 0 };
      this.seconds.set(raw.t, entry);
    }
    addIntervalPart(entry.interval, raw);
    entry.seconds = Math.max(entry.seconds, raw.seconds);
    entry.inFlight += raw.inFlight;
    entry.iterations += raw.iterations ?? 0;
  }

  /** The latest part of every runner that reported. */
  parts(): RunPart[] {
    return this.latest.filter((p): p is RunPart => p !== null);
  }

  get elapsedSeconds(): number {
    return Math.max(0, ...this.latest.map((p, i) => (p === null ? 0 : p.elapsedSeconds + this.shifts[i])));
  }

  get issued(): number {
    return this.parts().reduce((sum, p) => sum + p.issued, 0);
  }

  private perEndpointStats(): Stats[] {
    const perEndpoint = this.plan.endpoints.map(() => new Stats());
    for (const part of this.parts()) part.endpoints.forEach((raw, i) => perEndpoint[i] !== undefined && addStatsPart(perEndpoint[i], raw));
    return perEndpoint;
  }

  numbers(durationSeconds: number): MergedNumbers {
    const { overall, total, endpoints } = this.summaries(durationSeconds);
    return { overall, overallHistogram: encodeHistogram(total.latency.histogram()), endpoints };
  }

  /** The merged summaries; the overall histogram stays decoded (progress does not send it). */
  private summaries(durationSeconds: number): { overall: Metrics; total: Stats; endpoints: EndpointMetrics[] } {
    const perEndpoint = this.perEndpointStats();
    const endpoints = this.plan.endpoints.map((endpoint, i) => ({
      name: endpoint.name,
      method: endpoint.method,
      url: redact(endpoint.displayUrl, this.plan.secrets),
      ...perEndpoint[i].toMetrics(durationSeconds),
    }));
    const total = sumStats(perEndpoint);
    return { overall: total.toMetrics(durationSeconds), total, endpoints };
  }

  timeline(final: boolean): TimelinePoint[] {
    const ordered = [...this.seconds.entries()].sort((a, b) => a[0] - b[0]);
    if (final && ordered.length > 1) {
      const [, last] = ordered[ordered.length - 1];
      if (last.seconds < MIN_TAIL_SECONDS) {
        ordered.pop();
        const [t, before] = ordered[ordered.length - 1];
        const joined = new Interval();
        joined.add(before.interval);
        joined.add(last.interval);
        ordered[ordered.length - 1] = [t, { interval: joined, seconds: before.seconds + last.seconds, inFlight: last.inFlight, iterations: before.iterations + last.iterations }];
      }
    }
    return ordered.map(([t, entry]) => this.point(t, entry));
  }

  private point(t: number, entry: SecondEntry): TimelinePoint {
    const { interval, seconds, inFlight } = entry;
    const h = interval.latency.histogram();
    const ms = (us: number): number => Math.round(us) / 1000;
    const point: TimelinePoint = {
      t,
      rps: seconds > 0 ? Math.round((interval.completed / seconds) * 10) / 10 : 0,
      p50: h.totalCount > 0 ? ms(h.getValueAtPercentile(50)) : 0,
      p95: h.totalCount > 0 ? ms(h.getValueAtPercentile(95)) : 0,
      p99: h.totalCount > 0 ? ms(h.getValueAtPercentile(99)) : 0,
      errors: interval.errors,
      in_flight: inFlight,
    };
    if (this.plan.model === 'open') point.dropped = interval.dropped;
    if (this.plan.flow !== null) point.iterations = entry.iterations;
    return point;
  }

  /** The merged checks and iterations, and what thresholds on them are judged on. */
  private flowNumbers(durationSeconds: number): { figures: FlowFigures; facts: FlowFacts; started: number } {
    const parts = this.parts();
    const checks = mergeChecks(parts);
    const figures: FlowFigures = {};
    if (checks.length > 0) figures.checks = checks;
    if (this.plan.flow === null) return { figures, facts: { checks, iterationDuration: null }, started: 0 };
    const { finished, ...flow } = mergeFlow(parts, durationSeconds);
    return {
      figures: { ...figures, ...flow },
      facts: { checks, iterationDuration: finished > 0 ? flow.iteration_duration_ms : null },
      started: flow.iterations.started + flow.iterations.dropped,
    };
  }

  progress(runId: string): ProgressUpdate | null {
    const timeline = this.timeline(false);
    const point = timeline[timeline.length - 1];
    if (point === undefined) return null;
    const elapsed = this.elapsedSeconds;
    const { overall, endpoints } = this.summaries(elapsed);
    const flow = this.flowNumbers(elapsed);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, overall, endpoints, this.baseline, flow.facts);
    // A flow bounded by its iteration count, else requests, else time.
    const iterations = this.plan.flow?.iterations ?? null;
    let progress: number | null = null;
    if (iterations !== null && iterations > 0) progress = Math.min(1, flow.started / iterations);
    else if (this.plan.totalRequests !== null && this.plan.totalRequests > 0) progress = Math.min(1, this.issued / this.plan.totalRequests);
    else if (this.plan.durationSeconds !== null && this.plan.durationSeconds > 0) progress = Math.min(1, elapsed / this.plan.durationSeconds);
    return {
      runId,
      name: this.plan.name,
      elapsed_seconds: Math.round(elapsed * 1000) / 1000,
      progress,
      model: this.plan.model,
      target_rps: this.plan.requestsPerSecond,
      point,
      summary: overall,
      endpoints,
      thresholds: verdict.thresholds,
      ...flow.figures,
    };
  }

  /** The merged result; `status` and `failure` as the caller saw the runners end. */
  result(meta: { id: string; startedAt: Date; status: RunStatus; failure: string | null }): RunResult {
    const duration = this.elapsedSeconds;
    const { overall, overallHistogram, endpoints } = this.numbers(duration);
    const flow = this.flowNumbers(duration);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, overall, endpoints, this.baseline, flow.facts);
    const reasons = [...verdict.failure_reasons];
    if (meta.status === 'cancelled') reasons.unshift('run cancelled');
    if (meta.status === 'failed') reasons.unshift(`run failed: ${meta.failure ?? 'unknown error'}`);
    const parts = this.parts();
    const samples = this.plan.endpoints.flatMap((_e, i) => mergeSamples(parts.map((p) => p.samples[i] ?? [])));
    const result: RunResult = {
      id: meta.id,
      name: this.plan.name,
      file: this.plan.file,
      status: meta.status,
      passed: meta.status === 'completed' && verdict.passed,
      failure_reasons: reasons,
      started_at: meta.startedAt.toISOString(),
      completed_at: new Date().toISOString(),
      model: this.plan.model,
      target_rps: this.plan.requestsPerSecond,
      spec: this.plan.redactedSpec,
      metrics: overall,
      endpoint_metrics: endpoints,
      thresholds: verdict.thresholds,
      timeline: this.timeline(true),
      sampled_requests: samples,
      histogram: overallHistogram,
      schema_version: RESULT_SCHEMA_VERSION,
      ...flow.figures,
    };
    // Per-endpoint histograms, as a single runner's result has them, so baselines compare per endpoint.
    const perEndpoint = this.perEndpointStats();
    endpoints.forEach((e, i) => {
      if (perEndpoint[i] !== undefined) e.histogram = encodeHistogram(perEndpoint[i].latency.histogram());
    });
    if (this.plan.insecureTls) result.insecure_tls = true;
    if (meta.status === 'failed' && meta.failure !== null) result.error = meta.failure;
    return result;
  }
}
