// Threshold expressions (SPEC.md "Thresholds"): `METRIC OP VALUE[UNIT]`, e.g. `p95 < 200ms`,
// `error_rate < 1%`, `rps >= 150`, `dropped == 0`, or `METRIC OP baseline [+|-|* AMOUNT]`
// against a baseline run (SPEC.md "Comparing runs"). Errors carry the offsets of the bad token
// so the editor can underline exactly it.
import type { BaselineBound, LatencyMetric, ParsedThreshold, ThresholdMetric, ThresholdOp } from './plan';
import { closest } from './template';

export const LATENCY_METRICS: readonly LatencyMetric[] = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'max'];
export const THRESHOLD_METRICS: readonly ThresholdMetric[] = [...LATENCY_METRICS, 'error_rate', 'rps', 'dropped', 'checks'];
/** The prefix of a latency threshold over whole flow iterations: `iteration_duration p95 < 2s`. */
export const ITERATION_DURATION = 'iteration_duration';
export const THRESHOLD_OPS: readonly ThresholdOp[] = ['<=', '>=', '==', '<', '>'];

export type ThresholdParse =
  | { ok: true; threshold: ParsedThreshold }
  | { ok: false; message: string; start: number; end: number };

const METRIC_RE = /[A-Za-z_][A-Za-z0-9_.]*/y;
const NUMBER_RE = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const UNIT_RE = /[A-Za-z%/]+/y;
const SPACE_RE = /\s*/y;
const metricList = THRESHOLD_METRICS.join(', ');

export function parseThreshold(expr: string): ThresholdParse {
  let at = 0;
  const skip = (): void => {
    SPACE_RE.lastIndex = at;
    SPACE_RE.exec(expr);
    at = SPACE_RE.lastIndex;
  };
  const fail = (message: string, start: number, end = start + 1): ThresholdParse => ({
    ok: false,
    message,
    start: Math.min(start, expr.length),
    end: Math.max(Math.min(end, expr.length), Math.min(start, expr.length)),
  });

  skip();
  if (at >= expr.length) return fail(`Empty threshold: write \`METRIC OP VALUE\`, e.g. \`p95 < 200ms\`.`, 0, expr.length);
  METRIC_RE.lastIndex = at;
  const m = METRIC_RE.exec(expr);
  if (!m) return fail(`A threshold starts with a metric (${metricList}), e.g. \`p95 < 200ms\`.`, at, at + ((expr.codePointAt(at) ?? 0) > 0xffff ? 2 : 1));
  let metricStart = at;
  let metricWord = m[0];
  at = METRIC_RE.lastIndex;
  let iteration = false;
  if (metricWord === ITERATION_DURATION) {
    iteration = true;
    skip();
    METRIC_RE.lastIndex = at;
    const lm = METRIC_RE.exec(expr);
    const latencyList = LATENCY_METRICS.join(', ');
    if (!lm) return fail(`Write a latency metric after \`${ITERATION_DURATION}\` (${latencyList}), e.g. \`${ITERATION_DURATION} p95 < 2s\`.`, metricStart, at);
    metricStart = at;
    metricWord = lm[0];
    at = METRIC_RE.lastIndex;
    const word = metricWord === 'p99_9' ? 'p99.9' : metricWord;
    if (!(LATENCY_METRICS as readonly string[]).includes(word)) {
      const suggestion = closest(metricWord, LATENCY_METRICS);
      return fail(
        `\`${ITERATION_DURATION}\` takes a latency metric (${latencyList})${suggestion ? `; did you mean \`${suggestion}\`?` : '.'}`,
        metricStart,
        at,
      );
    }
  }
  // "p99_9" is how the result JSON spells p99.9; accept it too.
  const normalised = metricWord === 'p99_9' ? 'p99.9' : metricWord;
  if (!(THRESHOLD_METRICS as readonly string[]).includes(normalised)) {
    const suggestion = closest(metricWord, [...THRESHOLD_METRICS, ITERATION_DURATION]);
    return fail(
      `Unknown metric \`${metricWord}\`${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} Metrics: ${metricList}, ${ITERATION_DURATION} p95.`,
      metricStart,
      metricStart + metricWord.length,
    );
  }
  const metric = normalised as ThresholdMetric;

  skip();
  const op = THRESHOLD_OPS.find((o) => expr.startsWith(o, at));
  if (!op) {
    const bad = expr.slice(at).match(/^\S+/)?.[0] ?? '';
    return fail(
      bad === '=' ? 'Use `==` to compare for equality.' : `Expected a comparison (<, <=, >, >=, ==) after \`${metricWord}\`.`,
      at,
      at + Math.max(1, bad.length),
    );
  }
  at += op.length;

  skip();
  if (/^baseline(?![A-Za-z0-9_])/.test(expr.slice(at))) return parseBaselineBound(expr, at + 'baseline'.length, metric, op, fail, iteration);

  NUMBER_RE.lastIndex = at;
  const n = NUMBER_RE.exec(expr);
  if (!n) {
    const bad = expr.slice(at).match(/^\S+/)?.[0] ?? '';
    if (closest(bad, ['baseline']) !== null && bad !== '') {
      return fail(`Expected a number or \`baseline\` after \`${op}\`, found \`${bad}\`; did you mean \`baseline\`?`, at, at + bad.length);
    }
    return fail(bad ? `Expected a number after \`${op}\`, found \`${bad}\`.` : `Expected a number after \`${op}\`.`, at, at + Math.max(1, bad.length));
  }
  const amount = readAmount(expr, at, n[0], metric, fail);
  if (!amount.ok) return amount.failure;
  if (amount.value < 0) return fail('A threshold value cannot be negative.', at, amount.numberEnd);
  return { ok: true, threshold: { expression: expr.trim(), metric, op, value: amount.value, ...(iteration ? { iteration: true } : {}) } };
}

