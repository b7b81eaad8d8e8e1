// Completion at a `|` cursor in fixture text, straight through the service.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionItem } from 'vscode-languageserver';
import { complete } from '../../server/service/completion';
import { parseSpecFile, validateText } from '../../engine/format';
import type { ServiceContext } from '../../server/service/context';
import { cursor } from './lspClient';

const ctx: ServiceContext = {
  env: { API_TOKEN: 'secret-value', HOME: '/root' },
  readFile: (p) => (p === '.env' ? 'BASE_URL=http://127.0.0.1:3000\nexport SHARED_KEY="x"\n' : p === '.env.staging' ? 'STAGING_ONLY=1\n' : null),
};

function completeAt(fixture: string, triggerCharacter?: string): CompletionItem[] {
  const { text, position } = cursor(fixture);
  const doc = TextDocument.create('file:///work/test.atm.yaml', 'atm-yaml', 1, text);
  return complete(doc, position, ctx, triggerCharacter).items;
}

function labels(items: CompletionItem[]): string[] {
  return items.map((i) => i.label);
}

function newText(items: CompletionItem[], label: string): string {
  const item = items.find((i) => i.label === label);
  assert.ok(item, `no item ${label} in ${labels(items).join(', ')}`);
  assert.ok(item.textEdit && 'range' in item.textEdit, 'item has a textEdit');
  return item.textEdit.newText;
}

void test('top-level keys: not those present, required first, with docs', () => {
  const items = completeAt('url: /items\n|\nconcurrency: 5\n');
  const l = labels(items);
  assert.ok(l.includes('name') && l.includes('thresholds') && l.includes('requests_per_second'));
  assert.ok(!l.includes('url'), 'url is already present');
  assert.ok(!l.includes('concurrency'), 'concurrency (below the cursor) is already present');
  const byName = (n: string) => items.find((i) => i.label === n);
  assert.ok((byName('name')?.sortText ?? '') < (byName('description')?.sortText ?? ''), 'required name sorts first');
  const doc = byName('concurrency') ?? byName('timeout_seconds');
  assert.ok(doc && typeof doc.documentation === 'object' && doc.documentation.value.length > 10, 'documentation from the schema');
});

void test('a partial key replaces the word under the cursor', () => {
  const items = completeAt('name: t\nconcu|\n');
  const c = items.find((i) => i.label === 'concurrency');
  assert.ok(c && c.textEdit && 'range' in c.textEdit);
  assert.deepEqual(c.textEdit.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } });
});

void test('endpoint keys inside a sequence item, not top-level keys', () => {
  const items = completeAt('name: t\nendpoints:\n  - name: list\n    |\n');
  const l = labels(items);
  assert.ok(l.includes('url') && l.includes('weight') && l.includes('method'));
  assert.ok(!l.includes('name'), 'name is present in this item');
  assert.ok(!l.includes('concurrency') && !l.includes('endpoints'), 'no top-level keys inside an endpoint');
});

void test('a zero-indented endpoint sequence', () => {
  const l = labels(completeAt('name: t\nendpoints:\n- name: a\n  |\n'));
  assert.ok(l.includes('url') && !l.includes('concurrency'));
});

void test('a new endpoint snippet after a dash', () => {
  const items = completeAt('name: t\nendpoints:\n  - name: list\n    url: /a\n  - |\n');
  assert.ok(labels(items).includes('new endpoint'));
  assert.ok(labels(items).includes('url'));
});

void test('enum values: method, distribution_strategy, auth.type', () => {
  assert.deepEqual(labels(completeAt('name: t\nmethod: |\n')), ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
  assert.deepEqual(labels(completeAt('name: t\ndistribution_strategy: w|\n')), ['round_robin', 'weighted', 'sequential']);
  assert.deepEqual(labels(completeAt('name: t\nauth:\n  type: |\n')), ['bearer', 'api_key', 'basic']);
  assert.deepEqual(labels(completeAt('name: t\nendpoints:\n  - name: a\n    method: |\n')).slice(0, 2), ['GET', 'POST']);
});

void test('auth keys follow the chosen type', () => {
  const basic = labels(completeAt('name: t\nauth:\n  type: basic\n  |\n'));
  assert.ok(basic.includes('username') && basic.includes('password'));
  assert.ok(!basic.includes('token') && !basic.includes('type'));
  const bearer = labels(completeAt('name: t\nauth:\n  type: bearer\n  |\n'));
  assert.deepEqual(bearer, ['token']);
});

void test('thresholds: metrics, then operators, then units', () => {
  const metrics = labels(completeAt('name: t\nthresholds:\n  - |\n'));
  for (const m of ['p95', 'p99.9', 'error_rate', 'rps', 'dropped']) assert.ok(metrics.includes(m), m);
  assert.ok(!metrics.includes('name'), 'no keys in a threshold');
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - p95 |\n')), ['<', '<=', '>', '>=', '==']);
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - p95 < 200|\n')), ['ms', 's']);
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - error_rate < 1|\n')), ['%']);
  assert.deepEqual(labels(completeAt('name: t\nthresholds: ["p95 < 2", "rps |"]\n')), ['<', '<=', '>', '>=', '==']);
  assert.deepEqual(labels(completeAt('name: t\nendpoints:\n  - name: a\n    thresholds:\n      - "p99 < 5|"\n')), ['ms', 's']);
});

void test('flow thresholds: checks as a share, iteration_duration with a latency metric, in a step too', () => {
  const metrics = labels(completeAt('name: t\nthresholds:\n  - |\n'));
  assert.ok(metrics.includes('checks') && metrics.includes('iteration_duration'));
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - checks > 99|\n')), ['%']);
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - iteration_duration |\n')), ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99.9', 'max']);
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - iteration_duration p95 |\n')), ['<', '<=', '>', '>=', '==']);
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - iteration_duration p95 < 2|\n')), ['ms', 's']);
  const inStep = labels(completeAt('name: t\nsteps:\n  - name: a\n    url: http://127.0.0.1/\n    thresholds:\n      - |\n'));
  assert.ok(inStep.includes('checks') && inStep.includes('p95'), 'a step takes thresholds of its own');
});

