// The language server over the real protocol: dist/server.js --stdio, JSON-RPC, fixtures.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CodeLensRequest,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  type CodeAction,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type Location,
  type MarkupContent,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { RUN_ALL_TESTS_COMMAND, RUN_TEST_COMMAND } from '../../server/protocol';
import { cursor, ROOT, startServer, type LspSession } from './lspClient';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'server');
let dir = '';
let server: LspSession;
let counter = 0;

function messageOf(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** Opens `text` as a new document beside a .env and waits for its first diagnostics. */
async function openDoc(text: string, name = `doc${++counter}.atm.yaml`): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  server.open(uri, text, 1);
  const published = await server.diagnostics(uri, (p) => p.version === 1);
  return { uri, diagnostics: published.diagnostics };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'atm-lsp-'));
  writeFileSync(path.join(dir, '.env'), 'FROM_DOTENV=1\n');
  server = await startServer({ validationDelayMs: 0 }, { PATH: process.env.PATH, API_TOKEN: 'process-env-token' });
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

void test('advertises the features', () => {
  const c = server.capabilities;
  assert.ok(c.completionProvider && c.completionProvider.triggerCharacters?.includes('{'));
  assert.ok(c.hoverProvider && c.codeLensProvider && c.documentSymbolProvider && c.foldingRangeProvider && c.definitionProvider && c.codeActionProvider);
  assert.deepEqual(c.textDocumentSync, { openClose: true, change: 2 });
});

void test('a valid file has no diagnostics', async () => {
  const { diagnostics } = await openDoc(fixture('valid.atm.yaml'));
  assert.deepEqual(diagnostics, []);
});

void test('diagnostics: range, message, code, source', async () => {
  const { diagnostics } = await openDoc(fixture('broken.atm.yaml'));
  const byCode = (code: string) => diagnostics.filter((d) => d.code === code);
  const [unknown] = byCode('unknown-key');
  assert.deepEqual(unknown.range, { start: { line: 2, character: 0 }, end: { line: 2, character: 10 } });
  assert.match(messageOf(unknown), /did you mean `concurrency`/);
  assert.equal(unknown.source, 'atm');
  assert.equal(unknown.severity, 1);
  const [both] = byCode('url-and-endpoints');
  assert.equal(both.range.start.line, 5);
  assert.match(messageOf(both), /either `url` or `endpoints`/);
  const [secret] = byCode('hardcoded-secret');
  assert.deepEqual(secret.range, { start: { line: 4, character: 17 }, end: { line: 4, character: 41 } });
  assert.equal(secret.severity, 4);
  const [missing] = byCode('missing-name');
  assert.equal(missing.range.start.line, 10);
});

void test('env hints: .env beside the file and the process environment count as set', async () => {
  const { diagnostics } = await openDoc('name: e\nurl: "http://127.0.0.1/{{env:FROM_DOTENV}}/{{env:API_TOKEN}}/{{env:MISSING_ONE}}"\n');
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].code, 'env-not-set');
  assert.match(messageOf(diagnostics[0]), /MISSING_ONE/);
  assert.deepEqual(diagnostics[0].range, { start: { line: 1, character: 61 }, end: { line: 1, character: 80 } });
});

void test('open model: concurrency too low for the rate (warning naming the numbers)', async () => {
  const { diagnostics } = await openDoc('name: r\nurl: http://127.0.0.1/\nrequests_per_second: 500\nconcurrency: 2\nduration_seconds: 10\n');
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].severity, 2);
  assert.match(messageOf(diagnostics[0]), /500/);
  assert.match(messageOf(diagnostics[0]), /concurrency: 2/);
});

async function completionLabels(fixtureWithCursor: string): Promise<string[]> {
  const { text, position } = cursor(fixtureWithCursor);
  const { uri } = await openDoc(text);
  const result = (await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position })) as CompletionList | CompletionItem[] | null;
  assert.ok(result, 'a completion result');
  return (Array.isArray(result) ? result : result.items).map((i) => i.label);
}

