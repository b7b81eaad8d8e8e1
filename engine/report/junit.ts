// `atm run --junit OUT.xml`: the common JUnit XML format CI test viewers read (GitHub, GitLab,
// Jenkins, Azure). One testsuite per test; in it one testcase for the test (its test-wide
// thresholds and expectations) and one per endpoint with thresholds of its own. A failed
// threshold is a <failure> naming the threshold, the actual value and the limit; a run that
// failed or was cancelled is an <error>. `time` is the run's duration.
import { hostname } from 'node:os';
import type { RunResult, ThresholdResult } from '../format/result';
import { thresholdUnit } from '../format/thresholdUnit';
import { escapeAttr, escapeText } from './xml';

export interface JUnitOptions {
  /** The spec file as the user named it: the testcases' classname. */
  file: string;
}

const seconds = (s: number): string => (Number.isFinite(s) && s > 0 ? s.toFixed(3) : '0.000');

/** In the threshold's unit: `231.4 ms`, `1.25%`, `199.8 req/s`, `3`. */
export function formatThresholdValue(expression: string, value: number): string {
  const trim = (n: number, d: number): string => String(Math.round(n * 10 ** d) / 10 ** d);
  switch (thresholdUnit(expression)) {
    case 'share':
      return `${trim(value * 100, 3)}%`;
    case 'rps':
      return `${trim(value, 1)} req/s`;
    case 'count':
      return String(value);
    case 'ms':
      return `${trim(value, value < 10 ? 3 : 1)} ms`;
  }
}

function thresholdLine(t: ThresholdResult): string {
  if (t.no_baseline === true) return `${t.expression}: no baseline (not judged)`;
  const parts = [`${t.passed ? 'passed' : 'failed'}: ${t.expression}`];
  parts.push(`actual ${t.actual === null ? 'no data (no requests completed)' : formatThresholdValue(t.expression, t.actual)}`);
  if (t.limit !== undefined && t.limit !== null) parts.push(`limit ${formatThresholdValue(t.expression, t.limit)}`);
  if (t.baseline !== undefined && t.baseline !== null) parts.push(`baseline ${formatThresholdValue(t.expression, t.baseline)}`);
  return parts.join(', ');
}

function failure(t: ThresholdResult): string {
  const actual = t.actual === null ? 'no requests completed' : `was ${formatThresholdValue(t.expression, t.actual)}`;
  const message = `${t.endpoint === null ? '' : `${t.endpoint}: `}${t.expression}: ${actual}`;
  return `      <failure message="${escapeAttr(message)}" type="threshold">${escapeText(thresholdLine(t))}</failure>\n`;
}

interface Case {
  xml: string;
  failures: number;
  errors: number;
  skipped: number;
}

function testCase(name: string, classname: string, time: string, thresholds: readonly ThresholdResult[], extra: { errors?: string[]; failures?: string[]; out: string[] }): Case {
  let body = '';
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const judged = thresholds.filter((t) => t.no_baseline !== true);
  if (thresholds.length > 0 && judged.length === 0 && (extra.errors ?? []).length === 0 && (extra.failures ?? []).length === 0) {
    body += `      <skipped message="no baseline: every threshold here compares with a baseline, and there was none"/>\n`;
    skipped = 1;
  }
  for (const e of extra.errors ?? []) {
    body += `      <error message="${escapeAttr(e)}" type="run">${escapeText(e)}</error>\n`;
    errors = 1;
  }
  for (const t of thresholds) {
    if (t.passed || t.no_baseline === true) continue;
    body += failure(t);
    failures = 1;
  }
  for (const f of extra.failures ?? []) {
    body += `      <failure message="${escapeAttr(f)}" type="expectation">${escapeText(f)}</failure>\n`;
    failures = 1;
  }
  const out = [...thresholds.map(thresholdLine), ...extra.out];
  if (out.length > 0) body += `      <system-out>${escapeText(out.join('\n'))}</system-out>\n`;
  const open = `    <testcase name="${escapeAttr(name)}" classname="${escapeAttr(classname)}" time="${time}"`;
  return { xml: body === '' ? `${open}/>\n` : `${open}>\n${body}    </testcase>\n`, failures, errors, skipped };
}

