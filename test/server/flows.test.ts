// Flows in the language server, over the real protocol (dist/server.js --stdio): completion of
// captured names and data columns inside `{{`, hover and go to definition on a captured value,
// and the format's flow diagnostics as the editor receives them.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CompletionRequest,
  DefinitionRequest,
  HoverRequest,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type Hover,
  type Location,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { cursor, startServer, type LspSession } from './lspClient';

let dir = '';
let server: LspSession;
let counter = 0;

const JOURNEY = `name: journey
base_url: http://127.0.0.1:3000
data:
  file: users.csv
steps:
  - name: login
    method: POST
    url: /login
    body: { user: "{{data.user}}" }
    capture:
      token: json $.access_token
      user_id: header x-user-id
  - name: create order
    method: POST
    url: /orders
    headers: { Authorization: "Bearer {{token}}" }
    capture: { order_id: json $.id }
  - name: read back
    url: /orders/{{order_id}}
    headers: { Authorization: "Bearer {{token}}" }
`;

async function open(text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const file = path.join(dir, `flow${++counter}.atm.yaml`);
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  server.open(uri, text, 1);
  const published = await server.diagnostics(uri, (p) => p.version === 1);
  return { uri, diagnostics: published.diagnostics };
}

async function completionsAt(fixture: string): Promise<CompletionItem[]> {
  const { text, position } = cursor(fixture);
  const { uri } = await open(text);
  const r = (await server.connection.sendRequest(CompletionRequest.type, {
    textDocument: { uri },
    position,
    context: { triggerKind: 2, triggerCharacter: '{' },
  })) as CompletionList | CompletionItem[] | null;
  assert.ok(r, 'a completion answer');
  return Array.isArray(r) ? r : r.items;
}

/** Line and column of the `nth` occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 0, offset = 0): { line: number; character: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) index = text.indexOf(needle, index + 1);
  assert.ok(index >= 0, `${needle} in the fixture`);
  const before = text.slice(0, index + offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'atm-lsp-flows-'));
  writeFileSync(path.join(dir, 'users.csv'), '\ufeffuser,password,"item, id"\nada,"pa,ss",7\n');
  server = await startServer({ validationDelayMs: 0 }, { PATH: process.env.PATH });
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

void test('the journey has no diagnostics', async () => {
  const { diagnostics } = await open(JOURNEY);
  assert.deepEqual(diagnostics.map((d) => d.message), []);
});

void test('inside {{ of a step: the names captured by earlier steps only, and the data columns', async () => {
  const third = await completionsAt(JOURNEY.replace('/orders/{{order_id}}', '/orders/{{|}}'));
  const labels = third.map((i) => i.label);
  for (const name of ['token', 'user_id', 'order_id', 'data.user', 'data.password', 'data.item, id']) {
    assert.ok(labels.includes(name), `${name} in ${labels.join(', ')}`);
  }
  const token = third.find((i) => i.label === 'token');
  assert.equal(token?.detail, 'captured by login');
  assert.ok(token?.textEdit && 'range' in token.textEdit && token.textEdit.newText === 'token', 'closing braces are already there');

  const second = (await completionsAt(JOURNEY.replace('"Bearer {{token}}" }\n    capture: {', '"Bearer {{|}}" }\n    capture: {'))).map((i) => i.label);
  assert.ok(second.includes('token') && second.includes('user_id'), 'the first step captures token and user_id');
  assert.ok(!second.includes('order_id'), 'order_id is captured by this very step, not before it');

  const first = (await completionsAt(JOURNEY.replace('"{{data.user}}"', '"{{|"'))).map((i) => i.label);
  assert.ok(!first.includes('token') && !first.includes('order_id'), 'the first step has nothing captured before it');
  assert.ok(first.includes('data.user'), 'data columns are there from the first step');
  const closing = (await completionsAt(JOURNEY.replace('"{{data.user}}"', '"{{|"'))).find((i) => i.label === 'data.user');
  assert.ok(closing?.textEdit && 'range' in closing.textEdit && closing.textEdit.newText === 'data.user}}');
});

void test('hover on a {{token}} says where it is captured; go to definition jumps there', async () => {
  const { uri } = await open(JOURNEY);
  const use = at(JOURNEY, '{{order_id}}', 0, 3);
  const hover = (await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: use })) as Hover | null;
  assert.ok(hover, 'a hover on {{order_id}}');
  const text = (hover.contents as MarkupContent).value;
  assert.match(text, /Captured by step `create order` \(line 17\): `json \$\.id`/);

  const def = (await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: use })) as Location | null;
  const where = at(JOURNEY, 'order_id: json');
  assert.deepEqual(def, { uri, range: { start: where, end: { line: where.line, character: where.character + 'order_id'.length } } });

  const tokenUse = at(JOURNEY, '{{token}}', 1, 4);
  const tokenDef = (await server.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: tokenUse })) as Location | null;
  const tokenAt = at(JOURNEY, 'token: json');
  assert.deepEqual(tokenDef?.range.start, tokenAt, 'a block-style capture');

  const dataHover = (await server.connection.sendRequest(HoverRequest.type, {
    textDocument: { uri },
    position: at(JOURNEY, '{{data.user}}', 0, 4),
  })) as Hover | null;
  assert.match((dataHover?.contents as MarkupContent).value, /Column `user` of the `data` file/);
});

void test("the format's flow diagnostics arrive over the protocol", async () => {
  const broken = JOURNEY.replace('/orders/{{order_id}}', '/orders/{{orderid}}')
    .replace('url: /login', 'url: /login?u={{token}}')
    .replace('{{data.user}}', '{{data.login}}')
    .replace('json $.access_token', 'json $..[');
  const { diagnostics } = await open(broken);
  const codes = diagnostics.map((d) => String(d.code));
  assert.ok(codes.includes('unknown-data-column'), `unknown column in ${codes.join(', ')}`);
  assert.ok(codes.includes('capture-used-too-early'), `token used by the step that captures it, in ${codes.join(', ')}`);
  assert.ok(codes.includes('invalid-capture'), `a bad JSONPath, in ${codes.join(', ')}`);
  const column = diagnostics.find((d) => d.code === 'unknown-data-column');
  assert.equal(column?.range.start.line, at(broken, '{{data.login}}').line);
  assert.ok(
    diagnostics.some((d) => d.range.start.line === at(broken, '{{orderid}}').line),
    `{{orderid}} is flagged on its line: ${diagnostics.map((d) => `${d.range.start.line}: ${String(d.message)}`).join(' | ')}`,
  );

  const missing = await open(JOURNEY.replace('file: users.csv', 'file: nobody.csv'));
  const notFound = missing.diagnostics.find((d) => d.code === 'data-file-not-found');
  assert.ok(notFound, 'a missing data file');
  assert.equal(notFound.range.start.line, at(JOURNEY, 'file: users.csv').line);
});
