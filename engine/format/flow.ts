// The small languages of flows (SPEC.md "Flows, captures, checks, data"): capture sources
// (`json $.token`, `header ETag`, `regex "order/(\\d+)"`, `status`), checks (`status == 200`,
// `json $.id exists`, ...), a JSONPath subset and durations. Parse errors carry offsets inside
// the string so the editor can underline the bad part. Regular expressions use re2js, a
// linear-time engine: no pattern can backtrack catastrophically.
import { RE2JS } from 're2js';
import type { CaptureSource, CheckOp, CheckValue, JsonPath, JsonPathSegment, ParsedCheck } from './plan';
import { CAPTURE_SOURCES, CHECK_OPERATORS, CHECK_SUBJECTS } from './schema';
import { closest } from './template';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; start: number; end: number };

const fail = <T>(message: string, start: number, end: number): Parsed<T> => ({ ok: false, message, start, end: Math.max(end, start + 1) });

/** A capture name: what `{{NAME}}` can refer to. */
export const CAPTURE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const KEY = /[A-Za-z_$][A-Za-z0-9_$-]*/y;
const SPACE = /\s*/y;

// ---------------------------------------------------------------------------------------------
// JSONPath subset: $ .key ['key'] [index] [*]

/** Parses a JSONPath starting at `from` in `text`; offsets in errors are offsets in `text`. */
export function parseJsonPath(text: string, from = 0, to = text.length): Parsed<JsonPath> {
  let at = from;
  if (text[at] !== '$') return fail('A JSONPath starts with `$`, e.g. `$.access_token` or `$.items[0].id`.', at, at + 1);
  at++;
  const segments: JsonPathSegment[] = [];
  while (at < to) {
    const c = text[at];
    if (c === '.') {
      KEY.lastIndex = at + 1;
      const m = KEY.exec(text);
      if (!m || KEY.lastIndex > to) {
        if (text[at + 1] === '.') return fail('Recursive descent `..` is not supported: write the full path, e.g. `$.a.b`.', at, at + 2);
        if (text[at + 1] === '*') return fail('Write `[*]` for every element, e.g. `$.items[*].id`.', at, at + 2);
        return fail("Expected a key after `.`; for a key with other characters write `['my key']`.", at, at + 2);
      }
      segments.push({ kind: 'key', key: m[0] });
      at = KEY.lastIndex;
    } else if (c === '[') {
      const close = text.indexOf(']', at);
      if (close < 0 || close >= to) return fail('`[` has no closing `]`.', at, to);
      const inner = text.slice(at + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) segments.push({ kind: 'key', key: inner.slice(1, -1) });
      else if (/^-\d+$/.test(inner)) return fail('Negative indexes are not supported: use `[0]`, `[1]`, ... or `[*]`.', at, close + 1);
      else return fail("Inside `[...]` write an index (`[0]`), `[*]` or a quoted key (`['name']`); filters and slices are not supported.", at, close + 1);
      at = close + 1;
    } else {
      return fail(`Unexpected \`${c}\` in the JSONPath: continue with \`.key\`, \`['key']\`, \`[index]\` or \`[*]\`.`, at, at + 1);
    }
  }
  return { ok: true, value: { text: text.slice(from, to), segments } };
}

/** The first value the path selects (`[*]` tries each element in order), or undefined. */
export function evaluateJsonPath(path: JsonPath, root: unknown): unknown {
  const walk = (value: unknown, i: number): unknown => {
    if (i === path.segments.length) return value;
    const seg = path.segments[i]!;
    if (seg.kind === 'key') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(value, seg.key)) return undefined;
      return walk((value as Record<string, unknown>)[seg.key], i + 1);
    }
    if (seg.kind === 'index') return Array.isArray(value) && seg.index < value.length ? walk(value[seg.index], i + 1) : undefined;
    const items = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : [];
    for (const item of items) {
      const found = walk(item, i + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(root, 0);
}

// ---------------------------------------------------------------------------------------------
// Quoted strings and regular expressions

/** A double-quoted string from `at` (at the quote): `\"` and `\\` are escapes, other `\x` stay as written. */
function readQuoted(text: string, at: number): { value: string; end: number } | null {
  let value = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      value += text[i + 1];
      i++;
    } else if (c === '"') return { value, end: i + 1 };
    else value += c;
  }
  return null;
}

