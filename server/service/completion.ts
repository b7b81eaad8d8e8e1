// Completion from the schema and the text around the cursor. Works on YAML that does not parse:
// the key path comes from indentation (lines.ts), never from the syntax tree.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CompletionItem,
  type CompletionList,
  type Position,
  type Range,
} from 'vscode-languageserver';
import { BUILTINS, envLookup, linesOf, type ServiceContext } from './context';
import { cursorContext, FLOW_KEY, ITEM, variablesOf, type PathSegment } from './lines';
import { capturesBefore, dataFileOf, flowSteps } from './flowSteps';
import { isScopedExpression, isTestThresholdItem, scopeNameItems } from './scopedThresholds';
import { parseCsv } from '../../engine/format';
import { docOf, enumOf, propertiesOf, schemaAt, typesOf, type Schema } from './schema';

export const HEADER_VALUES: Readonly<Record<string, readonly string[]>> = {
  Accept: ['application/json', '*/*', 'text/plain', 'text/html'],
  'Accept-Encoding': ['gzip, deflate, br', 'identity'],
  'Accept-Language': ['en-US,en;q=0.9'],
  Authorization: ['Bearer {{env:API_TOKEN}}', 'Basic {{env:BASIC_CREDENTIALS}}'],
  'Cache-Control': ['no-cache', 'no-store'],
  Connection: ['keep-alive', 'close'],
  'Content-Type': ['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml'],
  Cookie: ['{{env:SESSION_COOKIE}}'],
  'If-None-Match': ['"{{etag}}"'],
  Origin: ['http://127.0.0.1:3000'],
  'User-Agent': ['atm'],
  'X-Api-Key': ['{{env:API_KEY}}'],
  'X-Correlation-Id': ['{{$uuid}}'],
  'X-Request-Id': ['{{$uuid}}'],
  'X-Trace': ['{{$requestIndex}}'],
};

export const STATUS_CODES: ReadonlyArray<[number, string]> = [
  [200, 'OK'], [201, 'Created'], [202, 'Accepted'], [204, 'No Content'], [301, 'Moved Permanently'], [302, 'Found'],
  [304, 'Not Modified'], [400, 'Bad Request'], [401, 'Unauthorized'], [403, 'Forbidden'], [404, 'Not Found'],
  [409, 'Conflict'], [422, 'Unprocessable Content'], [429, 'Too Many Requests'], [500, 'Internal Server Error'],
  [502, 'Bad Gateway'], [503, 'Service Unavailable'], [504, 'Gateway Timeout'],
];
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

export const LATENCY_METRICS = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'max'] as const;
export const THRESHOLD_METRICS: ReadonlyArray<[string, string]> = [
  ...LATENCY_METRICS.map((m): [string, string] => [m, `latency ${m === 'mean' ? 'mean' : m === 'min' ? 'minimum' : m === 'max' ? 'maximum' : `${m.slice(1)}th percentile`}, in ms (default) or s`]),
  ['error_rate', 'share of requests that failed or had an unexpected status: a percentage (1%) or a fraction (0.01)'],
  ['rps', 'achieved requests per second'],
  ['dropped', 'requests not sent because `concurrency` were in flight (open model), a count'],
  ['checks', 'share of checks that passed (flows, endpoints or the single request): a percentage (99%) or a fraction'],
  ['iteration_duration', 'flows: a latency metric over whole iterations, think time included, e.g. `iteration_duration p95 < 2s`'],
];
export const THRESHOLD_OPS = ['<', '<=', '>', '>=', '=='] as const;

const NEW_TEST_SNIPPET = [
  'name: ${1:My API test}',
  'base_url: ${2:http://127.0.0.1:3000}',
  'url: ${3:/}',
  'method: ${4|GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS|}',
  'concurrency: ${5:10}',
  'total_requests: ${6:100}',
  'thresholds:',
  '  - p95 < ${7:200}ms',
  '  - error_rate < ${8:1}%',
  '$0',
].join('\n');

const NEW_ENDPOINT_SNIPPET = ['name: ${1:list}', '  url: ${2:/items}', '  method: ${3|GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS|}$0'].join('\n');

function md(value: string): { kind: typeof MarkupKind.Markdown; value: string } {
  return { kind: MarkupKind.Markdown, value };
}

function snippetEscape(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}

