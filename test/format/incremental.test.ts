// The incremental parse (the language server's, after every edit) must give exactly what a full
// parse gives: the same tests, ranges, values, syntax trees and diagnostics in the same order.
// Differential: from the examples, the fixtures and generated multi-document specs, seeded
// sequences of edits (typing in values, new keys and items, broken indentation, `---`, quotes,
// brackets, duplicated and deleted lines), each result compared with a fresh full parse and
// validation of the same text. Then the traps of the yaml library that drove the design, one by
// one, and checks that the reuse really happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import { validateText, validateTextIncremental, type ParsedFile, type ValidateContext } from '../../engine/format';
import { lastHintStats } from '../../engine/format/hints';
import { lastIncrementalStats, parseSpecFileIncremental } from '../../engine/format/incremental';
import { LIMITS, parseSpecFile, parseUncached } from '../../engine/format/parse';
import { prng } from '../fixtures/prng';

const ROOT = join(__dirname, '..', '..');

/** Every node of a syntax tree with its kind, range and value; errors and warnings with positions. */
function treeOf(doc: Document.Parsed | null): unknown {
  if (!doc) return null;
  const nodes: unknown[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop();
    if (isPair(n)) {
      nodes.push('pair');
      stack.push(n.value, n.key);
    } else if (isScalar(n)) nodes.push(['scalar', n.range, n.value, n.type]);
    else if (isAlias(n)) nodes.push(['alias', n.range, n.source]);
    else if (isMap(n) || isSeq(n)) {
      nodes.push([isMap(n) ? 'map' : 'seq', n.range, n.items.length, n.flow ?? false]);
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
    } else nodes.push(n === null || n === undefined ? null : typeof n);
  }
  const errors = (list: readonly { code: string; message: string; pos: [number, number] }[]) => list.map((e) => [e.code, e.message, e.pos]);
  return { range: doc.range, errors: errors(doc.errors), warnings: errors(doc.warnings), nodes };
}

/** JSON with repeated objects (aliases make values share and even contain themselves) by number. */
function stringify(value: unknown): string {
  const seen = new Map<object, number>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object') return v;
    const id = seen.get(v);
    if (id !== undefined) return `[object ${id}]`;
    seen.set(v, seen.size);
    return v;
  });
}

function viewOf(parsed: ParsedFile): string {
  return stringify({ diagnostics: parsed.diagnostics, tests: parsed.tests.map((t) => ({ ...t, doc: treeOf(t.doc) })) });
}

/** Where two long strings first differ, with some context. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `full: …${a.slice(Math.max(0, i - 200), i + 200)}\nincremental: …${b.slice(Math.max(0, i - 200), i + 200)}`;
}

const ctx: ValidateContext = { env: { API_TOKEN: 'x' }, envFileText: null, readEnvFile: (p) => (p === '.env' ? 'BASE=http://127.0.0.1:3000\n' : null) };

/** Applies `edits` one after the other; after each, the incremental result must equal a full one. */
function checkSequence(start: string, edit: (text: string) => string, steps: number, label: string): { spliced: number } {
  let text = start;
  let previous: ParsedFile | null = null;
  let spliced = 0;
  for (let step = 0; step <= steps; step++) {
    const before = text;
    if (step > 0) text = edit(text);
    const incremental = validateTextIncremental(text, previous, ctx);
    spliced += lastIncrementalStats().splicedDocuments;
    // parseSpecFile remembers this parse for validateText below.
    const full = parseSpecFile(text);
    const a = viewOf(full);
    const b = viewOf(incremental.parsed);
    if (a !== b) assert.fail(`${label} step ${step}: the incremental parse differs\nbefore: ${JSON.stringify(before)}\nafter:  ${JSON.stringify(text)}\n${firstDifference(a, b)}`);
    assert.deepEqual(incremental.diagnostics, validateText(text, ctx), `${label} step ${step}: the diagnostics differ`);
    previous = incremental.parsed;
  }
  return { spliced };
}

