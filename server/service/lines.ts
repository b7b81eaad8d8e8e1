// Structure from indentation alone. Completion, hover, folding and go-to-definition must work
// while the user types, when the YAML does not parse, so they read lines, not the syntax tree.

export interface KeyEntry {
  kind: 'key';
  col: number;
  key: string;
  /** Column after the colon. */
  colonEnd: number;
  /** The inline value, comment stripped, trimmed ('' when none). */
  value: string;
  /** Column where the inline value starts (colonEnd when none). */
  valueStart: number;
}
export interface SeqEntry {
  kind: 'seq';
  col: number;
}
export type LineEntry = KeyEntry | SeqEntry;

/** One segment of a key path: a mapping key, or `[]` for a sequence item. */
export type PathSegment = string;
export const ITEM = '[]';
/** Last segment when the cursor is on a key inside a flow mapping (`{ Acc| }`). */
export const FLOW_KEY = '{key}';

const NOT_A_KEY_START = new Set([...'#:{}[],&*!|>%@`']);

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** A `key:` starting at column i (plain or quoted), scanned in one linear pass. */
function scanKey(line: string, i: number): { raw: string; colon: number } | null {
  const c = line[i];
  let j: number;
  if (c === '"' || c === "'") {
    j = i + 1;
    while (j < line.length) {
      if (c === '"' && line[j] === '\\') j += 2;
      else if (line[j] === c) {
        if (c === "'" && line[j + 1] === "'") j += 2;
        else break;
      } else j++;
    }
    if (j >= line.length) return null;
    const raw = line.slice(i, j + 1);
    j++;
    while (isBlank(line[j])) j++;
    return line[j] === ':' && (j + 1 === line.length || isBlank(line[j + 1])) ? { raw, colon: j } : null;
  }
  if (c === undefined || NOT_A_KEY_START.has(c) || (c === '-' && (i + 1 >= line.length || isBlank(line[i + 1])))) return null;
  for (j = i; j < line.length; j++) {
    const ch = line[j];
    if (ch === '#' && isBlank(line[j - 1])) return null;
    if (ch === ':' && (j + 1 === line.length || isBlank(line[j + 1]))) return { raw: line.slice(i, j).trimEnd(), colon: j };
  }
  return null;
}
const DOC_START_RE = /^---(?:[ \t]|$)/;
const DOC_END_RE = /^\.\.\.(?:[ \t]|$)/;

export function isDocStart(line: string): boolean {
  return line.charCodeAt(0) === 45 && DOC_START_RE.test(line);
}

export function isDocEnd(line: string): boolean {
  return line.charCodeAt(0) === 46 && DOC_END_RE.test(line);
}

/** Leading spaces, or -1 for a blank or comment-only line. */
function indentOf(line: string): number {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  if (i >= line.length || line[i] === '#' || line.trim() === '') return -1;
  return i;
}

function unquote(key: string): string {
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) return key.slice(1, -1).replace(/\\(.)/g, '$1');
  if (key.length >= 2 && key.startsWith("'") && key.endsWith("'")) return key.slice(1, -1).replace(/''/g, "'");
  return key;
}

/** Strips a trailing ` # comment` outside quotes. */
export function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"') i++;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s[{,:]/.test(text[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      return text.slice(0, i);
    }
  }
  return text;
}

/** The structural entries of one line: sequence dashes, then at most one `key:`. */
export function lineEntries(line: string): LineEntry[] {
  const entries: LineEntry[] = [];
  let i = 0;
  while (i < line.length && line[i] === ' ') i++;
  if (i >= line.length || line[i] === '#') return entries;
  for (;;) {
    if (line[i] === '-' && (i + 1 === line.length || line[i + 1] === ' ' || line[i + 1] === '\t')) {
      entries.push({ kind: 'seq', col: i });
      i++;
      while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
      continue;
    }
    break;
  }
  if (i >= line.length || line[i] === '#') return entries;
  const key = scanKey(line, i);
  if (key) {
    const colonEnd = key.colon + 1;
    let valueStart = colonEnd;
    while (valueStart < line.length && (line[valueStart] === ' ' || line[valueStart] === '\t')) valueStart++;
    const value = stripComment(line.slice(valueStart)).trim();
    entries.push({ kind: 'key', col: i, key: unquote(key.raw), colonEnd, value, valueStart: value ? valueStart : colonEnd });
  }
  return entries;
}

