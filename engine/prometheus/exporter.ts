// Live metrics of runs in the Prometheus text format (SPEC.md "Workers, shards, Prometheus"),
// on a registry of their own (no process metrics). They are fed the raw parts every runner of a
// run already sends once a second (cumulative counters and encoded HDR histograms, the numbers the
// result is merged from), so nothing is added to the hot path and the counts are exact with any
// number of worker threads: at the end they equal the result's totals. The duration histogram's
// buckets are read from the HDR latency histograms (3 significant digits) when scraped. Values
// move once a second, with the engine's snapshots.
import { JsHistogram } from 'hdr-histogram-js';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RunPlan } from '../format/plan';
import type { RunPart, StatsPart } from '../format/parts';
import { decodeHistogram } from '../run/metrics';

/** Upper bounds of atm_request_duration_seconds: 100 µs to 60 s. */
export const DURATION_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;
const BUCKETS_US = DURATION_BUCKETS_SECONDS.map((s) => Math.round(s * 1_000_000));

/** The `status` of requests that got no HTTP answer (atm_errors_total says why). */
export const NO_STATUS = 'none';

/** What the exporter needs of a plan. */
export type TrackedPlan = Pick<RunPlan, 'name' | 'model' | 'requestsPerSecond'> & { endpoints: ReadonlyArray<{ name: string }> };

/** One endpoint's latency as Prometheus buckets: counts per upper bound (not cumulative), then above the last. */
interface Buckets {
  counts: number[];
  sumSeconds: number;
  total: number;
}

function bucketsOf(encoded: string): Buckets {
  const histogram = decodeHistogram(encoded);
  const counts = new Array<number>(BUCKETS_US.length + 1).fill(0);
  let sumUs = 0;
  // Decoded without WebAssembly, a histogram is a JsHistogram, whose buckets can be walked.
  if (!(histogram instanceof JsHistogram)) throw new Error('an HDR histogram decoded without WebAssembly was expected');
  for (let i = 0; i < histogram.countsArrayLength; i++) {
    const count = histogram.getCountAtIndex(i);
    if (count === 0) continue;
    // Values were recorded at their bucket's lowest value (engine/run/metrics.ts), in microseconds.
    const us = histogram.valueFromIndex(i);
    let b = 0;
    while (b < BUCKETS_US.length && us > BUCKETS_US[b]) b++;
    counts[b] += count;
    sumUs += us * count;
  }
  return { counts, sumSeconds: sumUs / 1_000_000, total: histogram.totalCount };
}

/** A run's feed: the latest cumulative part of each runner (worker thread). */
class TrackedRun {
  private readonly parts = new Map<number, RunPart>();
  /** Buckets per runner and endpoint, for the part they were read from. */
  private readonly buckets = new Map<number, { part: RunPart; perEndpoint: Buckets[] }>();

  constructor(readonly plan: TrackedPlan) {}

  add(runner: number, part: RunPart): void {
    this.parts.set(runner, part);
  }

  /** Endpoint `i`'s counters, one per runner. */
  endpointStats(i: number): Array<StatsPart | undefined> {
    return [...this.parts.values()].map((p) => p.endpoints[i]);
  }

  inFlight(): number {
    let n = 0;
    for (const part of this.parts.values()) n += part.inFlight;
    return n;
  }

  /** Endpoint `i`'s latency buckets summed over the runners (decoded once per new part). */
  endpointBuckets(i: number): Buckets {
    const sum: Buckets = { counts: new Array<number>(BUCKETS_US.length + 1).fill(0), sumSeconds: 0, total: 0 };
    for (const [runner, part] of this.parts) {
      let cached = this.buckets.get(runner);
      if (cached === undefined || cached.part !== part) {
        cached = { part, perEndpoint: part.endpoints.map((e) => bucketsOf(e.latency)) };
        this.buckets.set(runner, cached);
      }
      const b = cached.perEndpoint[i];
      if (b === undefined) continue;
      b.counts.forEach((c, k) => (sum.counts[k] += c));
      sum.sumSeconds += b.sumSeconds;
      sum.total += b.total;
    }
    return sum;
  }
}

interface DurationRow {
  test: string;
  endpoint: string;
  buckets: Buckets;
}

/** A label value in the text format: backslash, double quote and line feed escaped. */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const DURATION = 'atm_request_duration_seconds';
const DURATION_HELP = 'Request latency in seconds (from the due time in the open model, from the send in the closed model).';

/**
 * atm_request_duration_seconds in the text format, written here rather than by prom-client's
 * Histogram: its buckets come whole from the HDR histograms, and prom-client's Histogram only
 * takes one observe() per request.
 */