type Fail = (message: string, start: number, end?: number) => ThresholdParse;
type Amount = { ok: true; value: number; raw: number; unit: string; numberEnd: number } | { ok: false; failure: ThresholdParse };

/**
 * A number and its unit at `at` up to the end of the expression, normalised to the metric's unit.
 * `percentIsShare`: for a baseline's `+ 10%`, a percentage of the baseline rather than a value.
 */
function readAmount(expr: string, at: number, numberText: string, metric: ThresholdMetric, fail: Fail, percentIsShare = false): Amount {
  const failed = (failure: ThresholdParse): Amount => ({ ok: false, failure });
  const numberStart = at;
  const raw = Number(numberText);
  at += numberText.length;
  const numberEnd = at;

  UNIT_RE.lastIndex = at;
  const u = UNIT_RE.exec(expr);
  const unit = u ? u[0] : '';
  const unitStart = at;
  if (u) at = UNIT_RE.lastIndex;
  SPACE_RE.lastIndex = at;
  SPACE_RE.exec(expr);
  at = SPACE_RE.lastIndex;
  if (at < expr.length && !u) {
    const spaced = /^(ms|s|%)(?=\s*$)/.exec(expr.slice(at));
    if (spaced) {
      const written = expr.slice(numberStart, numberEnd);
      return failed(fail(`Write the unit right after the number, without a space: \`${written}${spaced[1]}\`.`, numberEnd, at + spaced[1].length));
    }
  }
  if (at < expr.length) return failed(fail(`Unexpected \`${expr.slice(at).trim()}\` after the value.`, at, expr.trimEnd().length));

  const done = (value: number): Amount => ({ ok: true, value, raw, unit, numberEnd });
  if (percentIsShare && unit === '%' && metric !== 'error_rate' && metric !== 'checks') return done(raw / 100);
  const badUnit = (allowed: string): Amount =>
    failed(fail(`\`${unit}\` is not a unit for \`${metric}\`; ${allowed}.`, unitStart, unitStart + unit.length));
  if ((LATENCY_METRICS as readonly string[]).includes(metric)) {
    if (unit === '' || unit === 'ms') return done(raw);
    if (unit === 's') return done(raw * 1000);
    if (unit === 'us' || unit === 'µs') return done(raw / 1000);
    return badUnit(percentIsShare ? 'use `ms` (the default), `s` or `%` (of the baseline)' : 'use `ms` (the default) or `s`');
  }
  if (metric === 'error_rate' || metric === 'checks') {
    const what = metric === 'checks' ? 'A share of passed checks' : 'An error rate';
    if (unit === '%') {
      if (raw < 0 || raw > 100) return failed(fail(`${what} is between 0% and 100%.`, numberStart, unitStart + 1));
      return done(raw / 100);
    }
    if (unit === '') {
      if (raw < 0 || raw > 1) {
        return failed(fail(`${what} without % is a fraction from 0 to 1: write \`${numberText}%\` or \`${raw / 100}\`.`, numberStart, numberEnd));
      }
      return done(raw);
    }
    return badUnit('write a percentage (`1%`) or a fraction (`0.01`)');
  }
  if (metric === 'rps') {
    if (unit !== '' && unit !== '/s' && unit !== 'rps') return badUnit(percentIsShare ? '`rps` is in requests per second, no unit, or `%` of the baseline' : '`rps` is in requests per second, no unit');
    return done(raw);
  }
  if (unit !== '') return badUnit(percentIsShare ? '`dropped` is a count, no unit, or `%` of the baseline' : '`dropped` is a count, no unit');
  if (!Number.isInteger(raw)) return failed(fail('`dropped` is a count: use a whole number.', numberStart, numberEnd));
  return done(raw);
}

