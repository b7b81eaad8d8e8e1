// The scaling table of `npm run bench`: the engine on 1, 2, ... worker threads (up to the cores)
// beside autocannon --workers and wrk -t of the same count, and a bare node:net loop on as many
// threads (bench/netLoop.ts: the floor), against nginx with as many worker processes. Req/s
// depends on the cores the machine leaves free; requests per CPU-second say whether splitting the
// load costs efficiency, which is what carries over to bigger machines. Rounds alternate the
// counts, so that each round's runs are neighbours in time; the median of the per-round ratios is
// judged.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram } from '../engine/run/metrics';
import { ROOT, runAutocannon, runEngine, runWrk, type LoadResult } from './loadgens';
import { run, tail } from './proc';
import { fmt, median, table } from './stats';
import { startNginx, type Target } from './targets';

type Tool = 'engine' | 'autocannon' | 'wrk' | 'node:net';
const TOOLS: readonly Tool[] = ['engine', 'autocannon', 'wrk', 'node:net'];

interface ToolRun {
  rps: number | null;
  requests: number | null;
  /** Whole-process CPU, start-up included (node:net: its loop's window only). */
  cpu_seconds: number | null;
  /** Requests per CPU-second with the tool's start-up CPU for this thread count taken off. */
  req_per_cpu_second: number | null;
  failure: string | null;
}

export interface ScalingRow {
  workers: number;
  round: number;
  runs: Record<Tool, ToolRun>;
  /** Threads the engine's result says it used. */
  engine_workers_used: number | null;
  /** The merged histogram holds exactly as many requests as the summed counters. */
  merged_totals_equal_sum: boolean | null;
}

export interface ScalingReport {
  connections: number;
  duration_seconds: number;
  /** CPU seconds a run of a handful of requests costs, per tool and thread count (taken off before req per CPU-second). */
  startup_cpu_seconds: Record<Tool, Record<string, number>>;
  rows: ScalingRow[];
  /** Per tool: the median over the rounds of (requests per CPU-second on 2 threads) / (on 1 thread). */
  per_cpu_ratios_2_over_1: Record<Tool, number | null>;
  /** The engine's, as judged. */
  per_cpu_ratio_2_over_1: number | null;
}

interface Io {
  say(text?: string): void;
  note(text: string): void;
}

async function runNetLoop(url: string, connections: number, seconds: number, threads: number): Promise<ToolRun> {
  const res = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'netLoop.ts'), url, String(connections), String(seconds), String(threads)], (seconds + 30) * 1000, { cwd: ROOT });
  try {
    const out = JSON.parse(res.stdout.trim().split('\n').pop() ?? '') as { requests: number; errors: number; cpu_seconds: number; seconds: number };
    const failure = res.code !== 0 ? `exit ${res.code}` : out.errors > 0 ? `${out.errors} socket errors` : null;
    return { rps: out.requests / out.seconds, requests: out.requests, cpu_seconds: out.cpu_seconds, req_per_cpu_second: out.cpu_seconds > 0.05 ? out.requests / out.cpu_seconds : null, failure };
  } catch {
    return { rps: null, requests: null, cpu_seconds: null, req_per_cpu_second: null, failure: `exit ${res.code}: ${tail(res.stderr || res.stdout, 3)}` };
  }
}

function fromLoad(l: LoadResult, startup: number): ToolRun {
  const ok = l.failure === null && l.rps > 0;
  const cpu = l.cpu_seconds === null ? null : l.cpu_seconds - startup;
  return {
    rps: ok ? l.rps : null,
    requests: ok ? l.requests : null,
    cpu_seconds: l.cpu_seconds,
    req_per_cpu_second: ok && cpu !== null && cpu > 0.05 ? l.requests / cpu : null,
    failure: l.failure,
  };
}

