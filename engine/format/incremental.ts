// Reading a spec again after an edit without reading all of it again, with exactly the result of
// a full parse (parse.ts); the language server uses it on every edit, `atm validate` does not.
//
// Two levels of reuse:
//  1. Documents. A line that starts with `---` followed by a blank starts a new YAML document, so
//     the text splits there into chunks that the yaml library reads alone as it reads them in the
//     stream. Unchanged chunks keep their documents and readings, moved to their new offsets.
//  2. Sequence items. In the changed document, when the edit lies within items of a block
//     sequence (an endpoint of `endpoints:`), only those items are parsed again, alone, and put in
//     place in the document's tree; the document is then checked again as a whole.
//  3. Top-level keys. Otherwise, when the edit lies within top-level keys of the document's block
//     mapping and another top-level key follows them, only those keys' lines are parsed again
//     (when they read without YAML errors: yaml's recovery from an error can take in the keys
//     after it) and put in place.
//
// A piece is parsed alone only where the yaml library's reading of it cannot depend on the text
// around it; otherwise the whole document, or the whole file, is parsed. The library's ways that
// this guards against (test/format/incremental.test.ts has each):
//  - it looks for a closing quote in the rest of the file, past `---` lines: an unclosed quote
//    swallows the documents after it. A piece in which a quoted scalar runs to its end is never
//    read alone (except the file's last chunk, which reads the same either way);
//  - it ends a document at `---` a little differently than at the end of the input (a blank
//    line can go): each chunk is parsed with the next chunk's `---`;
//  - it reports some errors before the document they are in, and they go to the document
//    before: a chunk with such errors is not read alone;
//  - YAML errors before an item, or an unclosed `[` in it, change how the items after it read:
//    items are re-read alone only in a document without errors around them.
// Files with `...` or `%` lines, a BOM, or more documents than LIMITS.maxDocuments are always
// parsed whole. The result is checked against full parses by a differential test.
import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Parser, type LineCounter, type CST, type Document, type Node, type YAMLError, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Range, SpecDiagnostic } from './diagnostic';
import { Locator } from './locate';
import {
  emptyDocumentDiagnostics,
  finishFile,
  isEmptyDocument,
  LIMITS,
  lineCounterOf,
  parseUncached,
  readDocument,
  setLocator,
  YAML_OPTIONS,
  type ParsedFile,
  type ParsedTest,
} from './parse';

interface DocEntry {
  doc: Document.Parsed;
  /** The document's own reading (before file-level checks); null for a document of only comments. */
  own: ParsedTest | null;
  /** What a document of only comments reports to the file (its warnings). */
  fileDiagnostics: SpecDiagnostic[];
}

interface Chunk {
  /** Offsets in the text: from a line start (0 or a `---` line) to the next `---` line or the end. */
  start: number;
  end: number;
  entries: DocEntry[];
  /** A quoted scalar runs unclosed to the chunk's end: read alone it agrees only as the last chunk. */
  open: boolean;
}

interface FileState {
  text: string;
  lineCount: number;
  chunks: Chunk[];
}

const states = new WeakMap<ParsedFile, FileState>();

/** What the last call did, for tests and benchmarks: how much of the text was parsed again. */
export interface IncrementalStats {
  mode: 'same' | 'whole' | 'chunks';
  /** Characters given to the yaml parser. */
  parsedChars: number;
  /** Documents whose sequence items or top-level keys were parsed again instead of the whole document. */
  splicedDocuments: number;
  /** Why an edited document (or the file) was parsed whole, when it was. */
  fallback: FallbackReason | null;
}
/**
 * Why a whole document or file is parsed again after an edit:
 *  - `open-quote`: a quoted scalar runs unclosed to the end of a piece;
 *  - `yaml-error`: a YAML error before or around the edit (it changes how what follows reads);
 *  - `outside-items`: the edit is in no sequence item and in no top-level key but the last one;
 *  - `layout`: the edited lines do not stand alone (indentation, joined lines, `---` added or
 *    removed, a duplicated key, ...);
 *  - `whole-file`: the file has directives, `...`, a BOM or too many documents (or is too large);
 *  - `after-whole`: the version before was parsed whole, so there is nothing to reuse.
 */
export type FallbackReason = 'open-quote' | 'yaml-error' | 'outside-items' | 'layout' | 'whole-file' | 'after-whole';
let stats: IncrementalStats = { mode: 'whole', parsedChars: 0, splicedDocuments: 0, fallback: null };
export function lastIncrementalStats(): IncrementalStats {
  return stats;
}

