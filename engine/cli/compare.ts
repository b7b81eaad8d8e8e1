// `atm compare A.json B.json [--json OUT]` (SPEC.md): A is the earlier run (the baseline), B the
// one judged. Prints, per test and endpoint, each metric of A and B with the change, and the
// latency distribution from both histograms; exits 1 when a baseline threshold of B fails
// against A, 2 on bad input. Reads only: nothing it is given is changed.
import { compareResults, readResultFile, ResultFileError, type MetricDelta, type ScopeComparison, type TestComparison } from '../compare';
import type { RunResult } from '../format/result';
import { formatThresholdValue } from '../report/junit';
import { EXIT } from './exit';
import { writeJsonAtomic } from './write';

const USAGE = 'Usage: atm compare A.json B.json [--json OUT]   (A: the baseline, B: the run to judge)';

function parseArgs(args: string[]): { a: string; b: string; json: string | null } | string {
  const files: string[] = [];
  let json: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json' || arg.startsWith('--json=')) {
      const v = arg === '--json' ? args[++i] : arg.slice('--json='.length);
      if (v === undefined || v === '' || v.startsWith('--')) return '--json needs a file name';
      json = v;
    } else if (arg.startsWith('-') && arg !== '-') {
      return `unknown option '${arg}'`;
    } else files.push(arg);
  }
  if (files.length !== 2) return `atm compare takes two result files, got ${files.length}`;
  return { a: files[0], b: files[1], json };
}

const LABELS: Record<string, string> = {
  requests_per_second: 'req/s',
  error_rate: 'error rate',
  total_requests: 'requests',
  failed_requests: 'failed',
  dropped_requests: 'dropped',
};
const SHOWN = ['total_requests', 'requests_per_second', 'error_rate', 'dropped_requests', 'latency_ms.min', 'latency_ms.mean', 'latency_ms.p50', 'latency_ms.p90', 'latency_ms.p95', 'latency_ms.p99', 'latency_ms.p99_9', 'latency_ms.max'];

function value(d: MetricDelta, v: number | null): string {
  if (v === null) return '-';
  if (d.unit === 'fraction') return `${Math.round(v * 10000) / 100}%`;
  if (d.unit === 'ms') return `${v >= 100 ? v.toFixed(1) : v.toFixed(3)}`;
  return String(Math.round(v * 10) / 10);
}

function changeText(d: MetricDelta): string {
  if (d.change === null) return '-';
  const sign = d.change > 0 ? '+' : '';
  const abs = d.unit === 'fraction' ? `${sign}${Math.round(d.change * 10000) / 100} pp` : d.unit === 'ms' ? `${sign}${d.change.toFixed(3)} ms` : `${sign}${Math.round(d.change * 10) / 10}`;
  const rel = d.change_pct === null ? '' : ` (${d.change_pct > 0 ? '+' : ''}${d.change_pct}%)`;
  const mark = d.verdict === 'worse' ? '  worse' : d.verdict === 'better' ? '  better' : '';
  return `${abs}${rel}${mark}`;
}

function scopeLines(scope: ScopeComparison, indent: string): string[] {
  const lines: string[] = [];
  if (scope.only_in !== undefined) {
    lines.push(`${indent}only in ${scope.only_in === 'a' ? 'A' : 'B'}`);
    return lines;
  }
  lines.push(`${indent}${'metric'.padEnd(18)} ${'A'.padStart(12)} ${'B'.padStart(12)}  change`);
  for (const name of SHOWN) {
    const d = scope.metrics.find((m) => m.metric === name);
    if (d === undefined) continue;
    const label = LABELS[name] ?? name.replace('latency_ms.', '').replace('p99_9', 'p99.9') + (d.unit === 'ms' ? ' (ms)' : '');
    lines.push(`${indent}${label.padEnd(18)} ${value(d, d.a).padStart(12)} ${value(d, d.b).padStart(12)}  ${changeText(d)}`);
  }
  if (scope.distribution !== null) {
    lines.push(`${indent}latency distribution (ms, from the histograms)`);
    for (const p of scope.distribution) {
      const ch = p.change_ms === null ? '-' : `${p.change_ms > 0 ? '+' : ''}${p.change_ms.toFixed(3)} ms${p.change_pct === null ? '' : ` (${p.change_pct > 0 ? '+' : ''}${p.change_pct}%)`}`;
      lines.push(`${indent}  ${`p${p.percentile}`.padEnd(16)} ${(p.a_ms === null ? '-' : p.a_ms.toFixed(3)).padStart(12)} ${(p.b_ms === null ? '-' : p.b_ms.toFixed(3)).padStart(12)}  ${ch}`);
    }
  } else {
    lines.push(`${indent}(no histogram on one side: distribution not compared)`);
  }
  return lines;
}

function testLines(t: TestComparison): string[] {
  const lines = [`${t.name}: ${t.thresholds.length === 0 ? 'no baseline thresholds' : t.passed ? 'baseline thresholds PASSED' : 'baseline thresholds FAILED'}`];
  lines.push(`  A ${t.a.id} (${t.a.started_at})`, `  B ${t.b.id} (${t.b.started_at})`);
  lines.push(...scopeLines(t.overall, '  '));
  for (const e of t.endpoints) {
    lines.push(`  endpoint ${e.endpoint ?? ''}`);
    lines.push(...scopeLines(e, '    '));
  }
  if (t.thresholds.length > 0) {
    lines.push('  baseline thresholds of B, against A');
    for (const th of t.thresholds) {
      const where = th.endpoint === null ? '' : `[${th.endpoint}] `;
      if (th.no_baseline === true) {
        lines.push(`    – ${where}${th.expression}  (A has no such endpoint: no baseline)`);
        continue;
      }
      const v = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : formatThresholdValue(th.expression, x));
      lines.push(`    ${th.passed ? '✓' : '✗'} ${where}${th.expression}  (B ${v(th.actual)}, A ${v(th.baseline)}, limit ${v(th.limit)})`);
    }
  }
  return lines;
}

export function compareCommand(args: string[]): number {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`atm compare: ${parsed}\n${USAGE}\n`);
    return EXIT.USAGE;
  }
  let a: RunResult[];
  let b: RunResult[];
  try {
    a = readResultFile(parsed.a);
    b = readResultFile(parsed.b);
  } catch (err) {
    if (err instanceof ResultFileError) {
      process.stderr.write(`atm compare: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  const comparison = compareResults(a, b);
  if (comparison.tests.length === 0) {
    process.stderr.write(
      `atm compare: no test is in both files (${parsed.a}: ${a.map((r) => `'${r.name}'`).join(', ')}; ${parsed.b}: ${b.map((r) => `'${r.name}'`).join(', ')})\n`,
    );
    return EXIT.USAGE;
  }
  const out: string[] = [];
  for (const t of comparison.tests) out.push(...testLines(t), '');
  if (comparison.only_in_a.length > 0) out.push(`only in ${parsed.a}: ${comparison.only_in_a.join(', ')}`);
  if (comparison.only_in_b.length > 0) out.push(`only in ${parsed.b}: ${comparison.only_in_b.join(', ')}`);
  process.stdout.write(`${out.join('\n').trimEnd()}\n`);
  if (parsed.json !== null) {
    try {
      writeJsonAtomic(parsed.json, comparison);
    } catch (err) {
      process.stderr.write(`atm compare: cannot write ${parsed.json}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.USAGE;
    }
  }
  return comparison.passed ? EXIT.OK : EXIT.THRESHOLD_FAILED;
}
