// Hover: the schema's docs for a key, what a template resolves to (an env value only as set / not
// set, never its content), and a threshold in words.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import { BUILTINS as SPEC_BUILTINS, parseThreshold, scanTemplates, type ParsedThreshold } from '../../engine/format';
import { envLookup, linesOf, type ServiceContext } from './context';
import { documentBounds, ITEM, keyPathAt, lineEntries, stripComment, variablesOf, type KeyEntry } from './lines';
import { findCapture, flowSteps, stepAt } from './flowSteps';
import { isScopedExpression, scopeHover } from './scopedThresholds';
import { docOf, schemaAt, typesOf } from './schema';

function markdown(value: string, line: number, start: number, end: number): Hover {
  return { contents: { kind: MarkupKind.Markdown, value }, range: { start: { line, character: start }, end: { line, character: end } } };
}

function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text}${fence}`;
}

export function hover(doc: TextDocument, position: Position, ctx: ServiceContext): Hover | null {
  const lines = linesOf(doc);
  if (position.line < 0 || position.line >= lines.length) return null;
  const line = lines[position.line];
  const ch = position.character;
  // Hovering very long lines (minified blobs) is not worth scanning.
  if (line.length > 100_000) return null;

  const template = templateHover(lines, position.line, ch, ctx);
  if (template) return template;

  const located = keyPathAt(lines, position.line);
  if (!located) return null;
  const key = located.entries.find((e): e is KeyEntry => e.kind === 'key');
  if (key && ch >= key.col && ch < key.colonEnd && located.path.length === 3 && isScopedExpression(located.path)) {
    // `- login: p95 < 300ms` in the test's thresholds: the name stands for a step or endpoint.
    const bounds = documentBounds(lines, position.line);
    const text = scopeHover(lines, bounds.start, bounds.end, key.key);
    if (text) return markdown(text, position.line, key.col, key.colonEnd - 1);
  }
  if (key && ch >= key.col && ch < key.colonEnd) {
    const schema = schemaAt(located.path);
    if (!schema) return null;
    const types = typesOf(schema);
    const head = `**${key.key}**${types.length ? ` (${types.join(' | ')})` : ''}`;
    const def = schema.default !== undefined && typeof schema.default !== 'object' ? `\n\nDefault: ${code(String(schema.default))}` : '';
    return markdown(`${head}\n\n${docOf(schema)}${def}`, position.line, key.col, key.colonEnd - 1);
  }
  const thresholdText = thresholdAt(line, located.path, key ?? null, ch);
  if (thresholdText) {
    const parsed = parseThreshold(thresholdText.text);
    const value = parsed.ok ? thresholdInWords(parsed.threshold) : `Not a valid threshold: ${parsed.message}`;
    return markdown(value, position.line, thresholdText.start, thresholdText.end);
  }
  if (key && ch >= key.valueStart && key.value) {
    const schema = schemaAt(located.path);
    if (schema && Array.isArray(schema.enum)) return markdown(`**${key.key}**\n\n${docOf(schema)}`, position.line, key.valueStart, key.valueStart + key.value.length);
  }
  return null;
}

function templateHover(lines: readonly string[], lineNo: number, ch: number, ctx: ServiceContext): Hover | null {
  const line = lines[lineNo];
  if (!line.includes('{{')) return null;
  const scan = scanTemplates(line);
  const token = scan.tokens.find((t) => ch >= t.start && ch < t.end);
  if (!token) return null;
  const expr = token.expr;
  if (!expr) return markdown(token.error ? token.error.message : 'Not a valid template.', lineNo, token.start, token.end);
  switch (expr.kind) {
    case 'env': {
      const env = envLookup(ctx, lines, lineNo);
      const where = env.where(expr.name);
      const state =
        where === 'environment' ? '**set** in the environment' : where === 'env_file' ? `**set** in \`${env.envFile}\`` : `**not set** (neither in the environment nor in \`${env.envFile}\`)`;
      return markdown(`Environment variable ${code(expr.name)}: ${state}.\n\nIts value is redacted (\`***\`) in results and logs.`, lineNo, token.start, token.end);
    }
    case 'builtin': {
      const b = (SPEC_BUILTINS as Record<string, { description: string } | undefined>)[expr.name];
      return markdown(`Built-in ${code(expr.name)}${expr.args.length ? ` ${expr.args.join(' ')}` : ''}: ${b ? b.description : ''}`, lineNo, token.start, token.end);
    }
    case 'variable': {
      const { start, end } = documentBounds(lines, lineNo);
      const def = variablesOf(lines, start, end).find((v) => v.name === expr.name);
      if (!def) {
        const flow = flowTemplateHover(lines, lineNo, start, end, expr.name);
        if (flow !== null) return markdown(flow, lineNo, token.start, token.end);
      }
      if (!def) return markdown(`${code(expr.name)} is not defined under \`variables\` in this test.`, lineNo, token.start, token.end);
      const value = def.entry.value;
      let text = `Variable ${code(expr.name)} (defined on line ${def.line + 1})`;
      if (value) {
        text += ` = ${code(value)}`;
        const inner = scanTemplates(value).tokens.find((t) => t.expr?.kind === 'env');
        if (inner && inner.expr && inner.expr.kind === 'env') {
          const where = envLookup(ctx, lines, lineNo).where(inner.expr.name);
          text += `\n\n${code(inner.expr.name)} is ${where ? '**set**' : '**not set**'}; its value is never shown.`;
        }
      }
      return markdown(text, lineNo, token.start, token.end);
    }
  }
}

