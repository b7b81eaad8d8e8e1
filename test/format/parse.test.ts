// YAML-level behaviour of parseSpecFile: positions under BOM/CRLF/multi-document, YAML 1.2
// scalars, aliases, and the caps on hostile input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { LIMITS, parseSpecFile } from '../../engine/format';
import { show } from './helpers';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'format', name), 'utf8');

void test('a BOM does not shift columns on the first line', () => {
  const parsed = parseSpecFile('\uFEFFname: t\nurl: http://h/a\nconcurency: 1\nbogus: 2\n');
  assert.deepEqual(parsed.tests[0]!.nameRange, { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } });
  assert.deepEqual(parsed.diagnostics.map(show), [
    '[2,0,2,10] error unknown-key | Unknown key `concurency`; did you mean `concurrency`?',
    '[3,0,3,5] error unknown-key | Unknown key `bogus`. Known keys: ' +
      'name, description, base_url, env_file, variables, auth, headers, url, method, body, expected_status_codes, endpoints, steps, data, iterations, iterations_per_second, checks, distribution_strategy, ' +
      'concurrency, total_requests, duration_seconds, requests_per_second, ramp_up_seconds, timeout_seconds, workers, insecure_tls, follow_redirects, thresholds, baseline.',
  ]);
  const bomFirstLine = parseSpecFile('\uFEFFconcurency: 1\nname: t\nurl: http://h/a\n');
  assert.deepEqual(bomFirstLine.diagnostics.map(show), ['[0,0,0,10] error unknown-key | Unknown key `concurency`; did you mean `concurrency`?']);
});

void test('CRLF line ends: ranges are right and values carry no \\r', () => {
  const parsed = parseSpecFile('name: t\r\nurl: http://h/a\r\nconcurrency: x\r\nthresholds:\r\n  - p95 < 5qq\r\n');
  assert.equal(parsed.tests[0]!.name, 't');
  assert.deepEqual(parsed.diagnostics.map(show), [
    '[2,13,2,14] error invalid-type | `concurrency` must be a whole number, not `x`.',
    '[4,11,4,13] error invalid-threshold | `qq` is not a unit for `p95`; use `ms` (the default) or `s`.',
  ]);
  const clean = parseSpecFile('name: t\r\nurl: http://h/a\r\n');
  assert.deepEqual(clean.tests[0]!.value, { name: 't', url: 'http://h/a' });
  assert.deepEqual(clean.tests[0]!.keyRange, { start: { line: 0, character: 0 }, end: { line: 0, character: 4 } });
});

void test('multi-document: one test per document, ranges in the second document are right', () => {
  const text = fixture('multi.atm.yaml');
  const parsed = parseSpecFile(text);
  assert.deepEqual(
    parsed.tests.map((t) => [t.index, t.name, t.keyRange.start.line, t.spec !== null]),
    [
      [0, 'first', 1, true],
      [1, 'second', 6, false],
      [2, 'third', 13, true],
    ],
  );
  assert.deepEqual(parsed.diagnostics.map(show), ['[9,13,9,14] error out-of-range | `concurrency` must be at least 1.']);
  assert.deepEqual(parsed.tests[1]!.diagnostics.map(show), ['[9,13,9,14] error out-of-range | `concurrency` must be at least 1.']);
  assert.deepEqual(parsed.tests[1]!.nameRange, { start: { line: 6, character: 6 }, end: { line: 6, character: 12 } });
  assert.equal(parsed.tests[1]!.range.start.line, 4); // the document starts at its `---`
});

void test('a syntax error in one document leaves the others valid', () => {
  const parsed = parseSpecFile('name: a\nurl: http://h/a\n---\nname: b\nurl: [http://h/b\n---\nname: c\nurl: http://h/c\n');
  assert.deepEqual(parsed.tests.map((t) => [t.name, t.spec !== null]), [
    ['a', true],
    ['b', false],
    ['c', true],
  ]);
  assert.ok(parsed.diagnostics.every((d) => d.range.start.line >= 3 && d.range.start.line <= 5 && d.code === 'yaml-syntax'), parsed.diagnostics.map(show).join('\n'));
});

void test('YAML 1.2: on, yes, off stay strings', () => {
  const parsed = parseSpecFile('name: on\ndescription: yes\nurl: http://h/a\nheaders:\n  X-Flag: off\n');
  assert.deepEqual(parsed.diagnostics, []);
  const spec = parsed.tests[0]!.spec!;
  assert.equal(spec.name, 'on');
  assert.equal(spec.description, 'yes');
  assert.equal(spec.headers?.['X-Flag'], 'off');
  const onKey = parseSpecFile('name: t\nurl: http://h/a\non: 1\nyes: 2\n');
  assert.deepEqual(onKey.diagnostics.map((d) => d.data?.key), ['on', 'yes'], 'keys stay the strings `on` and `yes`, not booleans');
});

