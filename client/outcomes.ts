// Where each threshold of a finished run sits in its spec, and the text shown at the end of that
// line (`✓ 8.4 ms`, `✗ 231.4 ms (baseline 198.0 ms, +16.9%)`). Pure (no 'vscode') for unit tests.
import type { ThresholdResult } from '../engine/format/result';
import { formatThresholdValue } from '../engine/report';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';

export interface LineOutcome {
  /** 0-based line of the threshold in the document. */
  line: number;
  text: string;
  passed: boolean;
  /** The threshold result placed on this line. */
  threshold: ThresholdResult;
}

/** The change from the baseline in words: percent, or percentage points for error_rate. */
function change(expression: string, actual: number, baseline: number): string {
  const sign = (n: number): string => (n > 0 ? '+' : n < 0 ? '−' : '±');
  if (expression.trim().startsWith('error_rate')) {
    const pp = (actual - baseline) * 100;
    return `${sign(pp)}${Math.abs(pp).toFixed(2)} pp`;
  }
  if (baseline === 0) return actual === 0 ? '±0%' : 'new';
  const pct = ((actual - baseline) / baseline) * 100;
  return `${sign(pct)}${Math.abs(pct).toFixed(1)}%`;
}

export function outcomeText(t: ThresholdResult): string {
  if (t.no_baseline === true) return '– no baseline';
  const mark = t.passed ? '✓' : '✗';
  if (t.actual === null) return `${mark} no data`;
  const actual = formatThresholdValue(t.expression, t.actual);
  if (t.baseline === undefined || t.baseline === null) return `${mark} ${actual}`;
  return `${mark} ${actual} (baseline ${formatThresholdValue(t.expression, t.baseline)}, ${change(t.expression, t.actual, t.baseline)})`;
}

/** A threshold expression as written in the spec: the step or endpoint it is on (null: the whole test) and its line. */
interface WrittenThreshold {
  endpoint: string | null;
  expression: string;
  line: number;
}

/**
 * Every threshold expression written in the test's lines [start, end), read from the YAML tree so
 * that the order of keys does not matter: the test-wide items of `thresholds`, the by-name items
 * (`- login: p95 < 300ms`, `- login: [...]`, before or after `steps:`), and each step's or
 * endpoint's own `thresholds` (before or after its `name:`).
 */
function writtenThresholds(lines: readonly string[], start: number, end: number): WrittenThreshold[] {
  const text = lines.slice(start, Math.min(end, lines.length)).join('\n');
  // Only the first document is the test's; an error elsewhere still leaves the nodes that parsed.
  const root = parseDocument(text).contents;
  const out: WrittenThreshold[] = [];
  const lineOf = (offset: number): number => {
    let line = start;
    for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    return line;
  };
  const add = (endpoint: string | null, node: unknown): void => {
    if (isScalar(node) && typeof node.value === 'string' && node.range) out.push({ endpoint, expression: node.value.trim(), line: lineOf(node.range[0]) });
  };
  const addAll = (endpoint: string, node: unknown): void => {
    if (isSeq(node)) for (const item of node.items) add(endpoint, item);
    else add(endpoint, node);
  };
  if (!isMap(root)) return out;
  const testWide = root.get('thresholds', true);
  if (isSeq(testWide)) {
    for (const item of testWide.items) {
      if (!isMap(item)) add(null, item);
      else for (const pair of item.items) if (isScalar(pair.key)) addAll(String(pair.key.value), pair.value);
    }
  }
  for (const key of ['steps', 'endpoints']) {
    const list = root.get(key, true);
    if (!isSeq(list)) continue;
    for (const item of list.items) {
      if (!isMap(item)) continue;
      const name = item.get('name');
      const own = item.get('thresholds', true);
      if (typeof name === 'string' && isSeq(own)) for (const t of own.items) add(name, t);
    }
  }
  return out;
}

/**
 * The line of each threshold within the test's lines [start, end): the first line not yet taken
 * that holds its expression for its scope (the whole test, or its step or endpoint, whether
 * written on the step or by name in the test's `thresholds`). A threshold not found (the text
 * changed) gets no outcome.
 */
export function placeOutcomes(lines: readonly string[], start: number, end: number, thresholds: readonly ThresholdResult[]): LineOutcome[] {
  const written = writtenThresholds(lines, start, end);
  const claimed = new Set<WrittenThreshold>();
  const out: LineOutcome[] = [];
  for (const t of thresholds) {
    const expression = t.expression.trim();
    const at = written.find((w) => !claimed.has(w) && w.endpoint === t.endpoint && w.expression === expression);
    if (!at) continue;
    claimed.add(at);
    out.push({ line: at.line, text: outcomeText(t), passed: t.passed, threshold: t });
  }
  return out.sort((a, b) => a.line - b.line);
}
