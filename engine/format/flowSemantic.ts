// Semantic checks of flows (`steps`), captures, checks and data: what the schema cannot say.
// `{{NAME}}` must be captured by an earlier step (or be a variable), captured once; capture
// sources, checks and JSONPaths must parse (errors point inside the string); flow-only fields
// need `steps`. The data file's columns need the file, so that check takes its text from the
// caller (dataDiagnostics), keeping this module pure.
import { DIAGNOSTIC_CODES as C } from './codes';
import { parseCsv } from './data';
import type { Severity, SpecDiagnostic } from './diagnostic';
import { parseCapture, parseCheck } from './flow';
import type { Locator, Path } from './locate';
import { DATA_PREFIX } from './resolveFlow';
import { closest, scanTemplates } from './template';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every templated string of a request-like object (url, headers, body), with its path. */
function requestStrings(base: Path, r: Obj): Array<{ path: Path; text: string }> {
  const out: Array<{ path: Path; text: string }> = [];
  const deep = (path: Path, v: unknown, depth: number): void => {
    if (depth > 64) return;
    if (typeof v === 'string') out.push({ path, text: v });
    else if (Array.isArray(v)) v.forEach((x, i) => deep([...path, i], x, depth + 1));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) deep([...path, k], x, depth + 1);
  };
  if (typeof r.url === 'string') out.push({ path: [...base, 'url'], text: r.url });
  if (isObj(r.headers)) for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') out.push({ path: [...base, 'headers', k], text: v });
  if (r.body !== undefined) deep([...base, 'body'], r.body, 0);
  return out;
}

/** Where each capture name is first captured: step index. */
export function captureSteps(test: Obj): Map<string, number> {
  const out = new Map<string, number>();
  if (!Array.isArray(test.steps)) return out;
  test.steps.forEach((s, i) => {
    if (isObj(s) && isObj(s.capture)) for (const name of Object.keys(s.capture)) if (!out.has(name)) out.set(name, i);
  });
  return out;
}

/** Names that a flow resolves per iteration: captures and `data.COLUMN`. The plain-variable check leaves them to this module. */
export function isFlowName(test: Obj, name: string): boolean {
  return Array.isArray(test.steps) && (name.startsWith(DATA_PREFIX) || captureSteps(test).has(name));
}