void test('completion over the protocol: keys, enum values, templates, thresholds', async () => {
  const keys = await completionLabels('name: t\nurl: http://127.0.0.1/\n|\n');
  assert.ok(keys.includes('concurrency') && keys.includes('thresholds'));
  assert.ok(!keys.includes('name') && !keys.includes('url'));
  assert.deepEqual(await completionLabels('name: t\nauth:\n  type: |\n'), ['bearer', 'api_key', 'basic']);
  const templates = await completionLabels('name: t\nvariables:\n  page: 1\nurl: "http://127.0.0.1/{{|}}"\n');
  assert.ok(templates.includes('page') && templates.includes('env:FROM_DOTENV') && templates.includes('env:API_TOKEN') && templates.includes('$uuid'));
  const metrics = await completionLabels('name: t\nthresholds:\n  - |\n');
  assert.ok(metrics.includes('p99') && metrics.includes('error_rate') && !metrics.includes('url'));
});

void test('completion: the new-test snippet where a test can start, not for a key being typed', async () => {
  const labelsAt = async (fixtureText: string): Promise<CompletionItem[]> => {
    const { text, position } = cursor(fixtureText);
    const { uri } = await openDoc(text);
    const result = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
    return Array.isArray(result) ? result : (result?.items ?? []);
  };
  const snippet = (items: CompletionItem[]) => items.find((i) => i.label === 'new test (---)');
  // After the last line of a test: offered, filtered by its own name.
  const atEnd = snippet(await labelsAt('name: a\nurl: http://127.0.0.1/\n|'));
  assert.equal(atEnd?.filterText, 'new test');
  assert.ok(atEnd?.textEdit && 'range' in atEnd.textEdit && atEnd.textEdit.newText.startsWith('---\nname: '));
  // Typing a key: `conc` completes to concurrency, and the snippet is not offered.
  const typing = await labelsAt('name: a\nurl: http://127.0.0.1/\nconc|');
  assert.ok(typing.some((i) => i.label === 'concurrency'));
  assert.equal(snippet(typing), undefined);
  // Above keys of the same test: a `---` there would cut it in two.
  assert.equal(snippet(await labelsAt('name: a\n|\nurl: http://127.0.0.1/\n')), undefined);
  // A word of its name at the end still finds it.
  assert.ok(snippet(await labelsAt('name: a\nurl: http://127.0.0.1/\nnew|')));
});

void test('hover: key docs, template resolution without values, threshold in words', async () => {
  const { uri } = await openDoc(fixture('valid.atm.yaml'));
  const hoverText = async (line: number, character: number): Promise<string> => {
    const h = (await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } })) as Hover | null;
    assert.ok(h, `a hover at ${line}:${character}`);
    return (h.contents as MarkupContent).value;
  };
  assert.match(await hoverText(19, 3), /distribution_strategy[\s\S]*weighted/);
  const env = await hoverText(5, 14);
  assert.match(env, /`API_TOKEN`: \*\*set\*\* in the environment/);
  assert.ok(!env.includes('process-env-token'), 'never the value');
  assert.match(await hoverText(11, 26), /Variable `page_size`.*= `20`/);
  assert.match(await hoverText(23, 6), /95th percentile response time must be below 200 ms/);
  assert.match(await hoverText(13, 20), /99th percentile response time must be below 500 ms/);
  assert.match(await hoverText(24, 6), /error rate.*below 1%/);
});