function renderDuration(rows: readonly DurationRow[]): string {
  const lines = [`# HELP ${DURATION} ${DURATION_HELP}`, `# TYPE ${DURATION} histogram`];
  for (const row of rows) {
    const labels = `test="${labelValue(row.test)}",endpoint="${labelValue(row.endpoint)}"`;
    let cumulative = 0;
    DURATION_BUCKETS_SECONDS.forEach((le, k) => {
      cumulative += row.buckets.counts[k];
      lines.push(`${DURATION}_bucket{${labels},le="${le}"} ${cumulative}`);
    });
    lines.push(`${DURATION}_bucket{${labels},le="+Inf"} ${row.buckets.total}`);
    lines.push(`${DURATION}_sum{${labels}} ${row.buckets.sumSeconds}`);
    lines.push(`${DURATION}_count{${labels}} ${row.buckets.total}`);
  }
  return `${lines.join('\n')}\n`;
}

export class PrometheusExporter {
  readonly registry = new Registry();
  private readonly runs: TrackedRun[] = [];
  private readonly requests = new Counter({
    name: 'atm_requests_total',
    help: `Requests completed, by test, endpoint and HTTP status ('${NO_STATUS}': no answer, see atm_errors_total).`,
    labelNames: ['test', 'endpoint', 'status'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'atm_errors_total',
    help: 'Failed requests, by test, endpoint and error type (timeout, connection_refused, unexpected_status, ...).',
    labelNames: ['test', 'endpoint', 'type'] as const,
    registers: [this.registry],
  });
  private readonly dropped = new Counter({
    name: 'atm_dropped_requests_total',
    help: 'Open model: arrivals due while every connection was busy, not sent.',
    labelNames: ['test'] as const,
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'atm_in_flight',
    help: 'Requests sent and not yet answered, at the latest per-second snapshot.',
    labelNames: ['test'] as const,
    registers: [this.registry],
  });
  private readonly targetRps = new Gauge({
    name: 'atm_target_rps',
    help: 'Open model: the arrival rate the test asks for (requests_per_second).',
    labelNames: ['test'] as const,
    registers: [this.registry],
  });
  /**
   * Starts exporting a run: the returned function takes each runner's parts (runner: the worker
   * thread's index), as WorkersOptions.onRunnerPart gives them. A later run of the same test
   * replaces the earlier one's series.
   */
  track(plan: TrackedPlan): (runner: number, part: RunPart) => void {
    const run = new TrackedRun(plan);
    const same = this.runs.findIndex((r) => r.plan.name === plan.name);
    if (same >= 0) this.runs.splice(same, 1);
    this.runs.push(run);
    return (runner, part) => run.add(runner, part);
  }

  /** The text format, all metrics read from the same snapshot of the runs. */
  async metrics(): Promise<string> {
    const rows = this.refresh();
    return `${await this.registry.metrics()}\n${renderDuration(rows)}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private refresh(): DurationRow[] {
    // Counters are set from the cumulative parts: reset and added again, with no await between.
    this.requests.reset();
    this.errors.reset();
    this.dropped.reset();
    this.inFlight.reset();
    this.targetRps.reset();
    const rows: DurationRow[] = [];
    for (const run of this.runs) {
      const test = run.plan.name;
      let dropped = 0;
      run.plan.endpoints.forEach((endpoint, i) => {
        const statuses = new Map<string, number>();
        const errors = new Map<string, number>();
        let answered = 0;
        let total = 0;
        for (const stats of run.endpointStats(i)) {
          if (stats === undefined) continue;
          total += stats.successful + stats.failed;
          dropped += stats.dropped;
          for (const [status, n] of Object.entries(stats.statusCounts)) {
            statuses.set(status, (statuses.get(status) ?? 0) + n);
            answered += n;
          }
          for (const [type, n] of Object.entries(stats.errorCounts)) errors.set(type, (errors.get(type) ?? 0) + n);
        }
        if (total > answered) statuses.set(NO_STATUS, total - answered);
        for (const [status, n] of statuses) this.requests.inc({ test, endpoint: endpoint.name, status }, n);
        for (const [type, n] of errors) this.errors.inc({ test, endpoint: endpoint.name, type }, n);
        rows.push({ test, endpoint: endpoint.name, buckets: run.endpointBuckets(i) });
      });
      this.dropped.inc({ test }, dropped);
      this.inFlight.set({ test }, run.inFlight());
      if (run.plan.model === 'open' && run.plan.requestsPerSecond !== null) this.targetRps.set({ test }, run.plan.requestsPerSecond);
    }
    return rows;
  }
}