/**
 * parseSpecFile of `text`, reusing `previous` (a result of this function for an earlier text of
 * the same file, or null). `previous` is consumed: its syntax trees move into the new result, so
 * it must not be used afterwards (unless `text` is its own text: then it is returned as is).
 *
 * `onPartial`, when given, is called while a file is read from scratch (no usable `previous`):
 * with the file's first tests as soon as they are read, then every PARTIAL_INTERVAL_MS with the
 * tests read so far, so that the first screen's diagnostics need not wait for the whole file.
 * A partial result holds the diagnostics of those tests only (file-level ones come with the
 * whole); the return value is the whole file, exactly as without it.
 */
export function parseSpecFileIncremental(text: string, previous: ParsedFile | null, onPartial?: (partial: ParsedFile) => void): ParsedFile {
  const prev = previous ? states.get(previous) : undefined;
  if (previous && prev && prev.text === text) {
    stats = { mode: 'same', parsedChars: 0, splicedDocuments: 0, fallback: null };
    return previous;
  }
  if (previous) states.delete(previous);
  const starts = chunkStarts(text);
  let chunks: Chunk[] | null = null;
  let lines: LineCounter | null = null;
  stats = { mode: 'chunks', parsedChars: 0, splicedDocuments: 0, fallback: previous && !prev ? 'after-whole' : null };
  if (starts !== null) {
    lines = lineCounterOf(text);
    chunks = prev ? reuseChunks(prev, text, starts, lines) : freshChunks(text, starts, lines, onPartial);
  }
  if (chunks === null || lines === null) {
    stats = { mode: 'whole', parsedChars: text.length, splicedDocuments: 0, fallback: previous ? (stats.fallback ?? 'whole-file') : null };
    return parseUncached(text);
  }
  const own: ParsedTest[] = [];
  const fileDiagnostics: SpecDiagnostic[] = [];
  for (const chunk of chunks) {
    for (const entry of chunk.entries) {
      if (entry.own) own.push(entry.own);
      else fileDiagnostics.push(...entry.fileDiagnostics);
    }
  }
  const parsed = finishFile(own, fileDiagnostics);
  states.set(parsed, { text, lineCount: lines.lineStarts.length, chunks });
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Chunks

function isBlankChar(ch: string | undefined): boolean {
  return ch === undefined || ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

/** Offsets where chunks start (0, then each `---` line); null when the text must be parsed whole. */
function chunkStarts(text: string): number[] | null {
  if (text.length > LIMITS.maxFileChars || text.charCodeAt(0) === 0xfeff) return null;
  const starts = [0];
  for (let at = 0; at < text.length || at === 0; ) {
    const ch = text[at];
    if (ch === '%') return null;
    if ((ch === '-' || ch === '.') && text[at + 1] === ch && text[at + 2] === ch && isBlankChar(text[at + 3])) {
      if (ch === '.') return null;
      if (at > 0) starts.push(at);
      if (starts.length > LIMITS.maxDocuments) return null;
    }
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    at = nl + 1;
  }
  return starts;
}

/** After the first partial result, how often the next ones are given while a file is read. */
export const PARTIAL_INTERVAL_MS = 100;

function freshChunks(text: string, starts: readonly number[], lines: LineCounter, onPartial?: (partial: ParsedFile) => void): Chunk[] | null {
  const chunks: Chunk[] = [];
  let lastPartial: number | null = null;
  const own: ParsedTest[] = [];
  for (let i = 0; i < starts.length; i++) {
    const chunk = parseChunk(text, starts[i], i + 1 < starts.length ? starts[i + 1] : text.length, i === starts.length - 1, lines);
    if (!chunk) return null;
    chunks.push(chunk);
    if (!onPartial || i === starts.length - 1) continue;
    for (const e of chunk.entries) if (e.own) own.push(e.own);
    const now = performance.now();
    if (own.length > 0 && (lastPartial === null || now - lastPartial >= PARTIAL_INTERVAL_MS)) {
      onPartial(finishFile(own, []));
      lastPartial = performance.now();
    }
  }
  return chunks;
}

function parseChunk(text: string, start: number, end: number, last: boolean, lines: LineCounter): Chunk | null {
  // With the next chunk's `---`: the parser ends a document differently at `---` than at the end
  // of the input (it can drop a blank line), and the piece must end as it does in the stream.
  const stop = last ? end : end + 3;
  const parser = new Parser();
  parser.offset = start;
  const tokens = Array.from(parser.parse(text.slice(start, stop)));
  stats.parsedChars += stop - start;
  const errorToken = tokens.some((t) => t.type === 'error');
  const composer = new Composer(YAML_OPTIONS);
  const docs = errorToken ? [] : Array.from(composer.compose(tokens));
  // Walking the whole syntax tree for an open quote costs as much as composing it, so it is done
  // only where one can be: a quoted scalar that reaches the chunk's end is unclosed (the end is
  // followed by `---`), which yaml reports as an error, or, in the last chunk, is closed by the
  // text's last character.
  const quoteEnd = last && (text[end - 1] === '"' || text[end - 1] === "'");
  const maybeOpen = errorToken || quoteEnd || docs.some((d) => d.errors.length > 0) || composer.streamInfo().errors.length > 0;
  const open = maybeOpen && quotedScalarReaches(tokens, end);
  if (open && !last) return fail('open-quote');
  // The parser reports some errors before it hands over their document, and the composer then
  // gives them to the document before: in the stream, that is the previous chunk's.
  if (errorToken) return fail('yaml-error');
  const own = last ? docs : docs.filter((d) => d.range[0] < end);
  const marker = docs.slice(own.length);
  if (own.length > 1 || marker.length !== (last ? 0 : 1)) return fail('layout');
  // Stream-level errors (before any document) go to the next document in a full parse.
  for (const d of marker) if (d.errors.length > 0 || d.warnings.length > 0) return fail('yaml-error');
  if (docs.length === 0) {
    const info = composer.streamInfo();
    if (info.errors.length > 0 || info.warnings.length > 0) return fail('yaml-error');
  }
  return { start, end, open, entries: own.map((doc) => readEntry(doc, text, lines)) };
}

/** Notes why the incremental path gave up (the first reason counts) and returns null. */
function fail(reason: FallbackReason): null {
  stats.fallback ??= reason;
  return null;
}

function readEntry(doc: Document.Parsed, text: string, lines: LineCounter): DocEntry {
  const loc = new Locator(text, lines, doc);
  if (isEmptyDocument(doc)) return { doc, own: null, fileDiagnostics: emptyDocumentDiagnostics(doc, loc) };
  return { doc, own: readDocument(doc, loc), fileDiagnostics: [] };
}

type CstToken = { type?: unknown; offset?: unknown; source?: unknown; end?: unknown } & Record<string, unknown>;

/** True when some token of the syntax tree, at any depth (error tokens included), satisfies `test`. */
function someToken(tokens: readonly CST.Token[], test: (token: CstToken) => boolean): boolean {
  const stack: unknown[] = [tokens];
  while (stack.length > 0) {
    const t = stack.pop();
    if (Array.isArray(t)) {
      for (const x of t) if (x !== null && typeof x === 'object') stack.push(x);
      continue;
    }
    if (t === null || typeof t !== 'object') continue;
    const token = t as CstToken;
    if (test(token)) return true;
    for (const key of ['start', 'key', 'sep', 'value', 'end', 'items', 'props']) {
      const v = token[key];
      if (v !== null && typeof v === 'object') stack.push(v);
    }
  }
  return false;
}

/**
 * True when a quoted scalar reaches `end`: yaml found no closing quote before it, and in the whole
 * file would have searched on. The scalar may sit in an error token: any token whose source
 * starts with a quote counts.
 */
function quotedScalarReaches(tokens: readonly CST.Token[], end: number): boolean {
  return someToken(tokens, (t) => {
    const source = t.source;
    return typeof source === 'string' && (source[0] === '"' || source[0] === "'") && typeof t.offset === 'number' && t.offset + source.length >= end;
  });
}

/** True when a flow collection (`[...]`, `{...}`) lacks its closing bracket. */
function hasUnclosedFlow(tokens: readonly CST.Token[]): boolean {
  return someToken(tokens, (t) => {
    if (t.type !== 'flow-collection') return false;
    const end = Array.isArray(t.end) ? (t.end as Array<{ type?: unknown }>) : [];
    return !end.some((e) => e.type === 'flow-map-end' || e.type === 'flow-seq-end');
  });
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  while (i < max && a.charCodeAt(a.length - 1 - i) === b.charCodeAt(b.length - 1 - i)) i++;
  return i;
}

function reuseChunks(prev: FileState, text: string, starts: readonly number[], lines: LineCounter): Chunk[] | null {
  const old = prev.text;
  const delta = text.length - old.length;
  const a = commonPrefix(old, text);
  const b = commonSuffix(old, text, Math.min(old.length, text.length) - a);
  /** The edit replaced old [a, oldEnd) with new [a, oldEnd + delta). */
  const oldEnd = old.length - b;
  const lineDelta = lines.lineStarts.length - prev.lineCount;
  const n = starts.length;
  const endOf = (q: number): number => (q + 1 < n ? starts[q + 1] : text.length);
  const oc = prev.chunks;
  const out: Array<Chunk | null> = new Array<Chunk | null>(n).fill(null);

  // Unchanged chunks before the edit keep their offsets; those after it move by `delta`.
  let i = 0;
  while (i < oc.length && i < n && oc[i].start === starts[i] && oc[i].end === endOf(i) && oc[i].end <= a && (!oc[i].open || i === n - 1)) {
    out[i] = refreshChunk(oc[i], text, lines);
    i++;
  }
  let j = oc.length - 1;
  let q = n - 1;
  const moved: Array<[number, Chunk]> = [];
  while (j >= i && q >= i && oc[j].start >= oldEnd && oc[j].start + delta === starts[q] && oc[j].end + delta === endOf(q) && (!oc[j].open || q === n - 1)) {
    moved.push([q, oc[j]]);
    j--;
    q--;
  }

  // The changed chunks: one document edited inside its sequence items, or parsed again.
  const entry = i === j && i === q && oc[i].entries.length === 1 ? oc[i].entries[0] : null;
  if (entry && spliceDocument(entry.doc, old, text, a, oldEnd, delta, oc[i].end)) {
    stats.splicedDocuments++;
    out[i] = { start: starts[i], end: endOf(i), open: oc[i].open, entries: [readEntry(entry.doc, text, lines)] };
  } else {
    if (!entry) fail(i <= q && oc.slice(i, j + 1).some((c) => c.open) ? 'open-quote' : 'layout');
    for (let k = i; k <= q; k++) {
      const chunk = parseChunk(text, starts[k], endOf(k), k === n - 1, lines);
      if (!chunk) return null;
      out[k] = chunk;
    }
  }
  for (const [at, chunk] of moved) out[at] = moveChunk(chunk, delta, lineDelta, text, lines);
  return out as Chunk[];
}

/** An unchanged chunk at the same offsets: only its locators change (they hold the text). */
function refreshChunk(chunk: Chunk, text: string, lines: LineCounter): Chunk {
  for (const e of chunk.entries) if (e.own) setLocator(e.own, new Locator(text, lines, e.doc));
  return chunk;
}

function moveChunk(chunk: Chunk, delta: number, lineDelta: number, text: string, lines: LineCounter): Chunk {
  const entries = chunk.entries.map((e): DocEntry => {
    if (delta !== 0) shiftDocument(e.doc, 0, delta);
    const loc = new Locator(text, lines, e.doc);
    const fileDiagnostics = lineDelta === 0 ? e.fileDiagnostics : e.fileDiagnostics.map((d) => moveDiagnostic(d, lineDelta));
    if (!e.own) return { doc: e.doc, own: null, fileDiagnostics };
    const own = lineDelta === 0 ? e.own : moveTest(e.own, lineDelta);
    setLocator(own, loc);
    return { doc: e.doc, own, fileDiagnostics };
  });
  return { start: chunk.start + delta, end: chunk.end + delta, open: chunk.open, entries };
}

function moveRange(r: Range, lines: number): Range {
  return { start: { line: r.start.line + lines, character: r.start.character }, end: { line: r.end.line + lines, character: r.end.character } };
}

function moveDiagnostic(d: SpecDiagnostic, lines: number): SpecDiagnostic {
  return { ...d, range: moveRange(d.range, lines) };
}

function moveTest(t: ParsedTest, lines: number): ParsedTest {
  return {
    ...t,
    range: moveRange(t.range, lines),
    nameRange: t.nameRange ? moveRange(t.nameRange, lines) : null,
    keyRange: moveRange(t.keyRange, lines),
    diagnostics: t.diagnostics.map((d) => moveDiagnostic(d, lines)),
  };
}

type Collection = YAMLMap<unknown, unknown> | YAMLSeq<unknown>;
type Ranged = { range?: [number, number, number] | null };

/**
 * Adds `delta` to every offset at or after `from` in the document (nodes, errors, its range), in
 * place. A node's range ends at or after its children's, so a subtree that ends before `from`
 * is left unvisited.
 */
function shiftDocument(doc: Document.Parsed, from: number, delta: number): void {
  const shift = (r: [number, number, number]): void => {
    if (r[0] >= from) r[0] += delta;
    if (r[1] >= from) r[1] += delta;
    if (r[2] >= from) r[2] += delta;
  };
  doc.range = [...doc.range];
  shift(doc.range);
  for (const e of [...doc.errors, ...doc.warnings]) e.pos = [e.pos[0] >= from ? e.pos[0] + delta : e.pos[0], e.pos[1] >= from ? e.pos[1] + delta : e.pos[1]];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      stack.push(node.key, node.value);
      continue;
    }
    if (!isScalar(node) && !isAlias(node) && !isMap(node) && !isSeq(node)) continue;
    const r = (node as Ranged).range;
    if (!r || r[2] < from) continue;
    shift(r);
    if (isMap(node) || isSeq(node)) for (const item of node.items) stack.push(item);
  }
}

