// Quick fixes, keyed on the spec module's stable diagnostic codes.
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { DIAGNOSTIC_CODES } from '../../engine/format';
import { linesOf } from './context';
import { DIAGNOSTIC_SOURCE } from './diagnostics';
import { blockEnd, documentBounds, isDocStart, ITEM, keyPathAt, lineEntries, topLevelKeys, type KeyEntry } from './lines';
import { nearestKey } from './schema';

function action(title: string, doc: TextDocument, diagnostic: Diagnostic, edits: TextEdit[], isPreferred = false): CodeAction {
  const a: CodeAction = { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], edit: { changes: { [doc.uri]: edits } } };
  if (isPreferred) a.isPreferred = true;
  return a;
}

function dataString(d: Diagnostic, ...names: string[]): string | null {
  const data: unknown = d.data;
  if (typeof data !== 'object' || data === null) return null;
  for (const n of names) {
    const v = (data as Record<string, unknown>)[n];
    if (typeof v === 'string' && v) return v;
  }
  return null;
}

export function codeActions(doc: TextDocument, _range: Range, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== undefined && d.source !== DIAGNOSTIC_SOURCE) continue;
    switch (d.code) {
      case DIAGNOSTIC_CODES.unknownKey:
        out.push(...unknownKeyFix(doc, d));
        break;
      case DIAGNOSTIC_CODES.urlAndEndpoints:
        out.push(...removeOneFix(doc, d, ['url', 'endpoints']));
        break;
      case DIAGNOSTIC_CODES.requestsAndDuration:
        out.push(...removeOneFix(doc, d, ['total_requests', 'duration_seconds']));
        break;
      case DIAGNOSTIC_CODES.missingName:
        out.push(...missingNameFix(doc, d));
        break;
      case DIAGNOSTIC_CODES.hardcodedSecret:
        out.push(...secretFix(doc, d));
        break;
      default:
        break;
    }
  }
  return out;
}

/** The key entry on the diagnostic's line that the diagnostic points at. */
function keyAt(lines: readonly string[], d: Diagnostic): { line: number; entry: KeyEntry; end: number } | null {
  const line = d.range.start.line;
  if (line < 0 || line >= lines.length) return null;
  const key = lineEntries(lines[line]).find((e): e is KeyEntry => e.kind === 'key');
  if (!key) return null;
  let end = key.colonEnd - 1;
  while (end > key.col && (lines[line][end - 1] === ' ' || lines[line][end - 1] === '\t')) end--;
  return { line, entry: key, end };
}

function unknownKeyFix(doc: TextDocument, d: Diagnostic): CodeAction[] {
  const lines = linesOf(doc);
  const key = keyAt(lines, d);
  if (!key) return [];
  const located = keyPathAt(lines, key.line);
  const suggestion = dataString(d, 'suggestion', 'didYouMean') ?? (located ? nearestKey(located.path.slice(0, -1), key.entry.key) : null);
  if (!suggestion || suggestion === key.entry.key) return [];
  const range = { start: { line: key.line, character: key.entry.col }, end: { line: key.line, character: key.end } };
  return [action(`Change to \`${suggestion}\``, doc, d, [{ range, newText: suggestion }], true)];
}

function removeLines(lines: readonly string[], first: number, last: number): Range {
  if (last + 1 < lines.length) return { start: { line: first, character: 0 }, end: { line: last + 1, character: 0 } };
  // The block ends the file: take the line break before it instead.
  if (first > 0) return { start: { line: first - 1, character: lines[first - 1].length }, end: { line: last, character: lines[last].length } };
  return { start: { line: first, character: 0 }, end: { line: last, character: lines[last].length } };
}

function removeOneFix(doc: TextDocument, d: Diagnostic, keys: readonly string[]): CodeAction[] {
  const lines = linesOf(doc);
  const { start, end } = documentBounds(lines, Math.min(d.range.start.line, lines.length - 1));
  const top = topLevelKeys(lines, start, end);
  const out: CodeAction[] = [];
  for (const key of keys) {
    const found = top.find((k) => k.entry.key === key);
    if (!found) continue;
    const last = blockEnd(lines, found.line, end);
    out.push(action(`Remove \`${key}\``, doc, d, [{ range: removeLines(lines, found.line, last), newText: '' }]));
  }
  return out;
}

