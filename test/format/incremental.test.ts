// The incremental parse (the language server's, after every edit) must give exactly what a full
// parse gives: the same tests, ranges, values, syntax trees and diagnostics in the same order.
// Differential: from the examples, the fixtures and generated multi-document specs, seeded
// sequences of edits (typing in values, new keys and items, broken indentation, `---`, quotes,
// brackets, duplicated and deleted lines), each result compared with a fresh full parse and
// validation of the same text. Then the traps of the yaml library that drove the design, one by
// one, and checks that the reuse really happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlias, isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import { validateText, validateTextIncremental, type ParsedFile, type ValidateContext } from '../../engine/format';
import { lastHintStats } from '../../engine/format/hints';
import { lastIncrementalStats, parseSpecFileIncremental } from '../../engine/format/incremental';
import { LIMITS, parseSpecFile, parseUncached } from '../../engine/format/parse';
import { prng } from '../fixtures/prng';
import { corpus, generated, typingEdit, wildEdit } from '../fixtures/specEdits';

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

void test('an edit in a top-level key re-reads that key only; each fallback says why', () => {
  const endpoints = Array.from({ length: 300 }, (_, i) => `  - name: e${i}\n    url: /items/${i}\n`).join('');
  const text = `name: big\nbase_url: http://h\nheaders:\n  Accept: application/json\nconcurrency: 5\nendpoints:\n${endpoints}thresholds:\n  - p95 < 1s\ntimeout_seconds: 5\n`;
  const edits: Array<[string, (t: string) => string, { spliced: number; fallback: string | null }]> = [
    ['a value', (t) => t.replace('concurrency: 5', 'concurrency: 50'), { spliced: 1, fallback: null }],
    ['a nested mapping', (t) => t.replace('Accept: application/json', 'Accept: text/plain\n  X-Trace: "1"'), { spliced: 1, fallback: null }],
    ['a key added', (t) => t.replace('concurrency: 5\n', 'concurrency: 5\nramp_up_seconds: 3\n'), { spliced: 1, fallback: null }],
    ['a key made a duplicate', (t) => t.replace('concurrency: 5\n', 'concurrency: 5\nname: again\n'), { spliced: 0, fallback: 'layout' }],
    ['an item of the last key', (t) => t.replace('p95 < 1s', 'p95 < 2s'), { spliced: 1, fallback: null }],
    ['the last key', (t) => t.replace('timeout_seconds: 5', 'timeout_seconds: 6'), { spliced: 0, fallback: 'outside-items' }],
    ['an error made', (t) => t.replace('concurrency: 5', 'concurrency: [5'), { spliced: 0, fallback: 'yaml-error' }],
    ['an open quote', (t) => t.replace('base_url: http://h', 'base_url: "http://h'), { spliced: 0, fallback: 'open-quote' }],
  ];
  for (const [label, edit, expected] of edits) {
    const first = parseSpecFileIncremental(text, null);
    const edited = edit(text);
    const second = parseSpecFileIncremental(edited, first);
    const stats = lastIncrementalStats();
    assert.deepEqual({ spliced: stats.splicedDocuments, fallback: stats.fallback }, expected, label);
    if (expected.spliced === 1) assert.ok(stats.parsedChars < 80, `${label}: parsed ${stats.parsedChars} characters`);
    assert.deepEqual(viewOf(second), viewOf(parseUncached(edited)), label);
  }
  // A YAML error after the edited key still depends on the lines before it (found by a seeded run).
  checkSequence('url: http://h/\ntotal_requests: 10\n\n0\n\nname: endpoint-1\n', (t) => t.replace('10\n\n0', '10\n0'), 1, 'a blank line before a broken key');
});
