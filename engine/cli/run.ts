// `atm run FILE [--test NAME] [--json OUT] [--quiet] [--demo] [--baseline B.json] [--junit OUT.xml]
// [--html OUT.html]
// [--max-concurrency N] [--max-rps N] [--max-duration S] [--prometheus [HOST:]PORT]` (SPEC.md): runs the tests of a file one after another in this process, live
// progress on stderr, a summary on stdout, and the result files asked for.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chooseBaseline } from '../compare';
import { renderHtmlReport } from '../report/html';
import { renderJUnit } from '../report/junit';
import { writeJsonAtomic, writeTextAtomic } from './write';
import { startDemoServer, type DemoServer } from '../demo/server';
import type { SpecDiagnostic } from '../format/diagnostic';
import type { RunPlan } from '../format/plan';
import type { LatencySummary, Metrics, ProgressUpdate, RunResult } from '../format/result';
import { runWithWorkers, type PlanSource } from '../run';
import type { Shard } from '../run/workers';
import { parseShard, parseStartAt, partLine } from './shards';
import { parseSpecFile, planTest } from '../run/load';
import { EXIT } from './exit';
import { capOfFlag, DEFAULT_CAPS, setCap, type Caps } from '../guard/caps';
import type { LiveMetrics } from '../prometheus';

const USAGE = 'Usage: atm run FILE [--test NAME] [--json OUT] [--quiet] [--demo] [--baseline B.json] [--junit OUT.xml] [--html OUT.html] [--max-concurrency N] [--max-rps N] [--max-duration S] [--workers N|auto] [--shard K/N] [--start-at ISO] [--prometheus [HOST:]PORT]';

interface RunArgs {
  file: string;
  test: string | null;
  json: string | null;
  quiet: boolean;
  demo: boolean;
  baseline: string | null;
  junit: string | null;
  html: string | null;
  caps: Caps;
  workers: number | 'auto' | null;
  shard: Shard | null;
  startAt: number | null;
  /** `--prometheus [HOST:]PORT`, as given. */
  prometheus: string | null;
}

function parseArgs(args: string[]): RunArgs | string {
  const out: RunArgs = { file: '', test: null, json: null, quiet: false, demo: false, baseline: null, junit: null, html: null, caps: { ...DEFAULT_CAPS }, workers: null, shard: null, startAt: null, prometheus: null };
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    const cap = capOfFlag(flag);
    if (cap !== null) {
      const problem = setCap(out.caps, cap, value());
      if (problem !== null) return problem;
      continue;
    }
    switch (flag) {
      case '--test': {
        const v = value();
        if (v === undefined || v === '') return '--test needs a test name';
        out.test = v;
        break;
      }
      case '--json': {
        const v = value();
        if (v === undefined || v === '') return '--json needs a file name';
        out.json = v;
        break;
      }
      case '--baseline':
      case '--junit':
      case '--html': {
        const v = value();
        if (v === undefined || v === '' || v.startsWith('--')) return `${flag} needs a file name`;
        out[flag === '--baseline' ? 'baseline' : flag === '--junit' ? 'junit' : 'html'] = v;
        break;
      }
      case '--quiet':
      case '-q':
        out.quiet = true;
        break;
      case '--demo':
        out.demo = true;
        break;
      case '--workers': {
        const v = value();
        const parsed = parseWorkers(v);
        if (parsed === null) return `--workers needs 'auto' or a whole number from 1 to 256, not '${v ?? ''}'`;
        out.workers = parsed;
        break;
      }
      case '--shard': {
        const shard = parseShard(value());
        if (typeof shard === 'string') return shard;
        out.shard = shard;
        break;
      }
      case '--prometheus': {
        const v = value();
        if (v === undefined || v === '' || v.startsWith('--')) return '--prometheus needs [HOST:]PORT, e.g. --prometheus 9464 or --prometheus 0.0.0.0:9464';
        out.prometheus = v;
        break;
      }
      case '--start-at': {
        const at = parseStartAt(value());
        if (typeof at === 'string') return at;
        out.startAt = at;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') return `unknown option '${arg}'`;
        files.push(arg);
    }
  }
  if (files.length !== 1) return files.length === 0 ? 'a spec FILE is required' : 'atm run takes one FILE';
  out.file = files[0];
  if (out.startAt !== null && out.shard === null) return '--start-at goes with --shard K/N';
  return out;
}

