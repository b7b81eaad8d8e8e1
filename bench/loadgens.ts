// The load generators under comparison: this engine (through `atm run`, in its own process, every
// metric on), autocannon (npm) and wrk (Debian). Each runs as a separate process against the same
// URL with the same connections and duration; each parser turns the tool's own report into the
// same small record.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunResult } from '../engine/format/result';
import { run, tail } from './proc';
import { aptInstall } from './targets';

export const ROOT = resolve(__dirname, '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export interface LoadResult {
  tool: 'engine' | 'autocannon' | 'wrk';
  /** Completed requests per second. */
  rps: number;
  requests: number;
  seconds: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  errors: number;
  /** Peak RSS of the load generator's busiest process, when known (MiB). */
  max_rss_mb: number | null;
  /** Engine only: mean req/s of the whole seconds after the first (the timeline), i.e. once warm. */
  steady_rps?: number | null;
  /** CPU seconds (user + system) the load generator used, start-up included, when known. */
  cpu_seconds: number | null;
  /** Set when the tool failed: what it said. */
  failure: string | null;
}

function failed(tool: LoadResult['tool'], failure: string): LoadResult {
  return { tool, rps: 0, requests: 0, seconds: 0, p50_ms: null, p99_ms: null, max_ms: null, errors: 0, max_rss_mb: null, cpu_seconds: null, failure };
}

// ---------------------------------------------------------------------------------------------
// The engine

export interface EngineLoad {
  name: string;
  url: string;
  concurrency: number;
  durationSeconds?: number;
  totalRequests?: number;
  /** Open model when set. */
  rps?: number;
  timeoutSeconds?: number;
  /** Engine threads (the spec's `workers`); default: the spec's default. */
  workers?: number;
  /** A whole spec instead of the one generated from the fields above (they still bound the run's time). */
  yaml?: string;
}

/** A run's steady state: after its first measured second, before its end, start-up and teardown left out. */
export interface SteadyWindow {
  /** Mean completed requests per second over the timeline's whole seconds after the first. */
  rps: number;
  /** CPU seconds the whole process used per second of the window (all threads). */
  cpu_per_second: number;
  req_per_cpu_second: number;
  /** The window the CPU was read over, seconds. */
  seconds: number;
}

/** The mean of the timeline's req/s over its whole seconds after the first (null when there are none). */
function rpsAfterFirstSecond(result: RunResult): number | null {
  const seconds = result.timeline.filter((p) => p.t >= 2 && p.t <= Math.floor(result.metrics.duration_seconds + 1e-6));
  return seconds.length > 0 ? seconds.reduce((a, p) => a + p.rps, 0) / seconds.length : null;
}

/** How far into the run the steady window starts, and how long before its end it stops. */
const STEADY_FROM_S = 1.2;
const STEADY_STOP_BEFORE_END_S = 0.4;

/**
 * The steady window of a closed-model run from its result and the process's CPU samples. The
 * result's completed_at is taken as the end of the measured window (it is written a moment
 * after it: the window stops short of it, so worker teardown and merging stay outside).
 */
export function steadyWindow(result: RunResult, cpu: Array<[number, number]>): SteadyWindow | null {
  const duration = result.metrics.duration_seconds;
  const end = Date.parse(result.completed_at);
  const from = end - (duration - STEADY_FROM_S) * 1000;
  const to = end - STEADY_STOP_BEFORE_END_S * 1000;
  if (!(to - from >= 1000) || cpu.length < 2) return null;
  const at = (t: number): number | null => {
    for (let i = 1; i < cpu.length; i++) {
      const [t1, c1] = cpu[i];
      const [t0, c0] = cpu[i - 1];
      if (t1 >= t && t0 <= t) return c0 + ((c1 - c0) * (t - t0)) / Math.max(1, t1 - t0);
    }
    return null;
  };
  const c0 = at(from);
  const c1 = at(to);
  const rps = rpsAfterFirstSecond(result);
  if (c0 === null || c1 === null || rps === null) return null;
  const cpuPerSecond = (c1 - c0) / 1e6 / ((to - from) / 1000);
  return { rps, cpu_per_second: cpuPerSecond, req_per_cpu_second: cpuPerSecond > 0 ? rps / cpuPerSecond : 0, seconds: (to - from) / 1000 };
}