function wordRangeAround(line: string, lineNo: number, character: number, startCol: number, wordChars: RegExp): Range {
  let end = Math.min(character, line.length);
  while (end < line.length && wordChars.test(line[end])) end++;
  return { start: { line: lineNo, character: Math.max(0, Math.min(startCol, character)) }, end: { line: lineNo, character: end } };
}

/**
 * Completion at `position`. `triggerCharacter` is the character that opened the list unasked
 * (space, `-`, `:` ...): then only positions where a suggestion is likely wanted answer, so typing
 * free text (a description, a URL) does not pop lists up. Never throws on odd text.
 */
export function complete(doc: TextDocument, position: Position, ctx: ServiceContext, triggerCharacter?: string): CompletionList {
  return completeLines(linesOf(doc), position, ctx, triggerCharacter);
}

function completeLines(lines: readonly string[], position: Position, ctx: ServiceContext, triggerCharacter?: string): CompletionList {
  const items: CompletionItem[] = [];
  const result: CompletionList = { isIncomplete: false, items };
  if (position.line < 0 || position.line >= lines.length) return result;
  const line = lines[position.line];
  const character = Math.min(position.character, line.length);
  // Just typed the dash of a new sequence item (`  -|`): answer as if its space were there.
  if (/^[ ]*-$/.test(line.slice(0, character))) {
    const patched = lines.slice();
    patched[position.line] = `${line.slice(0, character)} ${line.slice(character)}`;
    const inner = completeLines(patched, { line: position.line, character: character + 1 }, ctx);
    for (const item of inner.items) {
      const edit = item.textEdit;
      if (!edit || !('range' in edit)) continue;
      edit.range = { start: { line: position.line, character }, end: { line: position.line, character: Math.max(character, edit.range.end.character - 1) } };
      edit.newText = ` ${edit.newText}`;
    }
    return inner;
  }
  const c = cursorContext(lines, position.line, character);
  switch (c.kind) {
    case 'none':
      return result;
    case 'template': {
      const start = c.col + (c.prefix.length - c.prefix.trimStart().length);
      const range = wordRangeAround(line, position.line, character, start, /[\w.:$-]/);
      const closes = /^[ \t]*\}\}/.test(line.slice(range.end.character));
      templateItems(items, c.prefix.trimStart(), range, closes, lines, position.line, c.docStart, c.docEnd, ctx);
      return result;
    }
    case 'key': {
      const inThreshold = c.path[c.path.length - 1] === ITEM && c.path[c.path.length - 2] === 'thresholds';
      if (triggerCharacter && triggerCharacter !== '-' && !inThreshold && c.prefix.trim() !== '') return result;
      if (triggerCharacter === '-' && c.prefix !== '') return result;
      const range = wordRangeAround(line, position.line, character, c.col, /[\w.$-]/);
      const before = items.length;
      // A test's threshold item is an expression or `STEP: expression`.
      if (isTestThresholdItem(c.path) && !/[ \t]/.test(c.prefix.trim())) scopeNameItems(items, lines, c.docStart, c.docEnd, range);
      keyItems(items, c.path, c.prefix, range, c.inSeqItem, c.siblings, atDocumentEnd(lines, position.line, c.docEnd));
      // Renaming an existing key (`concu|rency: 5`): replace the name only, keep its value.
      if (/^[ \t]*:/.test(line.slice(range.end.character))) {
        for (let i = before; i < items.length; i++) {
          const item = items[i];
          const edit = item.textEdit;
          if (!edit || !('range' in edit)) continue;
          if (item.kind !== CompletionItemKind.Property && item.kind !== CompletionItemKind.Field) {
            items.splice(i--, 1);
            continue;
          }
          edit.newText = item.label;
          item.insertTextFormat = InsertTextFormat.PlainText;
          item.command = undefined;
        }
      }
      return result;
    }
    case 'value': {
      const quoted = /^["']/.test(c.prefix);
      const inThreshold = (c.path[c.path.length - 1] === ITEM && c.path[c.path.length - 2] === 'thresholds') || isScopedExpression(c.path);
      const bare = c.prefix.replace(/^["']/, '').trim();
      if (triggerCharacter && !inThreshold && bare !== '' && c.path[c.path.length - 1] !== FLOW_KEY) return result;
      const start = c.col + (quoted ? 1 : 0);
      const range = wordRangeAround(line, position.line, character, start, quoted ? /[^"']/ : /[^\s,\]}#]/);
      const before = items.length;
      valueItems(items, c.path, quoted ? c.prefix.slice(1) : c.prefix, quoted, range);
      // Right after `key:` a value needs its separating space.
      if (range.start.character > 0 && line[range.start.character - 1] === ':') {
        for (let i = before; i < items.length; i++) {
          const edit = items[i].textEdit;
          if (edit && 'range' in edit) edit.newText = ` ${edit.newText}`;
        }
      }
      return result;
    }
  }
}

function templateItems(
  items: CompletionItem[],
  prefix: string,
  range: Range,
  closes: boolean,
  lines: readonly string[],
  line: number,
  docStart: number,
  docEnd: number,
  ctx: ServiceContext,
): void {
  const close = closes ? '' : '}}';
  const wantEnv = prefix.startsWith('env:') || !prefix.startsWith('$');
  const wantBuiltins = prefix.startsWith('$') || !prefix.startsWith('env:');
  const wantVariables = !prefix.startsWith('$') && !prefix.startsWith('env:');
  if (wantVariables) {
    const seen = new Set<string>();
    flowTemplateItems(items, lines, line, docStart, docEnd, range, close, seen, ctx);
    for (const v of variablesOf(lines, docStart, docEnd)) {
      if (seen.has(v.name)) continue;
      seen.add(v.name);
      const value = v.entry.value;
      items.push({
        label: v.name,
        kind: CompletionItemKind.Variable,
        detail: 'variable',
        documentation: md(`Variable \`${v.name}\` defined under \`variables\`${value ? `: \`${value.replace(/`/g, "'")}\`` : ''}.`),
        sortText: `0_${v.name}`,
        textEdit: { range, newText: v.name + close },
      });
    }
  }
  if (wantEnv) {
    const env = envLookup(ctx, lines, line);
    for (const e of env.names()) {
      items.push({
        label: `env:${e.name}`,
        kind: CompletionItemKind.Constant,
        detail: e.where === 'env_file' ? `set in ${env.envFile}` : 'set in the environment',
        sortText: `${e.where === 'env_file' ? 1 : 2}_${e.name}`,
        filterText: `env:${e.name}`,
        textEdit: { range, newText: `env:${e.name}${close}` },
      });
    }
    if (!prefix.startsWith('env:')) {
      items.push({
        label: 'env:',
        kind: CompletionItemKind.Keyword,
        detail: 'an environment variable',
        documentation: md(`\`{{env:NAME}}\`: the environment variable NAME, from the process environment, then \`${env.envFile}\`. Its value is redacted in results and logs.`),
        sortText: '1_env',
        textEdit: { range, newText: 'env:' },
        command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
      });
    }
  }
  if (wantBuiltins) {
    for (const b of BUILTINS) {
      items.push({
        label: b.name,
        kind: CompletionItemKind.Function,
        detail: 'built-in',
        documentation: md(b.doc),
        sortText: `3_${b.name}`,
        filterText: b.name,
        insertTextFormat: InsertTextFormat.Snippet,
        textEdit: { range, newText: b.snippet + close },
      });
    }
  }
}