export async function scaling(o: { connections: number; duration: number; rounds: number }, work: string, io: Io, cores = availableParallelism()): Promise<ScalingReport> {
  const counts = [...Array(Math.max(1, cores)).keys()].map((i) => i + 1);
  io.say(
    `\n== Scaling: threads ${counts.join(', ')} (up to the ${cores} cores): the engine's workers, autocannon --workers, wrk -t, a bare node:net loop on as many threads;` +
      ` nginx with as many worker processes; ${o.connections} connections, ${o.duration} s per run, ${o.rounds} rounds alternating the counts`,
  );
  const targets = new Map<number, Target>();
  const rows: ScalingRow[] = [];
  const startup: ScalingReport['startup_cpu_seconds'] = { engine: {}, autocannon: {}, wrk: {}, 'node:net': {} };
  try {
    for (const n of counts) targets.set(n, await startNginx(join(work, `nginx-scaling-${n}`), n));
    // What a run costs before its first measured request (process start, loading, per-thread
    // code warm-up): taken off each run's CPU, as in the throughput table, so that what is
    // compared is the cost of the requests. wrk's start-up is negligible; the node:net loop
    // measures its own window.
    for (const n of counts) {
      const url = targets.get(n)!.url;
      io.note(`start-up cost on ${n} thread(s): engine and autocannon with a handful of requests`);
      startup.engine[n] = (await runEngine(work, { name: `scaling start-up ${n}`, url, concurrency: o.connections, totalRequests: o.connections, workers: n })).load.cpu_seconds ?? 0;
      startup.autocannon[n] = (await runAutocannon(work, url, o.connections, 10, o.connections, n)).cpu_seconds ?? 0;
      startup.wrk[n] = 0;
      startup['node:net'][n] = 0;
    }
    for (let round = 1; round <= o.rounds; round++) {
      for (const n of counts) {
        const url = targets.get(n)!.url;
        io.note(`round ${round}/${o.rounds}, ${n} thread(s): engine, autocannon, wrk, node:net`);
        const engineRun = await runEngine(work, { name: `scaling ${n}`, url, concurrency: o.connections, durationSeconds: o.duration, workers: n });
        const autocannon = await runAutocannon(work, url, o.connections, o.duration, undefined, n);
        const wrk = await runWrk(url, o.connections, o.duration, n);
        const net = await runNetLoop(url, o.connections, o.duration, n);
        const r = engineRun.result;
        rows.push({
          workers: n,
          round,
          runs: {
            engine: fromLoad(engineRun.load, startup.engine[n]),
            autocannon: fromLoad(autocannon, startup.autocannon[n]),
            wrk: fromLoad(wrk, 0),
            'node:net': net,
          },
          engine_workers_used: r?.workers ?? null,
          merged_totals_equal_sum: r === null ? null : decodeHistogram(r.histogram).totalCount === r.metrics.successful_requests + r.metrics.failed_requests,
        });
      }
    }
  } finally {
    for (const t of targets.values()) await t.close();
  }

  const ratio = (tool: Tool): number | null =>
    median(
      [...Array(o.rounds).keys()]
        .map((i) => {
          const a = rows.find((r) => r.round === i + 1 && r.workers === 1)?.runs[tool].req_per_cpu_second ?? null;
          const b = rows.find((r) => r.round === i + 1 && r.workers === 2)?.runs[tool].req_per_cpu_second ?? null;
          return a !== null && b !== null ? b / a : null;
        })
        .filter((v): v is number => v !== null),
    );
  const ratios = Object.fromEntries(TOOLS.map((t) => [t, ratio(t)])) as Record<Tool, number | null>;
  const report: ScalingReport = { connections: o.connections, duration_seconds: o.duration, startup_cpu_seconds: startup, rows, per_cpu_ratios_2_over_1: ratios, per_cpu_ratio_2_over_1: ratios.engine };

  const cell = (x: ToolRun): string => (x.failure !== null ? 'failed' : fmt(x.rps, 0));
  io.say(
    table(
      ['round', 'threads', 'engine req/s', 'engine req/CPU-s', 'threads used', 'totals = sum', 'autocannon req/s', 'req/CPU-s', 'wrk req/s', 'req/CPU-s', 'node:net req/s', 'req/CPU-s'],
      rows.map((r) => [
        String(r.round),
        String(r.workers),
        cell(r.runs.engine),
        fmt(r.runs.engine.req_per_cpu_second, 0),
        r.engine_workers_used === null ? '—' : String(r.engine_workers_used),
        r.merged_totals_equal_sum === null ? '—' : r.merged_totals_equal_sum ? 'yes' : 'NO',
        cell(r.runs.autocannon),
        fmt(r.runs.autocannon.req_per_cpu_second, 0),
        cell(r.runs.wrk),
        fmt(r.runs.wrk.req_per_cpu_second, 0),
        cell(r.runs['node:net']),
        fmt(r.runs['node:net'].req_per_cpu_second, 0),
      ]),
    ),
  );
  io.say(`start-up CPU s taken off (a run of ${o.connections} requests): ${counts.map((n) => `engine ${n}: ${fmt(startup.engine[n], 2)}, autocannon ${n}: ${fmt(startup.autocannon[n], 2)}`).join('; ')}`);
  if (counts.includes(2)) {
    io.say(`requests per CPU-second, 2 threads over 1 (median of the per-round ratios): ${TOOLS.map((t) => `${t} ${fmt(ratios[t], 2)}×`).join('   ')}`);
    io.say(
      '(node:net is the floor: a bare socket loop whose ratio shows what two busy threads and two nginx workers on these cores cost each other before any' +
        ' load generator\'s own work; per core, req/s grows with cores only while a tool\'s ratio stays near 1.0×)',
    );
  }
  for (const r of rows) for (const t of TOOLS) if (r.runs[t].failure !== null) io.say(`  ${t} (round ${r.round}, ${r.workers} threads) failed: ${r.runs[t].failure}`);
  return report;
}
