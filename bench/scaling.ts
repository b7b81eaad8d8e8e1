// The scaling table of `npm run bench`: the engine on 1, 2, ... worker threads (up to the cores)
// beside autocannon --workers and wrk -t of the same count, against nginx with as many worker
// processes. Req/s depends on the cores the machine leaves free; requests per CPU-second say
// whether splitting the load costs efficiency, which is what carries over to bigger machines.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram } from '../engine/run/metrics';
import { runAutocannon, runEngine, runWrk, type LoadResult } from './loadgens';
import { fmt, table } from './stats';
import { startNginx, type Target } from './targets';

export interface ScalingRow {
  workers: number;
  engine: LoadResult;
  autocannon: LoadResult;
  wrk: LoadResult;
  /** Threads the engine's result says it used. */
  engine_workers_used: number | null;
  /** The merged histogram holds exactly as many requests as the summed counters. */
  merged_totals_equal_sum: boolean | null;
}

export interface ScalingReport {
  connections: number;
  duration_seconds: number;
  rows: ScalingRow[];
  /** Engine requests per CPU-second on 2 threads over 1 thread. */
  per_cpu_ratio_2_over_1: number | null;
}

interface Io {
  say(text?: string): void;
  note(text: string): void;
}

const perCpu = (l: LoadResult): number | null => (l.failure === null && l.cpu_seconds !== null && l.cpu_seconds > 0.05 ? l.requests / l.cpu_seconds : null);

export async function scaling(o: { connections: number; duration: number }, work: string, io: Io, cores = availableParallelism()): Promise<ScalingReport> {
  const counts = [...Array(Math.max(1, cores)).keys()].map((i) => i + 1);
  io.say(`\n== Scaling: workers ${counts.join(', ')} (up to the ${cores} cores): the engine's threads, autocannon --workers, wrk -t; nginx with as many worker processes; ${o.connections} connections, ${o.duration} s per run`);
  const rows: ScalingRow[] = [];
  for (const workers of counts) {
    let nginx: Target | null = null;
    try {
      nginx = await startNginx(join(work, `nginx-scaling-${workers}`), workers);
      io.note(`workers ${workers}: engine`);
      const engineRun = await runEngine(work, { name: `scaling ${workers}`, url: nginx.url, concurrency: o.connections, durationSeconds: o.duration, workers });
      io.note(`workers ${workers}: autocannon`);
      const autocannon = await runAutocannon(work, nginx.url, o.connections, o.duration, undefined, workers);
      io.note(`workers ${workers}: wrk`);
      const wrk = await runWrk(nginx.url, o.connections, o.duration, workers);
      const r = engineRun.result;
      rows.push({
        workers,
        engine: engineRun.load,
        autocannon,
        wrk,
        engine_workers_used: r?.workers ?? null,
        merged_totals_equal_sum: r === null ? null : decodeHistogram(r.histogram).totalCount === r.metrics.successful_requests + r.metrics.failed_requests,
      });
    } finally {
      if (nginx !== null) await nginx.close();
    }
  }
  const one = rows.find((r) => r.workers === 1);
  const two = rows.find((r) => r.workers === 2);
  const a = one ? perCpu(one.engine) : null;
  const b = two ? perCpu(two.engine) : null;
  const report: ScalingReport = { connections: o.connections, duration_seconds: o.duration, rows, per_cpu_ratio_2_over_1: a !== null && b !== null ? b / a : null };
  const cell = (l: LoadResult): string => (l.failure !== null ? 'failed' : fmt(l.rps, 0));
  io.say(
    table(
      ['workers', 'engine req/s', 'engine req/CPU-s', 'threads used', 'totals = sum', 'autocannon req/s', 'autocannon req/CPU-s', 'wrk req/s', 'wrk req/CPU-s'],
      rows.map((r) => [
        String(r.workers),
        cell(r.engine),
        fmt(perCpu(r.engine), 0),
        r.engine_workers_used === null ? '—' : String(r.engine_workers_used),
        r.merged_totals_equal_sum === null ? '—' : r.merged_totals_equal_sum ? 'yes' : 'NO',
        cell(r.autocannon),
        fmt(perCpu(r.autocannon), 0),
        cell(r.wrk),
        fmt(perCpu(r.wrk), 0),
      ]),
    ),
  );
  const base = one !== undefined ? perCpu(one.engine) : null;
  if (base !== null) {
    io.say(
      `engine requests per CPU-second relative to 1 thread: ${rows.map((r) => `${r.workers}: ${fmt(perCpu(r.engine) === null ? null : (perCpu(r.engine) ?? 0) / base, 2)}×`).join('   ')}` +
        ' (per core: req/s grows with cores only while this stays near 1.0×)',
    );
  }
  for (const r of rows) for (const l of [r.engine, r.autocannon, r.wrk]) if (l.failure !== null) io.say(`  ${l.tool} (workers ${r.workers}) failed: ${l.failure}`);
  return report;
}
