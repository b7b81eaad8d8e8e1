// The scaling table of `npm run bench`: the engine on 1, 2, ... worker threads (up to the cores)
// beside autocannon --workers and wrk -t of the same count, and two bare loops on as many threads
// (bench/netLoop.ts: node:net, and undici alone), against nginx with as many worker processes.
// Req/s depends on the cores the machine leaves free; requests per CPU-second say whether
// splitting the load costs efficiency, which is what carries over to bigger machines. Rounds
// alternate the counts, so that each round's runs are neighbours in time; the median of the
// per-round ratios is judged.
//
// The engine's requests per CPU-second are read two ways. "Steady": over its measured window
// after the first second (bench/loadgens.ts steadyWindow), like the bare loops, which time their
// own window: what a request costs once the threads run, which is what the split can lose. "Whole
// run": all its CPU less the start-up of a run of a handful of requests on as many threads, which
// also carries each thread's one-off costs (loading, code warm-up, the first second's compiling),
// and so depends on how long the run is. Both are printed; the steady one is judged.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { decodeHistogram } from '../engine/run/metrics';
import { ROOT, runAutocannon, runEngine, runWrk, type LoadResult } from './loadgens';
import { run, tail } from './proc';
import { fmt, median, table } from './stats';
import { startNginx, type Target } from './targets';

type Tool = 'engine' | 'autocannon' | 'wrk' | 'node:net' | 'undici';
const TOOLS: readonly Tool[] = ['engine', 'autocannon', 'wrk', 'node:net', 'undici'];

interface ToolRun {
  rps: number | null;
  requests: number | null;
  /** Whole-process CPU, start-up included (node:net: its loop's window only). */
  cpu_seconds: number | null;
  /** Requests per CPU-second with the tool's start-up CPU for this thread count taken off. */
  req_per_cpu_second: number | null;
  failure: string | null;
}

/** The engine's run: its whole-run figures, and its steady window. */
interface EngineToolRun extends ToolRun {
  /** Requests per CPU-second over the steady window (after the first second). */
  steady_req_per_cpu_second: number | null;
}

export interface ScalingRow {
  workers: number;
  round: number;
  runs: Record<Exclude<Tool, 'engine'>, ToolRun> & { engine: EngineToolRun };
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
  rounds: number;
  rows: ScalingRow[];
  /** Per tool: the median over the rounds of (requests per CPU-second on 2 threads) / (on 1 thread); the engine's over its whole runs. */
  per_cpu_ratios_2_over_1: Record<Tool, number | null>;
  /** The engine's over its steady windows, as judged. */
  per_cpu_ratio_2_over_1: number | null;
  /** The engine's per-round steady ratios, in round order. */
  steady_ratios: Array<number | null>;
}

interface Io {
  say(text?: string): void;
  note(text: string): void;
}

async function runLoop(kind: 'net' | 'undici', url: string, connections: number, seconds: number, threads: number): Promise<ToolRun> {
  const res = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'netLoop.ts'), url, String(connections), String(seconds), String(threads), kind], (seconds + 30) * 1000, { cwd: ROOT });
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