void test('anchors and aliases work; errors inside an aliased node point at the anchor', () => {
  const parsed = parseSpecFile(fixture('anchors.atm.yaml'));
  assert.deepEqual(parsed.diagnostics.map(show), []);
  const spec = parsed.tests[0]!.spec!;
  assert.deepEqual(spec.endpoints?.[1]?.headers, { Accept: 'application/json', 'X-Team': 'atm' });
  const bad = parseSpecFile('name: t\nbase_url: http://h\nx-defaults: &h\n  Accept: 1\n');
  assert.equal(bad.tests[0]!.spec, null);
  const aliasBad = parseSpecFile('name: t\nurl: http://h/a\nhdr: &h { A: b }\n');
  assert.deepEqual(aliasBad.diagnostics.map((d) => d.code), ['unknown-key']);
  const shared = parseSpecFile('name: t\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n    headers: &h\n      X-N: 5\n  - name: b\n    url: /b\n    headers: *h\n');
  assert.deepEqual(shared.diagnostics.map(show), [
    '[6,11,6,12] error invalid-type | `endpoints[0].headers.X-N` must be a string: quote it (`"5"`).',
    '[6,11,6,12] error invalid-type | `endpoints[1].headers.X-N` must be a string: quote it (`"5"`).',
  ]);
  const crossDocument = parseSpecFile('name: t\nurl: http://h/a\nheaders: &h { A: b }\n---\nname: u\nurl: http://h/a\nheaders: *h\n');
  assert.deepEqual(crossDocument.tests.map((t) => t.spec !== null), [true, false]);
  assert.deepEqual(crossDocument.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]), [['yaml-syntax', 6, 9]]);
});

void test('one anchor shared by a thousand endpoints is fine', () => {
  const endpoints = Array.from({ length: 1000 }, (_, i) => `  - { name: e${i}, url: /x, headers: *h }\n`).join('');
  const parsed = parseSpecFile(`name: t\nbase_url: http://h\nheaders: &h { Accept: application/json }\nendpoints:\n${endpoints}`);
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.tests[0]!.spec!.endpoints![999]!.headers!.Accept, 'application/json');
});

void test('billion laughs: a diagnostic within milliseconds, no expansion', () => {
  const text = fixture('billion-laughs.atm.yaml');
  const start = process.hrtime.bigint();
  const parsed = parseSpecFile(text);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['alias-limit']);
  assert.equal(parsed.tests[0]!.spec, null);
  // Generous bound for a shared machine; without the cap this would not finish at all.
  assert.ok(ms < 500, `took ${ms} ms`);
});

void test('a file over 5 MB is not parsed and gets one clear diagnostic at 1:1', () => {
  const line = 'description: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n';
  const text = `name: big\nurl: http://h/a\n${line.repeat(Math.ceil((5 * 1024 * 1024) / line.length) + 1)}`;
  assert.ok(text.length > LIMITS.maxFileChars);
  const parsed = parseSpecFile(text);
  assert.deepEqual(parsed.tests, []);
  assert.deepEqual(parsed.diagnostics.map(show), [
    '[0,0,0,0] error file-too-large | This file is 5.0 MB; ATM does not read spec files over 5 MB. Split it into smaller files.',
  ]);
});

void test('more than 200 documents: a diagnostic at the 201st, the first 200 are read', () => {
  const text = Array.from({ length: 205 }, (_, i) => `name: t${i}\nurl: http://h/${i}\n`).join('---\n');
  const parsed = parseSpecFile(text);
  assert.equal(parsed.tests.length, 200);
  assert.deepEqual(parsed.diagnostics.map(show), [
    '[600,0,600,4] error too-many-documents | This file has more than 200 tests; only the first 200 are read. Split it into smaller files.',
  ]);
});

void test('an empty file: no tests, one information', () => {
  for (const text of ['', '\n\n', '\uFEFF']) {
    const parsed = parseSpecFile(text);
    assert.deepEqual(parsed.tests, []);
    assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code]), [['information', 'no-tests']]);
  }
});

void test('a file of only comments: no tests, no errors', () => {
  for (const text of ['# just a comment\n# another\n', '# a\n---\n# b\n']) {
    const parsed = parseSpecFile(text);
    assert.deepEqual(parsed.tests, []);
    assert.deepEqual(parsed.diagnostics.map((d) => [d.severity, d.code]), [['information', 'no-tests']]);
  }
});

void test('parsing the same text twice returns the remembered result', () => {
  const text = 'name: a\nurl: http://h/a\n';
  const first = parseSpecFile(text);
  assert.equal(parseSpecFile(`${text}`), first);
  assert.notEqual(parseSpecFile(`${text}# changed\n`), first);
});

void test('a trailing --- does not make an empty test', () => {
  const parsed = parseSpecFile('name: a\nurl: http://h/a\n---\n');
  assert.equal(parsed.tests.length, 1);
  assert.deepEqual(parsed.diagnostics, []);
});