/** Lines [start, end) of the YAML document (test) that holds `line`. */
export function documentBounds(lines: readonly string[], line: number): { start: number; end: number } {
  let start = 0;
  for (let l = Math.min(line, lines.length) - 1; l >= 0; l--) {
    if (isDocStart(lines[l]) || isDocEnd(lines[l])) {
      start = l + 1;
      break;
    }
  }
  let end = lines.length;
  for (let l = line + 1; l < lines.length; l++) {
    if (isDocStart(lines[l]) || isDocEnd(lines[l])) {
      end = l;
      break;
    }
  }
  return { start, end };
}

interface Frame {
  entry: LineEntry;
  line: number;
}

function pushEntries(stack: Frame[], entries: readonly LineEntry[], line: number): void {
  for (const entry of entries) popTo(stack, entry);
  for (const entry of entries) stack.push({ entry, line });
}

/** Pops the frames that `entry` closes. A dash at a key's own column belongs to that key. */
function popTo(stack: Frame[], entry: LineEntry): void {
  while (stack.length > 0) {
    const top = stack[stack.length - 1].entry;
    if (top.col < entry.col) break;
    if (top.col === entry.col && entry.kind === 'seq' && top.kind === 'key' && top.value === '') break;
    stack.pop();
  }
}

/**
 * The open blocks around an entry at `probe` on `line`: what a walk from the document start
 * would hold after `probe` closed its siblings, found by walking up and parsing only the lines
 * indented less than the block sought (a 12,000-line file costs a few indentation counts).
 */
function stackAt(lines: readonly string[], docStart: number, line: number, probe: { kind: 'seq' | 'key'; col: number }): Frame[] {
  const out: Frame[] = [];
  let limit = probe.col;
  let limitKind = probe.kind;
  for (let l = line - 1; l >= docStart; l--) {
    if (limit === 0 && limitKind === 'key') break;
    const text = lines[l];
    const indent = indentOf(text);
    if (indent < 0 || indent > limit) continue;
    if (indent === limit) {
      if (limitKind !== 'seq') continue;
      // A dash at a key's own column belongs to that key (`endpoints:\n- name: a`).
      const entries = lineEntries(text);
      const first = entries[0];
      if (!first || first.kind === 'seq') continue;
      if (entries.length === 1 && first.value === '') {
        out.unshift({ entry: first, line: l });
        limitKind = 'key';
        continue;
      }
      if (limit === 0) break;
      continue;
    }
    const entries = lineEntries(text);
    if (entries.length === 0) continue;
    const ancestors = entries.filter((e) => e.col < limit);
    out.unshift(...ancestors.map((entry) => ({ entry, line: l })));
    limit = entries[0].col;
    limitKind = entries[0].kind;
  }
  return out;
}

function pathOf(stack: readonly Frame[]): PathSegment[] {
  return stack.map((f) => (f.entry.kind === 'seq' ? ITEM : f.entry.key));
}

export type CursorContext =
  /** Typing a key (or a scalar sequence item) at `path`. */
  | { kind: 'key'; path: PathSegment[]; prefix: string; col: number; inSeqItem: boolean; siblings: Map<string, string>; docStart: number; docEnd: number }
  /** Typing the value of `path`'s last key (inline after `key:` or a flow collection). */
  | { kind: 'value'; path: PathSegment[]; prefix: string; col: number; docStart: number; docEnd: number }
  /** Inside `{{ ... }}`. */
  | { kind: 'template'; path: PathSegment[]; prefix: string; col: number; docStart: number; docEnd: number }
  | { kind: 'none' };