export async function scaling(options: { connections: number; scalingDuration: number; scalingRounds: number }, work: string, io: Io, cores = availableParallelism()): Promise<ScalingReport> {
  const o = { connections: options.connections, duration: options.scalingDuration, rounds: options.scalingRounds };
  const counts = [...Array(Math.max(1, cores)).keys()].map((i) => i + 1);
  io.say(
    `\n== Scaling: threads ${counts.join(', ')} (up to the ${cores} cores): the engine's workers, autocannon --workers, wrk -t, bare node:net and undici loops on as many threads;` +
      ` nginx with as many worker processes; ${o.connections} connections, ${o.duration} s per run, ${o.rounds} rounds alternating the counts`,
  );
  const targets = new Map<number, Target>();
  const rows: ScalingRow[] = [];
  const startup: ScalingReport['startup_cpu_seconds'] = { engine: {}, autocannon: {}, wrk: {}, 'node:net': {}, undici: {} };
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
      startup.undici[n] = 0;
    }
    for (let round = 1; round <= o.rounds; round++) {
      for (const n of counts) {
        const url = targets.get(n)!.url;
        io.note(`round ${round}/${o.rounds}, ${n} thread(s): engine, autocannon, wrk, node:net, undici`);
        const engineRun = await runEngine(work, { name: `scaling ${n}`, url, concurrency: o.connections, durationSeconds: o.duration, workers: n }, { steady: true });
        const autocannon = await runAutocannon(work, url, o.connections, o.duration, undefined, n);
        const wrk = await runWrk(url, o.connections, o.duration, n);
        const net = await runLoop('net', url, o.connections, o.duration, n);
        const undici = await runLoop('undici', url, o.connections, o.duration, n);
        const r = engineRun.result;
        rows.push({
          workers: n,
          round,
          runs: {
            engine: { ...fromLoad(engineRun.load, startup.engine[n]), steady_req_per_cpu_second: engineRun.steady?.req_per_cpu_second ?? null },
            autocannon: fromLoad(autocannon, startup.autocannon[n]),
            wrk: fromLoad(wrk, 0),
            'node:net': net,
            undici,
          },
          engine_workers_used: r?.workers ?? null,
          merged_totals_equal_sum: r === null ? null : decodeHistogram(r.histogram).totalCount === r.metrics.successful_requests + r.metrics.failed_requests,
        });
      }
    }
  } finally {
    for (const t of targets.values()) await t.close();
  }

  const perRound = (figure: (r: ScalingRow) => number | null): Array<number | null> =>
    [...Array(o.rounds).keys()].map((i) => {
      const one = rows.find((r) => r.round === i + 1 && r.workers === 1);
      const two = rows.find((r) => r.round === i + 1 && r.workers === 2);
      const a = one === undefined ? null : figure(one);
      const b = two === undefined ? null : figure(two);
      return a !== null && b !== null && a > 0 ? b / a : null;
    });
  const medianOf = (values: Array<number | null>): number | null => median(values.filter((v): v is number => v !== null));
  const ratios = Object.fromEntries(TOOLS.map((t) => [t, medianOf(perRound((r) => r.runs[t].req_per_cpu_second))])) as Record<Tool, number | null>;
  const steadyRatios = perRound((r) => r.runs.engine.steady_req_per_cpu_second);
  const report: ScalingReport = {
    connections: o.connections,
    duration_seconds: o.duration,
    startup_cpu_seconds: startup,
    rounds: o.rounds,
    rows,
    per_cpu_ratios_2_over_1: ratios,
    per_cpu_ratio_2_over_1: medianOf(steadyRatios),
    steady_ratios: steadyRatios,
  };

  const cell = (x: ToolRun): string => (x.failure !== null ? 'failed' : fmt(x.rps, 0));
  io.say(
    table(
      ['round', 'threads', 'engine req/s', 'req/CPU-s steady', 'whole run', 'threads used', 'totals = sum', 'autocannon req/s', 'req/CPU-s', 'wrk req/s', 'req/CPU-s', 'node:net req/s', 'req/CPU-s', 'undici req/s', 'req/CPU-s'],
      rows.map((r) => [
        String(r.round),
        String(r.workers),
        cell(r.runs.engine),
        fmt(r.runs.engine.steady_req_per_cpu_second, 0),
        fmt(r.runs.engine.req_per_cpu_second, 0),
        r.engine_workers_used === null ? '—' : String(r.engine_workers_used),
        r.merged_totals_equal_sum === null ? '—' : r.merged_totals_equal_sum ? 'yes' : 'NO',
        cell(r.runs.autocannon),
        fmt(r.runs.autocannon.req_per_cpu_second, 0),
        cell(r.runs.wrk),
        fmt(r.runs.wrk.req_per_cpu_second, 0),
        cell(r.runs['node:net']),
        fmt(r.runs['node:net'].req_per_cpu_second, 0),
        cell(r.runs.undici),
        fmt(r.runs.undici.req_per_cpu_second, 0),
      ]),
    ),
  );
  io.say(`start-up CPU s taken off (a run of ${o.connections} requests): ${counts.map((n) => `engine ${n}: ${fmt(startup.engine[n], 2)}, autocannon ${n}: ${fmt(startup.autocannon[n], 2)}`).join('; ')}`);
  if (counts.includes(2)) {
    io.say(
      `requests per CPU-second, 2 threads over 1 (median of the per-round ratios): engine steady ${fmt(report.per_cpu_ratio_2_over_1, 2)}× (rounds: ${steadyRatios.map((v) => fmt(v, 2)).join(', ')}),` +
        ` engine whole run ${fmt(ratios.engine, 2)}×, ${TOOLS.filter((t) => t !== 'engine').map((t) => `${t} ${fmt(ratios[t], 2)}×`).join(', ')}`,
    );
    io.say(
      '(the bare loops are floors: node:net shows what two busy threads and two nginx workers on these cores cost each other before any' +
        ' load generator\'s own work, undici what the library the engine is built on does alone; per core, req/s grows with cores only while a tool\'s ratio stays near 1.0×.' +
        ' "steady": after the run\'s first second, as the loops time their own window; "whole run": start-up taken off, first second in)',
    );
  }
  for (const r of rows) for (const t of TOOLS) if (r.runs[t].failure !== null) io.say(`  ${t} (round ${r.round}, ${r.workers} threads) failed: ${r.runs[t].failure}`);
  return report;
}