/** Inside a flow's `{{`: the values captured by earlier steps, and the `data.` columns. */
function flowTemplateItems(
  items: CompletionItem[],
  lines: readonly string[],
  line: number,
  docStart: number,
  docEnd: number,
  range: Range,
  close: string,
  seen: Set<string>,
  ctx: ServiceContext,
): void {
  const steps = flowSteps(lines, docStart, docEnd);
  for (const { step, capture } of capturesBefore(steps, line)) {
    if (seen.has(capture.name)) continue;
    seen.add(capture.name);
    const stepName = step.name ?? `#${step.index + 1}`;
    items.push({
      label: capture.name,
      kind: CompletionItemKind.Variable,
      detail: `captured by ${stepName}`,
      documentation: md(`Captured by step \`${stepName}\` (line ${capture.line + 1})${capture.source ? `: \`${capture.source.replace(/`/g, "'")}\`` : ''}.`),
      sortText: `0_${capture.name}`,
      textEdit: { range, newText: capture.name + close },
    });
  }
  const file = dataFileOf(lines, docStart, docEnd);
  if (file === null || ctx.readFile === undefined) return;
  const text = ctx.readFile(file);
  if (text === null) return;
  // The header is all completion needs: parse only the first lines, a data file may be large.
  const parsed = parseCsv(firstRecords(text));
  if (!parsed.ok) return;
  for (const column of parsed.columns) {
    const name = `data.${column}`;
    if (seen.has(name)) continue;
    seen.add(name);
    items.push({
      label: name,
      kind: CompletionItemKind.Field,
      detail: `column of ${file}`,
      documentation: md(`Column \`${column}\` of \`${file}\`: each iteration takes one row.`),
      sortText: `0_${name}`,
      filterText: name,
      textEdit: { range, newText: name + close },
    });
  }
}

