// `npm run bench`: this engine side by side with autocannon and wrk against nginx on loopback, plus
// open-model rate accuracy, latency accuracy against a fixed delay, a stall that must show in p99,
// and peak memory after 100k vs 1M requests. Prints tables and writes bench/results/latest.json.
// All traffic goes to 127.0.0.1; every child process is bounded in time and killed at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProfile, readProfile, summariseProfile, type ProfileSummary } from './cpuprofile';
import { autocannonVersion, CLI, ROOT, runAutocannon, runEngine, runNetClient, runWrk, wrkVersion, type EngineRun, type LoadResult } from './loadgens';
import { killAll } from './proc';
import { restSection, type RestReport } from './rest';
import { scaling, type ScalingReport } from './scaling';
import { flowsSection, type FlowsReport } from './flows';
import { fmt, median, stddev, table } from './stats';
import { startNginx, startNodeTarget, type Target } from './targets';
import type { TargetStats } from './targetProtocol';

const SECTIONS = ['throughput', 'open', 'latency', 'memory', 'rest', 'scaling', 'flows', 'profile'] as const;
type Section = (typeof SECTIONS)[number];
const DEFAULT_SECTIONS: Section[] = ['throughput', 'open', 'latency', 'memory', 'rest', 'scaling', 'flows'];

interface Options {
  rounds: number;
  duration: number;
  connections: number;
  scalingRounds: number;
  scalingDuration: number;
  only: Section[];
  build: boolean;
  out: string;
  openRates: number[];
  openDuration: number;
  memoryRequests: [number, number];
  nice: number | null;
}

