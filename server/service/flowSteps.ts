// A flow's steps and what each captures, read from lines (like the rest of the service) so that
// completion, hover and go to definition work while the YAML is half typed.
import { blockEnd, childKeys, lineEntries, topLevelKeys, type KeyEntry } from './lines';

export interface CaptureDef {
  name: string;
  /** The capture source as written, e.g. `json $.token`. */
  source: string;
  line: number;
  /** Column of the name. */
  col: number;
}

export interface FlowStep {
  /** The step's `name`, or null while it has none. */
  name: string | null;
  index: number;
  /** Lines [startLine, endLine] of the step's sequence item. */
  startLine: number;
  endLine: number;
  captures: CaptureDef[];
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) ? s.slice(1, -1) : s;
}

/** The key entry of a line, whether or not a `- ` precedes it. */
function keyOf(line: string): KeyEntry | null {
  const entries = lineEntries(line);
  const last = entries[entries.length - 1];
  return last && last.kind === 'key' ? last : null;
}

/** `capture: { token: json $.token, id: status }` on one line. */
function inlineCaptures(text: string, entry: KeyEntry, line: number): CaptureDef[] {
  const out: CaptureDef[] = [];
  const body = text.slice(entry.valueStart);
  const re = /[{,]\s*["']?([A-Za-z_][\w-]*)["']?\s*:\s*([^,}]*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body)) !== null) {
    out.push({ name: m[1], source: unquote(m[2].trim()), line, col: entry.valueStart + m.index + m[0].indexOf(m[1]) });
  }
  return out;
}

/**
 * The steps of the test in [docStart, docEnd), in order; empty when it has no `steps`. With
 * `key: 'endpoints'`, its endpoints read the same way (they capture nothing).
 */
export function flowSteps(lines: readonly string[], docStart: number, docEnd: number, key: 'steps' | 'endpoints' = 'steps'): FlowStep[] {
  const top = topLevelKeys(lines, docStart, docEnd).find((k) => k.entry.key === key);
  if (!top) return [];
  const last = blockEnd(lines, top.line, docEnd);
  const starts: number[] = [];
  let itemCol = -1;
  for (let l = top.line + 1; l <= last; l++) {
    const first = lineEntries(lines[l])[0];
    if (!first || first.kind !== 'seq') continue;
    if (itemCol < 0) itemCol = first.col;
    if (first.col === itemCol) starts.push(l);
  }
  return starts.map((start, index) => {
    const end = index + 1 < starts.length ? starts[index + 1] - 1 : last;
    const step: FlowStep = { name: null, index, startLine: start, endLine: end, captures: [] };
    // The step's own keys sit at the column of its first key (the one after `- `).
    const keyCol = keyOf(lines[start])?.col ?? -1;
    for (let l = start; l <= end; l++) {
      const entry = keyOf(lines[l]);
      if (!entry || (keyCol >= 0 && entry.col !== keyCol)) continue;
      if (entry.key === 'name' && step.name === null && entry.value !== '') step.name = unquote(entry.value);
      if (entry.key !== 'capture') continue;
      if (entry.value.startsWith('{')) {
        step.captures.push(...inlineCaptures(lines[l], entry, l));
        continue;
      }
      for (const child of childKeys(lines, l, end + 1)) {
        step.captures.push({ name: child.entry.key, source: unquote(child.entry.value), line: child.line, col: child.entry.col });
      }
    }
    return step;
  });
}

/** The step whose lines hold `line`, if any. */
export function stepAt(steps: FlowStep[], line: number): FlowStep | undefined {
  return steps.find((s) => line >= s.startLine && line <= s.endLine);
}

/** The captures a template on `line` may use: those of the steps before its own (none outside the steps). */
export function capturesBefore(steps: FlowStep[], line: number): Array<{ step: FlowStep; capture: CaptureDef }> {
  const own = stepAt(steps, line);
  const out: Array<{ step: FlowStep; capture: CaptureDef }> = [];
  if (own === undefined) return out;
  for (const step of steps) {
    if (step.index >= own.index) break;
    for (const capture of step.captures) out.push({ step, capture });
  }
  return out;
}

/** Where `name` is captured (the first capture of that name), for hover and go to definition. */
export function findCapture(steps: FlowStep[], name: string): { step: FlowStep; capture: CaptureDef } | undefined {
  for (const step of steps) {
    const capture = step.captures.find((c) => c.name === name);
    if (capture) return { step, capture };
  }
  return undefined;
}

/** The `data: { file: ... }` of the test, as written, or null. */
export function dataFileOf(lines: readonly string[], docStart: number, docEnd: number): string | null {
  const top = topLevelKeys(lines, docStart, docEnd).find((k) => k.entry.key === 'data');
  if (!top) return null;
  if (top.entry.value.startsWith('{')) {
    const m = /\bfile\s*:\s*(["']?)([^,}"']+)\1/.exec(top.entry.value);
    return m ? m[2].trim() : null;
  }
  const file = childKeys(lines, top.line, docEnd).find((c) => c.entry.key === 'file');
  return file && file.entry.value !== '' ? unquote(file.entry.value) : null;
}
