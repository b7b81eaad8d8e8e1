// The Testing view's request (atm/testItems) over the real protocol: dist/server.js --stdio.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { CodeLensRequest, type CodeLens } from 'vscode-languageserver-protocol/node';
import { RUN_TEST_COMMAND, TEST_ITEMS_REQUEST, type RunTestArgs, type TestItemsParams, type TestItemsResult } from '../../server/protocol';
import { startServer, type LspSession } from './lspClient';

let server: LspSession;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server.stop();
});

const TWO = `name: list items
url: http://127.0.0.1:3000/items
thresholds:
  - p95 < 200ms
---
# a comment before the second test
name: create item
method: POST
url: http://127.0.0.1:3000/items
total_requests: 20
`;

function items(params: TestItemsParams): Promise<TestItemsResult> {
  return server.connection.sendRequest<TestItemsResult>(TEST_ITEMS_REQUEST, params);
}

void test('lists the tests of a file that is not open, with their ranges, beside each other', async () => {
  const result = await items({ uri: 'file:///nowhere/two.atm.yaml', text: TWO });
  assert.deepEqual(
    result.tests.map((t) => [t.index, t.name, t.errors, t.lensRange.start.line, t.range.start.line, t.range.end.line]),
    [
      [0, 'list items', 0, 0, 0, 4],
      [1, 'create item', 0, 6, 4, 10],
    ],
  );
  assert.equal(result.tests[0].firstError, null);
});

void test('the lens and the Testing view read the same parse: a test per run lens, on the same line', async () => {
  const uri = 'file:///nowhere/open.atm.yaml';
  server.open(uri, TWO, 1);
  await server.diagnostics(uri, (p) => p.version === 1);
  const lenses = await server.connection.sendRequest<CodeLens[]>(CodeLensRequest.method, { textDocument: { uri } });
  const runLenses = lenses.filter((l) => l.command?.command === RUN_TEST_COMMAND);
  const result = await items({ uri, text: TWO });
  assert.deepEqual(
    result.tests.map((t) => ({ name: t.name, line: t.lensRange.start.line })),
    runLenses.map((l) => ({ name: (l.command?.arguments?.[0] as RunTestArgs).testName, line: l.range.start.line })),
  );
  server.close(uri);
});

void test('a test with errors or without a name is listed and says why it cannot run', async () => {
  const text = `name: broken
url: http://127.0.0.1:3000/
concurrency: -3
---
url: http://127.0.0.1:3000/
`;
  const result = await items({ uri: 'file:///nowhere/broken.atm.yaml', text });
  assert.equal(result.tests.length, 2);
  assert.equal(result.tests[0].name, 'broken');
  assert.ok(result.tests[0].errors >= 1);
  assert.match(result.tests[0].firstError ?? '', /concurrency/);
  assert.equal(result.tests[1].name, null);
  assert.ok(result.tests[1].errors >= 1, 'a test without a name has an error');
  assert.match(result.tests[1].firstError ?? '', /name/);
});

void test('follows edits of the same file: the next request reads the new text', async () => {
  const uri = 'file:///nowhere/edited.atm.yaml';
  const first = await items({ uri, text: TWO });
  assert.equal(first.tests.length, 2);
  const third = `${TWO}---\nname: third\nurl: http://127.0.0.1:3000/\n`;
  const next = await items({ uri, text: third });
  assert.deepEqual(next.tests.map((t) => t.name), ['list items', 'create item', 'third']);
  const renamed = await items({ uri, text: third.replace('name: third', 'name: renamed') });
  assert.deepEqual(renamed.tests.map((t) => t.name), ['list items', 'create item', 'renamed']);
});

void test('bad parameters are an error naming the request, and the server keeps answering', async () => {
  await assert.rejects(server.connection.sendRequest(TEST_ITEMS_REQUEST, { uri: 42 }), /atm\/testItems needs \{ uri: string, text: string \}/);
  const result = await items({ uri: 'file:///nowhere/empty.atm.yaml', text: '' });
  assert.deepEqual(result.tests, []);
});