export function flowDiagnostics(test: Obj, loc: Locator): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const push = (severity: Severity, code: string, message: string, range = loc.headRange(), data?: Obj): void => {
    out.push({ range, severity, code, message, ...(data ? { data } : {}) });
  };
  const has = (k: string): boolean => test[k] !== undefined && test[k] !== null;
  const isFlow = Array.isArray(test.steps);

  // checks anywhere they are allowed
  const checkList = (path: Path, list: unknown): void => {
    if (!Array.isArray(list)) return;
    list.forEach((c, i) => {
      if (typeof c !== 'string') return;
      const r = parseCheck(c);
      if (!r.ok) push('error', C.invalidCheck, r.message, loc.stringRange([...path, i], r.start, r.end), { expression: c });
    });
  };
  checkList(['checks'], test.checks);
  if (Array.isArray(test.endpoints)) test.endpoints.forEach((e, i) => isObj(e) && checkList(['endpoints', i, 'checks'], e.checks));

  if (!isFlow) {
    for (const k of ['data', 'iterations', 'iterations_per_second']) {
      if (has(k)) push('error', C.flowOnly, `\`${k}\` is for flows: it needs \`steps:\`. Without steps use ${k === 'iterations_per_second' ? '`requests_per_second`' : k === 'iterations' ? '`total_requests`' : 'variables'}.`, loc.keyRange([k]), { key: k });
    }
    return out;
  }

  // flow-only load shape
  const instead: Record<string, string> = {
    total_requests: 'a flow counts `iterations` (each runs every step once)',
    requests_per_second: 'a flow takes `iterations_per_second` for the open model',
    distribution_strategy: 'a flow runs its steps in order',
  };
  for (const [k, why] of Object.entries(instead)) if (has(k)) push('error', C.notForFlows, `\`${k}\` does not apply to \`steps\`: ${why}.`, loc.keyRange([k]), { key: k });
  if (has('iterations') && has('duration_seconds')) push('error', C.requestsAndDuration, 'Use either `iterations` or `duration_seconds`, not both.', loc.keyRange(['duration_seconds']));
  if (has('checks')) push('error', C.notForFlows, '`checks` at the top belongs to a single `url`; with `steps`, put checks on each step.', loc.keyRange(['checks']));

  const steps = test.steps as unknown[];
  const names = new Map<string, number>();
  const captured = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!isObj(s)) return;
    if (typeof s.name === 'string') {
      const first = names.get(s.name);
      if (first !== undefined) {
        push('error', C.duplicateEndpointName, `Step name \`${s.name}\` is already used by \`steps[${first}]\`; names must be unique within a test.`, loc.valueRange(['steps', i, 'name']), { name: s.name });
      } else names.set(s.name, i);
    }
    checkList(['steps', i, 'checks'], s.checks);
    if (isObj(s.capture)) {
      for (const [name, source] of Object.entries(s.capture)) {
        const first = captured.get(name);
        if (first !== undefined) {
          push('error', C.captureTwice, `\`${name}\` is already captured by step \`${stepName(steps, first)}\`; give this capture another name.`, loc.keyRange(['steps', i, 'capture', name]), { name });
        } else captured.set(name, i);
        if (isObj(test.variables) && Object.prototype.hasOwnProperty.call(test.variables, name)) {
          push('error', C.captureTwice, `\`${name}\` is also a variable; a capture needs a name of its own.`, loc.keyRange(['steps', i, 'capture', name]), { name });
        }
        if (typeof source !== 'string') continue;
        const r = parseCapture(source);
        if (!r.ok) push('error', C.invalidCapture, r.message, loc.stringRange(['steps', i, 'capture', name], r.start, r.end), { name });
      }
    }
  });

  // {{NAME}} of captures and data columns
  const variables = isObj(test.variables) ? Object.keys(test.variables) : [];
  const usable = (stepIndex: number): string[] => [...captured].filter(([, j]) => j < stepIndex).map(([n]) => n);
  const checkUse = (path: Path, text: string, stepIndex: number | null): void => {
    if (!text.includes('{{')) return;
    for (const t of scanTemplates(text).tokens) {
      if (t.expr?.kind !== 'variable') continue;
      const name = t.expr.name;
      const range = loc.stringRange(path, t.start, t.end);
      if (variables.includes(name)) continue;
      if (name.startsWith(DATA_PREFIX)) {
        if (!has('data')) push('error', C.unknownVariable, `\`{{${name}}}\` needs a data file: add \`data: {file: FILE.csv}\`.`, range, { name });
        continue;
      }
      const at = captured.get(name);
      if (at === undefined) {
        const candidates = [...variables, ...(stepIndex === null ? [] : usable(stepIndex))];
        const suggestion = closest(name, candidates);
        push(
          'error',
          C.unknownVariable,
          `Unknown name \`${name}\`: no earlier step captures it and it is no variable${suggestion ? `; did you mean \`${suggestion}\`?` : '.'}`,
          range,
          { name, suggestion },
        );
      } else if (stepIndex === null) {
        push('error', C.captureUsedTooEarly, `\`{{${name}}}\` is captured by step \`${stepName(steps, at)}\`, but this is sent with every step, the first ones too: use it in the headers of the steps after \`${stepName(steps, at)}\`.`, range, { name });
      } else if (at >= stepIndex) {
        push(
          'error',
          C.captureUsedTooEarly,
          at === stepIndex
            ? `\`{{${name}}}\` is captured from this step's own answer, so it is known only from the next step on.`
            : `\`{{${name}}}\` is used before its capture: step \`${stepName(steps, at)}\` (later in the flow) captures it.`,
          range,
          { name },
        );
      }
    }
  };
  steps.forEach((s, i) => {
    if (isObj(s)) for (const { path, text } of requestStrings(['steps', i], s)) checkUse(path, text, i);
  });
  if (isObj(test.headers)) for (const [k, v] of Object.entries(test.headers)) if (typeof v === 'string') checkUse(['headers', k], v, null);
  if (isObj(test.auth)) for (const k of ['token', 'key', 'username', 'password']) if (typeof test.auth[k] === 'string') checkUse(['auth', k], test.auth[k] as string, null);
  return out;
}

function stepName(steps: unknown[], i: number): string {
  const s = steps[i];
  return isObj(s) && typeof s.name === 'string' ? s.name : `steps[${i}]`;
}

/**
 * The data file's problems: missing, not CSV, and `{{data.COLUMN}}` naming no column. `readFile`
 * reads relative to the spec (null: no such file).
 */
export function dataDiagnostics(test: Obj, loc: Locator, readFile: (relativePath: string) => string | null): SpecDiagnostic[] {
  if (!Array.isArray(test.steps) || !isObj(test.data) || typeof test.data.file !== 'string' || test.data.file === '') return [];
  const file = test.data.file;
  const range = loc.valueRange(['data', 'file']);
  const text = readFile(file);
  if (text === null) return [{ range, severity: 'error', code: C.dataFileNotFound, message: `Data file \`${file}\` was not found next to this spec.` }];
  const csv = parseCsv(text);
  if (!csv.ok) return [{ range, severity: 'error', code: C.invalidDataFile, message: `Data file \`${file}\`: ${csv.message}` }];
  const out: SpecDiagnostic[] = [];
  test.steps.forEach((s, i) => {
    if (!isObj(s)) return;
    for (const { path, text: t } of requestStrings(['steps', i], s)) {
      if (!t.includes('{{')) continue;
      for (const token of scanTemplates(t).tokens) {
        if (token.expr?.kind !== 'variable' || !token.expr.name.startsWith(DATA_PREFIX)) continue;
        const column = token.expr.name.slice(DATA_PREFIX.length);
        if (csv.columns.includes(column)) continue;
        const suggestion = closest(column, csv.columns);
        out.push({
          range: loc.stringRange(path, token.start, token.end),
          severity: 'error',
          code: C.unknownDataColumn,
          message: `Data file \`${file}\` has no column \`${column}\`${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} Its columns: ${csv.columns.join(', ')}.`,
          data: { column, suggestion },
        });
      }
    }
  });
  return out;
}
