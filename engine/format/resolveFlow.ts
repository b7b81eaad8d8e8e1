// The flow half of resolving a test (`steps`, `data`): the CSV feeder read relative to the spec,
// `{{NAME}}` of captures and `{{data.COLUMN}}` compiled as per-iteration parts, capture sources
// parsed, think times in milliseconds, and the captures that are sent in a secret place.
import { parseCsv } from './data';
import { SpecError } from './errors';
import { parseCapture, parseDurationMs } from './flow';
import type { PlanCapture, PlanData, PlanEndpoint, PlanStep, TemplateContext } from './plan';
import { isSecretHeader } from './redact';
import { scanTemplates, type TemplatePart } from './template';
import { DEFAULTS, type StepSpec, type TestSpec } from './types';

export const DATA_PREFIX = 'data.';

export interface FlowScope {
  data: PlanData | null;
  /** For CompileScope.perIteration. */
  perIteration(name: string): TemplatePart | undefined;
  secretCaptures: string[];
}

/** Reads and parses the data file; every problem is a SpecError naming the file and the fix. */
export function readData(spec: TestSpec, readFile: ((relativePath: string) => string | null) | undefined, testLabel: string, file: string): PlanData | null {
  if (!spec.data) return null;
  const path = spec.data.file;
  const text = readFile ? readFile(path) : null;
  if (text === null) throw new SpecError(`${testLabel}: data file \`${path}\` was not found next to ${file}. Create it or fix \`data.file\`.`);
  const csv = parseCsv(text);
  if (!csv.ok) throw new SpecError(`${testLabel}: data file \`${path}\` is ${csv.message.startsWith('not valid') ? '' : 'unusable: '}${csv.message}`);
  return { file: path, order: spec.data.order ?? DEFAULTS.data_order, columns: csv.columns, rows: csv.rows };
}

function captureNames(steps: readonly StepSpec[]): Set<string> {
  const names = new Set<string>();
  for (const s of steps) for (const name of Object.keys(s.capture ?? {})) names.add(name);
  return names;
}

/** Capture names written inside `text` as `{{NAME}}`. */
function namesIn(text: string | undefined, captures: ReadonlySet<string>): string[] {
  if (text === undefined || !text.includes('{{')) return [];
  const out: string[] = [];
  for (const t of scanTemplates(text).tokens) if (t.expr?.kind === 'variable' && captures.has(t.expr.name)) out.push(t.expr.name);
  return out;
}

export function flowScope(spec: TestSpec, data: PlanData | null, testLabel: string): FlowScope {
  const steps = spec.steps ?? [];
  const captures = captureNames(steps);
  const secret = new Set<string>();
  const secretHeaders = (headers: Record<string, string> | undefined): void => {
    for (const [name, value] of Object.entries(headers ?? {})) if (isSecretHeader(name)) for (const n of namesIn(value, captures)) secret.add(n);
  };
  secretHeaders(spec.headers);
  for (const s of steps) secretHeaders(s.headers);
  if (spec.auth) for (const v of Object.values(spec.auth)) for (const n of namesIn(typeof v === 'string' ? v : undefined, captures)) secret.add(n);

  const columnIndex = new Map<string, number>((data?.columns ?? []).map((c, i) => [c, i]));
  return {
    data,
    secretCaptures: [...secret].sort(),
    perIteration(name: string): TemplatePart | undefined {
      if (captures.has(name)) {
        return (ctx: TemplateContext) => {
          const v = ctx.captures?.get(name);
          if (v === undefined) throw new Error(`{{${name}}} has no captured value in this iteration`);
          return v;
        };
      }
      if (!name.startsWith(DATA_PREFIX)) return undefined;
      const column = name.slice(DATA_PREFIX.length);
      if (data === null) throw new SpecError(`${testLabel}: \`{{${name}}}\` needs a data file: add \`data: {file: FILE.csv}\`.`);
      if (!columnIndex.has(column)) {
        throw new SpecError(`${testLabel}: \`{{${name}}}\`: data file \`${data.file}\` has no column \`${column}\`; its columns are ${data.columns.join(', ')}.`);
      }
      return (ctx: TemplateContext) => {
        const v = ctx.data?.get(column);
        if (v === undefined) throw new Error(`{{${name}}} has no data row in this iteration`);
        return v;
      };
    },
  };
}

/** An endpoint built from a step, with the step's captures and think time. */
export function toStep(endpoint: PlanEndpoint, step: StepSpec, where: string, testLabel: string): PlanStep {
  const captures: PlanCapture[] = [];
  for (const [name, expression] of Object.entries(step.capture ?? {})) {
    const r = parseCapture(expression);
    if (!r.ok) throw new SpecError(`${testLabel}: ${where}capture.${name} \`${expression}\`: ${r.message}`);
    captures.push({ name, expression, source: r.value });
  }
  let thinkTimeMs = 0;
  if (step.think_time !== undefined) {
    const ms = parseDurationMs(step.think_time, false);
    if (ms === null) throw new SpecError(`${testLabel}: ${where}think_time \`${step.think_time}\`: write a duration with a unit, e.g. \`200ms\` or \`1s\`.`);
    thinkTimeMs = ms;
  }
  return { ...endpoint, captures, thinkTimeMs };
}