void test('CodeLens: run all at the top, run test per runnable test, fix N for broken ones', async () => {
  const valid = await openDoc(fixture('valid.atm.yaml'));
  const lenses = await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: valid.uri } });
  assert.ok(lenses);
  assert.deepEqual(
    lenses.map((l) => [l.range.start.line, l.command?.title, l.command?.command, l.command?.arguments]),
    [
      [0, '▶ Run all tests', RUN_ALL_TESTS_COMMAND, [{ uri: valid.uri }]],
      [1, '▶ Run test', RUN_TEST_COMMAND, [{ uri: valid.uri, testName: 'Items API' }]],
      [26, '▶ Run test', RUN_TEST_COMMAND, [{ uri: valid.uri, testName: 'Health' }]],
    ],
  );
  const broken = await openDoc(fixture('broken.atm.yaml'));
  const brokenLenses = await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: broken.uri } });
  assert.ok(brokenLenses);
  assert.deepEqual(
    brokenLenses.map((l) => [l.range.start.line, l.command?.title]),
    [
      [0, '▶ Run all tests'],
      [0, '⚠ Fix 2 problems to run'],
      [10, '⚠ Fix 1 problem to run'],
    ],
  );
  const single = await openDoc('name: one\nurl: http://127.0.0.1/\n');
  const singleLenses = await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: single.uri } });
  assert.deepEqual(singleLenses?.map((l) => l.command?.title), ['▶ Run test']);
});

void test('document symbols: tests, endpoints, thresholds; folding; definition', async () => {
  const { uri } = await openDoc(fixture('valid.atm.yaml'));
  const symbols = (await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
  assert.deepEqual(symbols.map((s) => s.name), ['Items API', 'Health']);
  assert.deepEqual(symbols[0].children?.map((c) => [c.name, c.detail]), [
    ['list', 'GET /items?limit={{page_size}}'],
    ['create', 'POST /items'],
    ['p95 < 200ms', 'threshold'],
    ['error_rate < 1%', 'threshold'],
  ]);
  assert.deepEqual(symbols[0].children?.[0].children?.map((c) => c.name), ['p99 < 500ms']);
  assert.equal(symbols[1].detail, 'GET http://127.0.0.1:3000/health');

  const folds = await server.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } });
  assert.ok(folds?.some((f) => f.startLine === 9 && f.endLine === 18), 'endpoints fold');
  assert.ok(folds?.some((f) => f.startLine === 3 && f.endLine === 5), 'variables fold');

  const def = (await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 11, character: 26 } })) as Location | null;
  assert.deepEqual(def, { uri, range: { start: { line: 4, character: 2 }, end: { line: 4, character: 11 } } });
  const none = await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: { line: 18, character: 30 } });
  assert.equal(none, null, 'a built-in has no definition');
});

/** Asks for the fixes of each diagnostic with `code`, applies the one titled `title`, returns the new diagnostics. */
async function applyFix(text: string, code: string, title: RegExp): Promise<{ text: string; diagnostics: Diagnostic[] }> {
  const { uri, diagnostics } = await openDoc(text);
  const target = diagnostics.find((d) => d.code === code);
  assert.ok(target, `a ${code} diagnostic in ${JSON.stringify(diagnostics)}`);
  const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri },
    range: target.range,
    context: { diagnostics: [target], only: ['quickfix'] },
  })) as CodeAction[];
  const action = actions.find((a) => title.test(a.title));
  assert.ok(action, `a fix matching ${title} among ${actions.map((a) => a.title).join(' | ')}`);
  assert.equal(action.kind, 'quickfix');
  const edits: TextEdit[] = action.edit?.changes?.[uri] ?? [];
  assert.ok(edits.length > 0);
  const fixed = TextDocument.applyEdits(TextDocument.create(uri, 'atm-yaml', 1, text), edits);
  server.change(uri, 2, [{ text: fixed }]);
  const published = await server.diagnostics(uri, (p) => p.version === 2);
  return { text: fixed, diagnostics: published.diagnostics };
}

void test('quick fix: unknown key → did you mean', async () => {
  const r = await applyFix('name: a\nurl: http://127.0.0.1/\nconcurency: 5\n', 'unknown-key', /concurrency/);
  assert.equal(r.text, 'name: a\nurl: http://127.0.0.1/\nconcurrency: 5\n');
  assert.deepEqual(r.diagnostics, []);
});