void test('templates: variables of this test, env names, builtins with arguments', () => {
  const fixture = 'name: t\nvariables:\n  page_size: 20\n  token: x\nurl: /items?limit={{|\n---\nname: other\nvariables:\n  elsewhere: 1\n';
  const items = completeAt(fixture);
  const l = labels(items);
  assert.ok(l.includes('page_size') && l.includes('token'), 'variables of this test');
  assert.ok(!l.includes('elsewhere'), 'not variables of another test');
  assert.ok(l.includes('env:API_TOKEN') && l.includes('env:BASE_URL') && l.includes('env:SHARED_KEY'), 'env from the environment and .env');
  assert.ok(l.includes('$uuid') && l.includes('$randomInt'));
  assert.equal(newText(items, '$randomInt'), '\\$randomInt ${1:1} ${2:100}}}');
  assert.equal(newText(items, 'page_size'), 'page_size}}');
  const env = items.find((i) => i.label === 'env:API_TOKEN');
  assert.ok(env && !JSON.stringify(env).includes('secret-value'), 'an env value is never shown');
});

void test('templates: env: prefix offers only env names; env_file is honoured', () => {
  const l = labels(completeAt('name: t\nenv_file: .env.staging\nheaders:\n  X-A: "{{env:|}}"\n'));
  assert.ok(l.includes('env:STAGING_ONLY') && l.includes('env:API_TOKEN'));
  assert.ok(!l.includes('env:BASE_URL'), '.env is not read when env_file names another file');
  assert.ok(!l.includes('$uuid'));
  const items = completeAt('name: t\nurl: "/x/{{$|}}"\n');
  assert.deepEqual(labels(items).sort(), ['$isoTimestamp', '$randomInt', '$requestIndex', '$timestamp', '$uuid']);
  assert.equal(newText(items, '$uuid'), '\\$uuid', 'closing braces already there');
});

void test('headers: names (not those present) and values', () => {
  const names = labels(completeAt('name: t\nheaders:\n  Accept: application/json\n  |\n'));
  assert.ok(names.includes('Content-Type') && names.includes('Authorization'));
  assert.ok(!names.includes('Accept'));
  assert.ok(!names.includes('url'));
  const values = completeAt('name: t\nheaders:\n  Content-Type: |\n');
  assert.ok(labels(values).includes('application/json'));
  const flow = labels(completeAt('name: t\nendpoints:\n  - name: a\n    headers: { X-Trace: "1", Acc| }\n'));
  assert.ok(flow.includes('Accept'));
});

void test('status codes and classes', () => {
  const items = completeAt('name: t\nexpected_status_codes: [200, |]\n');
  const l = labels(items);
  assert.ok(l.includes('201') && l.includes('404') && l.includes('2xx'));
  assert.equal(newText(items, '4xx'), '"4xx"', 'classes are quoted');
  assert.ok(labels(completeAt('name: t\nexpected_status_codes:\n  - |\n')).includes('204'));
});

void test('a whole new test snippet', () => {
  const empty = completeAt('|');
  const snippet = empty.find((i) => i.label === 'new test');
  assert.ok(snippet && snippet.textEdit && 'range' in snippet.textEdit && snippet.textEdit.newText.startsWith('name: '));
  const after = completeAt('name: a\nurl: http://x/\n|\n');
  assert.ok(labels(after).includes('new test (---)'));
  assert.ok(newText(after, 'new test (---)').startsWith('---\nname: '));
  assert.equal(after.find((i) => i.label === 'new test (---)')?.filterText, 'new test', 'filtered by its name, not by what was typed');
  assert.ok(labels(completeAt('name: a\nurl: http://x/\n# the end\nne|\n\n')).includes('new test (---)'), 'a word of its name, comments around');
  assert.ok(!labels(completeAt('name: a\nurl: http://x/\nconc|\n')).includes('new test (---)'), 'a key being typed');
  assert.ok(!labels(completeAt('name: a\n|\nurl: http://x/\n')).includes('new test (---)'), 'keys of this test below');
  assert.ok(labels(completeAt('name: a\n|\n---\nname: b\n')).includes('new test (---)'), 'at the end of a test followed by another');
});