function corpus(): string[] {
  const texts: string[] = [];
  for (const dir of ['examples', join('test', 'fixtures', 'server'), join('test', 'fixtures', 'format')]) {
    for (const f of readdirSync(join(ROOT, dir)).sort()) {
      if (/\.atm\.ya?ml$/.test(f)) texts.push(readFileSync(join(ROOT, dir, f), 'utf8'));
    }
  }
  return texts;
}

/** A spec of `docs` tests with `endpoints` endpoints each, in the styles people write. */
function generated(endpoints: number, docs: number, rnd: () => number): string {
  const out: string[] = [];
  for (let d = 0; d < docs; d++) {
    if (d > 0) out.push(rnd() < 0.3 ? '--- # next test' : '---');
    out.push(`name: Test ${d}`, 'base_url: http://127.0.0.1:3000', 'variables:', '  page_size: 20', 'distribution_strategy: weighted', 'concurrency: 5', 'total_requests: 100');
    if (rnd() < 0.5) out.push('thresholds:', '  - p95 < 200ms');
    out.push('endpoints:');
    const ind = rnd() < 0.2 ? '' : '  ';
    for (let i = 0; i < endpoints; i++) {
      if (rnd() < 0.15) out.push('');
      if (rnd() < 0.1) out.push(`${ind}# endpoint ${i}`);
      out.push(`${ind}- name: endpoint-${i}`, `${ind}  url: /items/${i}?limit={{page_size}}`, `${ind}  method: ${i % 5 === 0 ? 'POST' : 'GET'}`);
      if (rnd() < 0.5) out.push(`${ind}  headers:`, `${ind}    X-Trace: "{{$requestIndex}}"`);
      if (rnd() < 0.3) out.push(`${ind}  thresholds:`, `${ind}    - p99 < 1s`);
      out.push(`${ind}  weight: ${1 + (i % 3)}`);
    }
    if (rnd() < 0.3) out.push('timeout_seconds: 5');
  }
  return out.join('\n') + (rnd() < 0.8 ? '\n' : '') + (rnd() < 0.2 ? '\n\n' : '');
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

/** An edit someone typing might make: within a line, a new line, a line removed or re-indented. */
function typingEdit(text: string, rnd: () => number): string {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const l = pick(rnd, starts);
  const e = text.indexOf('\n', l);
  const lineEnd = e < 0 ? text.length : e;
  const line = text.slice(l, lineEnd);
  const indent = /^ */.exec(line)?.[0].length ?? 0;
  const col = l + indent + Math.floor(rnd() * (lineEnd - l - indent + 1));
  const pad = ' '.repeat(indent);
  switch (Math.floor(rnd() * 12)) {
    case 0:
    case 1:
      return text.slice(0, col) + pick(rnd, ['a', 'x', '1', '0', ' ', '-', '/', '{', '}', '"', "'", ':', '#', 'é', '{{', '}}', '[', ']', ',', '&', '*', '!', '|']) + text.slice(col);
    case 2:
      return col < lineEnd ? text.slice(0, col) + text.slice(col + 1) : text;
    case 3: {
      const added = pick(rnd, ['weight: 2', 'method: POST', 'url: /new', 'x', 'name: endpoint-1', `- name: n\n${pad}  url: /n`, 'headers:', '  X: "y"', 'thresholds:', '- p95 < 1ms', '# note', '']);
      return `${text.slice(0, lineEnd)}\n${pad}${added}${text.slice(lineEnd)}`;
    }
    case 4:
      return e < 0 ? text.slice(0, l) : text.slice(0, l) + text.slice(e + 1);
    case 5:
      return `${text.slice(0, l)} ${text.slice(l)}`;
    case 6:
      return line.startsWith(' ') ? text.slice(0, l) + text.slice(l + 1) : text;
    case 7:
      return `${text.slice(0, lineEnd)}\n${line}${text.slice(lineEnd)}`;
    case 8:
      return text.slice(0, l) + pick(rnd, ['---\n', '  - name: typed\n    url: /t\n', '\n', '# c\n', '  # c\n', '    weight: 0\n', 'name: top\n']) + text.slice(l);
    case 9: {
      let t = text;
      let at = col;
      for (const ch of pick(rnd, ['weight', 'url', 'method', 'name', 'concurrency'])) {
        t = t.slice(0, at) + ch + t.slice(at);
        at++;
      }
      return t;
    }
    case 10:
      return col < lineEnd ? text.slice(0, col) + pick(rnd, ['0', '9', 'Z']) + text.slice(col + 1) : text;
    default:
      return text.slice(0, col) + text.slice(Math.min(text.length, col + Math.floor(rnd() * 30)));
  }
}

const NASTY = [':', '- ', '{', '}', '[', ']', '"', "'", '#', '&a', '*a', '!', '|', '>', '\t', '\n', '\r\n', '---\n', '...\n', '%YAML 1.2\n', '? ', '\\', '\uFEFF', '😀'];
const LINES = ['  - name: extra\n    url: /x\n', '---\n', '---\nname: t2\nurl: http://h/\n', 'url: "/open\n', '  - name: "a\n', '- a\n', '  - \n', '    body: |\n      text\n      ---\n', '}}\n'];

/** Anything: cut spans, nasty characters anywhere, copied pieces. */
function wildEdit(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return text.slice(0, at) + pick(rnd, NASTY) + text.slice(at);
    case 1:
      return text.slice(0, lineStart) + pick(rnd, LINES) + text.slice(lineStart);
    case 2:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(rnd() * 120)));
    case 3: {
      const from = Math.floor(rnd() * text.length);
      return text.slice(0, at) + text.slice(from, from + Math.floor(rnd() * 80)) + text.slice(at);
    }
    default:
      return text.slice(0, at) + pick(rnd, NASTY) + pick(rnd, NASTY) + text.slice(at);
  }
}