void test('YAML warnings are reported as warnings', () => {
  const parsed = parseSpecFile('name: t\nurl: !weird http://h/a\n');
  const warnings = parsed.diagnostics.filter((d) => d.code === 'yaml-warning');
  assert.equal(warnings.length, 1, parsed.diagnostics.map(show).join('\n'));
  assert.equal(warnings[0]!.severity, 'warning');
  assert.equal(warnings[0]!.range.start.line, 1);
});

void test('UTF-16 columns: characters outside the BMP count as two', () => {
  const parsed = parseSpecFile('name: "😀 t"\nurl: http://h/a\ndescription: "😀"\nconcurency: 1\nx: 1\n');
  const d = parsed.diagnostics.find((x) => x.message.includes('`x`'));
  assert.ok(d);
  const parsed2 = parseSpecFile('name: t\nurl: http://h/a\nthresholds: ["😀", "p95 < 1zz"]\n');
  assert.deepEqual(parsed2.diagnostics.map((x) => [x.range.start.character, x.range.end.character]), [
    [14, 16],
    [27, 29],
  ]);
});

void test('parsing and validating a 12,000-line spec stays fast (no quadratic work)', () => {
  const endpoints = Array.from(
    { length: 2000 },
    (_, i) => `  - name: ep${i}\n    url: /items/${i}?x={{page}}\n    method: GET\n    headers: { X-I: "{{$requestIndex}}" }\n    thresholds: [p95 < 200ms]\n    weight: ${(i % 5) + 1}\n`,
  ).join('');
  const text = `name: big\nbase_url: http://h\nvariables: { page: 1 }\ndistribution_strategy: weighted\nendpoints:\n${endpoints}`;
  assert.ok(text.split('\n').length >= 12_000);
  // Compared with yaml's own parse of the same text, alternating, best of three: a ratio holds
  // on a shared, noisy machine where absolute times do not.
  const time = (f: () => unknown): number => {
    const start = process.hrtime.bigint();
    f();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  let ours = Infinity;
  let yamlOnly = Infinity;
  let parsed = parseSpecFile(text);
  for (let i = 0; i < 3; i++) {
    yamlOnly = Math.min(yamlOnly, time(() => parseAllDocuments(text, { lineCounter: new LineCounter(), uniqueKeys: true })));
    // A different text each time: parseSpecFile remembers the last one.
    ours = Math.min(ours, time(() => (parsed = parseSpecFile(`${text}# run ${i}\n`))));
  }
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.tests[0]!.spec?.endpoints?.length, 2000);
  assert.ok(ours < yamlOnly * 2.5 + 20, `parseSpecFile ${ours.toFixed(1)} ms vs yaml alone ${yamlOnly.toFixed(1)} ms`);
});

void test('collection keys do not print process warnings; they are reported as unknown keys', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const parsed = parseSpecFile('name: t\nurl: http://h/a\n[a, b]: 1\n');
    assert.deepEqual(parsed.diagnostics.map((d) => d.code), ['unknown-key']);
    // process.emitWarning delivers on the next tick.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});

void test('mangled examples never throw (bounded random edits)', () => {
  const dir = join(__dirname, '..', '..', 'examples');
  const seeds = ['quickstart', 'weighted-mix', 'open-model'].map((f) => readFileSync(join(dir, `${f}.atm.yaml`), 'utf8'));
  const pieces = ['{{', '}}', ':', '- ', '\t', '"', "'", '&a ', '*a', '---\n', '\n', '  ', '{{$randomInt 1', '{{env:', '[', ']', '{', '}', '#', '<<: *a\n', '\r\n', '\uFEFF', '😀', '~', '!!str ', '? '];
  let state = 12345;
  const rand = (n: number): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  for (let i = 0; i < 400; i++) {
    let text = seeds[rand(seeds.length)]!;
    for (let j = 1 + rand(4); j > 0; j--) {
      const at = rand(text.length + 1);
      const op = rand(3);
      if (op === 0) text = text.slice(0, at) + pieces[rand(pieces.length)]! + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(20));
      else text = text.slice(0, at) + text.slice(rand(text.length));
    }
    const parsed = parseSpecFile(text);
    for (const d of parsed.diagnostics) {
      assert.ok(d.range.start.line >= 0 && d.range.start.character >= 0, JSON.stringify(d));
      assert.ok(d.message.length > 0 && d.code.length > 0);
    }
  }
});

void test('a malformed token over several lines is located on its real lines', () => {
  // yaml's own line counter skips the newlines inside such tokens (it put the end of this one at
  // column 5 of a two-character line); lines are counted from the text.
  const parsed = parseSpecFile('name: t\n}\n"x\ny"\n');
  const d = parsed.diagnostics.find((x) => x.message.includes('double-quoted'));
  assert.deepEqual(d?.range, { start: { line: 2, character: 0 }, end: { line: 3, character: 2 } });
});