/** The lines of a text, split on LF, CRLF or CR as LSP does. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Keys of the mapping block whose entries sit at `col`, below the frame at `parentLine`. */
function siblingKeys(lines: readonly string[], stack: readonly Frame[], col: number, cursorLine: number, docStart: number, docEnd: number): Map<string, string> {
  const keys = new Map<string, string>();
  const parent = stack.length > 0 ? stack[stack.length - 1] : null;
  const from = parent ? parent.line : docStart;
  // The parent line itself may carry the first key of a sequence item (`- name: x`).
  for (let l = from; l < docEnd; l++) {
    if (l === cursorLine) continue;
    if (l > from) {
      const indent = indentOf(lines[l]);
      if (indent < 0 || indent > col) continue;
    }
    const entries = lineEntries(lines[l]);
    if (entries.length === 0) continue;
    const first = entries[0];
    if (l > from && first.col < col) break;
    if (l > from && parent && first.col <= parent.entry.col && !(first.kind === 'seq' && parent.entry.kind === 'key' && first.col === parent.entry.col)) break;
    for (const e of entries) if (e.kind === 'key' && e.col === col) keys.set(e.key, e.value.replace(/^["']|["']$/g, ''));
  }
  return keys;
}

const TEMPLATE_OPEN_RE = /\{\{([^{}]*)$/;

/** What the user is typing at (line, character). */
export function cursorContext(lines: readonly string[], line: number, character: number): CursorContext {
  if (line < 0 || line >= lines.length) return { kind: 'none' };
  const text = lines[line];
  const prefix = text.slice(0, Math.min(character, text.length));
  if (isDocStart(text) || isDocEnd(text)) return { kind: 'none' };
  const { start: docStart, end: docEnd } = documentBounds(lines, line);
  const entries = lineEntries(prefix);
  const m0 = /^([ ]*)((?:-[ \t]+)*)/.exec(prefix);
  const probe = entries[0] ?? { kind: 'key' as const, col: m0 ? m0[1].length + m0[2].length : 0 };
  const working = stackAt(lines, docStart, line, probe);

  const template = TEMPLATE_OPEN_RE.exec(prefix);
  if (template) {
    for (const e of entries) popTo(working, e);
    for (const e of entries) working.push({ entry: e, line });
    return { kind: 'template', path: pathOf(working), prefix: template[1], col: character - template[1].length, docStart, docEnd };
  }

  const lastKey = entries.length > 0 ? entries[entries.length - 1] : null;
  if (lastKey && lastKey.kind === 'key') {
    // After `key:` on this line: a value.
    for (const e of entries) popTo(working, e);
    for (const e of entries) working.push({ entry: e, line });
    const raw = prefix.slice(lastKey.colonEnd).replace(/^[ \t]+/, '');
    const flow = flowContext(raw);
    const path = pathOf(working).concat(flow.path);
    return { kind: flow.kind, path, prefix: flow.prefix, col: character - flow.prefix.length, docStart, docEnd };
  }
  if (/^[ \t]*#/.test(prefix) || stripComment(prefix) !== prefix) return { kind: 'none' };
  // Typing a key, or a scalar sequence item.
  const m = /^([ ]*)((?:-[ \t]+)*)(.*)$/.exec(prefix);
  if (!m) return { kind: 'none' };
  const word = m[3];
  if (/[:{}[\],]/.test(word) && !/^[\w.$ -]*$/.test(word)) {
    return { kind: 'none' };
  }
  const col = m[1].length + m[2].length;
  const seqs = entries.filter((e): e is SeqEntry => e.kind === 'seq');
  if (seqs.length === 0) {
    // A blank position: the column decides which block the key belongs to.
    popTo(working, { kind: 'key', col, key: '', colonEnd: col, value: '', valueStart: col });
  } else {
    for (const e of seqs) popTo(working, e);
    for (const e of seqs) working.push({ entry: e, line });
  }
  const siblings = siblingKeys(lines, working, col, line, docStart, docEnd);
  return { kind: 'key', path: pathOf(working), prefix: word, col, inSeqItem: seqs.length > 0, siblings, docStart, docEnd };
}

/** Inside an inline value: flow collections add path segments. */
function flowContext(raw: string): { kind: 'value'; path: PathSegment[]; prefix: string } {
  const path: PathSegment[] = [];
  let current = '';
  let quote = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === quote) quote = '';
      current += c;
      continue;
    }
    if ((c === '"' || c === "'") && current.trim() === '') {
      quote = c;
      current += c;
    } else if (c === '[') {
      path.push(ITEM);
      current = '';
    } else if (c === '{') {
      path.push('{}');
      current = '';
    } else if (c === ']' || c === '}') {
      path.pop();
      if (path.length > 0 && path[path.length - 1] !== ITEM && path[path.length - 1] !== '{}') path.pop();
      current = '';
    } else if (c === ',') {
      if (path.length > 0 && path[path.length - 1] !== ITEM && path[path.length - 1] !== '{}') path.pop();
      current = '';
    } else if (c === ':' && path.length > 0 && path[path.length - 1] === '{}' && (i + 1 === raw.length || raw[i + 1] === ' ')) {
      path.push(current.trim().replace(/^["']|["']$/g, ''));
      current = '';
    } else {
      current += c;
    }
  }
  // `{}` marks an open flow mapping; when it is last, the cursor is on one of its keys.
  const clean = path.filter((p) => p !== '{}');
  const inFlowMapKey = path.length > 0 && path[path.length - 1] === '{}';
  const prefix = current.replace(/^[ \t]+/, '');
  if (inFlowMapKey) return { kind: 'value', path: clean.concat(FLOW_KEY), prefix };
  return { kind: 'value', path: clean, prefix };
}

/** Key entries (with line numbers) of the top-level mapping of the document [docStart, docEnd). */
export function topLevelKeys(lines: readonly string[], docStart: number, docEnd: number): Array<{ line: number; entry: KeyEntry }> {
  const out: Array<{ line: number; entry: KeyEntry }> = [];
  // Continuation lines of nested blocks and block scalars are indented deeper than the
  // top-level column, so only lines at that column are parsed.
  let baseCol = -1;
  for (let l = docStart; l < docEnd; l++) {
    const indent = indentOf(lines[l]);
    if (indent < 0) continue;
    if (baseCol < 0) {
      if (lines[l][indent] === '-' && lineEntries(lines[l])[0]?.kind === 'seq') return out;
      baseCol = indent;
    }
    if (indent !== baseCol) continue;
    const first = lineEntries(lines[l])[0];
    if (first && first.kind === 'key') out.push({ line: l, entry: first });
  }
  return out;
}

/** The key entries directly under the block opened by the key at `keyLine` (e.g. `variables:`). */
export function childKeys(lines: readonly string[], keyLine: number, docEnd: number): Array<{ line: number; entry: KeyEntry }> {
  const parent = lineEntries(lines[keyLine]);
  const pk = parent[parent.length - 1];
  if (!pk || pk.kind !== 'key') return [];
  const out: Array<{ line: number; entry: KeyEntry }> = [];
  let childCol = -1;
  for (let l = keyLine + 1; l < docEnd; l++) {
    const entries = lineEntries(lines[l]);
    if (entries.length === 0) continue;
    const first = entries[0];
    if (first.col <= pk.col) break;
    if (first.kind !== 'key') continue;
    if (childCol < 0) childCol = first.col;
    if (first.col === childCol) out.push({ line: l, entry: first });
  }
  return out;
}

/** The last line of the block that starts at `line` (the line itself when nothing is nested). */
export function blockEnd(lines: readonly string[], line: number, docEnd: number): number {
  const entries = lineEntries(lines[line]);
  const first = entries[0];
  const col = first ? first.col : lines[line].length - lines[line].trimStart().length;
  const ownSeqAtSameCol = first && first.kind === 'key' && first.value === '' && entries.length === 1;
  let last = line;
  for (let l = line + 1; l < docEnd; l++) {
    const text = lines[l];
    if (text.trim() === '') continue;
    const indent = text.length - text.trimStart().length;
    if (indent > col || (ownSeqAtSameCol && indent === col && /^-(?:[ \t]|$)/.test(text.slice(indent)))) {
      last = l;
      continue;
    }
    if (text.trimStart().startsWith('#') && indent > col) {
      last = l;
      continue;
    }
    break;
  }
  return last;
}

/** The variables defined in the test that holds `line`, with the line of each. */
export function variablesOf(lines: readonly string[], docStart: number, docEnd: number): Array<{ name: string; line: number; entry: KeyEntry }> {
  const out: Array<{ name: string; line: number; entry: KeyEntry }> = [];
  for (const top of topLevelKeys(lines, docStart, docEnd)) {
    if (top.entry.key !== 'variables') continue;
    if (top.entry.value.startsWith('{')) {
      // A flow mapping on one line: `variables: { a: 1, b: 2 }`.
      const re = /[{,]\s*["']?([\w.-]+)["']?\s*:/g;
      const text = lines[top.line];
      let m: RegExpExecArray | null;
      while ((m = re.exec(text.slice(top.entry.valueStart))) !== null) {
        const col = top.entry.valueStart + m.index + m[0].indexOf(m[1]);
        out.push({ name: m[1], line: top.line, entry: { kind: 'key', col, key: m[1], colonEnd: col + m[1].length + 1, value: '', valueStart: col } });
      }
      continue;
    }
    for (const child of childKeys(lines, top.line, docEnd)) out.push({ name: child.entry.key, line: child.line, entry: child.entry });
  }
  return out;
}

/** The key path of the key entry at (line, col) of the line, e.g. ['endpoints', '[]', 'method']. */
export function keyPathAt(lines: readonly string[], line: number): { path: PathSegment[]; entries: LineEntry[] } | null {
  if (line < 0 || line >= lines.length) return null;
  const { start } = documentBounds(lines, line);
  const entries = lineEntries(lines[line]);
  const indent = indentOf(lines[line]);
  const stack = stackAt(lines, start, line, entries[0] ?? { kind: 'key', col: Math.max(0, indent) });
  if (entries.length === 0) return { path: pathOf(stack), entries };
  pushEntries(stack, entries, line);
  return { path: pathOf(stack), entries };
}
