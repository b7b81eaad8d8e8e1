// Parts of one run (worker threads, or shards) → one result, exactly: histograms added, counters
// summed, seconds aligned on the common start, samples within one sampler's limits, thresholds
// judged on the merged numbers.
import type { PlanEndpoint, RunPlan } from '../format/plan';
import type { EndpointMetrics, Metrics, ProgressUpdate, RunResult, RunStatus, TimelinePoint } from '../format/result';
import { RESULT_SCHEMA_VERSION } from '../format/result';
import { redact } from '../format';
import { encodeHistogram, Interval, Stats, sumStats } from './metrics';
import { addIntervalPart, addStatsPart, type IntervalPart, type RunPart } from './parts';
import { mergeSamples } from './samples';
import { evaluate, type BaselineMetrics } from './verdict';

/** A last partial second shorter than this joins the point before it (as in run.ts). */
const MIN_TAIL_SECONDS = 0.25;

/** What merging needs of the plan: a worker's plan, or one rebuilt from shard results. */
export type MergeTarget = Pick<
  RunPlan,
  'name' | 'file' | 'model' | 'requestsPerSecond' | 'totalRequests' | 'durationSeconds' | 'thresholds' | 'secrets' | 'redactedSpec' | 'insecureTls'
> & { endpoints: Array<Pick<PlanEndpoint, 'name' | 'displayUrl' | 'thresholds'> & { method: string }> };

export interface MergedNumbers {
  overall: Metrics;
  overallHistogram: string;
  endpoints: EndpointMetrics[];
}

/** Collects the parts of several runners as they arrive. */
export class PartMerger {
  /** The latest cumulative part of each runner. */
  private readonly latest: Array<RunPart | null>;
  private readonly seconds = new Map<number, { interval: Interval; seconds: number; inFlight: number }>();
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
      entry = { interval: new Interval(), seconds: 0, inFlight: 0 };
      this.seconds.set(raw.t, entry);
    }
    addIntervalPart(entry.interval, raw);
    entry.seconds = Math.max(entry.seconds, raw.seconds);
    entry.inFlight += raw.inFlight;
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
        ordered[ordered.length - 1] = [t, { interval: joined, seconds: before.seconds + last.seconds, inFlight: last.inFlight }];
      }
    }
    return ordered.map(([t, entry]) => this.point(t, entry.seconds, entry.interval, entry.inFlight));
  }

  private point(t: number, seconds: number, interval: Interval, inFlight: number): TimelinePoint {
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
    return point;
  }

  progress(runId: string): ProgressUpdate | null {
    const timeline = this.timeline(false);
    const point = timeline[timeline.length - 1];
    if (point === undefined) return null;
    const elapsed = this.elapsedSeconds;
    const { overall, endpoints } = this.summaries(elapsed);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, overall, endpoints, this.baseline);
    let progress: number | null = null;
    if (this.plan.totalRequests !== null && this.plan.totalRequests > 0) progress = Math.min(1, this.issued / this.plan.totalRequests);
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
    };
  }

  /** The merged result; `status` and `failure` as the caller saw the runners end. */
  result(meta: { id: string; startedAt: Date; status: RunStatus; failure: string | null }): RunResult {
    const duration = this.elapsedSeconds;
    const { overall, overallHistogram, endpoints } = this.numbers(duration);
    const verdict = evaluate(this.plan.thresholds, this.plan.endpoints, overall, endpoints, this.baseline);
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