/** After `METRIC OP baseline`: nothing, or `+ AMOUNT`, `- AMOUNT`, `* FACTOR`. */
function parseBaselineBound(expr: string, at: number, metric: ThresholdMetric, op: ThresholdOp, fail: Fail, iteration: boolean): ThresholdParse {
  const result = (bound: BaselineBound): ThresholdParse => ({
    ok: true,
    threshold: { expression: expr.trim(), metric, op, value: 0, baseline: bound, ...(iteration ? { iteration: true } : {}) },
  });
  SPACE_RE.lastIndex = at;
  SPACE_RE.exec(expr);
  at = SPACE_RE.lastIndex;
  if (at >= expr.length) return result({ op: '+', amount: 0, relative: false });
  const sign = expr[at];
  if (sign !== '+' && sign !== '-' && sign !== '*') {
    const bad = expr.slice(at).match(/^\S+/)?.[0] ?? '';
    return fail(`After \`baseline\` write \`+ 10%\`, \`- 5%\` or \`* 1.2\` (or nothing), not \`${bad}\`.`, at, at + Math.max(1, bad.length));
  }
  at++;
  SPACE_RE.lastIndex = at;
  SPACE_RE.exec(expr);
  at = SPACE_RE.lastIndex;
  NUMBER_RE.lastIndex = at;
  const n = NUMBER_RE.exec(expr);
  if (!n || /^[+-]/.test(n[0])) {
    const bad = expr.slice(at).match(/^\S+/)?.[0] ?? '';
    const example = sign === '*' ? '`baseline * 1.2`' : `\`baseline ${sign} 10%\``;
    return fail(bad ? `Expected a positive number after \`baseline ${sign}\`, found \`${bad}\`: e.g. ${example}.` : `Expected a number after \`baseline ${sign}\`: e.g. ${example}.`, at, at + Math.max(1, bad.length));
  }
  const numberStart = at;
  if (sign === '*') {
    const unitAt = at + n[0].length;
    const tail = expr.slice(unitAt).trim();
    if (tail !== '') return fail(`A factor has no unit: write \`baseline * ${n[0]}\` (1.2 is 20% more).`, unitAt, expr.trimEnd().length);
    const factor = Number(n[0]);
    if (!(factor > 0)) return fail('A factor must be greater than 0, e.g. `baseline * 1.2`.', numberStart, unitAt);
    return result({ op: '*', amount: factor, relative: false });
  }
  const amount = readAmount(expr, at, n[0], metric, fail, true);
  if (!amount.ok) return amount.failure;
  const relative = amount.unit === '%' && metric !== 'error_rate' && metric !== 'checks';
  if (sign === '-' && relative && amount.value >= 1) {
    return fail('Subtracting 100% or more of the baseline leaves nothing to compare with; use a smaller share.', numberStart, amount.numberEnd + 1);
  }
  return result({ op: sign, amount: amount.value, relative });
}

/** The limit a baseline threshold sets, given the baseline's value of its metric. */
export function baselineLimit(bound: BaselineBound, baselineValue: number): number {
  if (bound.op === '*') return baselineValue * bound.amount;
  const delta = bound.relative ? baselineValue * bound.amount : bound.amount;
  return bound.op === '+' ? baselineValue + delta : baselineValue - delta;
}

/**
 * Whether `actual` satisfies the threshold (`actual` in the threshold's normalised unit). A
 * baseline threshold needs the baseline's value of the metric; without one it cannot fail.
 */
export function thresholdHolds(t: ParsedThreshold, actual: number, baselineValue?: number | null): boolean {
  let limit = t.value;
  if (t.baseline !== undefined) {
    if (baselineValue === undefined || baselineValue === null) return true;
    limit = baselineLimit(t.baseline, baselineValue);
  }
  return holds(t.op, actual, limit);
}

/** Whether `actual OP limit` (equality within a nanounit, so that rounding does not decide it). */
export function holds(op: ThresholdOp, actual: number, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return Math.abs(actual - limit) < 1e-9;
  }
}

/** A baseline bound in words, for hovers and reports: `10% above the baseline`. */
export function baselineBoundInWords(bound: BaselineBound, metric: ThresholdMetric): string {
  const amount = (n: number): string => String(Math.round(n * 1e6) / 1e6);
  if (bound.op === '*') return bound.amount === 1 ? 'the baseline' : `${amount(bound.amount)} × the baseline`;
  if (bound.amount === 0) return 'the baseline';
  const side = bound.op === '+' ? 'above' : 'below';
  if (bound.relative) return `${amount(bound.amount * 100)}% ${side} the baseline`;
  if (metric === 'error_rate') return `${amount(bound.amount * 100)} percentage points ${side} the baseline`;
  if (metric === 'rps') return `${amount(bound.amount)} requests per second ${side} the baseline`;
  if (metric === 'dropped') return `${amount(bound.amount)} ${side} the baseline`;
  return `${amount(bound.amount)} ms ${side} the baseline`;
}