void test('thousands of random edits: the incremental parse equals a full parse every time', () => {
  const rnd = prng(20240611);
  const starts = [...corpus(), ...Array.from({ length: 10 }, (_, i) => generated(4 + ((i * 7) % 30), 1 + (i % 4), rnd))];
  let spliced = 0;
  let edits = 0;
  for (let round = 0; round < 80; round++) {
    const start = starts[round % starts.length];
    const wildShare = round % 4 === 0 ? 0.5 : 0.1;
    const steps = 25;
    spliced += checkSequence(start, (t) => (rnd() < wildShare ? wildEdit(t, rnd) : typingEdit(t, rnd)), steps, `round ${round}`).spliced;
    edits += steps;
  }
  assert.ok(edits >= 2000);
  // The edits exercise the item-level reuse too, not only documents parsed again.
  assert.ok(spliced > edits / 20, `only ${spliced} of ${edits} edits re-read items alone`);
});

void test('typing an endpoint character by character, then deleting it: equal at every keystroke, mostly items re-read', () => {
  const rnd = prng(7);
  const start = generated(24, 2, rnd);
  const at = start.indexOf('  - name: endpoint-12');
  assert.ok(at > 0);
  const typed = '  - name: typed\n    url: /typed/{{page_size}}\n    headers:\n      Content-Type: "application/json"\n    body: {"a": [1, 2]}\n    thresholds:\n      - p99 < 250ms\n    weight: 2\n';
  let step = 0;
  const { spliced } = checkSequence(
    start,
    (text) => {
      step++;
      return step <= typed.length ? text.slice(0, at + step - 1) + typed[step - 1] + text.slice(at + step - 1) : text.slice(0, at + 2 * typed.length - step) + text.slice(at + 2 * typed.length - step + 1);
    },
    2 * typed.length,
    'typing',
  );
  assert.ok(spliced > typed.length, `${spliced} of ${2 * typed.length} keystrokes re-read items alone`);
});