export interface EngineRun {
  /** Set when asked for (`steady`) and the run was long enough. */
  steady: SteadyWindow | null;
  load: LoadResult;
  result: RunResult | null;
  /** Peak RSS of each Node process the run used (the CLI, and the engine if it forks one). */
  processes: ProcessRss[];
  profileDir: string | null;
}

function specYaml(load: EngineLoad): string {
  const lines = [
    `name: ${JSON.stringify(load.name)}`,
    `url: ${JSON.stringify(load.url)}`,
    `method: GET`,
    `concurrency: ${load.concurrency}`,
    `timeout_seconds: ${load.timeoutSeconds ?? 10}`,
  ];
  if (load.durationSeconds !== undefined) lines.push(`duration_seconds: ${load.durationSeconds}`);
  if (load.totalRequests !== undefined) lines.push(`total_requests: ${load.totalRequests}`);
  if (load.rps !== undefined) lines.push(`requests_per_second: ${load.rps}`);
  if (load.workers !== undefined) lines.push(`workers: ${load.workers}`);
  return lines.join('\n') + '\n';
}

// Loaded into every Node process of an engine run (NODE_OPTIONS is inherited by forked children):
// records the process's peak RSS as it exits, which /proc can no longer tell once it has. With
// ATM_BENCH_CPU_SAMPLE_MS it also samples the whole process's CPU time (all threads) on its main
// thread, so that a run's steady window can be told from its start-up.
const RSS_PRELOAD = `'use strict';
const fs = require('fs');
const path = require('path');
const { isMainThread } = require('worker_threads');
if (isMainThread) {
  const cpu = [];
  const every = Number(process.env.ATM_BENCH_CPU_SAMPLE_MS || 0);
  const sample = () => { const u = process.cpuUsage(); cpu.push([Date.now(), u.user + u.system]); };
  if (every > 0) { sample(); setInterval(sample, every).unref(); }
  process.on('exit', () => {
    try {
      const dir = process.env.ATM_BENCH_RSS_DIR;
      if (!dir) return;
      if (every > 0) sample();
      fs.writeFileSync(path.join(dir, 'rss-' + process.pid + '.json'), JSON.stringify({
        pid: process.pid, script: process.argv[1] || '', maxRssKb: process.resourceUsage().maxRSS, cpu,
      }));
    } catch {}
  });
}
`;

let runCounter = 0;
/** How often the CPU samples for a steady window are taken. */
const CPU_SAMPLE_MS = 100;

export interface ProcessRss {
  pid: number;
  script: string;
  max_rss_mb: number;
  /** [epoch ms, CPU µs of the whole process so far], when sampled. */
  cpu: Array<[number, number]>;
}

/** Environment that makes every Node process of a run record its peak RSS into `dir`. */
function rssProbe(dir: string, cpuSampleMs = 0): { env: NodeJS.ProcessEnv; read(): ProcessRss[] } {
  const rssDir = join(dir, 'rss');
  mkdirSync(rssDir, { recursive: true });
  const preload = join(dir, 'rss-preload.cjs');
  writeFileSync(preload, RSS_PRELOAD);
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', `--require=${preload}`].join(' ').trim();
  return {
    env: { ...process.env, NODE_OPTIONS: nodeOptions, ATM_BENCH_RSS_DIR: rssDir, ATM_BENCH_CPU_SAMPLE_MS: String(cpuSampleMs) },
    read: () =>
      readdirSync(rssDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(rssDir, f), 'utf8')) as { pid: number; script: string; maxRssKb: number; cpu?: Array<[number, number]> })
        .map((p) => ({ pid: p.pid, script: p.script, max_rss_mb: p.maxRssKb / 1024, cpu: p.cpu ?? [] })),
  };
}