void test('quick fix: url and endpoints → remove either', async () => {
  const text = 'name: a\nbase_url: http://127.0.0.1\nurl: /one\nendpoints:\n  - name: list\n    url: /items\n  - name: b\n    url: /b\nconcurrency: 2\n';
  const noUrl = await applyFix(text, 'url-and-endpoints', /Remove `url`/);
  assert.ok(!noUrl.text.includes('url: /one'));
  assert.deepEqual(noUrl.diagnostics, []);
  const noEndpoints = await applyFix(text, 'url-and-endpoints', /Remove `endpoints`/);
  assert.equal(noEndpoints.text, 'name: a\nbase_url: http://127.0.0.1\nurl: /one\nconcurrency: 2\n');
  assert.deepEqual(noEndpoints.diagnostics, []);
});

void test('quick fix: missing name → insert one (unique in the file)', async () => {
  const r = await applyFix('name: Test 1\nurl: http://127.0.0.1/\n---\n# second\nurl: http://127.0.0.1/b\n', 'missing-name', /Add `name/);
  assert.equal(r.text, 'name: Test 1\nurl: http://127.0.0.1/\n---\n# second\nname: Test 2\nurl: http://127.0.0.1/b\n');
  assert.deepEqual(r.diagnostics, []);
});

void test('quick fix: an endpoint without a name gets one', async () => {
  const r = await applyFix('name: a\nbase_url: http://127.0.0.1\nendpoints:\n  - url: /x\n    method: GET\n  - name: b\n    url: /b\n', 'missing-name', /Add `name/);
  assert.equal(r.text, 'name: a\nbase_url: http://127.0.0.1\nendpoints:\n  - name: endpoint-1\n    url: /x\n    method: GET\n  - name: b\n    url: /b\n');
  assert.deepEqual(r.diagnostics, []);
});

void test('quick fix: a token in plain text → {{env:...}}', async () => {
  const header = await applyFix('name: a\nurl: http://127.0.0.1/\nheaders:\n  Authorization: Bearer abc123secretvalue\n', 'hardcoded-secret', /env:API_TOKEN/);
  assert.equal(header.text, 'name: a\nurl: http://127.0.0.1/\nheaders:\n  Authorization: Bearer {{env:API_TOKEN}}\n');
  assert.deepEqual(header.diagnostics, []);
  const auth = await applyFix('name: a\nurl: http://127.0.0.1/\nauth:\n  type: bearer\n  token: hunter2hunter2\n', 'hardcoded-secret', /env:API_TOKEN/);
  assert.equal(auth.text, 'name: a\nurl: http://127.0.0.1/\nauth:\n  type: bearer\n  token: "{{env:API_TOKEN}}"\n');
  assert.deepEqual(auth.diagnostics, []);
});

void test('incremental edits re-validate; close clears diagnostics', async () => {
  const { uri, diagnostics } = await openDoc('name: a\nurl: http://127.0.0.1/\n');
  assert.deepEqual(diagnostics, []);
  // Insert a typo'd key with an incremental change.
  server.change(uri, 2, [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: 'timout_seconds: 3\n' }]);
  const after = await server.diagnostics(uri, (p) => p.version === 2);
  assert.deepEqual(after.diagnostics.map((d) => [d.code, d.range.start.line]), [['unknown-key', 2]]);
  server.close(uri);
  const cleared = await server.diagnostics(uri, (p) => p.version === undefined);
  assert.deepEqual(cleared.diagnostics, []);
});