void test('an unclosed quote swallows the documents after it, as in a full parse', () => {
  // yaml looks for the closing quote in the rest of the file, past `---` lines.
  const closed = 'name: a\nurl: "/x"\n---\nname: b\nurl: http://h/y\n---\nname: c\nurl: http://h/z\n';
  const open = closed.replace('"/x"', '"/x');
  checkSequence(closed, () => open, 1, 'quote');
  assert.equal(parseUncached(open).tests.length, 1, 'yaml reads one document');
  checkSequence(open, () => closed, 1, 'quote closed again');
});

void test('a blank line before `---` after a key without value, and errors the parser reports early', () => {
  // The parser drops that blank line at `---` but keeps it at the end of the input.
  checkSequence('url: http://h\n/a\n\n---\nname: b\nurl: http://h/\n', (t) => t.replace('/a', '/ab'), 1, 'blank line');
  // `}}` at the start of a document: the parser reports it before that document exists, and the
  // error goes to the document before.
  checkSequence('name: a\nurl: http://h/\n---\n\nname: b\nurl: http://h/\n', (t) => t.replace('\nname: b', '}}\nname: b'), 1, 'early error');
});

void test('the edge of the edited items: comments, empty items, flow collections, unindented lines', () => {
  const base = 'name: t\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n  # b next\n  - name: b\n    url: /b\n  - name: c\n    url: /c\nthresholds:\n  - p95 < 1s\n';
  const edits: Array<(t: string) => string> = [
    (t) => t.replace('  - name: b', '  - \n  - name: b'), // an empty item after a comment
    (t) => t.replace('url: /b', 'url: [/b'), // an unclosed flow sequence
    (t) => t.replace('url: /c', 'url: /c\n  : x'), // an empty key after the sequence
    (t) => t.replace('    url: /a', '   url: /a'), // an item's key out of line
    (t) => t.replace('/c\nthresholds', '/cthresholds'), // the next key joined to the last item
    (t) => t.replace('  - name: c', '   - name: c'), // an item more indented than its sequence
  ];
  for (const [i, edit] of edits.entries()) checkSequence(base, edit, 1, `edge ${i}`);
});

void test('an edit inside one endpoint of a large spec re-reads that endpoint only', () => {
  const endpoints = Array.from({ length: 500 }, (_, i) => `  - name: e${i}\n    url: /items/${i}\n    weight: ${1 + (i % 3)}\n`).join('');
  const text = `name: big\nbase_url: http://h\ndistribution_strategy: weighted\nendpoints:\n${endpoints}`;
  const first = parseSpecFileIncremental(text, null);
  const edited = text.replace('    weight: 2\n  - name: e251', '    weight: 0\n  - name: e251');
  const second = parseSpecFileIncremental(edited, first);
  const stats = lastIncrementalStats();
  assert.equal(stats.splicedDocuments, 1);
  assert.ok(stats.parsedChars < 100, `parsed ${stats.parsedChars} characters`);
  assert.deepEqual(viewOf(second), viewOf(parseUncached(edited)));
  assert.ok(second.diagnostics.some((d) => d.code === 'out-of-range'), 'the new error is reported');
});

void test('an edit in one test of a multi-test file parses only that test again', () => {
  const docs = Array.from({ length: 20 }, (_, i) => `name: t${i}\nurl: http://h/${i}\nconcurrency: ${i + 1}\n`);
  const text = docs.join('---\n');
  const first = parseSpecFileIncremental(text, null);
  const edited = text.replace('concurrency: 8\n', 'concurrency: 0\n');
  const second = parseSpecFileIncremental(edited, first);
  // That test's text, its `---` line and the next one's `---`.
  assert.ok(lastIncrementalStats().parsedChars <= docs[7].length + 8, `parsed ${lastIncrementalStats().parsedChars} characters`);
  assert.deepEqual(viewOf(second), viewOf(parseUncached(edited)));
  // The same text again: the same result, nothing parsed.
  assert.equal(parseSpecFileIncremental(edited, second), second);
  assert.equal(lastIncrementalStats().mode, 'same');
});