export async function runEngine(workDir: string, load: EngineLoad, opts: { cpuProfile?: boolean; steady?: boolean } = {}): Promise<EngineRun> {
  const dir = join(workDir, `engine-${++runCounter}`);
  mkdirSync(dir, { recursive: true });
  const specFile = join(dir, 'bench.atm.yaml');
  writeFileSync(specFile, load.yaml ?? specYaml(load));
  const out = join(dir, 'result.json');
  const profileDir = opts.cpuProfile ? join(dir, 'profile') : null;
  const probe = rssProbe(dir, opts.steady ? CPU_SAMPLE_MS : 0);
  // --cpu-prof is refused in NODE_OPTIONS, so it profiles the CLI process, which runs the engine.
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const limitSeconds = (load.durationSeconds ?? 0) + (load.totalRequests ? load.totalRequests / 5000 : 0) + 60;
  // The bench chooses its loads on purpose: lift the CLI's caps to the format's own limits.
  const caps = ['--max-concurrency', '100000', '--max-rps', '1000000', '--max-duration', '604800'];
  const res = await run(process.execPath, [...profileArgs, CLI, 'run', specFile, '--json', out, '--quiet', ...caps], limitSeconds * 1000, { cwd: dir, env: probe.env });
  const processes = probe.read();
  const engineProc = processes.find((p) => /engine\.js$/.test(p.script)) ?? processes.find((p) => /cli\.js$/.test(p.script));
  let result: RunResult | null = null;
  if (existsSync(out)) {
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as RunResult | RunResult[];
    result = Array.isArray(parsed) ? (parsed[0] ?? null) : parsed;
  }
  if (!result || res.timedOut) {
    const why = res.timedOut ? `killed after ${Math.round(limitSeconds)} s` : `exit ${res.code}${res.signal ? ` (${res.signal})` : ''}, no result`;
    return { load: failed('engine', `${why}: ${tail(res.stderr || res.stdout, 3)}`), result, processes, profileDir, steady: null };
  }
  const m = result.metrics;
  const load_: LoadResult = {
    steady_rps: rpsAfterFirstSecond(result),
    tool: 'engine',
    rps: m.requests_per_second,
    requests: m.total_requests,
    seconds: m.duration_seconds,
    p50_ms: m.latency_ms.p50,
    p99_ms: m.latency_ms.p99,
    max_ms: m.latency_ms.max,
    errors: m.failed_requests,
    max_rss_mb: engineProc?.max_rss_mb ?? res.usage?.max_rss_mb ?? null,
    // With a forked engine GNU time sees only the CLI; the engine's own CPU would be missing.
    cpu_seconds: processes.some((p) => /engine\.js$/.test(p.script)) ? null : (res.usage?.cpu_seconds ?? null),
    failure: result.status === 'failed' ? `run failed: ${result.error ?? ''}` : null,
  };
  const steady = opts.steady && engineProc !== undefined && load_.failure === null ? steadyWindow(result, engineProc.cpu) : null;
  return { load: load_, result, processes, profileDir, steady };
}

// ---------------------------------------------------------------------------------------------
// autocannon

interface AutocannonJson {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p50: number; p99: number; max: number };
  requests: { total: number; average: number };
}

export function autocannonScript(): string | null {
  const p = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
  return existsSync(p) ? p : null;
}

export function autocannonVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'autocannon', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

/** `amount` instead of a duration sends that many requests (used to measure start-up cost). */
export async function runAutocannon(workDir: string, url: string, connections: number, seconds: number, amount?: number, workers?: number): Promise<LoadResult> {
  const script = autocannonScript();
  if (!script) return failed('autocannon', 'node_modules/autocannon is missing (npm install)');
  const dir = join(workDir, `autocannon-${++runCounter}`);
  mkdirSync(dir, { recursive: true });
  const probe = rssProbe(dir);
  const load = amount !== undefined ? ['-a', String(amount)] : ['-d', String(seconds)];
  if (workers !== undefined && workers > 1) load.push('-w', String(workers));
  const res = await run(process.execPath, [script, '-c', String(connections), ...load, '--json', url], (seconds + 30) * 1000, {
    cwd: ROOT,
    env: probe.env,
  });
  const rss = probe.read().find((p) => p.script.endsWith('autocannon.js'));
  const start = res.stdout.indexOf('{');
  if (res.code !== 0 || start < 0) return failed('autocannon', `exit ${res.code}: ${tail(res.stderr, 3)}`);
  const j = JSON.parse(res.stdout.slice(start)) as AutocannonJson;
  return {
    tool: 'autocannon',
    rps: j.requests.total / j.duration,
    requests: j.requests.total,
    seconds: j.duration,
    p50_ms: j.latency.p50,
    p99_ms: j.latency.p99,
    max_ms: j.latency.max,
    errors: j.errors + j.timeouts + j.non2xx,
    max_rss_mb: rss?.max_rss_mb ?? res.usage?.max_rss_mb ?? null,
    cpu_seconds: res.usage?.cpu_seconds ?? null,
    failure: null,
  };
}