/** Compiles a pattern with the linear-time engine; errors point inside `text` at `patternStart`. */
export function checkRegex(pattern: string, text: string, patternStart: number, patternEnd: number): Parsed<RE2JS> {
  try {
    return { ok: true, value: RE2JS.compile(pattern) };
  } catch (e) {
    const err = e as { error?: unknown; input?: unknown; message?: unknown };
    const input = typeof err.input === 'string' ? err.input : '';
    const what = typeof err.error === 'string' ? err.error : String(err.message ?? e);
    // Map the offending fragment back into the written text (escapes make this approximate).
    const inPattern = input ? pattern.lastIndexOf(input) : -1;
    const inText = input ? text.indexOf(input, patternStart) : -1;
    const start = inText >= 0 && inText < patternEnd ? inText : inPattern >= 0 ? patternStart + inPattern : patternStart;
    const end = Math.min(patternEnd, start + Math.max(1, input.length));
    return fail(`Invalid regular expression: ${what}${input ? ` \`${input}\`` : ''} (RE2 syntax: no backreferences or lookaround).`, start, end);
  }
}

// ---------------------------------------------------------------------------------------------
// Capture sources

export function parseCapture(text: string): Parsed<CaptureSource> {
  SPACE.lastIndex = 0;
  SPACE.exec(text);
  const start = SPACE.lastIndex;
  const word = /^[A-Za-z_]*/.exec(text.slice(start))![0];
  const wordEnd = start + word.length;
  const rest = text.slice(wordEnd).trim();
  const restStart = rest === '' ? text.length : text.indexOf(rest, wordEnd);
  const restEnd = restStart + rest.length;
  switch (word) {
    case 'status':
      if (rest !== '') return fail('`status` takes nothing after it.', restStart, restEnd);
      return { ok: true, value: { kind: 'status' } };
    case 'json': {
      if (rest === '') return fail('Write a JSONPath after `json`, e.g. `json $.access_token`.', start, wordEnd);
      const p = parseJsonPath(text, restStart, restEnd);
      return p.ok ? { ok: true, value: { kind: 'json', path: p.value } } : p;
    }
    case 'header':
      if (rest === '') return fail('Write a header name after `header`, e.g. `header ETag`.', start, wordEnd);
      if (!HEADER_NAME.test(rest)) return fail(`\`${rest}\` is not a header name.`, restStart, restEnd);
      return { ok: true, value: { kind: 'header', name: rest } };
    case 'regex': {
      if (!rest.startsWith('"')) return fail('Quote the pattern: `regex "order/(\\\\d+)"`.', restStart, restEnd);
      const q = readQuoted(text, restStart);
      if (!q) return fail('The pattern has no closing `"`.', restStart, restEnd);
      if (q.end !== restEnd) return fail('Nothing may follow the quoted pattern.', q.end, restEnd);
      const r = checkRegex(q.value, text, restStart + 1, q.end - 1);
      return r.ok ? { ok: true, value: { kind: 'regex', pattern: q.value } } : r;
    }
    default: {
      const suggestion = closest(word, CAPTURE_SOURCES);
      return fail(
        `Unknown capture source \`${word}\`${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} Write \`json PATH\`, \`header NAME\`, \`regex "PATTERN"\` or \`status\`.`,
        start,
        Math.max(wordEnd, start + 1),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Durations

/** `200ms`, `1.5s`, or a bare number of milliseconds → milliseconds; null when not a duration. */
export function parseDurationMs(text: string, bareIsMs = true): number | null {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s)?\s*$/.exec(text);
  if (!m) return null;
  if (m[2] === undefined && !bareIsMs) return null;
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : n;
}

// ---------------------------------------------------------------------------------------------
// Checks

const OPS_BY_LENGTH: readonly CheckOp[] = [...CHECK_OPERATORS].sort((a, b) => b.length - a.length);
const NUMERIC_OPS: ReadonlySet<CheckOp> = new Set(['<', '<=', '>', '>=']);
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Reads an operator at `at`; word operators need a space (or the end) after them. */
function readOp(text: string, at: number): CheckOp | null {
  for (const op of OPS_BY_LENGTH) {
    if (!text.startsWith(op, at)) continue;
    if (/^[a-z]/.test(op) && /[A-Za-z0-9_]/.test(text[at + op.length] ?? '')) continue;
    return op;
  }
  return null;
}

/** A check's literal: a quoted string, a number, true/false/null, or bare text (a string). */
function readValue(text: string, at: number, end: number): Parsed<{ value: CheckValue; quoted: boolean }> {
  const raw = text.slice(at, end);
  if (raw === '') return fail('Expected a value after the operator.', at, at + 1);
  if (raw.startsWith('"')) {
    const q = readQuoted(text, at);
    if (!q) return fail('The string has no closing `"`.', at, end);
    if (q.end !== end) return fail('Nothing may follow the quoted value.', q.end, end);
    return { ok: true, value: { value: q.value, quoted: true } };
  }
  if (NUMBER.test(raw)) return { ok: true, value: { value: Number(raw), quoted: false } };
  if (raw === 'true' || raw === 'false') return { ok: true, value: { value: raw === 'true', quoted: false } };
  if (raw === 'null') return { ok: true, value: { value: null, quoted: false } };
  return { ok: true, value: { value: raw, quoted: false } };
}

const FORMS =
  '`status == 200`, `json $.id exists`, `json PATH OP VALUE`, `header NAME OP VALUE`, `body contains TEXT` or `latency < 300ms`';

export function parseCheck(text: string): Parsed<ParsedCheck> {
  const expression = text.trim();
  const end = text.trimEnd().length;
  SPACE.lastIndex = 0;
  SPACE.exec(text);
  const start = SPACE.lastIndex;
  const word = /^[A-Za-z_]*/.exec(text.slice(start))![0];
  let at = start + word.length;
  if (!(CHECK_SUBJECTS as readonly string[]).includes(word)) {
    const suggestion = word ? closest(word, CHECK_SUBJECTS) : null;
    return fail(
      `${word ? `Unknown check \`${word}\`` : 'A check starts with what it looks at'}${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} Write ${FORMS}.`,
      start,
      Math.max(at, start + 1),
    );
  }
  const skip = (): void => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const argument = (what: string): Parsed<{ s: number; e: number }> => {
    skip();
    const s = at;
    while (at < end && !/\s/.test(text[at]!)) at++;
    if (at === s) return fail(`Write ${what} after \`${word}\`.`, start, s);
    return { ok: true, value: { s, e: at } };
  };

  let path: JsonPath | null = null;
  let headerName = '';
  if (word === 'json') {
    const a = argument('a JSONPath (`$.id`)');
    if (!a.ok) return a;
    const p = parseJsonPath(text, a.value.s, a.value.e);
    if (!p.ok) return p;
    path = p.value;
  } else if (word === 'header') {
    const a = argument('a header name');
    if (!a.ok) return a;
    headerName = text.slice(a.value.s, a.value.e);
    if (!HEADER_NAME.test(headerName)) return fail(`\`${headerName}\` is not a header name.`, a.value.s, a.value.e);
  }

  skip();
  if (word === 'json' && path && /^exists\s*$/.test(text.slice(at, end + 1))) {
    return { ok: true, value: { subject: 'json', expression, path, op: 'exists', value: null } };
  }
  const opStart = at;
  const op = readOp(text, at);
  if (!op) {
    const bad = /^\S*/.exec(text.slice(at))![0];
    const ops = word === 'json' ? `${CHECK_OPERATORS.join(' ')} or exists` : CHECK_OPERATORS.join(' ');
    if (bad === '=') return fail('Use `==` to compare for equality.', at, at + 1);
    return fail(bad ? `Unknown operator \`${bad}\`; use one of ${ops}.` : `Expected an operator (${ops}).`, at, at + Math.max(1, bad.length));
  }
  at += op.length;
  const opEnd = at;
  skip();
  const valueStart = at;
  const v = readValue(text, at, end);
  if (!v.ok) return v;
  const { value, quoted } = v.value;

  if (op === 'matches') {
    if (typeof value !== 'string') return fail('`matches` takes a quoted regular expression.', valueStart, end);
    const r = checkRegex(value, text, quoted ? valueStart + 1 : valueStart, quoted ? end - 1 : end);
    if (!r.ok) return r;
  }
  if (NUMERIC_OPS.has(op) && typeof value !== 'number' && word !== 'latency') {
    return fail(`\`${op}\` compares numbers; ${quoted ? 'this value is a string' : `\`${String(value)}\` is not a number`}.`, valueStart, end);
  }

  switch (word) {
    case 'status':
      if (op === 'contains' || op === 'matches') return fail('`status` is a number: compare it with == != < <= > >=.', opStart, opEnd);
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail('A status is a whole number, e.g. `status == 200`.', valueStart, end);
      return { ok: true, value: { subject: 'status', expression, op, value } };
    case 'latency': {
      if (op === 'contains' || op === 'matches') return fail('`latency` is a duration: compare it with == != < <= > >=.', opStart, opEnd);
      const ms = typeof value === 'string' || typeof value === 'number' ? parseDurationMs(String(value)) : null;
      if (ms === null) return fail('Write a duration: `300ms` or `1.5s`.', valueStart, end);
      return { ok: true, value: { subject: 'latency', expression, op, value: ms } };
    }
    case 'body':
      if (NUMERIC_OPS.has(op)) return fail('`body` is text: use contains, matches, == or !=.', opStart, opEnd);
      return { ok: true, value: { subject: 'body', expression, op, value: typeof value === 'string' ? value : String(value) } };
    case 'header':
      return { ok: true, value: { subject: 'header', expression, name: headerName, op, value } };
    default:
      return { ok: true, value: { subject: 'json', expression, path: path!, op, value } };
  }
}