void test('files that must be read whole are: directives, `...`, a BOM, too many documents, too large', () => {
  const plain = 'name: a\nurl: http://h/\n';
  const whole = ['%YAML 1.2\n---\n' + plain, plain + '...\n---\nname: b\nurl: http://h/\n', '\uFEFF' + plain, Array.from({ length: 201 }, (_, i) => `name: t${i}\nurl: http://h/\n`).join('---\n'), plain + '#'.repeat(5 * 1024 * 1024)];
  for (const text of whole) {
    const parsed = parseSpecFileIncremental(text, parseSpecFileIncremental(plain, null));
    assert.equal(lastIncrementalStats().mode, 'whole');
    assert.deepEqual(viewOf(parsed), viewOf(parseUncached(text)));
  }
});

void test('editor hints are computed again only for the edited test, and follow the tests the edit moved', () => {
  const docs = Array.from(
    { length: 3 },
    (_, i) => `name: t${i}\nurl: http://h/${i}\nheaders:\n  Authorization: "Bearer {{env:TOKEN_${i}}}"\n  X-Api-Key: literal-${i}\nvariables:\n  api_key: k${i}\n`,
  );
  const text = docs.join('---\n');
  const hintCodes = (d: readonly { code?: string }[]): number => d.filter((x) => x.code === 'env-not-set' || x.code === 'hardcoded-secret').length;
  const env: ValidateContext = { env: { TOKEN_1: 'set' }, envFileText: null };
  const first = validateTextIncremental(text, null, env);
  assert.deepEqual(lastHintStats(), { computed: 3, reused: 0 });
  assert.equal(hintCodes(first.diagnostics), 8, 'TOKEN_0 and TOKEN_2 not set, two secrets written into each test');

  // An edit in the second test: its hints only.
  const edited = text.replace('api_key: k1', 'api_key: changed');
  const second = validateTextIncremental(edited, first.parsed, env);
  assert.deepEqual(lastHintStats(), { computed: 1, reused: 2 });
  assert.deepEqual(second.diagnostics, validateText(edited, env));

  // A line added to the first test moves the others: their hints are reused, on their new lines.
  const longer = edited.replace('url: http://h/0\n', 'url: http://h/0\nmethod: GET\n');
  const third = validateTextIncremental(longer, second.parsed, env);
  assert.deepEqual(lastHintStats(), { computed: 1, reused: 2 });
  assert.deepEqual(third.diagnostics, validateText(longer, env));

  // The environment changes: the tests that look the variable up are checked again.
  const moreEnv: ValidateContext = { env: { TOKEN_1: 'set', TOKEN_2: 'set' }, envFileText: null };
  const fourth = validateTextIncremental(longer, third.parsed, moreEnv);
  assert.deepEqual(lastHintStats(), { computed: 1, reused: 2 });
  assert.deepEqual(fourth.diagnostics, validateText(longer, moreEnv));
  assert.equal(hintCodes(fourth.diagnostics), 7);
});

void test('an endpoint nested deeper than LIMITS.maxNesting is re-read with its whole test', () => {
  const nested = (levels: number): string => {
    const lines: string[] = [];
    for (let d = 0; d < levels; d++) lines.push(`${' '.repeat(6 + 2 * d)}k${d}:`);
    lines.push(`${' '.repeat(6 + 2 * levels)}leaf: 1`);
    return lines.join('\n');
  };
  for (const [levels, spliced] of [
    [LIMITS.maxNesting - 10, 1],
    [LIMITS.maxNesting + 10, 0],
  ] as const) {
    const text = `name: deep\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n  - name: b\n    url: /b\n    body:\n${nested(levels)}\n  - name: c\n    url: /c\n`;
    const first = parseSpecFileIncremental(text, null);
    const edited = text.replace('leaf: 1', 'leaf: 2');
    const second = parseSpecFileIncremental(edited, first);
    assert.equal(lastIncrementalStats().splicedDocuments, spliced, `${levels} levels`);
    assert.deepEqual(viewOf(second), viewOf(parseUncached(edited)));
  }
});