/** The start of a CSV text, enough for its header (whole lines, so a quoted newline in the header still parses). */
function firstRecords(text: string): string {
  const cut = text.indexOf('\n', 64 * 1024);
  return cut < 0 ? text : text.slice(0, cut + 1);
}

function keySnippet(name: string, schema: Schema): string {
  const types = typesOf(schema);
  const values = enumOf(schema);
  if (values && values.length > 0) return `${name}: \${1|${values.map((v) => String(v).replace(/[,|]/g, '')).join(',')}|}`;
  if (name === 'auth') return `${name}:\n  type: \${1|bearer,api_key,basic|}\n  $0`;
  if (name === 'expected_status_codes') return `${name}: [\${1:200}]`;
  if (name === 'endpoints') return `${name}:\n  - name: \${1:list}\n    url: \${2:/items}$0`;
  if (types.includes('array')) return `${name}:\n  - $0`;
  if (types.length === 1 && types[0] === 'object') return `${name}:\n  $0`;
  if (types.length === 1 && types[0] === 'boolean') return `${name}: \${1|${schema.default === true ? 'true,false' : 'false,true'}|}`;
  if (schema.default !== undefined && typeof schema.default !== 'object') return `${name}: \${1:${snippetEscape(String(schema.default))}}`;
  return `${name}: $0`;
}

/** True when only blank and comment lines follow `line` in its document: a new test may start there. */
function atDocumentEnd(lines: readonly string[], line: number, docEnd: number): boolean {
  for (let l = line + 1; l < docEnd && l < lines.length; l++) {
    const text = lines[l].trimStart();
    if (text !== '' && !text.startsWith('#')) return false;
  }
  return true;
}

/**
 * Whether editors could show an item for the typed word: its letters in order in `filterText`,
 * the first at the start of a word (as VS Code filters). `conc` does not match `new test`.
 */
function couldMatch(typed: string, filterText: string): boolean {
  const t = typed.toLowerCase();
  const f = filterText.toLowerCase();
  if (t === '') return true;
  for (let start = 0; start < f.length; start++) {
    if (f[start] !== t[0] || (start > 0 && f[start - 1] !== ' ')) continue;
    let i = 1;
    for (let j = start + 1; j < f.length && i < t.length; j++) if (f[j] === t[i]) i++;
    if (i === t.length) return true;
  }
  return false;
}

const NEW_TEST_FILTER = 'new test';

