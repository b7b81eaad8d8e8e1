// Reading a stored result to compare with: a file written by `atm run --json` (one result, or an
// array when several tests ran) or exported from the run history. Everything that can be wrong
// with such a file is reported in one sentence naming the file, never as a crash: the caller
// decides whether to go on without it (a run does) or stop (`atm compare` does).
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { RESULT_SCHEMA_VERSION, type RunResult } from '../format/result';
import { decodeHistogram } from '../run/metrics';

/** The most a result file may weigh: results are small; a larger file is not one. */
export const MAX_RESULT_FILE_BYTES = 64 * 1024 * 1024;

export class ResultFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ResultFileError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const LATENCY_KEYS = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'max'] as const;

/** Why `m` is not a metrics object, or null. */
function metricsProblem(m: unknown, where: string): string | null {
  if (!isObj(m)) return `${where} is missing`;
  for (const key of ['total_requests', 'failed_requests', 'requests_per_second', 'error_rate', 'dropped_requests', 'duration_seconds']) {
    if (typeof m[key] !== 'number' || !Number.isFinite(m[key])) return `${where}.${key} is not a number`;
  }
  const lat = m.latency_ms;
  if (!isObj(lat)) return `${where}.latency_ms is missing`;
  for (const key of LATENCY_KEYS) {
    if (typeof lat[key] !== 'number' || !Number.isFinite(lat[key])) return `${where}.latency_ms.${key} is not a number`;
  }
  return null;
}

function histogramProblem(base64: unknown, where: string): string | null {
  if (typeof base64 !== 'string' || base64 === '') return `${where} is missing`;
  try {
    const h = decodeHistogram(base64);
    if (!Number.isFinite(h.totalCount) || h.totalCount < 0) return `${where} is corrupt (a negative or impossible count)`;
  } catch (err) {
    return `${where} is corrupt (${err instanceof Error ? err.message : String(err)})`;
  }
  return null;
}

/**
 * Checks that `value` is one run result this version can compare with, and returns it typed.
 * `where` names it in messages (e.g. `result 2 of 3`).
 */
export function checkResult(value: unknown, file: string, where = 'the result'): RunResult {
  const fail = (problem: string): never => {
    throw new ResultFileError(file, problem);
  };
  if (!isObj(value)) return fail(`${where} is not a run result (expected a JSON object with "metrics" and "histogram")`);
  if (!('metrics' in value) || !('histogram' in value) || typeof value.name !== 'string') {
    return fail(`${where} is not a run result: it has no ${typeof value.name !== 'string' ? '"name"' : !('metrics' in value) ? '"metrics"' : '"histogram"'} (write one with \`atm run --json FILE\`)`);
  }
  const version = value.schema_version ?? 1;
  if (version !== RESULT_SCHEMA_VERSION) {
    return fail(`${where} has result schema version ${JSON.stringify(version)}; this version of ATM reads version ${RESULT_SCHEMA_VERSION}`);
  }
  if (typeof value.id !== 'string' || value.id === '') fail(`${where} has no "id"`);
  const mp = metricsProblem(value.metrics, `${where}: metrics`);
  if (mp !== null) fail(mp);
  if (!Array.isArray(value.endpoint_metrics)) fail(`${where}: endpoint_metrics is not a list`);
  if (!Array.isArray(value.thresholds)) fail(`${where}: thresholds is not a list`);
  const hp = histogramProblem(value.histogram, `${where}: histogram`);
  if (hp !== null) fail(hp);
  (value.endpoint_metrics as unknown[]).forEach((e, i) => {
    const label = isObj(e) && typeof e.name === 'string' ? `endpoint "${e.name}"` : `endpoint_metrics[${i}]`;
    if (!isObj(e) || typeof e.name !== 'string') return fail(`${where}: ${label} has no name`);
    const p = metricsProblem(e, `${where}: ${label}`);
    if (p !== null) fail(p);
    if (e.histogram !== undefined) {
      const h = histogramProblem(e.histogram, `${where}: ${label} histogram`);
      if (h !== null) fail(h);
    }
  });
  // Checked above field by field; the rest of RunResult is carried as stored.
  return value as unknown as RunResult;
}

/** Every result in a parsed result file (one object, or an array of them). */
export function checkResults(value: unknown, file: string): RunResult[] {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new ResultFileError(file, 'holds an empty list, not a run result');
    return value.map((v, i) => checkResult(v, file, `result ${i + 1} of ${value.length}`));
  }
  return [checkResult(value, file)];
}

/** Reads and checks a result file. Throws ResultFileError naming the file. */
export function readResultFile(file: string): RunResult[] {
  let text: string;
  try {
    // Checked before reading: a huge file is not a result, and reading it could exhaust memory.
    if (statSync(file).size > MAX_RESULT_FILE_BYTES) throw new ResultFileError(file, 'is too large to be a run result');
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ResultFileError) throw err;
    const code = isObj(err) && typeof err.code === 'string' ? err.code : '';
    throw new ResultFileError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a result file' : `cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ResultFileError(file, `is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return checkResults(value, file);
}

/**
 * The result of test `testName` in `results` (a file may hold several tests). Throws when there is
 * none, or when the one there is was cancelled or failed (partial numbers make a poor baseline).
 */
export function pickBaseline(results: readonly RunResult[], testName: string, file: string): RunResult {
  const found = results.find((r) => r.name === testName);
  if (found === undefined) {
    const names = results.map((r) => `'${r.name}'`).join(', ');
    throw new ResultFileError(file, `is a result of ${results.length === 1 ? 'test' : 'tests'} ${names}, not of '${testName}'`);
  }
  if (found.status !== 'completed') throw new ResultFileError(file, `the run of '${testName}' there was ${found.status}; a baseline must be a completed run`);
  return found;
}

export type BaselineOutcome = { ok: true; result: RunResult; file: string } | { ok: false; file: string; message: string };

/** Reads the baseline of `testName` from `file`; never throws. */
export function loadBaseline(file: string, testName: string): BaselineOutcome {
  try {
    return { ok: true, result: pickBaseline(readResultFile(file), testName, file), file };
  } catch (err) {
    if (err instanceof ResultFileError) return { ok: false, file, message: `baseline ${err.message}` };
    throw err;
  }
}

export interface BaselineChoice {
  /** The baseline to compare with, or null (baseline thresholds then read `no baseline`). */
  result: RunResult | null;
  /** The file it came from (absolute), or the file that could not be used. */
  source: string | null;
  /** Why the chosen file could not be used: the run goes ahead without a baseline. */
  error: string | null;
}

/**
 * The baseline of one test (SPEC.md "Comparing runs"): the spec's `baseline:` (relative to the
 * spec) wins; otherwise `fallback` (the run pinned in the editor, or `atm run --baseline`). A
 * file that cannot be used is reported, never replaced by the other one: the user named it.
 */
export function chooseBaseline(testName: string, specFile: string, specBaseline: string | null, fallback: string | null): BaselineChoice {
  const path = specBaseline !== null ? (isAbsolute(specBaseline) ? specBaseline : resolve(dirname(specFile), specBaseline)) : fallback;
  if (path === null) return { result: null, source: null, error: null };
  const outcome = loadBaseline(path, testName);
  return outcome.ok ? { result: outcome.result, source: path, error: null } : { result: null, source: path, error: outcome.message };
}
