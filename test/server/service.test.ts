// Service functions called directly, for cases quicker to state without a server.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions, definition, documentSymbols, foldingRanges, hover, thresholdInWords } from '../../server/service';
import { parseThreshold } from '../../engine/format';

const doc = (text: string): TextDocument => TextDocument.create('file:///t/x.atm.yaml', 'atm-yaml', 1, text);

void test('symbols point at the name even after a BOM', () => {
  const d = doc('\uFEFFname: bom\nbase_url: http://127.0.0.1\nendpoints:\n- name: first\n  url: /a\n');
  const [s] = documentSymbols(d);
  assert.equal(s.name, 'bom');
  assert.deepEqual(s.children?.[0].selectionRange, { start: { line: 3, character: 8 }, end: { line: 3, character: 13 } });
});

void test('folding follows indentation, also for a zero-indented sequence and across documents', () => {
  const d = doc('name: a\nendpoints:\n- name: x\n  url: /x\n- name: y\n  url: /y\nthresholds:\n  - p95 < 1s\n---\nname: b\nurl: /\n');
  const folds = foldingRanges(d).map((f) => `${f.startLine}-${f.endLine}`);
  for (const f of ['1-5', '2-3', '4-5', '6-7', '0-7', '8-10']) assert.ok(folds.includes(f), `${f} in ${folds.join(' ')}`);
});

void test('definition of a variable in a flow mapping of variables', () => {
  const d = doc('name: a\nvariables: { size: 2, page: 3 }\nurl: "http://h/?p={{ page }}"\n');
  const loc = definition(d, { line: 2, character: 22 });
  assert.deepEqual(loc?.range, { start: { line: 1, character: 22 }, end: { line: 1, character: 26 } });
});

void test('hover over an undefined variable, a built-in and an unset env var never shows values', () => {
  const d = doc('name: a\nvariables:\n  tok: "{{env:SECRET_X}}"\nurl: "http://h/{{tok}}/{{nope}}/{{$randomInt 1 9}}"\n');
  const text = (ch: number): string => {
    const h = hover(d, { line: 3, character: ch }, { env: { SECRET_X: 'hunter2' } });
    assert.ok(h && typeof h.contents === 'object' && 'value' in h.contents);
    return h.contents.value;
  };
  const tok = text(17);
  assert.match(tok, /`SECRET_X` is \*\*set\*\*/);
  assert.ok(!tok.includes('hunter2'));
  assert.match(text(26), /`nope` is not defined/);
  assert.match(text(36), /\$randomInt.* 1 9/);
});

void test('thresholds in words', () => {
  const words = (e: string): string => {
    const p = parseThreshold(e);
    assert.ok(p.ok);
    return thresholdInWords(p.threshold);
  };
  assert.match(words('p99.9 <= 1.5s'), /99.9th percentile response time must be at most 1500 ms/);
  assert.match(words('error_rate < 0.5%'), /error rate .* below 0.5%/);
  assert.match(words('rps >= 150'), /throughput must be at least 150 requests per second/);
  assert.match(words('dropped == 0'), /dropped requests .* exactly 0/);
});

void test('code actions ignore other sources and unknown codes', () => {
  const d = doc('name: a\nconcurency: 1\n');
  const range = { start: { line: 1, character: 0 }, end: { line: 1, character: 10 } };
  assert.deepEqual(codeActions(d, range, [{ range, message: 'x', source: 'yaml', code: 'unknown-key' }]), []);
  assert.deepEqual(codeActions(d, range, [{ range, message: 'x', source: 'atm', code: 'something-else' }]), []);
  const fixes = codeActions(d, range, [{ range, message: 'x', source: 'atm', code: 'unknown-key' }]);
  assert.equal(fixes[0]?.title, 'Change to `concurrency`', 'the nearest key, without data from the diagnostic');
});