function keyItems(
  items: CompletionItem[],
  path: PathSegment[],
  prefix: string,
  range: Range,
  inSeqItem: boolean,
  siblings: ReadonlyMap<string, string>,
  atEnd: boolean,
): void {
  const schema = schemaAt(path);
  if (!schema) return;
  const types = typesOf(schema);
  // A whole test: in an empty document, or after the last line of one (then with `---`), never
  // above keys of the current test; and only for a word that can match `new test`, so typing a
  // key (`conc`) does not offer it.
  if (path.length === 0 && atEnd && couldMatch(prefix, NEW_TEST_FILTER)) {
    const docHasKeys = siblings.size > 0;
    items.push({
      label: docHasKeys ? 'new test (---)' : 'new test',
      kind: CompletionItemKind.Snippet,
      detail: 'a whole test',
      documentation: md('A new test with a URL, the load shape and thresholds.'),
      sortText: '9_new_test',
      filterText: NEW_TEST_FILTER,
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: { range, newText: (docHasKeys ? '---\n' : '') + NEW_TEST_SNIPPET },
    });
  }
  // A sequence item: scalars (thresholds, status codes) complete as values, mappings as keys.
  if (!types.includes('object') || isTestThresholdItem(path)) {
    if (types.includes('array') && path[path.length - 1] === 'endpoints') {
      endpointSnippet(items, range, prefix, true);
      return;
    }
    if (inSeqItem || types.includes('array')) {
      const quoted = /^["']/.test(prefix);
      const r = quoted ? { start: { line: range.start.line, character: range.start.character + 1 }, end: range.end } : range;
      valueItems(items, types.includes('array') ? path.concat(ITEM) : path, quoted ? prefix.slice(1) : prefix, quoted, r);
    }
    return;
  }
  if (path[path.length - 1] === 'headers' || (path.length >= 2 && path[path.length - 2] === 'headers')) {
    headerNameItems(items, range, siblings);
    return;
  }
  if (path[path.length - 1] === ITEM && path[path.length - 2] === 'endpoints' && inSeqItem && siblings.size === 0 && prefix === '') {
    endpointSnippet(items, range, prefix, false);
  }
  const props = propertiesOf(schema, siblings);
  props.forEach((p, i) => {
    if (siblings.has(p.name)) return;
    const doc = docOf(p.schema);
    items.push({
      label: p.name,
      kind: CompletionItemKind.Property,
      detail: p.required ? 'required' : typesOf(p.schema).join(' | ') || undefined,
      documentation: doc ? md(doc) : undefined,
      sortText: `${p.required ? '0' : '1'}_${String(i).padStart(3, '0')}`,
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: { range, newText: keySnippet(p.name, p.schema) },
    });
  });
}

function endpointSnippet(items: CompletionItem[], range: Range, prefix: string, withDash: boolean): void {
  if (!couldMatch(prefix, 'new endpoint')) return;
  items.push({
    label: 'new endpoint',
    kind: CompletionItemKind.Snippet,
    detail: 'an endpoint of the mix',
    documentation: md('A new endpoint: `name`, `url` and `method`.'),
    sortText: '0_new_endpoint',
    filterText: 'new endpoint',
    insertTextFormat: InsertTextFormat.Snippet,
    textEdit: { range, newText: withDash ? `- ${NEW_ENDPOINT_SNIPPET}` : NEW_ENDPOINT_SNIPPET },
  });
}

function headerNameItems(items: CompletionItem[], range: Range, siblings: ReadonlyMap<string, string>): void {
  const present = new Set([...siblings.keys()].map((k) => k.toLowerCase()));
  for (const name of Object.keys(HEADER_VALUES)) {
    if (present.has(name.toLowerCase())) continue;
    items.push({
      label: name,
      kind: CompletionItemKind.Field,
      detail: 'header',
      sortText: `0_${name}`,
      textEdit: { range, newText: `${name}: ` },
      command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
    });
  }
}

function yamlScalar(text: string, quoted: boolean): string {
  if (quoted) return text;
  // A plain scalar may not start with a flow indicator, a quote or `*`/`&`/`!`/`%`/`@`.
  return /^[{[\]"'*&!%@`|>#]/.test(text) || /: | #/.test(text) ? `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : text;
}

function valueItems(items: CompletionItem[], path: PathSegment[], prefix: string, quoted: boolean, range: Range): void {
  const last = path[path.length - 1];
  if (last === FLOW_KEY) {
    const parent = path.slice(0, -1);
    if (parent[parent.length - 1] === 'headers') {
      headerNameItems(items, range, new Map());
      return;
    }
    const schema = schemaAt(parent);
    if (schema) {
      for (const p of propertiesOf(schema)) {
        items.push({ label: p.name, kind: CompletionItemKind.Property, documentation: md(docOf(p.schema)), textEdit: { range, newText: `${p.name}: ` } });
      }
    }
    return;
  }
  if ((last === ITEM && path[path.length - 2] === 'thresholds') || isScopedExpression(path)) {
    thresholdItems(items, prefix, range);
    return;
  }
  if (last === ITEM && path[path.length - 2] === 'expected_status_codes') {
    statusItems(items, range, quoted);
    return;
  }
  if (last === 'expected_status_codes') {
    for (const v of ['[200]', '[200, 201]', '["2xx"]', '[200, 404]']) {
      items.push({ label: v, kind: CompletionItemKind.Value, textEdit: { range, newText: v } });
    }
    return;
  }
  if (path.length >= 2 && path[path.length - 2] === 'headers') {
    const known = Object.keys(HEADER_VALUES).find((h) => h.toLowerCase() === last.toLowerCase());
    for (const v of known ? HEADER_VALUES[known] : []) {
      items.push({ label: v, kind: CompletionItemKind.Value, detail: `${known} value`, textEdit: { range, newText: yamlScalar(v, quoted) } });
    }
    return;
  }
  const schema = schemaAt(path);
  if (!schema) return;
  const values = enumOf(schema);
  if (values) {
    values.forEach((v, i) => {
      items.push({
        label: String(v),
        kind: CompletionItemKind.EnumMember,
        detail: schema.default === v ? 'default' : undefined,
        documentation: md(docOf(schema)),
        sortText: String(i).padStart(3, '0'),
        textEdit: { range, newText: String(v) },
      });
    });
    return;
  }
  const types = typesOf(schema);
  if (types.length === 1 && types[0] === 'boolean') {
    for (const v of ['true', 'false']) items.push({ label: v, kind: CompletionItemKind.Value, detail: schema.default === (v === 'true') ? 'default' : undefined, textEdit: { range, newText: v } });
    return;
  }
  const seen = new Set<string>();
  const examples = Array.isArray(schema.examples) ? schema.examples : [];
  for (const v of [schema.default, ...examples]) {
    if (v === undefined || v === null || typeof v === 'object') continue;
    const text = String(v);
    if (seen.has(text)) continue;
    seen.add(text);
    items.push({
      label: text,
      kind: CompletionItemKind.Value,
      detail: v === schema.default ? 'default' : 'example',
      textEdit: { range, newText: typeof v === 'string' ? yamlScalar(text, quoted) : text },
    });
  }
}

function statusItems(items: CompletionItem[], range: Range, quoted: boolean): void {
  STATUS_CODES.forEach(([code, reason], i) => {
    items.push({ label: String(code), kind: CompletionItemKind.Value, detail: reason, sortText: `0_${String(i).padStart(2, '0')}`, textEdit: { range, newText: String(code) } });
  });
  for (const cls of STATUS_CLASSES) {
    items.push({
      label: cls,
      kind: CompletionItemKind.Value,
      detail: `any ${cls[0]}00-${cls[0]}99 status`,
      sortText: `1_${cls}`,
      textEdit: { range, newText: quoted ? cls : `"${cls}"` },
    });
  }
}

function thresholdItems(items: CompletionItem[], prefix: string, range: Range): void {
  const start = range.start;
  const at = (offset: number): Range => ({ start: { line: start.line, character: start.character + offset }, end: range.end });
  let m: RegExpExecArray | null;
  if ((m = /^([ \t]*iteration_duration[ \t]+)([\w.]*)$/.exec(prefix)) !== null) {
    // `iteration_duration` takes a latency metric before its operator.
    const r = at(m[1].length);
    LATENCY_METRICS.forEach((metric, i) => {
      items.push({
        label: metric,
        kind: CompletionItemKind.Field,
        detail: `${metric} of whole iterations`,
        sortText: String(i).padStart(2, '0'),
        textEdit: { range: r, newText: `${metric} ` },
        command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
      });
    });
    return;
  }
  if ((m = /^([ \t]*)([\w.]*)$/.exec(prefix)) !== null) {
    const r = at(m[1].length);
    THRESHOLD_METRICS.forEach(([metric, doc], i) => {
      items.push({
        label: metric,
        kind: CompletionItemKind.Field,
        detail: doc,
        sortText: String(i).padStart(2, '0'),
        textEdit: { range: r, newText: `${metric} ` },
        command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
      });
    });
    return;
  }
  if ((m = /^([ \t]*(?:iteration_duration[ \t]+)?[\w.]+[ \t]+)([<>=]*)$/.exec(prefix)) !== null) {
    const r = at(m[1].length);
    const words: Record<string, string> = { '<': 'below', '<=': 'at most', '>': 'above', '>=': 'at least', '==': 'exactly' };
    THRESHOLD_OPS.forEach((op, i) => {
      items.push({ label: op, kind: CompletionItemKind.Operator, detail: words[op], sortText: String(i), textEdit: { range: r, newText: `${op} ` } });
    });
    return;
  }
  if ((m = /^([ \t]*(?:iteration_duration[ \t]+)?([\w.]+)[ \t]*(?:<=|>=|==|<|>)[ \t]*[0-9.]+)([a-z%]*)$/.exec(prefix)) !== null) {
    const metric = m[2];
    const r = at(m[1].length);
    const units: Array<[string, string]> = (LATENCY_METRICS as readonly string[]).includes(metric)
      ? [['ms', 'milliseconds (the default)'], ['s', 'seconds']]
      : metric === 'error_rate' || metric === 'checks'
        ? [['%', 'percent']]
        : [];
    for (const [unit, doc] of units) items.push({ label: unit, kind: CompletionItemKind.Unit, detail: doc, textEdit: { range: r, newText: unit } });
  }
}