function suite(result: RunResult, index: number, file: string): { xml: string; tests: number; failures: number; errors: number; skipped: number; time: number } {
  const time = result.metrics.duration_seconds;
  const t = seconds(time);
  const testWide = result.thresholds.filter((x) => x.endpoint === null);
  // Failure reasons that are not a threshold (expectations: failed requests, nothing completed).
  const thresholdReasons = result.thresholds.filter((x) => !x.passed && x.no_baseline !== true);
  const expectations = result.failure_reasons.filter(
    (r) => r !== 'run cancelled' && !r.startsWith('run failed:') && !thresholdReasons.some((x) => r.startsWith(`${x.endpoint === null ? '' : `${x.endpoint}: `}${x.expression}: `)),
  );
  const errors: string[] = [];
  if (result.status === 'failed') errors.push(`run failed: ${result.error ?? 'unknown error'}`);
  if (result.status === 'cancelled') errors.push('run cancelled before it finished');
  const m = result.metrics;
  const out = [
    `${m.total_requests} requests (${m.failed_requests} failed, ${m.dropped_requests} dropped) in ${m.duration_seconds} s = ${m.requests_per_second} req/s`,
    `latency ms: p50 ${m.latency_ms.p50}, p95 ${m.latency_ms.p95}, p99 ${m.latency_ms.p99}, max ${m.latency_ms.max}`,
  ];
  if (result.baseline_error !== undefined) out.push(`baseline not used: ${result.baseline_error}`);
  const cases: Case[] = [testCase(result.name, file, t, testWide, { errors, failures: expectations, out })];
  const byEndpoint = new Map<string, ThresholdResult[]>();
  for (const x of result.thresholds) {
    if (x.endpoint === null) continue;
    byEndpoint.set(x.endpoint, [...(byEndpoint.get(x.endpoint) ?? []), x]);
  }
  for (const [endpoint, list] of byEndpoint) {
    const e = result.endpoint_metrics.find((x) => x.name === endpoint);
    const eOut = e ? [`${e.method} ${e.url}: ${e.total_requests} requests, ${e.failed_requests} failed, p95 ${e.latency_ms.p95} ms`] : [];
    cases.push(testCase(`${result.name} › ${endpoint}`, `${file} › ${result.name}`, t, list, { out: eOut }));
  }
  const failures = cases.reduce((n, c) => n + c.failures, 0);
  const errorCount = cases.reduce((n, c) => n + c.errors, 0);
  const skipped = cases.reduce((n, c) => n + c.skipped, 0);
  const props: Array<[string, string]> = [
    ['run_id', result.id],
    ['status', result.status],
    ['model', result.model],
    ['target_rps', result.target_rps === null ? '' : String(result.target_rps)],
    ['baseline_run', result.baseline_run ?? ''],
  ];
  const xml =
    `  <testsuite name="${escapeAttr(result.name)}" tests="${cases.length}" failures="${failures}" errors="${errorCount}" skipped="${skipped}" ` +
    `time="${t}" timestamp="${escapeAttr(result.started_at.slice(0, 19))}" hostname="${escapeAttr(hostname() || 'localhost')}" id="${index}" package="${escapeAttr(file)}">\n` +
    `    <properties>\n${props.map(([k, v]) => `      <property name="${k}" value="${escapeAttr(v)}"/>\n`).join('')}    </properties>\n` +
    cases.map((c) => c.xml).join('') +
    `  </testsuite>\n`;
  return { xml, tests: cases.length, failures, errors: errorCount, skipped, time };
}

/** The JUnit XML of one `atm run` (one or more tests). */
export function renderJUnit(results: readonly RunResult[], options: JUnitOptions): string {
  const suites = results.map((r, i) => suite(r, i, options.file));
  const sum = (f: (s: (typeof suites)[number]) => number): number => suites.reduce((n, s) => n + f(s), 0);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="${escapeAttr(`atm run ${options.file}`)}" tests="${sum((s) => s.tests)}" failures="${sum((s) => s.failures)}" errors="${sum((s) => s.errors)}" time="${seconds(sum((s) => s.time))}">\n` +
    suites.map((s) => s.xml).join('') +
    `</testsuites>\n`
  );
}
