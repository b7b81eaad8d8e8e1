// Threshold expressions (SPEC.md "Thresholds"): `METRIC OP VALUE[UNIT]`, e.g. `p95 < 200ms`,
// `error_rate < 1%`, `rps >= 150`, `dropped == 0`. Errors carry the offsets of the bad token so
// the editor can underline exactly it.
import type { LatencyMetric, ParsedThreshold, ThresholdMetric, ThresholdOp } from './plan';
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
  NUMBER_RE.lastIndex = at;
  const n = NUMBER_RE.exec(expr);
  if (!n) {
    const bad = expr.slice(at).match(/^\S+/)?.[0] ?? '';
    return fail(bad ? `Expected a number after \`${op}\`, found \`${bad}\`.` : `Expected a number after \`${op}\`.`, at, at + Math.max(1, bad.length));
  }
  const numberStart = at;
  const raw = Number(n[0]);
  at = NUMBER_RE.lastIndex;
  const numberEnd = at;

  UNIT_RE.lastIndex = at;
  const u = UNIT_RE.exec(expr);
  const unit = u ? u[0] : '';
  const unitStart = at;
  if (u) at = UNIT_RE.lastIndex;
  skip();
  if (at < expr.length && !u) {
    const spaced = /^(ms|s|%)(?=\s*$)/.exec(expr.slice(at));
    if (spaced) {
      const written = expr.slice(numberStart, numberEnd);
      return fail(
        `Write the unit right after the number, without a space: \`${written}${spaced[1]}\`.`,
        numberEnd,
        at + spaced[1].length,
      );
    }
  }
  if (at < expr.length) return fail(`Unexpected \`${expr.slice(at).trim()}\` after the value.`, at, expr.trimEnd().length);

  let value: number;
  const badUnit = (allowed: string): ThresholdParse =>
    fail(`\`${unit}\` is not a unit for \`${metric}\`; ${allowed}.`, unitStart, unitStart + unit.length);
  if ((LATENCY_METRICS as readonly string[]).includes(metric)) {
    if (unit === '' || unit === 'ms') value = raw;
    else if (unit === 's') value = raw * 1000;
    else if (unit === 'us' || unit === 'µs') value = raw / 1000;
    else return badUnit('use `ms` (the default) or `s`');
  } else if (metric === 'error_rate' || metric === 'checks') {
    const what = metric === 'checks' ? 'A share of passed checks' : 'An error rate';
    if (unit === '%') {
      if (raw < 0 || raw > 100) return fail(`${what} is between 0% and 100%.`, numberStart, unitStart + 1);
      value = raw / 100;
    } else if (unit === '') {
      if (raw < 0 || raw > 1) {
        return fail(`${what} without % is a fraction from 0 to 1: write \`${n[0]}%\` or \`${raw / 100}\`.`, numberStart, numberEnd);
      }
      value = raw;
    } else return badUnit('write a percentage (`1%`) or a fraction (`0.01`)');
  } else if (metric === 'rps') {
    if (unit !== '' && unit !== '/s' && unit !== 'rps') return badUnit('`rps` is in requests per second, no unit');
    value = raw;
  } else {
    if (unit !== '') return badUnit('`dropped` is a count, no unit');
    if (!Number.isInteger(raw)) return fail('`dropped` is a count: use a whole number.', numberStart, numberEnd);
    value = raw;
  }
  if (value < 0) return fail('A threshold value cannot be negative.', numberStart, numberEnd);
  return { ok: true, threshold: { expression: expr.trim(), metric, op, value, ...(iteration ? { iteration: true } : {}) } };
}

/** Whether `actual` satisfies the threshold (`actual` in the threshold's normalised unit). */
export function thresholdHolds(t: ParsedThreshold, actual: number): boolean {
  switch (t.op) {
    case '<':
      return actual < t.value;
    case '<=':
      return actual <= t.value;
    case '>':
      return actual > t.value;
    case '>=':
      return actual >= t.value;
    case '==':
      return actual === t.value;
  }
}