const USAGE = `usage: npm run bench -- [options]
  --rounds N           throughput and latency rounds, each tool in turn (default 3)
  --duration S         seconds per throughput run (default 4)
  --connections N      connections for the throughput runs (default 50)
  --scaling-rounds N   scaling rounds, each thread count in turn (default 5)
  --scaling-duration S seconds per scaling run (default 5; at least 4, for a steady window)
  --only LIST          comma list of: ${SECTIONS.join(', ')} (default: all but profile)
  --open-rates LIST    open-model target rates (default 300,1000,10000)
  --open-duration S    seconds per open-model run (default 4)
  --memory A,B         request counts for the memory comparison (default 100000,1000000)
  --nice N             run the bench and everything it starts at this scheduling priority
                       (e.g. -10 as root, so that other work on a shared machine disturbs it less)
  --no-build           use dist/ as it is instead of building the cli and engine bundles
  --out FILE           results JSON (default bench/results/latest.json)`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    rounds: 3,
    duration: 4,
    connections: 50,
    scalingRounds: 5,
    scalingDuration: 5,
    only: DEFAULT_SECTIONS,
    build: true,
    out: join(ROOT, 'bench', 'results', 'latest.json'),
    openRates: [300, 1000, 10000],
    openDuration: 4,
    memoryRequests: [100_000, 1_000_000],
    nice: null,
  };
  const positive = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
    return n;
  };
  const list = (name: string, v: string | undefined): number[] => (v ?? '').split(',').map((x) => positive(name, x));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--rounds':
        o.rounds = Math.round(positive(a, next()));
        break;
      case '--duration':
        o.duration = positive(a, next());
        break;
      case '--connections':
        o.connections = Math.round(positive(a, next()));
        break;
      case '--scaling-rounds':
        o.scalingRounds = Math.round(positive(a, next()));
        break;
      case '--scaling-duration':
        o.scalingDuration = positive(a, next());
        if (o.scalingDuration < 4) throw new Error('--scaling-duration needs at least 4 seconds: the steady window starts after the first');
        break;
      case '--only': {
        const names = (next() ?? '').split(',').filter(Boolean);
        for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`--only: unknown section '${n}'`);
        o.only = names as Section[];
        break;
      }
      case '--open-rates':
        o.openRates = list(a, next());
        break;
      case '--open-duration':
        o.openDuration = positive(a, next());
        break;
      case '--memory': {
        const [x, y] = list(a, next());
        if (x === undefined || y === undefined) throw new Error('--memory needs two counts, e.g. 100000,1000000');
        o.memoryRequests = [x, y];
        break;
      }
      case '--nice': {
        const n = Number(next());
        if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error('--nice needs an integer from -20 to 19');
        o.nice = n;
        break;
      }
      case '--no-build':
        o.build = false;
        break;
      case '--out':
        o.out = next() ?? o.out;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option '${a}'\n${USAGE}`);
    }
  }
  return o;
}

function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function note(text: string): void {
  process.stderr.write(`  … ${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// Sections

interface ThroughputReport {
  target: string;
  connections: number;
  duration_seconds: number;
  rounds: { engine: LoadResult; autocannon: LoadResult; wrk: LoadResult }[];
  median: Record<'engine' | 'autocannon' | 'wrk', { rps: number | null; p50_ms: number | null; p99_ms: number | null; max_rss_mb: number | null; cpu_seconds: number | null; req_per_cpu_second: number | null }>;
  /** CPU seconds a run of a handful of requests costs each tool: start-up, taken off before req per CPU-second. */
  startup_cpu_seconds: Record<'engine' | 'autocannon' | 'wrk', number>;
  /** Median per-round ratio of requests per CPU-second: how much work each request costs, which
   * depends far less on what else the machine runs than req/s does. */
  cpu_ratio_engine_autocannon: number | null;
  cpu_ratio_engine_wrk: number | null;
  /** Medians of the per-round ratios (each round's runs are neighbours in time). */
  ratio_engine_autocannon: number | null;
  ratio_engine_wrk: number | null;
}

async function throughput(o: Options, nginx: Target, work: string): Promise<ThroughputReport> {
  say(`\n== Closed-model throughput: ${o.connections} connections, ${o.duration} s per run, ${o.rounds} rounds, alternating engine → autocannon → wrk`);
  note('start-up cost: engine and autocannon with a handful of requests');
  const engineStart = (await runEngine(work, { name: 'start-up', url: nginx.url, concurrency: o.connections, totalRequests: o.connections })).load;
  const acStart = await runAutocannon(work, nginx.url, o.connections, 10, o.connections);
  const startup = { engine: engineStart.cpu_seconds ?? 0, autocannon: acStart.cpu_seconds ?? 0, wrk: 0 };
  const rounds: ThroughputReport['rounds'] = [];
  for (let r = 1; r <= o.rounds; r++) {
    note(`round ${r}/${o.rounds}: engine`);
    const engine = (await runEngine(work, { name: `throughput ${r}`, url: nginx.url, concurrency: o.connections, durationSeconds: o.duration })).load;
    note(`round ${r}/${o.rounds}: autocannon`);
    const autocannon = await runAutocannon(work, nginx.url, o.connections, o.duration);
    note(`round ${r}/${o.rounds}: wrk`);
    const wrk = await runWrk(nginx.url, o.connections, o.duration);
    rounds.push({ engine, autocannon, wrk });
  }
  const ok = (l: LoadResult): boolean => l.failure === null && l.rps > 0;
  const perCpu = (l: LoadResult): number | null => {
    if (!ok(l) || l.cpu_seconds === null) return null;
    const cpu = l.cpu_seconds - startup[l.tool];
    return cpu > 0.05 ? l.requests / cpu : null;
  };
  const med = (tool: 'engine' | 'autocannon' | 'wrk'): ThroughputReport['median']['engine'] => {
    const runs = rounds.map((r) => r[tool]).filter(ok);
    return {
      cpu_seconds: median(runs.map((l) => l.cpu_seconds).filter((v): v is number => v !== null)),
      req_per_cpu_second: median(runs.map(perCpu).filter((v): v is number => v !== null)),
      rps: median(runs.map((l) => l.rps)),
      p50_ms: median(runs.map((l) => l.p50_ms).filter((v): v is number => v !== null)),
      p99_ms: median(runs.map((l) => l.p99_ms).filter((v): v is number => v !== null)),
      max_rss_mb: median(runs.map((l) => l.max_rss_mb).filter((v): v is number => v !== null)),
    };
  };
  const ratio = (other: 'autocannon' | 'wrk'): number | null =>
    median(rounds.filter((r) => ok(r.engine) && ok(r[other])).map((r) => r.engine.rps / r[other].rps));
  const cpuRatio = (other: 'autocannon' | 'wrk'): number | null =>
    median(
      rounds
        .map((r) => {
          const a = perCpu(r.engine);
          const b = perCpu(r[other]);
          return a !== null && b !== null ? a / b : null;
        })
        .filter((v): v is number => v !== null),
    );
  const report: ThroughputReport = {
    target: nginx.kind,
    connections: o.connections,
    duration_seconds: o.duration,
    rounds,
    median: { engine: med('engine'), autocannon: med('autocannon'), wrk: med('wrk') },
    ratio_engine_autocannon: ratio('autocannon'),
    ratio_engine_wrk: ratio('wrk'),
    startup_cpu_seconds: startup,
    cpu_ratio_engine_autocannon: cpuRatio('autocannon'),
    cpu_ratio_engine_wrk: cpuRatio('wrk'),
  };
  const cell = (l: LoadResult): string => (l.failure ? 'failed' : `${fmt(l.rps, 0)}${l.errors ? ` (${l.errors} err)` : ''}`);
  say(
    table(
      ['round', 'engine req/s', '(after 1st s)', 'autocannon req/s', 'wrk req/s', 'engine/autocannon', 'engine/wrk'],
      rounds.map((r, i) => [
        String(i + 1),
        cell(r.engine),
        fmt(r.engine.steady_rps, 0),
        cell(r.autocannon),
        cell(r.wrk),
        ok(r.engine) && ok(r.autocannon) ? `${fmt(r.engine.rps / r.autocannon.rps, 2)}×` : '—',
        ok(r.engine) && ok(r.wrk) ? `${fmt(r.engine.rps / r.wrk.rps, 2)}×` : '—',
      ]),
    ),
  );
  say();
  say(
    table(
      ['tool', 'median req/s', 'median p50 ms', 'median p99 ms', 'peak RSS MiB', 'CPU s/run', 'start-up CPU s', 'req per CPU-s'],
      (['engine', 'autocannon', 'wrk'] as const).map((t) => [
        t,
        fmt(report.median[t].rps, 0),
        fmt(report.median[t].p50_ms, 3),
        fmt(report.median[t].p99_ms, 3),
        fmt(report.median[t].max_rss_mb, 1),
        fmt(report.median[t].cpu_seconds, 2),
        fmt(startup[t], 2),
        fmt(report.median[t].req_per_cpu_second, 0),
      ]),
    ),
  );
  say(`median ratio engine/autocannon: ${fmt(report.ratio_engine_autocannon, 2)}×   engine/wrk: ${fmt(report.ratio_engine_wrk, 2)}×`);
  say(`median ratio of requests per CPU-second (start-up taken off) engine/autocannon: ${fmt(report.cpu_ratio_engine_autocannon, 2)}×   engine/wrk: ${fmt(report.cpu_ratio_engine_wrk, 2)}×`);
  say('(req/s depends on the share of CPU the machine leaves each tool; CPU per request less so. "after 1st s": the engine\'s own timeline without its first second)');
  say('(autocannon reports latency in whole milliseconds; wrk and the engine in microseconds)');
  for (const r of rounds) for (const l of [r.engine, r.autocannon, r.wrk]) if (l.failure) say(`  ${l.tool} failed: ${l.failure}`);
  return report;
}

interface OpenRun {
  target: string;
  target_rps: number;
  connections: number;
  achieved_rps: number | null;
  relative_error_pct: number | null;
  requests: number | null;
  dropped: number | null;
  errors: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  /** Requests per second over the whole seconds of the timeline. */
  timeline_rps: number[];
  /** Mean of the timeline after its first second: the rate once warm. */
  steady_rps: number | null;
  steady_error_pct: number | null;
  timeline_stddev_pct: number | null;
  /** Arrivals per 10 ms as the target saw them (Node target only). */
  arrivals: TargetStats['arrivals_per_10ms'] | null;
  gap_ms: TargetStats['gap_ms'] | null;
  max_gap_at_s: number | null;
  warmup_per_100ms: number[] | null;
  /** CPU the engine's process used, start-up included. */
  cpu_seconds: number | null;
  failure: string | null;
}

function openRunReport(target: string, rate: number, connections: number, run: EngineRun, stats: TargetStats | null): OpenRun {
  const res = run.result;
  const m = res?.metrics;
  const seconds = m?.duration_seconds ?? 0;
  // Whole seconds only: a last partial second would read as a dip.
  const timeline = (res?.timeline ?? []).filter((p) => p.t <= Math.floor(seconds + 1e-6)).map((p) => p.rps);
  const mean = timeline.length ? timeline.reduce((a, b) => a + b, 0) / timeline.length : 0;
  const steady = timeline.slice(1);
  const steadyRps = steady.length ? steady.reduce((a, b) => a + b, 0) / steady.length : null;
  return {
    target,
    target_rps: rate,
    connections,
    achieved_rps: m ? m.requests_per_second : null,
    relative_error_pct: m ? (100 * (m.requests_per_second - rate)) / rate : null,
    requests: m?.total_requests ?? null,
    dropped: m?.dropped_requests ?? null,
    errors: m?.failed_requests ?? null,
    p50_ms: m?.latency_ms.p50 ?? null,
    p99_ms: m?.latency_ms.p99 ?? null,
    timeline_rps: timeline,
    steady_rps: steadyRps,
    steady_error_pct: steadyRps === null ? null : (100 * (steadyRps - rate)) / rate,
    timeline_stddev_pct: timeline.length > 1 && mean > 0 ? (100 * (stddev(timeline) ?? 0)) / mean : null,
    arrivals: stats?.arrivals_per_10ms ?? null,
    gap_ms: stats?.gap_ms ?? null,
    warmup_per_100ms: stats?.warmup_per_100ms ?? null,
    max_gap_at_s: stats?.max_gap_at_s ?? null,
    cpu_seconds: run.load.cpu_seconds,
    failure: run.load.failure,
  };
}

async function openModel(o: Options, nginx: Target, work: string): Promise<OpenRun[]> {
  // Connections enough to ride out a 50 ms hiccup of a shared machine at the full rate: the
  // question here is the scheduler's accuracy, not how few connections a rate can live with.
  const connectionsFor = (rate: number): number => Math.max(50, Math.ceil(rate * 0.05));
  say(`\n== Open-model rate accuracy: ${o.openDuration} s per rate, concurrency max(50, 5% of the rate) (goal: within 1% of the target, no bursts)`);
  const runs: OpenRun[] = [];
  // What a run costs before its first measured request (process start, warm-ups), taken off the
  // CPU of each rate so that its share of a core over the run can be compared across rates.
  note('start-up cost: the engine with a handful of requests');
  const startup = (await runEngine(work, { name: 'start-up', url: nginx.url, concurrency: 50, totalRequests: 50 })).load.cpu_seconds ?? 0;
  for (const rate of o.openRates) {
    note(`open model ${rate} req/s against ${nginx.kind}`);
    const run = await runEngine(work, { name: `open ${rate}`, url: nginx.url, concurrency: connectionsFor(rate), durationSeconds: o.openDuration, rps: rate });
    runs.push(openRunReport(nginx.kind, rate, connectionsFor(rate), run, null));
  }
  // nginx cannot say when requests arrived; a Node target can, to the microsecond, which shows
  // bursts inside a second that a per-second timeline averages away.
  // The arrivals run is at 1,000 req/s when that is one of the rates (10 arrivals per 10 ms window).
  const rate = o.openRates.includes(1000) ? 1000 : (o.openRates[0] ?? 1000);
  note(`open model ${rate} req/s against a Node target recording arrivals`);
  const node = await startNodeTarget({ mode: 'hello' });
  try {
    const run = await runEngine(work, { name: `open ${rate} arrivals`, url: node.url, concurrency: connectionsFor(rate), durationSeconds: o.openDuration, rps: rate });
    runs.push(openRunReport('node (arrivals)', rate, connectionsFor(rate), run, await node.stats()));
  } finally {
    await node.close();
  }
  say(
    table(
      ['target', 'target req/s', 'conns', 'achieved', 'error %', 'after 1st s', 'error %', 'requests', 'dropped', 'errors', 'p50 ms', 'p99 ms', 'per-second sd %', 'arrivals/10ms min/p50/max (mean)', 'CPU s', 'CPU % of a core'],
      runs.map((r) => [
        r.target,
        String(r.target_rps),
        String(r.connections),
        r.failure ? 'failed' : fmt(r.achieved_rps, 1),
        fmt(r.relative_error_pct, 2),
        fmt(r.steady_rps, 1),
        fmt(r.steady_error_pct, 2),
        fmt(r.requests, 0),
        fmt(r.dropped, 0),
        fmt(r.errors, 0),
        fmt(r.p50_ms, 3),
        fmt(r.p99_ms, 3),
        fmt(r.timeline_stddev_pct, 2),
        r.arrivals ? `${r.arrivals.min}/${r.arrivals.p50}/${r.arrivals.max} (${fmt(r.arrivals.mean, 1)})` : '—',
        fmt(r.cpu_seconds, 2),
        r.cpu_seconds === null ? '—' : fmt((100 * Math.max(0, r.cpu_seconds - startup)) / o.openDuration, 0),
      ]),
    ),
  );
  for (const r of runs) {
    if (r.failure) say(`  ${r.target} ${r.target_rps}: ${r.failure}`);
    else say(`  ${r.target} ${r.target_rps}: per-second req/s ${r.timeline_rps.map((v) => fmt(v, 0)).join(' ')}${r.gap_ms ? `; inter-arrival gap p50 ${fmt(r.gap_ms.p50, 3)} ms, p99 ${fmt(r.gap_ms.p99, 3)} ms, max ${fmt(r.gap_ms.max, 3)} ms (ending ${fmt(r.max_gap_at_s, 2)} s after the first request)` : ''}`);
    if (r.warmup_per_100ms) say(`    arrivals per 100 ms over the first 2 s: ${r.warmup_per_100ms.join(' ')}`);
  }
  say('("after 1st s": the mean of the per-second timeline without its first second, i.e. once the JIT is warm;');
  say(` "CPU s": what the engine's process used over the ${o.openDuration} s run, start-up and code warm-up included;`);
  say(` "CPU % of a core": the same less the ${fmt(startup, 2)} CPU s of a run of 50 requests, over the ${o.openDuration} s)`);
  return runs;
}

interface LatencyReport {
  delay_ms: number;
  /** Every run, round by round. */
  rounds: LatencyReport['runs'];
  /** Per tool and concurrency, the median over the rounds. */
  runs: {
    tool: string;
    concurrency: number;
    /** Set on the runs of `rounds`, not on the medians. */
    round?: number;
    requests: number | null;
    p50_ms: number | null;
    p99_ms: number | null;
    server_hold_p50_ms: number | null;
    turnaround_p50_ms: number | null;
    p50_minus_delay_ms: number | null;
    p50_minus_server_ms: number | null;
    failure: string | null;
  }[];
  stall: {
    rate: number;
    duration_seconds: number;
    stall_ms: number;
    stalled: boolean;
    expected_p99_ms: number;
    engine: { p50_ms: number | null; p90_ms: number | null; p99_ms: number | null; max_ms: number | null; service_p99_ms: number | null; dropped: number | null; requests: number | null; failure: string | null };
    autocannon_closed: { p50_ms: number | null; p99_ms: number | null; max_ms: number | null; failure: string | null };
  };
}

type LatencyRun = LatencyReport['runs'][number];

/** One closed-model run of `tool` at `concurrency` against a fresh 20 ms target. */
async function latencyRun(work: string, tool: string, concurrency: number, delay: number, seconds: number): Promise<LatencyRun> {
  const target = await startNodeTarget({ mode: 'delay', delayMs: delay });
  try {
    let load: { requests: number | null; p50_ms: number | null; p99_ms: number | null; failure: string | null };
    if (tool === 'engine') {
      const run = await runEngine(work, { name: `latency c${concurrency}`, url: target.url, concurrency, durationSeconds: seconds });
      load = { requests: run.result?.metrics.total_requests ?? null, p50_ms: run.load.p50_ms, p99_ms: run.load.p99_ms, failure: run.load.failure };
    } else if (tool === 'wrk') {
      const w = await runWrk(target.url, concurrency, seconds);
      load = { requests: w.failure ? null : w.requests, p50_ms: w.p50_ms, p99_ms: w.p99_ms, failure: w.failure };
    } else {
      load = await runNetClient(target.url, concurrency, seconds);
    }
    const stats = await target.stats();
    const p50 = load.failure ? null : load.p50_ms;
    return {
      tool,
      concurrency,
      requests: load.requests,
      p50_ms: p50,
      p99_ms: load.p99_ms,
      server_hold_p50_ms: stats.hold_ms.p50,
      turnaround_p50_ms: stats.turnaround_ms.p50,
      p50_minus_delay_ms: p50 === null ? null : p50 - delay,
      p50_minus_server_ms: p50 === null ? null : p50 - stats.hold_ms.p50,
      failure: load.failure,
    };
  } finally {
    await target.close();
  }
}

const LATENCY_TOOLS = ['engine', 'node:net', 'wrk'] as const;

async function latency(o: Options, work: string): Promise<LatencyReport> {
  const delay = 20;
  const seconds = 3;
  say(`\n== Latency accuracy: closed model against a Node target that answers after exactly ${delay} ms (nginx cannot delay without modules)`);
  say(`${o.rounds} rounds of ${seconds} s runs, alternating engine → node:net → wrk at each concurrency, each against a fresh target`);
  const runs: LatencyRun[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    for (const c of [1, 4]) {
      for (const tool of LATENCY_TOOLS) {
        note(`round ${round}: ${tool}, concurrency ${c}, against the ${delay} ms target`);
        runs.push({ ...(await latencyRun(work, tool, c, delay, seconds)), round });
      }
    }
  }
  const row = (r: Pick<LatencyRun, 'p50_ms' | 'p99_ms' | 'server_hold_p50_ms' | 'p50_minus_delay_ms' | 'p50_minus_server_ms' | 'turnaround_p50_ms' | 'failure'>): string[] => [
    r.failure ? 'failed' : fmt(r.p50_ms, 3),
    fmt(r.p99_ms, 3),
    fmt(r.server_hold_p50_ms, 3),
    fmt(r.p50_minus_delay_ms, 3),
    fmt(r.p50_minus_server_ms, 3),
    fmt(r.turnaround_p50_ms, 3),
  ];
  say(
    table(
      ['round', 'tool', 'conc.', 'requests', 'p50 ms', 'p99 ms', 'server-side p50 ms', 'p50 − 20 ms', 'p50 − server', 'turnaround p50 ms'],
      runs.map((r) => [String(r.round ?? ''), r.tool, String(r.concurrency), fmt(r.requests, 0), ...row(r)]),
      3,
    ),
  );
  const medians: LatencyRun[] = [];
  for (const c of [1, 4]) {
    for (const tool of LATENCY_TOOLS) {
      const mine = runs.filter((r) => r.tool === tool && r.concurrency === c && !r.failure);
      const m = (pick: (r: LatencyRun) => number | null): number | null => median(mine.map(pick).filter((v): v is number => v !== null));
      medians.push({
        tool,
        concurrency: c,
        requests: m((r) => r.requests),
        p50_ms: m((r) => r.p50_ms),
        p99_ms: m((r) => r.p99_ms),
        server_hold_p50_ms: m((r) => r.server_hold_p50_ms),
        turnaround_p50_ms: m((r) => r.turnaround_p50_ms),
        p50_minus_delay_ms: m((r) => r.p50_minus_delay_ms),
        p50_minus_server_ms: m((r) => r.p50_minus_server_ms),
        failure: mine.length === 0 ? (runs.find((r) => r.tool === tool && r.concurrency === c)?.failure ?? 'no run') : null,
      });
    }
  }
  say('median over the rounds:');
  say(
    table(
      ['tool', 'conc.', 'p50 ms', 'p99 ms', 'server-side p50 ms', 'p50 − 20 ms', 'p50 − server', 'turnaround p50 ms'],
      medians.map((r) => [r.tool, String(r.concurrency), ...row(r)]),
    ),
  );
  say('(goal: engine p50 within 0.3 ms of what the server did; "server-side" is the time the target held each request, so p50 − server is loopback + client overhead;');
  say(' "turnaround": from the target\'s answer to the next request on that connection, as the target saw it;');
  say(' node:net: a bare Node socket loop with no HTTP parsing, the floor for any Node client on this machine; wrk: C, for reference)');
  for (const r of runs) if (r.failure) say(`  round ${r.round} ${r.tool} c${r.concurrency}: ${r.failure}`);

  // A 1 s freeze of the whole target in the middle of an open-model run. An open-model tool keeps
  // sending on schedule and measures from the due time, so every request due during the freeze
  // counts the wait: with rate R over D seconds and a freeze of S, the slowest R·S requests take
  // 0..S, so p99 ≈ S − 1% of D. A closed-model tool sends nothing while it waits and hides it.
  const rate = 200;
  const duration = 6;
  const stallMs = 1000;
  const expectedP99 = stallMs - 0.01 * duration * 1000;
  say(`\n== A ${stallMs} ms stall of the target ${2.5} s into a ${duration} s open-model run at ${rate} req/s (concurrency 400, so nothing is dropped)`);
  note('engine, open model, against the stalling target');
  const stallTarget = await startNodeTarget({ mode: 'stall', stallAfterMs: 2500, stallMs });
  let engineStall: LatencyReport['stall']['engine'];
  let stalled = false;
  try {
    const run = await runEngine(work, { name: 'stall', url: stallTarget.url, concurrency: 400, durationSeconds: duration, rps: rate });
    stalled = (await stallTarget.stats()).stalled;
    const m = run.result?.metrics;
    engineStall = {
      p50_ms: m?.latency_ms.p50 ?? null,
      p90_ms: m?.latency_ms.p90 ?? null,
      p99_ms: m?.latency_ms.p99 ?? null,
      max_ms: m?.latency_ms.max ?? null,
      service_p99_ms: m?.service_time_ms.p99 ?? null,
      dropped: m?.dropped_requests ?? null,
      requests: m?.total_requests ?? null,
      failure: run.load.failure,
    };
  } finally {
    await stallTarget.close();
  }
  note('autocannon (closed model, 10 connections) against the same stall, for contrast');
  const acTarget = await startNodeTarget({ mode: 'stall', stallAfterMs: 2500, stallMs });
  let acStall: LatencyReport['stall']['autocannon_closed'];
  try {
    const ac = await runAutocannon(work, acTarget.url, 10, duration);
    acStall = { p50_ms: ac.p50_ms, p99_ms: ac.p99_ms, max_ms: ac.max_ms, failure: ac.failure };
  } finally {
    await acTarget.close();
  }
  say(
    table(
      ['run', 'requests', 'dropped', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'service-time p99 ms'],
      [
        ['engine (open model)', fmt(engineStall.requests, 0), fmt(engineStall.dropped, 0), fmt(engineStall.p50_ms, 2), fmt(engineStall.p90_ms, 2), fmt(engineStall.p99_ms, 2), fmt(engineStall.max_ms, 2), fmt(engineStall.service_p99_ms, 2)],
        ['autocannon (closed, c10)', '', '', fmt(acStall.p50_ms, 0), '', fmt(acStall.p99_ms, 0), fmt(acStall.max_ms, 0), ''],
      ],
    ),
  );
  say(`expected p99 for a tool without coordinated omission ≈ ${fmt(expectedP99, 0)} ms (wrk2's argument); the target ${stalled ? 'did' : 'did NOT'} stall`);
  if (engineStall.failure) say(`  engine: ${engineStall.failure}`);
  return {
    delay_ms: delay,
    rounds: runs,
    runs: medians,
    stall: { rate, duration_seconds: duration, stall_ms: stallMs, stalled, expected_p99_ms: expectedP99, engine: engineStall, autocannon_closed: acStall },
  };
}

interface MemoryRun {
  requests: number;
  /** Engine threads asked for (the spec's `workers`); null: the spec's default. */
  workers: number | null;
  /** Threads the result says it used. */
  workers_used: number | null;
  completed: number | null;
  rps: number | null;
  max_rss_mb: number | null;
  processes: EngineRun['processes'];
  failure: string | null;
}

interface MemoryReport {
  target: string;
  /** The two request counts compared. */
  requests: [number, number];
  runs: MemoryRun[];
  /** Peak RSS after the larger count less after the smaller, on one thread (default workers). */
  difference_mb: number | null;
  /** The same with `workers: 2`. */
  difference_workers_mb: number | null;
}

async function memory(o: Options, nginx: Target, work: string): Promise<MemoryReport> {
  say(`\n== Peak RSS of the engine process, closed model, 50 connections, on one thread and on 2 worker threads (goal: ${o.memoryRequests[1]} within 20 MB of ${o.memoryRequests[0]})`);
  const runs: MemoryRun[] = [];
  // A tiny run first: what the process costs before any request volume (code, schema, buffers).
  const plan: Array<{ n: number; workers: number | null }> = [
    ...[1000, ...o.memoryRequests].map((n) => ({ n, workers: null })),
    ...[1000, ...o.memoryRequests].map((n) => ({ n, workers: 2 })),
  ];
  for (const { n, workers } of plan) {
    note(`engine, ${n} requests${workers === null ? '' : `, workers: ${workers}`}`);
    const run = await runEngine(work, { name: `memory ${n}`, url: nginx.url, concurrency: 50, totalRequests: n, ...(workers === null ? {} : { workers }) });
    runs.push({
      requests: n,
      workers,
      workers_used: run.result?.workers ?? null,
      completed: run.result?.metrics.total_requests ?? null,
      rps: run.result?.metrics.requests_per_second ?? null,
      max_rss_mb: run.load.max_rss_mb,
      processes: run.processes,
      failure: run.load.failure,
    });
  }
  const diff = (workers: number | null): number | null => {
    const a = runs.find((r) => r.workers === workers && r.requests === o.memoryRequests[0]);
    const b = runs.find((r) => r.workers === workers && r.requests === o.memoryRequests[1]);
    return a?.max_rss_mb != null && b?.max_rss_mb != null ? b.max_rss_mb - a.max_rss_mb : null;
  };
  const difference = diff(null);
  const differenceWorkers = diff(2);
  say(
    table(
      ['requests', 'workers', 'threads used', 'completed', 'req/s', 'peak RSS MiB', 'processes (script: MiB)'],
      runs.map((r) => [
        String(r.requests),
        r.workers === null ? 'default' : String(r.workers),
        fmt(r.workers_used, 0),
        fmt(r.completed, 0),
        fmt(r.rps, 0),
        r.failure ? 'failed' : fmt(r.max_rss_mb, 1),
        r.processes.map((p) => `${p.script.split('/').pop()}: ${fmt(p.max_rss_mb, 1)}`).join(', '),
      ]),
    ),
  );
  say(`difference ${o.memoryRequests[1]} − ${o.memoryRequests[0]}: ${fmt(difference, 1)} MiB on the default threads, ${fmt(differenceWorkers, 1)} MiB with workers: 2 (the 1000-request runs are the baselines: code, schema, buffers, and the worker threads' own heaps)`);
  for (const r of runs) if (r.failure) say(`  ${r.requests} (workers ${r.workers ?? 'default'}): ${r.failure}`);
  return { target: nginx.kind, requests: o.memoryRequests, runs, difference_mb: difference, difference_workers_mb: differenceWorkers };
}

interface ProfileReport {
  file: string | null;
  summary: ProfileSummary | null;
  steady: ProfileSummary | null;
  failure: string | null;
}

async function profile(o: Options, nginx: Target, work: string): Promise<ProfileReport> {
  say(`\n== CPU profile of the engine, closed model, ${o.connections} connections, ${o.duration} s against ${nginx.kind}`);
  const run = await runEngine(work, { name: 'profile', url: nginx.url, concurrency: o.connections, durationSeconds: o.duration }, { cpuProfile: true });
  const dir = run.profileDir;
  const files = dir && existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (!dir || files.length === 0) return { file: null, summary: null, steady: null, failure: run.load.failure ?? 'no profile written' };
  // With a forked engine there is one profile per process: the busiest one is the engine.
  const busy = (x: ProfileSummary): number => x.total_ms - (x.by_origin.find((y) => y.origin === '(idle)')?.self_ms ?? 0);
  let best: { file: string; summary: ProfileSummary } | null = null;
  for (const f of files) {
    const summary = summariseProfile(readProfile(join(dir, f)), 25);
    if (!best || busy(summary) > busy(best.summary)) best = { file: join(dir, f), summary };
  }
  if (!best) return { file: null, summary: null, steady: null, failure: 'no profile' };
  const kept = join(ROOT, 'bench', 'results', 'engine.cpuprofile');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(kept, JSON.stringify(readProfile(best.file)));
  // Loading the bundle and compiling the schema take most of the first second; the run's hot
  // path is what follows.
  const steady = summariseProfile(readProfile(best.file), 25, 1.5);
  say(`engine req/s while profiled: ${fmt(run.load.rps, 0)} (profiling slows it down)`);
  say('whole process:');
  say(formatProfile({ ...best.summary, top: best.summary.top.slice(0, 12) }));
  say('\nfrom 1.5 s after the process started (the hot path, without start-up):');
  say(formatProfile(steady));
  say(`profile kept at ${kept.replace(`${ROOT}/`, '')}`);
  return { file: kept, summary: best.summary, steady, failure: run.load.failure };
}

// ---------------------------------------------------------------------------------------------

interface Goal {
  goal: string;
  actual: string;
  met: boolean | null;
}

function goals(r: { throughput?: ThroughputReport; open?: OpenRun[]; latency?: LatencyReport; memory?: MemoryReport; rest?: RestReport; scaling?: ScalingReport; flows?: FlowsReport }): Goal[] {
  const g: Goal[] = [];
  for (const p of r.flows?.pairs ?? []) {
    g.push({ goal: `${p.label}: ≥ ${p.goal_ratio}× req/s`, actual: p.median_ratio === null ? 'n/a' : `${fmt(p.median_ratio, 2)}×`, met: p.median_ratio === null ? null : p.median_ratio >= p.goal_ratio });
  }
  if (r.scaling) {
    const x = r.scaling.per_cpu_ratio_2_over_1;
    const floor = r.scaling.per_cpu_ratios_2_over_1;
    g.push({
      goal: '2 worker threads ≥ 1.0× the requests per CPU-second of 1 (steady, median of rounds)',
      actual:
        x === null
          ? 'n/a (fewer than 2 cores, or a run failed)'
          : `${fmt(x, 2)}× (whole run ${fmt(floor.engine, 2)}×; bare undici threads ${fmt(floor.undici, 2)}×, node:net ${fmt(floor['node:net'], 2)}×, autocannon -w ${fmt(floor.autocannon, 2)}×, wrk -t ${fmt(floor.wrk, 2)}×)`,
      met: x === null ? null : x >= 1.0,
    });
    const sums = r.scaling.rows.map((row) => row.merged_totals_equal_sum);
    g.push({ goal: "merged totals equal the sum of the threads' own", actual: `${sums.filter((s) => s === true).length} of ${sums.length} runs`, met: sums.every((s) => s === true) });
  }
  if (r.throughput) {
    const x = r.throughput.ratio_engine_autocannon;
    const c = r.throughput.cpu_ratio_engine_autocannon;
    g.push({ goal: 'closed-model throughput ≥ 1.0× autocannon (aim 1.2×)', actual: x === null ? 'n/a' : `${fmt(x, 2)}× req/s (${fmt(c, 2)}× req per CPU-s)`, met: x === null ? null : x >= 1.0 });
  }
  for (const o of r.open ?? []) {
    if (o.target !== 'nginx' && o.target !== 'node') continue;
    const e = o.relative_error_pct;
    g.push({
      goal: `open model ${o.target_rps} req/s within 1%`,
      actual: e === null ? 'n/a' : `${fmt(o.achieved_rps, 1)} req/s (${fmt(e, 2)}%), dropped ${fmt(o.dropped, 0)}`,
      met: e === null ? null : Math.abs(e) <= 1,
    });
  }
  const arrivals = r.open?.find((o) => o.arrivals);
  if (arrivals?.arrivals) {
    const a = arrivals.arrivals;
    // At a steady rate each 10 ms bucket holds rate/100 arrivals; a burst piles several buckets' worth into one.
    const expected = arrivals.target_rps / 100;
    g.push({ goal: `no bursts at ${arrivals.target_rps} req/s (max arrivals per 10 ms ≤ 2× the ${fmt(expected, 0)} due)`, actual: `max ${a.max}, sd ${fmt(a.stddev, 2)}`, met: a.max <= 2 * expected });
  }
  if (r.latency) {
    const runs = r.latency.runs;
    for (const run of runs.filter((x) => x.tool === 'engine')) {
      // Judged against what the target really held each request: on a busy machine the target
      // itself overshoots 20 ms, and that is not the load generator's error.
      const d = run.p50_minus_server_ms;
      const sign = (v: number | null): string => (v === null ? '—' : `${v >= 0 ? '+' : ''}${fmt(v, 3)}`);
      const floor = runs.find((x) => x.tool === 'node:net' && x.concurrency === run.concurrency)?.p50_minus_server_ms ?? null;
      g.push({
        goal: `p50 vs a fixed 20 ms server within 0.3 ms of what the server did (c${run.concurrency}, median of rounds)`,
        actual: d === null ? 'n/a' : `${fmt(run.p50_ms, 3)} ms: ${sign(d)} vs server-side (bare node:net ${sign(floor)}), ${sign(run.p50_minus_delay_ms)} vs 20 ms`,
        met: d === null ? null : Math.abs(d) <= 0.3,
      });
    }
    const s = r.latency.stall;
    g.push({
      goal: `a ${s.stall_ms} ms stall shows in the open-model p99 (≈ ${fmt(s.expected_p99_ms, 0)} ms)`,
      actual: s.engine.p99_ms === null ? 'n/a' : `p99 ${fmt(s.engine.p99_ms, 1)} ms`,
      met: s.engine.p99_ms === null ? null : s.engine.p99_ms >= 0.8 * s.expected_p99_ms,
    });
  }
  if (r.memory) {
    const [a, b] = r.memory.requests;
    // 20 MB = 19.07 MiB; RSS is reported in MiB.
    for (const [workers, d] of [[null, r.memory.difference_mb], [2, r.memory.difference_workers_mb]] as const) {
      const x = r.memory.runs.find((run) => run.workers === workers && run.requests === a);
      const y = r.memory.runs.find((run) => run.workers === workers && run.requests === b);
      g.push({
        goal: `peak RSS after ${b} requests within 20 MB of after ${a}${workers === null ? '' : ` (workers: ${workers})`}`,
        actual: d === null ? 'n/a' : `${d >= 0 ? '+' : ''}${fmt(d, 1)} MiB (${fmt(x?.max_rss_mb, 1)} → ${fmt(y?.max_rss_mb, 1)})`,
        met: d === null ? null : d <= 20 / 1.048576,
      });
    }
  }
  if (r.rest) {
    const m = r.rest.median;
    g.push({
      goal: 'engine process RSS at rest < 80 MiB',
      actual: m.engine_at_rest_mb === null ? 'n/a' : `${fmt(m.engine_at_rest_mb, 1)} MiB (started ${fmt(m.engine_started_mb, 1)}; floor: bare node ${fmt(m.bare_node_mb, 1)}, undici + hdr ${fmt(m.node_undici_hdr_mb, 1)} loaded, ${fmt(m.node_undici_hdr_at_rest_mb, 1)} at rest after the same requests)`,
      met: m.engine_at_rest_mb === null ? null : m.engine_at_rest_mb < 80,
    });
  }
  return g;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'atm-bench-'));
  const onSignal = (sig: NodeJS.Signals): void => {
    killAll();
    rmSync(work, { recursive: true, force: true });
    process.stderr.write(`bench: stopped by ${sig}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let nginx: Target | null = null;
  let niceNote = '';
  if (o.nice !== null) {
    // Inherited by every process the bench starts: the tools and the targets alike.
    try {
      setPriority(o.nice);
      niceNote = `; every process at nice ${o.nice}`;
    } catch (err) {
      niceNote = `; --nice ${o.nice} refused (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  try {
    if (o.build) {
      note('building dist/cli.js, dist/engine.js and dist/worker.js');
      const b = spawnSync(process.execPath, ['esbuild.mjs', 'cli', 'engine', 'worker'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      if (b.status !== 0) say(`warning: the build failed, using dist/ as it is:\n${(b.stderr || b.stdout).trim()}`);
    }
    const needsNginx = o.only.some((s) => s === 'throughput' || s === 'open' || s === 'memory' || s === 'rest' || s === 'flows' || s === 'profile');
    let targetNote = '';
    if (needsNginx) {
      try {
        nginx = await startNginx(join(work, 'nginx'));
        targetNote = `nginx ${nginx.version} on ${nginx.url} (1 worker, access_log off, 5-byte body)${nginx.note ? `; ${nginx.note}` : ''}`;
      } catch (err) {
        nginx = await startNodeTarget({ mode: 'hello' });
        targetNote = `NODE TARGET on ${nginx.url}: nginx is unavailable (${err instanceof Error ? err.message : String(err)}), so the target may be the bottleneck`;
      }
    }
    say('API Test Machine benchmark');
    say(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}; autocannon ${autocannonVersion()}; wrk ${wrkVersion()}; engine ${CLI.replace(`${ROOT}/`, '')}`);
    if (needsNginx) say(`target: ${targetNote}`);
    const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
    const loadAtStart = load();
    say(`load average at start: ${loadAtStart} (on ${cpus().length} cores; other work on the machine makes every figure noisier, the ratios less so)${niceNote}`);
    say('engine runs: `node dist/cli.js run <generated spec> --json <file> --quiet`, one process per run, every metric on');

    const report: Record<string, unknown> = {
      started_at: new Date(started).toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? null, node: process.version, autocannon: autocannonVersion(), wrk: wrkVersion(), load_average_at_start: loadAtStart },
      target: targetNote,
      options: o,
    };
    const sections: Parameters<typeof goals>[0] = {};
    if (nginx && o.only.includes('throughput')) report.throughput = sections.throughput = await throughput(o, nginx, work);
    if (nginx && o.only.includes('open')) report.open = sections.open = await openModel(o, nginx, work);
    if (o.only.includes('latency')) report.latency = sections.latency = await latency(o, work);
    if (nginx && o.only.includes('memory')) report.memory = sections.memory = await memory(o, nginx, work);
    if (nginx && o.only.includes('rest')) report.rest = sections.rest = await restSection(o, nginx, work, { say, note });
    if (o.only.includes('scaling')) report.scaling = sections.scaling = await scaling(o, work, { say, note });
    if (nginx && o.only.includes('flows')) report.flows = sections.flows = await flowsSection(o, nginx, work, say, note);
    if (nginx && o.only.includes('profile')) report.profile = await profile(o, nginx, work);

    const g = goals(sections);
    if (g.length) {
      say('\n== Goals');
      say(table(['', 'goal', 'measured'], g.map((x) => [x.met === null ? '?' : x.met ? '✓' : '✗', x.goal, x.actual]), 3));
    }
    report.goals = g;
    report.elapsed_seconds = (Date.now() - started) / 1000;
    report.load_average_at_end = load();
    say(`\nload average at the end: ${load()}`);
    mkdirSync(join(o.out, '..'), { recursive: true });
    writeFileSync(o.out, JSON.stringify(report, null, 2) + '\n');
    say(`\nresults: ${o.out.replace(`${ROOT}/`, '')}  (${fmt((Date.now() - started) / 1000, 0)} s)`);
  } finally {
    if (nginx) await nginx.close();
    killAll();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  killAll();
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