// ---------------------------------------------------------------------------------------------
// Sequence items

interface Candidate {
  seq: YAMLSeq<unknown>;
  /** The first and last item the edit touches. */
  k: number;
  m: number;
  /** Block collections from the document's root down to the sequence's parent. */
  chain: Collection[];
}

function startOf(node: unknown): number | null {
  const r = (node as Ranged | null)?.range;
  return r && (isScalar(node) || isAlias(node) || isMap(node) || isSeq(node)) ? r[0] : null;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The `-` of a sequence item whose node starts at `nodeStart`, when only spaces stand before it on its line and between it and the node; -1 otherwise. */
function dashOf(text: string, nodeStart: number): number {
  let i = nodeStart - 1;
  while (i >= 0 && text[i] === ' ') i--;
  if (i < 0 || text[i] !== '-' || i + 1 === nodeStart) return -1;
  let j = i - 1;
  while (j >= 0 && text[j] === ' ') j--;
  return j < 0 || text[j] === '\n' ? i : -1;
}

/** The block sequences (outermost first) whose items hold the edited span [a, oldEnd). */
function candidates(doc: Document.Parsed, old: string, a: number, oldEnd: number): Candidate[] {
  const out: Candidate[] = [];
  const chain: Collection[] = [];
  let node: unknown = doc.contents;
  for (let depth = 0; depth < LIMITS.maxNesting; depth++) {
    if (isSeq(node) && !node.flow) {
      const items = node.items;
      const starts = items.map(startOf);
      if (starts.some((s) => s === null)) return out;
      const at = starts as number[];
      // k: the last item whose node (or dash) starts before the edit; m: the last one whose line
      // starts before the edit's end.
      let k = lastAtOrBefore(at, a);
      if (k + 1 < at.length) {
        const d = dashOf(old, at[k + 1]);
        if (d >= 0 && d < a) k++;
      }
      if (k < 0) return out;
      let m = Math.max(k, lastAtOrBefore(at, oldEnd - 1));
      if (m + 1 < at.length && lineStartOf(old, at[m + 1]) < oldEnd) m++;
      // Only a mapping's value or the root: an item of another sequence (one without its own
      // dash) draws errors from that sequence at its first line.
      const parent = chain[chain.length - 1];
      if (parent === undefined || isMap(parent)) out.push({ seq: node, k, m, chain: chain.slice() });
      if (k !== m) return out;
      chain.push(node);
      node = items[k];
      continue;
    }
    if (isMap(node) && !node.flow) {
      const keys = node.items.map((p) => startOf(p.key));
      if (keys.some((s) => s === null)) return out;
      const p = lastAtOrBefore(keys as number[], a);
      if (p < 0) return out;
      if (p + 1 < keys.length && (keys[p + 1] as number) < oldEnd) return out;
      chain.push(node);
      node = node.items[p].value;
      continue;
    }
    return out;
  }
  return out;
}

/** Index of the last value ≤ x in an ascending array; -1 if none. */
function lastAtOrBefore(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Replaces the items of one block sequence that hold the edit with the same lines of the new
 * text parsed alone, moves every later offset, and mends the ranges that end with the sequence.
 * Returns false (leaving `doc` unchanged) when that could differ from parsing the whole document.
 */
function spliceDocument(doc: Document.Parsed, old: string, text: string, a: number, oldEnd: number, delta: number, chunkEnd: number): boolean {
  why = null;
  const list = candidates(doc, old, a, oldEnd);
  for (let c = list.length - 1; c >= 0; c--) {
    const plan = planSplice(doc, list[c], old, text, a, oldEnd, delta, chunkEnd);
    if (plan) {
      plan();
      return true;
    }
  }
  // Not within sequence items (or they could not be read alone): the top-level keys that hold
  // the edit.
  const itemsWhy = list.length > 0 ? (why ?? 'layout') : null;
  why = null;
  const plan = planPairSplice(doc, old, text, a, oldEnd, delta);
  if (plan) {
    plan();
    return true;
  }
  fail(itemsWhy ?? why ?? 'layout');
  return false;
}

/** Why the last splice plan was refused, when that is not the layout. */
let why: FallbackReason | null = null;
function refuse(reason: FallbackReason): null {
  why ??= reason;
  return null;
}

const PLAIN_KEY_START = /[A-Za-z0-9_]/;

/**
 * Replaces the top-level pairs (keys at column 0 of a block mapping) that hold the edit with the
 * same lines of the new text parsed alone, like planSplice does for sequence items. Only pairs
 * followed by another top-level key: that key, at the start of its line, ends them the same way
 * in the piece and in the document.
 */
function planPairSplice(doc: Document.Parsed, old: string, text: string, a: number, oldEnd: number, delta: number): (() => void) | null {
  const root = doc.contents;
  if (!isMap(root) || root.flow) return refuse('outside-items');
  const pairs = root.items;
  const keys = pairs.map((p) => startOf(p.key));
  if (keys.some((k) => k === null)) return null;
  const at = keys as number[];
  // Plain keys at the start of their lines.
  for (const k of at) if (lineStartOf(old, k) !== k || !PLAIN_KEY_START.test(old[k])) return null;
  // An edit at the very start of a key's line (lines inserted before it) goes with the pair
  // before: the lines read alone are then those inserted, not the (maybe long) pair after them.
  let k = lastAtOrBefore(at, a - 1);
  if (k < 0) k = lastAtOrBefore(at, a);
  if (k < 0) return null;
  const m = Math.max(k, lastAtOrBefore(at, oldEnd - 1));
  if (m + 1 >= at.length) return refuse('outside-items');
  const rs = at[k];
  const reOld = at[m + 1];
  if (oldEnd > reOld || a < rs) return null;
  const reNew = reOld + delta;
  // The edit must leave the next key at the start of its line.
  if (text[reNew - 1] !== '\n') return null;
  // Only in a document without YAML errors: an error anywhere can leave the parser in a state in
  // which the lines around the edit read otherwise (even a blank line removed before a broken
  // key changes that key's error).
  if (doc.errors.length > 0) return refuse('yaml-error');

  // The new lines: a plain key first; then indented lines, blank lines or more plain
  // keys at column 0 (pairs added).
  if (!PLAIN_KEY_START.test(text[rs])) return null;
  for (let ls = nextLineStart(text, rs, reNew); ls < reNew; ) {
    const f = firstNonSpace(text, ls);
    if (f >= reNew || isLineEnd(text, f)) {
      ls = nextLineStart(text, f, reNew);
      continue;
    }
    if (text[f] === '\t') return null;
    // A comment at column 0 can end an empty value before it elsewhere than in the whole file.
    if (f === ls && !PLAIN_KEY_START.test(text[f])) return null;
    ls = nextLineStart(text, f, reNew);
  }

  const parser = new Parser();
  parser.offset = rs;
  const tokens = Array.from(parser.parse(text.slice(rs, reNew)));
  stats.parsedChars += reNew - rs;
  if (tokens.length !== 1 || tokens[0].type !== 'document') return null;
  const cst = tokens[0];
  if (!cst.value || cst.value.type !== 'block-map' || cst.value.indent !== 0) return null;
  if (cst.start.some((t) => t.type !== 'space')) return null;
  // Comments before the next key end the piece's document, but in the file they can change where
  // an empty value before them ends (its range): read such an edit with its whole document.
  if (cst.end?.some((t) => t.type !== 'space' && t.type !== 'newline')) return null;
  if (quotedScalarReaches(tokens, reNew)) return refuse('open-quote');
  if (hasUnclosedFlow(tokens)) return refuse('yaml-error');
  const docs = Array.from(new Composer(YAML_OPTIONS).compose(tokens));
  if (docs.length !== 1) return null;
  const piece = docs[0];
  const map2 = piece.contents;
  if (!isMap(map2) || map2.flow || map2.items.length === 0 || !(map2 as Ranged).range) return null;
  // yaml recovers from an error in a way that can change how the keys after it read (a broken
  // value may take them in): the pairs are read alone only when they read without errors, so
  // the next key starts in the same state as before.
  if (piece.errors.length > 0) return refuse('yaml-error');
  for (const w of piece.warnings) if (w.pos[0] < rs || w.pos[0] >= reNew || w.pos[1] > reNew) return null;
  if (depthOf(map2) > LIMITS.maxNesting) return null;
  // Every key of the new mapping, at the start of its line, once.
  const names = new Set<string>();
  for (let x = 0; x < pairs.length; x++) {
    if (x >= k && x <= m) continue;
    const key = pairs[x].key;
    if (!isScalar(key)) return null;
    names.add(String(key.value));
  }
  for (const p of map2.items) {
    const ks = startOf(p.key);
    if (!isScalar(p.key) || ks === null || lineStartOf(text, ks) !== ks) return null;
    const name = String(p.key.value);
    if (names.has(name)) return null;
    names.add(name);
  }
  // Warnings (unresolved tags) stay with their nodes: those of the replaced pairs go.
  const warningsBefore = doc.warnings.filter((w) => w.pos[0] < rs);
  const warningsAfter = doc.warnings.filter((w) => w.pos[0] >= reOld);

  return () => {
    pairs.splice(k, m - k + 1);
    shiftDocument(doc, reOld, delta);
    pairs.splice(k, 0, ...map2.items);
    doc.warnings = [...warningsBefore, ...piece.warnings, ...warningsAfter];
  };
}

function nextLineStart(text: string, from: number, limit: number): number {
  const nl = text.indexOf('\n', from);
  return nl < 0 || nl + 1 > limit ? limit : nl + 1;
}

function firstNonSpace(text: string, from: number): number {
  let i = from;
  while (text[i] === ' ') i++;
  return i;
}

function isLineEnd(text: string, at: number): boolean {
  const ch = text[at];
  return ch === undefined || ch === '\n' || (ch === '\r' && text[at + 1] === '\n');
}

function planSplice(doc: Document.Parsed, cand: Candidate, old: string, text: string, a: number, oldEnd: number, delta: number, chunkEnd: number): (() => void) | null {
  const { seq, k, m, chain } = cand;
  const items = seq.items;
  const dashK = dashOf(old, startOf(items[k]) as number);
  if (dashK < 0 || dashK >= a) return null;
  const rs = lineStartOf(old, dashK);
  const indent = dashK - rs;
  // The sequence's column is its first item's.
  const dash0 = k === 0 ? dashK : dashOf(old, startOf(items[0]) as number);
  if (dash0 < 0 || dash0 - lineStartOf(old, dash0) !== indent) return null;
  const last = m === items.length - 1;

  // The old span [rs, reOld): from the first item's line to the next item's dash, or to the
  // first line after the sequence (only blank lines between), or to the end of the document.
  let reOld: number;
  let nextLine: number;
  if (!last) {
    const d = dashOf(old, startOf(items[m + 1]) as number);
    if (d < 0) return null;
    nextLine = lineStartOf(old, d);
    if (d - nextLine !== indent) return null;
    reOld = d;
  } else {
    const seqEnd = (seq as Ranged).range?.[2];
    if (seqEnd === undefined) return null;
    let ls = seqEnd > 0 && old[seqEnd - 1] === '\n' ? seqEnd : nextLineStart(old, seqEnd, chunkEnd);
    reOld = chunkEnd;
    nextLine = chunkEnd;
    while (ls < chunkEnd) {
      const f = firstNonSpace(old, ls);
      if (f >= chunkEnd) break;
      if (isLineEnd(old, f)) {
        ls = nextLineStart(old, f, chunkEnd);
        continue;
      }
      // A plain key (an empty key, `: x`, would be placed back at the end of the edited lines).
      if (!/[A-Za-z0-9_]/.test(old[f]) || f - ls > indent) return null;
      reOld = f;
      nextLine = ls;
      break;
    }
  }
  if (oldEnd > nextLine || a < rs) return null;
  const reNew = reOld + delta;
  const nextLineNew = nextLine + delta;
  // The edit may have joined the next line to the last edited one.
  if (nextLineNew > 0 && nextLineNew < chunkEnd + delta && text[nextLineNew - 1] !== '\n') return null;

  // The new lines: the first holds the dash, the others are blank or more indented than it
  // (another item of this sequence may start among them).
  if (text[rs + indent] !== '-' || !isBlankChar(text[rs + indent + 1])) return null;
  for (let ls = nextLineStart(text, rs, nextLineNew); ls < nextLineNew; ) {
    const f = firstNonSpace(text, ls);
    if (f >= nextLineNew || isLineEnd(text, f)) {
      ls = nextLineStart(text, f, nextLineNew);
      continue;
    }
    const col = f - ls;
    if (text[f] === '\t') return null;
    if (col < indent || (col === indent && !(text[f] === '-' && isBlankChar(text[f + 1])))) return null;
    ls = nextLineStart(text, f, nextLineNew);
  }

  // Parse those lines alone; they must form one block sequence at the same column, with nothing
  // left over and no quoted scalar running to their end.
  const parser = new Parser();
  parser.offset = rs;
  const tokens = Array.from(parser.parse(text.slice(rs, reNew)));
  stats.parsedChars += reNew - rs;
  if (tokens.length !== 1 || tokens[0].type !== 'document') return null;
  const cst = tokens[0];
  if (!cst.value || cst.value.type !== 'block-seq' || cst.value.indent !== indent) return null;
  if (cst.start.some((t) => t.type !== 'space')) return null;
  if (cst.end?.some((t) => t.type !== 'space' && t.type !== 'newline')) return null;
  if (quotedScalarReaches(tokens, reNew)) return refuse('open-quote');
  // An unclosed `[` or `{` is ended by the lexer only at a less indented line: after the piece.
  if (hasUnclosedFlow(tokens)) return refuse('yaml-error');
  const docs = Array.from(new Composer(YAML_OPTIONS).compose(tokens));
  if (docs.length !== 1) return null;
  const piece = docs[0];
  const seq2 = piece.contents;
  if (!isSeq(seq2) || seq2.flow || seq2.items.length === 0 || !(seq2 as Ranged).range) return null;
  for (const e of [...piece.errors, ...piece.warnings]) {
    if (e.pos[0] <= dashK || e.pos[0] >= nextLineNew || e.pos[1] > reNew || e.code === 'RESOURCE_EXHAUSTION') return null;
  }
  if (depthOf(seq2) > LIMITS.maxNesting) return null;
  // An item without a value takes its range from the comments before its dash, which lie outside
  // the piece for the first item (and inside it for the item after the last).
  if (isEmptyNode(seq2.items[0]) || (!last && isEmptyNode(items[m + 1]))) return null;

  // YAML errors before the edited items leave the parser in states the piece alone does not
  // start from; some errors are reported on the line after the construct they are about; and
  // what follows the last item reports some errors at the sequence's end. So: no errors before
  // the items or on the next line; after it, only when another item follows (those move).
  // Errors within the items are replaced by the piece's. Warnings (unresolved tags) are the
  // composer's and stay with their nodes.
  const split = (list: YAMLError[], errors: boolean): { before: YAMLError[]; after: YAMLError[] } | null => {
    const before: YAMLError[] = [];
    const after: YAMLError[] = [];
    for (const e of list) {
      if (e.pos[0] <= dashK) {
        if (errors || e.pos[1] > a) return null;
        before.push(e);
      } else if (e.pos[0] > reOld) {
        if (errors && last) return null;
        after.push(e);
      } else if (e.pos[0] >= nextLine) return null;
    }
    return { before, after };
  };
  const errors = split(doc.errors, true);
  const warnings = split(doc.warnings, false);
  if (!errors || !warnings) return refuse('yaml-error');
  if (last) {
    // What follows the sequence places some of its errors at the sequence's end, which moves.
    const seqEnd = ((seq as Ranged).range as [number, number, number])[1];
    if ([...doc.errors, ...doc.warnings].some((e) => e.pos[0] >= seqEnd && e.pos[0] <= reOld)) return null;
  }

  // When the last item changes, the sequence's end moves, and with it the end of each collection
  // that ends with it (up to the document when the sequence closes it).
  const ending: Collection[] = [];
  let reachesRoot = false;
  if (last) {
    let child: Collection = seq;
    let x = chain.length - 1;
    for (; x >= 0; x--) {
      const parent = chain[x];
      const lastItem = parent.items[parent.items.length - 1];
      const lastNode = isMap(parent) ? (isPair(lastItem) ? lastItem.value : null) : lastItem;
      if (lastNode !== child) break;
      const pr = (parent as Ranged).range;
      const cr = (child as Ranged).range;
      if (!pr || !cr || pr[1] !== cr[2] || pr[2] !== pr[1]) return null;
      ending.push(parent);
      child = parent;
    }
    reachesRoot = x < 0 && child === doc.contents;
    if (reachesRoot && doc.range[1] !== (child as Ranged).range?.[2]) return null;
  }

  return () => {
    items.splice(k, m - k + 1);
    shiftDocument(doc, nextLine, delta);
    items.splice(k, 0, ...seq2.items);
    const r2 = (seq2 as Ranged).range as [number, number, number];
    if (last) {
      const sr = (seq as Ranged).range as [number, number, number];
      (seq as Ranged).range = [sr[0], r2[1], r2[2]];
      for (const c of ending) {
        const cr = (c as Ranged).range as [number, number, number];
        (c as Ranged).range = [cr[0], r2[2], r2[2]];
      }
      if (reachesRoot) doc.range = [doc.range[0], r2[2], piece.range[2]];
    }
    doc.errors = [...piece.errors, ...errors.after];
    doc.warnings = [...warnings.before, ...piece.warnings, ...warnings.after];
  };
}

function isEmptyNode(node: unknown): boolean {
  const r = (node as Ranged | null)?.range;
  return !r || (isScalar(node) && r[0] === r[1]);
}

/** Levels of collections (a mapping's pairs are not a level of their own). */
function depthOf(root: Node): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, d] = stack.pop() as [unknown, number];
    if (d > max) max = d;
    if (isPair(node)) stack.push([node.key, d], [node.value, d]);
    else if (isMap(node) || isSeq(node)) for (const item of node.items) stack.push([item, d + 1]);
  }
  return max;
}
