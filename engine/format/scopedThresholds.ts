// Thresholds of a step or endpoint written by name in the test's own `thresholds`
// (`- login: p95 < 300ms`, or `- login: [p95 < 300ms, checks > 99%]`). They mean exactly what
// the same expressions mean in that step's own `thresholds`: the plan, merge, compare and the
// editor's checks all read them through this module, so none of them can tell the two apart.
import type { Path } from './locate';

/** One threshold expression and where it is written (the path of its string). */
export interface ThresholdSource {
  expression: string;
  path: Path;
  /** The path as a user reads it: `thresholds[2].login[0]`. */
  where: string;
}

function label(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** A `NAME: expression(s)` item of a test's `thresholds`. */
export interface ScopedThreshold {
  /** The step or endpoint name (the item's one key). */
  name: string;
  /** The path of the item's key: `['thresholds', i, name]`. */
  path: Path;
  /** That path as a user reads it: `thresholds[2].login`. */
  where: string;
  expressions: ThresholdSource[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The items of a test's `thresholds` that are expressions for the whole test. */
export function testWideThresholds(list: unknown): ThresholdSource[] {
  if (!Array.isArray(list)) return [];
  const out: ThresholdSource[] = [];
  list.forEach((item, i) => {
    if (typeof item === 'string') out.push({ expression: item, path: ['thresholds', i], where: `thresholds[${i}]` });
  });
  return out;
}

/**
 * The scoped items of a test's `thresholds`, in order. An item with more than one key is read
 * key by key (the schema reports it); values that are not strings are left out (likewise).
 */
export function scopedThresholds(list: unknown): ScopedThreshold[] {
  if (!Array.isArray(list)) return [];
  const out: ScopedThreshold[] = [];
  list.forEach((item, i) => {
    if (!isRecord(item)) return;
    for (const [name, value] of Object.entries(item)) {
      const path: Path = ['thresholds', i, name];
      const source = (expression: string, at: Path): ThresholdSource => ({ expression, path: at, where: label(at) });
      const expressions: ThresholdSource[] =
        typeof value === 'string'
          ? [source(value, path)]
          : Array.isArray(value)
            ? value.flatMap((v, j) => (typeof v === 'string' ? [source(v, [...path, j])] : []))
            : [];
      out.push({ name, path, where: label(path), expressions });
    }
  });
  return out;
}

/**
 * The threshold expressions of the step or endpoint `name`: its own `thresholds`, then those the
 * test's `thresholds` give it by name.
 */
export function thresholdsOfScope(testThresholds: unknown, name: string, own: unknown): string[] {
  const out = Array.isArray(own) ? own.filter((t): t is string => typeof t === 'string') : [];
  for (const s of scopedThresholds(testThresholds)) if (s.name === name) out.push(...s.expressions.map((e) => e.expression));
  return out;
}

/** The names a scoped threshold may use: the test's steps, else its endpoints. */
export function scopeNames(test: { steps?: unknown; endpoints?: unknown }): { kind: 'step' | 'endpoint'; names: string[] } | null {
  const list = Array.isArray(test.steps) ? test.steps : Array.isArray(test.endpoints) ? test.endpoints : null;
  if (list === null) return null;
  const names = list.flatMap((e) => (isRecord(e) && typeof e.name === 'string' ? [e.name] : []));
  return { kind: Array.isArray(test.steps) ? 'step' : 'endpoint', names };
}