/** A `{{name}}` in a flow: where it is captured, or which data column it is. */
function flowTemplateHover(lines: readonly string[], lineNo: number, start: number, end: number, name: string): string | null {
  const steps = flowSteps(lines, start, end);
  if (name.startsWith('data.')) {
    return `Column ${code(name.slice(5))} of the \`data\` file: each iteration takes one row.`;
  }
  if (steps.length === 0) return null;
  const found = findCapture(steps, name);
  if (!found) return null;
  const { step, capture } = found;
  const stepName = step.name !== null ? code(step.name) : `#${step.index + 1}`;
  let text = `Captured by step ${stepName} (line ${capture.line + 1})${capture.source ? `: ${code(capture.source)}` : ''}.`;
  const own = stepAt(steps, lineNo);
  if (own !== undefined && own.index <= step.index) {
    text +=
      own.index === step.index
        ? '\n\nThis is the step that captures it: the value is known only in the steps after it.'
        : '\n\nThis step runs before that one: the value is not known here.';
  }
  text += '\n\nA captured value lives for one iteration of the flow.';
  return text;
}

/** The threshold expression under the cursor: a block item `- p95 < 200ms` or an item of `[ ... ]`. */
function thresholdAt(line: string, path: readonly string[], key: KeyEntry | null, ch: number): { text: string; start: number; end: number } | null {
  const inItem = path[path.length - 1] === ITEM && path[path.length - 2] === 'thresholds';
  if (inItem && !key) {
    const entries = lineEntries(line);
    const last = entries[entries.length - 1];
    if (!last) return null;
    const start = last.col + 1;
    let s = start;
    while (s < line.length && line[s] === ' ') s++;
    return unquoteSpan(line, s, s + stripComment(line.slice(s)).trimEnd().length, ch);
  }
  const scoped = key !== null && path.length === 3 && isScopedExpression(path);
  if (scoped && key.value !== '' && !key.value.startsWith('[')) {
    // `- login: p95 < 300ms`: the value is the expression.
    return unquoteSpan(line, key.valueStart, key.valueStart + stripComment(line.slice(key.valueStart)).trimEnd().length, ch);
  }
  if (key && (key.key === 'thresholds' || scoped) && key.value.startsWith('[')) {
    // Items of a flow sequence: split on commas outside quotes.
    let from = key.valueStart + 1;
    let quote = '';
    for (let i = from; i <= line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === ',' || c === ']' || i === line.length) {
        if (ch >= from && ch <= i) {
          let s = from;
          while (s < i && line[s] === ' ') s++;
          let e = i;
          while (e > s && line[e - 1] === ' ') e--;
          return unquoteSpan(line, s, e, ch);
        }
        from = i + 1;
        if (c === ']') break;
      }
    }
  }
  return null;
}

function unquoteSpan(line: string, s: number, e: number, ch: number): { text: string; start: number; end: number } | null {
  if (ch < s || ch > e || e <= s) return null;
  let text = line.slice(s, e);
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[text.length - 1] === text[0]) text = text.slice(1, -1);
  return { text, start: s, end: e };
}

const OP_WORDS: Record<string, string> = { '<': 'below', '<=': 'at most', '>': 'above', '>=': 'at least', '==': 'exactly' };

function round(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export function thresholdInWords(t: ParsedThreshold): string {
  const op = OP_WORDS[t.op] ?? t.op;
  let subject: string;
  let value: string;
  switch (t.metric) {
    case 'error_rate':
      subject = 'The error rate (failed requests and unexpected statuses)';
      value = `${round(t.value * 100)}%`;
      break;
    case 'rps':
      subject = 'The achieved throughput';
      value = `${round(t.value)} requests per second`;
      break;
    case 'dropped':
      subject = 'The number of dropped requests (due while `concurrency` were in flight)';
      value = round(t.value);
      break;
    case 'checks':
      subject = 'The share of passed checks';
      value = `${round(t.value * 100)}%`;
      break;
    default: {
      const of = t.iteration ? 'iteration duration (whole iterations of the flow)' : 'response time';
      const names: Record<string, string> = { min: `The fastest ${of}`, mean: `The mean ${of}`, max: `The slowest ${of}` };
      subject = names[t.metric] ?? `The ${t.metric.slice(1)}th percentile ${of}`;
      value = `${round(t.value)} ms`;
    }
  }
  return `**${t.expression}**: ${subject} must be ${op} ${value}.`;
}
