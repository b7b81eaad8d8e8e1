// Where each threshold of a finished run sits in its spec, and the text shown at the end of that
// line (`✓ 8.4 ms`, `✗ 231.4 ms (baseline 198.0 ms, +16.9%)`). Pure (no 'vscode') for unit tests.
import type { ThresholdResult } from '../engine/format/result';
import { formatThresholdValue } from '../engine/report';

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

/** The threshold as written on a line: `- EXPR`, optionally quoted, optionally with a comment. */
function lineHolds(line: string, expression: string): boolean {
  const m = /^\s*-\s*(["']?)(.*?)\1\s*(#.*)?$/.exec(line);
  return m !== null && m[2].trim() === expression.trim();
}

/**
 * The line of each threshold within the test's lines [start, end). Endpoint thresholds are looked
 * for after their endpoint's `name:` line; test-wide ones take the first occurrence not claimed
 * by an endpoint. A threshold not found (the text changed) gets no outcome.
 */
export function placeOutcomes(lines: readonly string[], start: number, end: number, thresholds: readonly ThresholdResult[]): LineOutcome[] {
  const claimed = new Set<number>();
  const out: LineOutcome[] = [];
  const find = (expression: string, from: number): number => {
    for (let i = from; i < Math.min(end, lines.length); i++) if (!claimed.has(i) && lineHolds(lines[i], expression)) return i;
    return -1;
  };
  const nameLine = (name: string): number => {
    for (let i = start; i < Math.min(end, lines.length); i++) {
      const m = /^\s*-?\s*name:\s*(["']?)(.*?)\1\s*(#.*)?$/.exec(lines[i]);
      if (m && m[2] === name && i > start) return i;
    }
    return -1;
  };
  const ordered = [...thresholds.filter((t) => t.endpoint !== null), ...thresholds.filter((t) => t.endpoint === null)];
  for (const t of ordered) {
    let from = start;
    if (t.endpoint !== null) {
      const at = nameLine(t.endpoint);
      if (at < 0) continue;
      from = at;
    }
    const line = find(t.expression, from);
    if (line < 0) continue;
    claimed.add(line);
    out.push({ line, text: outcomeText(t), passed: t.passed, threshold: t });
  }
  return out.sort((a, b) => a.line - b.line);
}