function missingNameFix(doc: TextDocument, d: Diagnostic): CodeAction[] {
  const lines = linesOf(doc);
  const line = Math.min(d.range.start.line, lines.length - 1);
  const { start, end } = documentBounds(lines, line);
  const located = keyPathAt(lines, line);
  // An endpoint without a name: add it as the item's first key.
  if (located && located.path.includes(ITEM)) {
    for (let l = line; l >= start; l--) {
      const entries = lineEntries(lines[l]);
      const seq = entries.find((e) => e.kind === 'seq');
      if (!seq) continue;
      const first = entries[entries.indexOf(seq) + 1];
      const col = first ? first.col : seq.col + 2;
      const name = uniqueName('endpoint', lines, start, end);
      const at = { line: l, character: col };
      const text = first ? `name: ${name}\n${' '.repeat(col)}` : `name: ${name}`;
      return [action(`Add \`name: ${name}\``, doc, d, [{ range: { start: at, end: at }, newText: text }], true)];
    }
  }
  let first = start;
  while (first < end && (lines[first].trim() === '' || lines[first].trimStart().startsWith('#') || lines[first].startsWith('%') || isDocStart(lines[first]))) first++;
  // Names of every test in the file (top-level `name:` lines), without parsing it again.
  const taken = new Set<string>();
  for (const text of lines) {
    const m = /^name:[ \t]*(["']?)(.*?)\1[ \t]*(?:#.*)?$/.exec(text.length < 1000 ? text : '');
    if (m) taken.add(m[2]);
  }
  let n = 1;
  while (taken.has(`Test ${n}`)) n++;
  const name = `Test ${n}`;
  const col = first < end ? lines[first].length - lines[first].trimStart().length : 0;
  const at = { line: first < lines.length ? first : lines.length - 1, character: first < end ? col : 0 };
  const newText = first < end ? `name: ${name}\n${' '.repeat(col)}` : `name: ${name}\n`;
  return [action(`Add \`name: ${name}\``, doc, d, [{ range: { start: at, end: at }, newText }], true)];
}

function uniqueName(base: string, lines: readonly string[], start: number, end: number): string {
  const used = new Set<string>();
  for (let l = start; l < end; l++) {
    const m = /^\s*(?:-\s+)?name:\s*["']?([^"'#]*?)["']?\s*(?:#.*)?$/.exec(lines[l]);
    if (m) used.add(m[1]);
  }
  let n = 1;
  while (used.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

const ENV_NAME_BY_KEY: Record<string, string> = {
  authorization: 'API_TOKEN',
  'proxy-authorization': 'PROXY_TOKEN',
  token: 'API_TOKEN',
  key: 'API_KEY',
  'x-api-key': 'API_KEY',
  password: 'API_PASSWORD',
  cookie: 'SESSION_COOKIE',
};

function secretFix(doc: TextDocument, d: Diagnostic): CodeAction[] {
  const lines = linesOf(doc);
  const line = d.range.start.line;
  if (line < 0 || line >= lines.length || d.range.end.line !== line) return [];
  const key = lineEntries(lines[line]).find((e): e is KeyEntry => e.kind === 'key');
  const envName = dataString(d, 'envName', 'suggestedEnv', 'env') ?? (key ? (ENV_NAME_BY_KEY[key.key.toLowerCase()] ?? 'API_SECRET') : 'API_SECRET');
  // Replace the whole value of the key when the diagnostic sits on it; otherwise its own range.
  let s = d.range.start.character;
  let e = d.range.end.character;
  if (key && key.value && s >= key.valueStart - 1 && s <= key.valueStart + key.value.length) {
    s = key.valueStart;
    e = key.valueStart + key.value.length;
  }
  const raw = lines[line].slice(s, e);
  const quote = raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw[raw.length - 1] === raw[0] ? raw[0] : '';
  const inner = quote ? raw.slice(1, -1) : raw;
  const scheme = /^(Bearer|Basic|Token|Digest)\s+/i.exec(inner);
  const value = `${scheme ? scheme[0] : ''}{{env:${envName}}}`;
  const newText = quote ? `${quote}${value}${quote}` : value.startsWith('{') ? `"${value}"` : value;
  return [
    action(`Move the secret to \`{{env:${envName}}}\` (then add ${envName}=… to .env)`, doc, d, [
      { range: { start: { line, character: s }, end: { line, character: e } }, newText },
    ], true),
  ];
}