/** Why a plan asks for more than the caps allow, naming the flag that raises the cap; null when within them. */
export function capExcess(plan: RunPlan, caps: Caps): string | null {
  const test = `test '${plan.name}'`;
  if (plan.concurrency > caps.maxConcurrency) {
    return `${test} asks for concurrency ${plan.concurrency}, above --max-concurrency ${caps.maxConcurrency}; lower it in the spec or raise the cap with --max-concurrency N`;
  }
  if (plan.requestsPerSecond !== null && plan.requestsPerSecond > caps.maxRequestsPerSecond) {
    return `${test} asks for ${plan.requestsPerSecond} requests per second, above --max-rps ${caps.maxRequestsPerSecond}; lower it in the spec or raise the cap with --max-rps N`;
  }
  if (plan.durationSeconds !== null && plan.durationSeconds > caps.maxDurationSeconds) {
    return `${test} runs for ${plan.durationSeconds} s, above --max-duration ${caps.maxDurationSeconds}; lower it in the spec or raise the cap with --max-duration S`;
  }
  return null;
}

function parseWorkers(v: string | undefined): number | 'auto' | null {
  if (v === 'auto') return 'auto';
  if (v === undefined || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= 1 && n <= 256 ? n : null;
}

function printDiagnostics(file: string, diagnostics: readonly SpecDiagnostic[]): void {
  for (const d of diagnostics) {
    process.stderr.write(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}\n`);
  }
}

// ---- output ----

const f1 = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);
const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const pct = (n: number): string => `${(Math.round(n * 10000) / 100).toString()}%`;

function progressLine(u: ProgressUpdate): string {
  const s = u.summary;
  const lat = s.latency_ms;
  const errors = s.failed_requests;
  const parts = [
    `${u.elapsed_seconds.toFixed(0).padStart(3)}s`,
    `${s.total_requests} req`,
    `${f1(u.point.rps)} req/s`,
    `p50 ${ms(lat.p50)}ms p95 ${ms(lat.p95)}ms p99 ${ms(lat.p99)}ms`,
    `errors ${errors}`,
    `dropped ${s.dropped_requests}`,
  ];
  if (u.progress !== null) parts.push(`${Math.round(u.progress * 100)}%`);
  return `${u.name}: ${parts.join(' | ')}`;
}

function latencyRow(label: string, l: LatencySummary): string {
  return `  ${label.padEnd(11)} min ${ms(l.min)}  mean ${ms(l.mean)}  p50 ${ms(l.p50)}  p90 ${ms(l.p90)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  p99.9 ${ms(l.p99_9)}  max ${ms(l.max)}  (ms)`;
}

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k} × ${v}`).join(', ');
}

function metricsRows(m: Metrics): string[] {
  const rows = [
    `  requests    ${m.total_requests} (${m.successful_requests} ok, ${m.failed_requests} failed, ${m.dropped_requests} dropped) in ${m.duration_seconds.toFixed(2)} s = ${f1(m.requests_per_second)} req/s`,
    latencyRow('latency', m.latency_ms),
    latencyRow('service', m.service_time_ms),
    latencyRow('ttfb', m.ttfb_ms),
    `  status      ${counts(m.status_code_counts)}`,
    `  errors      ${counts(m.errors_by_type as Record<string, number>)}  (error rate ${pct(m.error_rate)})`,
    `  bytes       ${m.bytes_received} received, ${m.bytes_sent} sent`,
  ];
  if (m.redirects !== undefined && m.redirects > 0) rows.push(`  redirects   ${m.redirects} followed`);
  return rows;
}

declare const ATM_VERSION: string;
const ATM_VERSION_TEXT = typeof ATM_VERSION === 'string' ? ATM_VERSION : '0.0.0';

export function summary(result: RunResult): string {
  const verdict = result.status !== 'completed' ? result.status.toUpperCase() : result.passed ? 'PASSED' : 'FAILED';
  let threads = result.workers !== undefined && result.workers > 1 ? `, ${result.workers} worker threads` : '';
  if (result.shard !== undefined) threads += `, shard ${result.shard.index}/${result.shard.count}`;
  if (result.merged_from !== undefined) threads += `, merged from ${result.merged_from.length} shards`;
  const lines = [`${result.name}: ${verdict} (${result.model} model${result.target_rps !== null ? `, target ${result.target_rps} req/s` : ''}${threads})`];
  if (result.baseline_run != null) lines.push(`  baseline    run ${result.baseline_run}${result.baseline_source != null ? ` from ${result.baseline_source}` : ''}`);
  if (result.baseline_error !== undefined) lines.push(`  baseline    not used: ${result.baseline_error}`);
  if (result.insecure_tls === true) lines.push('  insecure_tls: TLS certificates were not verified');
  if (result.error !== undefined) lines.push(`  error       ${result.error}`);
  lines.push(...metricsRows(result.metrics));
  const isFlow = result.iterations !== undefined;
  if (result.iterations !== undefined) {
    const it = result.iterations;
    lines.push(
      `  iterations  ${it.started} started, ${it.completed} completed, ${it.failed} failed, ${it.dropped} dropped = ${f1(it.per_second)} iterations/s; ${result.skipped_steps ?? 0} steps skipped`,
    );
    if (result.iteration_duration_ms !== undefined) lines.push(latencyRow('iteration', result.iteration_duration_ms));
  }
  if (result.endpoint_metrics.length > 1 || isFlow) {
    const header = `  ${(isFlow ? 'step' : 'endpoint').padEnd(20)} ${'method'.padEnd(7)} ${'requests'.padStart(9)} ${'req/s'.padStart(9)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'p99'.padStart(8)} ${'errors'.padStart(7)}`;
    lines.push(header);
    for (const e of result.endpoint_metrics) {
      lines.push(
        `  ${e.name.slice(0, 20).padEnd(20)} ${e.method.padEnd(7)} ${String(e.total_requests).padStart(9)} ${f1(e.requests_per_second).padStart(9)} ${ms(e.latency_ms.p50).padStart(8)} ${ms(e.latency_ms.p95).padStart(8)} ${ms(e.latency_ms.p99).padStart(8)} ${String(e.failed_requests).padStart(7)}`,
      );
    }
  }
  if (result.checks !== undefined && result.checks.length > 0) {
    lines.push(`  ${'checks'.padEnd(52)} ${'passes'.padStart(8)} ${'fails'.padStart(8)}`);
    for (const c of result.checks) {
      const label = `[${c.step}] ${c.expression}`;
      lines.push(`    ${c.fails === 0 ? '✓' : '✗'} ${(label.length > 48 ? `${label.slice(0, 47)}…` : label).padEnd(48)} ${String(c.passes).padStart(8)} ${String(c.fails).padStart(8)}`);
    }
  }
  if (result.thresholds.length > 0) {
    lines.push('  thresholds');
    for (const t of result.thresholds) {
      const where = t.endpoint === null ? '' : `[${t.endpoint}] `;
      const actual = t.actual === null ? 'no data' : formatActual(t.expression, t.actual);
      if (t.no_baseline === true) {
        lines.push(`    – ${where}${t.expression}  (actual ${actual}, no baseline)`);
        continue;
      }
      const versus = t.baseline !== undefined && t.baseline !== null && t.actual !== null ? `, baseline ${formatActual(t.expression, t.baseline)}, ${change(t.expression, t.actual, t.baseline)}` : '';
      lines.push(`    ${t.passed ? '✓' : '✗'} ${where}${t.expression}  (actual ${actual}${versus})`);
    }
  }
  // Threshold failures are already in the table above.
  const reasons = result.failure_reasons.filter((r) => !result.thresholds.some((t) => !t.passed && r.includes(`${t.expression}: `)));
  if (!result.passed && reasons.length > 0) {
    lines.push('  why');
    for (const r of reasons) lines.push(`    - ${r}`);
  }
  return `${lines.join('\n')}\n`;
}

/** B against the baseline: `+16.9%`, or percentage points for an error rate. */
function change(expression: string, actual: number, baseline: number): string {
  if (expression.trim().startsWith('error_rate')) {
    const pp = Math.round((actual - baseline) * 10000) / 100;
    return `${pp >= 0 ? '+' : ''}${pp} pp`;
  }
  if (baseline === 0) return actual === 0 ? '±0%' : 'new';
  const pct = Math.round(((actual - baseline) / baseline) * 1000) / 10;
  return `${pct >= 0 ? '+' : ''}${pct}%`;
}

function formatActual(expression: string, actual: number): string {
  const metric = expression.trim().split(/\s+/)[0];
  if (metric === 'error_rate' || metric === 'checks') return pct(actual);
  if (metric === 'rps') return f1(actual);
  if (metric === 'dropped') return String(actual);
  return `${ms(actual)}ms`;
}

// ---- the command ----

export async function runCommand(args: string[]): Promise<number> {
  const parsedArgs = parseArgs(args);
  if (typeof parsedArgs === 'string') {
    process.stderr.write(`atm run: ${parsedArgs}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  const { file } = parsedArgs;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`atm run: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.USAGE;
  }
  const parsed = parseSpecFile(text);
  const names = parsed.tests.map((t) => t.name ?? `#${t.index + 1}`);
  let tests = parsed.tests;
  if (parsedArgs.test !== null) {
    tests = parsed.tests.filter((t) => t.name === parsedArgs.test);
    if (tests.length === 0) {
      process.stderr.write(`atm run: no test named '${parsedArgs.test}' in ${file}. Tests: ${names.length > 0 ? names.join(', ') : '(none)'}\n`);
      return EXIT.USAGE;
    }
  }
  if (tests.length === 0) {
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
    printDiagnostics(file, errors);
    process.stderr.write(`atm run: no tests in ${file}\n`);
    return EXIT.USAGE;
  }

  let demo: DemoServer | null = null;
  const plans: RunPlan[] = [];
  const sources: PlanSource[] = [];
  let invalid = false;
  const planFor = (baseUrlOverride: string | undefined): void => {
    for (const test of tests) {
      const outcome = planTest(test, { file: resolve(file), displayFile: file, env: process.env, baseUrlOverride });
      if (outcome.ok) {
        plans.push(outcome.plan);
        sources.push({ text, testIndex: test.index, file: resolve(file), displayFile: file, env: process.env, baseUrlOverride });
      } else {
        invalid = true;
        printDiagnostics(file, outcome.diagnostics.length > 0 ? outcome.diagnostics : []);
        if (outcome.diagnostics.length === 0) process.stderr.write(`${file}: error: ${outcome.message}\n`);
      }
    }
  };

  // Validate every selected test before anything is sent.
  planFor(parsedArgs.demo ? 'http://127.0.0.1:1' : undefined);
  if (invalid) return EXIT.USAGE;
  // Every cap is checked before anything is sent, so that no test of the file runs half of a flood.
  const excess = plans.map((plan) => capExcess(plan, parsedArgs.caps)).filter((m): m is string => m !== null);
  if (excess.length > 0) {
    for (const message of excess) process.stderr.write(`atm run: ${message}\n`);
    return EXIT.USAGE;
  }
  // The endpoint opens before anything is sent, so that a busy port stops the command first.
  let live: LiveMetrics | null = null;
  if (parsedArgs.prometheus !== null) {
    // Loaded only when asked for: prom-client is not needed by every atm command.
    const { isLoopbackHost, startLiveMetrics } = await import('../prometheus/index.js');
    const started = await startLiveMetrics(parsedArgs.prometheus, '--prometheus');
    if (typeof started === 'string') {
      process.stderr.write(`atm run: ${started}\n`);
      return EXIT.USAGE;
    }
    live = started;
    const reach = isLoopbackHost(live.server.address.host) ? '' : ' (reachable from other machines)';
    process.stderr.write(`atm run: Prometheus metrics on ${live.server.url}${reach}\n`);
  }
  if (parsedArgs.demo) {
    demo = await startDemoServer({ port: 0 });
    plans.length = 0;
    sources.length = 0;
    planFor(demo.url);
    if (!parsedArgs.quiet) process.stderr.write(`demo server on ${demo.url}\n`);
  }

  const results: RunResult[] = [];
  const baselines: RunResult[] = [];
  const tty = process.stderr.isTTY === true;
  let controller: AbortController | null = null;
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) {
      process.stderr.write('\natm run: stopped\n');
      process.exit(EXIT.RUN_FAILED);
    }
    interrupted = true;
    if (!parsedArgs.quiet) process.stderr.write('\natm run: stopping (Ctrl-C again to quit at once)\n');
    controller?.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    for (const [i, plan] of plans.entries()) {
      if (interrupted) break;
      controller = new AbortController();
      let wroteLine = false;
      const baseline = chooseBaseline(plan.name, resolve(file), plan.baseline, parsedArgs.baseline === null ? null : resolve(parsedArgs.baseline));
      if (baseline.result !== null) baselines.push(baseline.result);
      if (baseline.error !== null) process.stderr.write(`atm run: ${baseline.error}; running '${plan.name}' without a baseline\n`);
      else if (plan.baseline !== null && parsedArgs.baseline !== null && !parsedArgs.quiet) {
        process.stderr.write(`atm run: '${plan.name}' compares with its spec's baseline: ${plan.baseline} (not --baseline)\n`);
      }
      const result = await runWithWorkers(plan, {
        source: sources[i],
        ...(parsedArgs.workers !== null ? { workers: parsedArgs.workers } : {}),
        ...(parsedArgs.shard !== null ? { shard: parsedArgs.shard, version: ATM_VERSION_TEXT } : {}),
        ...(parsedArgs.startAt !== null ? { startAtEpoch: parsedArgs.startAt } : {}),
        signal: controller.signal,
        baseline: baseline.result,
        ...(baseline.source !== null ? { baselineSource: baseline.source } : {}),
        ...(baseline.error !== null ? { baselineError: baseline.error } : {}),
        ...(live !== null ? { onRunnerPart: live.track(plan, parsedArgs.shard?.count) } : {}),
        onProgress: parsedArgs.quiet
          ? undefined
          : (update) => {
              const line = progressLine(update);
              if (tty) {
                // One line, rewritten: never wider than the terminal, or it would wrap.
                const width = process.stderr.columns > 0 ? process.stderr.columns - 1 : line.length;
                process.stderr.write(`\r${line.slice(0, width)}\x1b[K`);
                wroteLine = true;
              } else {
                process.stderr.write(`${line}\n`);
              }
            },
      });
      if (wroteLine) process.stderr.write('\n');
      results.push(result);
      process.stdout.write(summary(result));
      // A shard's whole result on one marked line, for `atm merge --from-logs -`.
      if (parsedArgs.shard !== null) process.stdout.write(partLine(result));
      if (plans.length > 1) process.stdout.write('\n');
    }
  } catch (err) {
    await live?.server.close();
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    if (demo !== null) await demo.close();
  }

  const outputs: Array<[flag: string | null, write: (path: string) => void]> = [
    [parsedArgs.json, (path) => writeJsonAtomic(path, results.length === 1 && plans.length === 1 ? results[0] : results)],
    [parsedArgs.junit, (path) => writeTextAtomic(path, renderJUnit(results, { file }))],
    [parsedArgs.html, (path) => writeTextAtomic(path, renderHtmlReport(results, { baselines }))],
  ];
  let writeFailed = false;
  for (const [path, write] of outputs) {
    if (path === null) continue;
    try {
      write(path);
    } catch (err) {
      process.stderr.write(`atm run: cannot write ${path}: ${err instanceof Error ? err.message : String(err)}\n`);
      writeFailed = true;
    }
  }
  if (live !== null) {
    if (!parsedArgs.quiet) process.stderr.write(`atm run: serving the final numbers until Prometheus reads ${live.server.url} (15 s at most)\n`);
    await live.server.finish();
  }
  if (writeFailed) return EXIT.RUN_FAILED;
  if (interrupted || results.some((r) => r.status !== 'completed')) return EXIT.RUN_FAILED;
  return results.every((r) => r.passed) ? EXIT.OK : EXIT.THRESHOLD_FAILED;
}