void test('the new endpoint snippet is filtered by its name too', () => {
  const mix = 'name: a\nbase_url: http://h\nendpoints:\n';
  assert.equal(completeAt(`${mix}  |`).find((i) => i.label === 'new endpoint')?.filterText, 'new endpoint');
  assert.ok(!labels(completeAt(`${mix}  url|`)).includes('new endpoint'));
});

void test('nothing from inside a comment or a block scalar value', () => {
  assert.deepEqual(labels(completeAt('name: t\n# con|\n')), []);
  const l = labels(completeAt('name: t\nbody: >\n  some text\n  |\n'));
  assert.ok(!l.includes('p95'));
});

void test('booleans and examples', () => {
  assert.deepEqual(labels(completeAt('name: t\ninsecure_tls: |\n')), ['true', 'false']);
  assert.ok(labels(completeAt('name: t\nconcurrency: |\n')).includes('10'));
});

void test('trigger characters open lists only where a suggestion is wanted', () => {
  assert.deepEqual(labels(completeAt('name: My API |', ' ')), [], 'typing free text');
  assert.deepEqual(labels(completeAt('name: t\nurl: /items-|', '-')), [], 'a dash inside a URL');
  assert.ok(labels(completeAt('name: t\nmethod: |', ' ')).includes('GET'), 'after `key: `');
  assert.deepEqual(labels(completeAt('name: t\nthresholds:\n  - p95 |', ' ')), ['<', '<=', '>', '>=', '=='], 'threshold operators');
  assert.ok(labels(completeAt('name: t\nurl: "/x?q={{|', '{')).includes('$uuid'));
  const dash = completeAt('name: t\nendpoints:\n  - name: a\n    url: /a\n  -|', '-');
  assert.ok(labels(dash).includes('new endpoint'), 'a dash opens a new endpoint');
  assert.ok(newText(dash, 'new endpoint').startsWith(' name: '), 'with the space after the dash');
  assert.ok(labels(completeAt('name: t\nthresholds:\n  -|', '-')).includes('p95'));
});

void test('a value right after the colon gets its separating space', () => {
  const items = completeAt('name: t\nmethod:|', ':');
  assert.equal(newText(items, 'POST'), ' POST');
  assert.equal(newText(completeAt('name: t\nmethod: |'), 'POST'), 'POST');
});

/** What VS Code inserts for a snippet left at its defaults: later lines take the line's indentation. */
function expand(snippet: string, indent: string): string {
  return snippet
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\{\d+\|([^,|]*)[^}]*\|\}/g, '$1')
    .replace(/\$\d+/g, '')
    .replace(/\\\$/g, '$')
    .replace(/\n/g, `\n${indent}`);
}

function applyItem(fixture: string, label: string, triggerCharacter?: string): string {
  const { text, position } = cursor(fixture);
  const doc = TextDocument.create('file:///work/test.atm.yaml', 'atm-yaml', 1, text);
  const item = complete(doc, position, ctx, triggerCharacter).items.find((i) => i.label === label);
  assert.ok(item && item.textEdit && 'range' in item.textEdit, `no ${label}`);
  const line = text.split('\n')[position.line];
  const indent = /^[ ]*/.exec(line)?.[0] ?? '';
  return TextDocument.applyEdits(doc, [{ range: item.textEdit.range, newText: expand(item.textEdit.newText, indent) }]);
}

void test('snippets at their defaults give valid specs', () => {
  const errors = (text: string) => validateText(text).filter((d) => d.severity === 'error');
  assert.deepEqual(errors(applyItem('|', 'new test')), []);
  const second = applyItem('name: a\nurl: http://127.0.0.1/\n|', 'new test (---)');
  assert.equal(parseSpecFile(second).tests.length, 2);
  assert.deepEqual(errors(second.replace('My API test', 'Another')), []);
  const mix = 'name: a\nbase_url: http://127.0.0.1\nendpoints:\n  - name: one\n    url: /one\n';
  assert.deepEqual(errors(applyItem(`${mix}  - |`, 'new endpoint').replace('name: list', 'name: two')), []);
  assert.deepEqual(errors(applyItem(`${mix}  -|`, 'new endpoint', '-').replace('name: list', 'name: two')), []);
  const keyed = applyItem('name: a\nbase_url: http://127.0.0.1\n|', 'endpoints');
  assert.deepEqual(errors(keyed), [], keyed);
  assert.deepEqual(errors(applyItem('name: a\nurl: http://127.0.0.1/\nmethod:|', 'POST', ':')), []);
  assert.deepEqual(errors(applyItem('name: a\nurl: http://127.0.0.1/\n|', 'auth').replace(/\n  $/, '\n  token: "{{env:API_TOKEN}}"\n')), []);
});

void test('completing over an existing key replaces only its name', () => {
  const items = completeAt('name: t\nconcu|rency: 5\n');
  assert.equal(newText(items, 'concurrency'), 'concurrency');
  assert.ok(!labels(items).includes('new test'), 'no snippets over an existing key');
});