// ---------------------------------------------------------------------------------------------
// wrk

function findWrk(): string | null {
  for (const p of ['/usr/bin/wrk', '/usr/local/bin/wrk']) if (existsSync(p)) return p;
  return null;
}

let wrkInstallTried = false;

/** wrk from Debian, installed (once) when missing. */
export function wrkPath(): string | null {
  const found = findWrk();
  if (found !== null || wrkInstallTried) return found;
  wrkInstallTried = true;
  aptInstall('wrk');
  return findWrk();
}

function durationMs(value: string, unit: string): number {
  const v = Number(value);
  switch (unit) {
    case 'us':
      return v / 1000;
    case 'ms':
      return v;
    case 's':
      return v * 1000;
    case 'm':
      return v * 60_000;
    default:
      return Number.NaN;
  }
}

/** Parses `wrk --latency` output. */
export function parseWrk(text: string): Omit<LoadResult, 'tool' | 'max_rss_mb' | 'cpu_seconds' | 'failure'> | null {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(text);
  if (!rps || !total) return null;
  const pct = (p: string): number | null => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return m ? durationMs(m[1] ?? '', m[2] ?? '') : null;
  };
  // "Latency   avg unit   stdev unit   max unit   +/- stdev"
  const max = /^\s+Latency\s+[\d.]+(?:us|ms|s|m)\s+[\d.]+(?:us|ms|s|m)\s+([\d.]+)(us|ms|s|m)/m.exec(text);
  let errors = 0;
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
  if (non2xx) errors += Number(non2xx[1]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  if (sock) errors += sock.slice(1).reduce((a, b) => a + Number(b), 0);
  return {
    rps: Number(rps[1]),
    requests: Number(total[1]),
    seconds: durationMs(total[2] ?? '', total[3] ?? '') / 1000,
    p50_ms: pct('50'),
    p99_ms: pct('99'),
    max_ms: max ? durationMs(max[1] ?? '', max[2] ?? '') : null,
    errors,
  };
}

export async function runWrk(url: string, connections: number, seconds: number, threads = 1): Promise<LoadResult> {
  const bin = wrkPath();
  if (!bin) return failed('wrk', 'wrk not found (Debian package wrk)');
  const res = await run(bin, [`-t${threads}`, `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', url], (seconds + 30) * 1000);
  const parsed = parseWrk(res.stdout);
  if (res.code !== 0 || !parsed) return failed('wrk', `exit ${res.code}: ${tail(res.stderr || res.stdout, 3)}`);
  return { tool: 'wrk', ...parsed, max_rss_mb: res.usage?.max_rss_mb ?? null, cpu_seconds: res.usage?.cpu_seconds ?? null, failure: null };
}

export function wrkVersion(): string {
  const bin = wrkPath();
  if (!bin) return 'missing';
  const out = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return (/wrk (\S+)/.exec(out.stdout || out.stderr || '')?.[1] ?? 'unknown').trim();
}

/** bench/netClient.ts: a bare node:net loop, the floor for a Node client (latency section). */
export async function runNetClient(url: string, connections: number, seconds: number): Promise<{ requests: number | null; p50_ms: number | null; p99_ms: number | null; failure: string | null }> {
  const res = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'netClient.ts'), url, String(connections), String(seconds)], (seconds + 30) * 1000, { cwd: ROOT });
  try {
    const out = JSON.parse(res.stdout.trim().split('\n').pop() ?? '') as { requests: number; errors: number; p50_ms: number | null; p99_ms: number | null };
    const failure = res.code !== 0 ? `exit ${res.code}` : out.errors > 0 ? `${out.errors} socket errors` : null;
    return { requests: out.requests, p50_ms: out.p50_ms, p99_ms: out.p99_ms, failure };
  } catch {
    return { requests: null, p50_ms: null, p99_ms: null, failure: `exit ${res.code}: ${tail(res.stderr || res.stdout, 3)}` };
  }
}