void test('after each edit, diagnostics and lenses are those of the same text opened afresh', async () => {
  // The server reads each version from the last one's parse; a fresh document is parsed whole.
  const endpoints = Array.from({ length: 40 }, (_, i) => `  - name: e${i}\n    url: /items/${i}\n    weight: ${1 + (i % 3)}\n`).join('');
  let text = `name: mix\nbase_url: http://127.0.0.1\ndistribution_strategy: weighted\nendpoints:\n${endpoints}---\nname: second\nurl: http://127.0.0.1/\n`;
  const { uri } = await openDoc(text);
  const line = (n: number, from: number, to: number, newText: string) => ({ range: { start: { line: n, character: from }, end: { line: n, character: to } }, newText });
  const edits: TextEdit[] = [
    line(4 + 3 * 10 + 2, 12, 13, '0'), // a weight out of range inside an endpoint
    line(4 + 3 * 10 + 2, 12, 13, '2'), // and back
    line(4 + 3 * 20 + 1, 9, 9, '{{nope}}'), // an unknown variable in a URL
    line(4 + 3 * 5, 4, 8, 'nam'), // a broken key
    line(4 + 3 * 40 + 1, 6, 12, 'mix'), // a duplicate test name in the second test
    line(4 + 3 * 40, 0, 0, 'concurrency: 3\n---\nname: third\nurl: /relative\n'), // a new test in between
  ];
  let version = 1;
  for (const edit of edits) {
    version++;
    const v = version;
    server.change(uri, v, [{ range: edit.range, text: edit.newText }]);
    text = TextDocument.applyEdits(TextDocument.create(uri, 'atm-yaml', v, text), [edit]);
    const [published, fresh] = await Promise.all([server.diagnostics(uri, (p) => p.version === v), openDoc(text)]);
    assert.deepEqual(published.diagnostics, fresh.diagnostics, `after edit ${v - 1}`);
    const lenses = await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    const freshLenses = await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: fresh.uri } });
    assert.deepEqual(JSON.stringify(lenses).replaceAll(uri, 'URI'), JSON.stringify(freshLenses).replaceAll(fresh.uri, 'URI'), `lenses after edit ${v - 1}`);
  }
  // Closed and opened again with other text: read afresh, not from the closed version's parse.
  server.close(uri);
  await server.diagnostics(uri, (p) => p.version === undefined);
  // (A version not used before: the client keeps every publication it saw.)
  server.open(uri, 'name: again\nurl: http://127.0.0.1/\nconcurency: 1\n', 100);
  const reopened = await server.diagnostics(uri, (p) => p.version === 100);
  assert.deepEqual(reopened.diagnostics.map((d) => [d.code, d.range.start.line]), [['unknown-key', 2]]);
});

void test('the editor and `atm validate` report the same diagnostics', async () => {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const severities = ['', 'error', 'warning', 'information', 'hint'];
  let compared = 0;
  for (const text of [fixture('broken.atm.yaml'), fixture('valid.atm.yaml'), 'name: e\nurl: "http://127.0.0.1/{{env:FROM_DOTENV}}/{{env:NOT_SET_ANYWHERE}}"\nconcurrency: 0\n']) {
    const name = `cli${++counter}.atm.yaml`;
    const { diagnostics } = await openDoc(text, name);
    const fromServer = diagnostics.map((d) => `${name}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${severities[d.severity ?? 1]}: ${messageOf(d)}`);
    let stdout = '';
    try {
      stdout = execFileSync(process.execPath, [cli, 'validate', name], { cwd: dir, env: { PATH: process.env.PATH, API_TOKEN: 'process-env-token' }, encoding: 'utf8' });
    } catch (error) {
      // Exit 2 on errors; the output is what matters.
      stdout = (error as { stdout?: string }).stdout ?? '';
    }
    assert.deepEqual(fromServer, stdout.split('\n').filter((l) => l !== ''));
    compared += fromServer.length;
  }
  assert.ok(compared >= 6, `compared ${compared} diagnostics`);
});

void test('an env file change re-checks open specs', async () => {
  const envFile = path.join(dir, '.env.watch');
  writeFileSync(envFile, 'OTHER=1\n');
  const { uri, diagnostics } = await openDoc('name: w\nenv_file: .env.watch\nurl: "http://127.0.0.1/{{env:ADDED_LATER}}"\n');
  assert.deepEqual(diagnostics.map((d) => d.code), ['env-not-set']);
  assert.ok(server.registrations.includes('workspace/didChangeWatchedFiles'));
  writeFileSync(envFile, 'OTHER=1\nADDED_LATER=yes\n');
  await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(envFile).href, type: FileChangeType.Changed }] });
  const again = await server.diagnostics(uri, (p) => p.version === 1 && p.diagnostics.length === 0);
  assert.deepEqual(again.diagnostics, []);
});
