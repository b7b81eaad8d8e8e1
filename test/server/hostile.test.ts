// Hostile documents over the real protocol: the server answers every request and stays up.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import {
  CodeLensRequest,
  CompletionRequest,
  DefinitionRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  CodeActionRequest,
  type Diagnostic,
} from 'vscode-languageserver-protocol/node';
import { startServer, type LspSession } from './lspClient';

let server: LspSession;
let n = 0;

before(async () => {
  server = await startServer({ validationDelayMs: 0 });
});

after(async () => {
  await server.stop();
});

/** Opens `text`, waits for its diagnostics, then asks for every feature at a few positions. */
async function exercise(text: string, positions: Array<{ line: number; character: number }>): Promise<Diagnostic[]> {
  const uri = `file:///hostile/${++n}.atm.yaml`;
  server.open(uri, text);
  const { diagnostics } = await server.diagnostics(uri, (p) => p.version === 1);
  const textDocument = { uri };
  for (const position of positions) {
    await server.connection.sendRequest(CompletionRequest.type, { textDocument, position });
    await server.connection.sendRequest(HoverRequest.type, { textDocument, position });
    await server.connection.sendRequest(DefinitionRequest.type, { textDocument, position });
  }
  await server.connection.sendRequest(CodeLensRequest.type, { textDocument });
  await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument });
  await server.connection.sendRequest(FoldingRangeRequest.type, { textDocument });
  await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics: diagnostics.slice(0, 20) },
  });
  server.close(uri);
  assert.equal(server.process.exitCode, null, 'the server is still running');
  return diagnostics;
}

void test('billion laughs: a diagnostic, quickly, and the server answers', async () => {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  lines.push('name: laughs', 'url: http://127.0.0.1/', 'body: *j');
  const diagnostics = await exercise(lines.join('\n') + '\n', [{ line: 11, character: 8 }, { line: 3, character: 5 }]);
  assert.ok(diagnostics.some((d) => d.severity === 1), 'reported as an error');
});

void test('50,000 lines', async () => {
  const out = ['name: big', 'base_url: http://127.0.0.1:3000', 'endpoints:'];
  while (out.length < 50_000) {
    const i = out.length;
    out.push(`  - name: e${i}`, `    url: /items/${i}?q={{$uuid}}`, '    method: GET', '    headers:', '      Accept: application/json');
  }
  await exercise(out.join('\n'), [{ line: 49_990, character: 4 }, { line: 25_001, character: 10 }, { line: 2, character: 3 }]);
});

void test('a 1 MB single line', async () => {
  const line = 'url: ' + 'a{{b'.repeat(64 * 1024) + ' #' + ':'.repeat(512 * 1024);
  await exercise(line, [{ line: 0, character: 3 }, { line: 0, character: 500_000 }, { line: 0, character: line.length }]);
  const spaces = 'k' + ' '.repeat(1024 * 1024) + 'v';
  await exercise(spaces, [{ line: 0, character: 1 }, { line: 0, character: spaces.length }]);
});

void test('binary garbage', async () => {
  let seed = 7;
  const bytes = Buffer.alloc(256 * 1024);
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = seed & 0xff;
  }
  const text = bytes.toString('latin1');
  await exercise(text, [{ line: 0, character: 0 }, { line: 100, character: 10 }, { line: 10_000, character: 1 }]);
  await exercise(bytes.toString('utf8'), [{ line: 3, character: 3 }]);
});

void test('a document closed mid-validation ends with cleared diagnostics and a live server', async () => {
  const big = ['name: big', 'base_url: http://127.0.0.1:3000', 'endpoints:'];
  for (let i = 0; i < 5000; i++) big.push(`  - name: e${i}`, `    url: /items/${i}`);
  const uri = 'file:///hostile/closing.atm.yaml';
  server.open(uri, big.join('\n'));
  server.change(uri, 2, [{ range: { start: { line: 0, character: 6 }, end: { line: 0, character: 9 } }, text: 'renamed' }]);
  server.close(uri);
  const cleared = await server.diagnostics(uri, (p) => p.version === undefined);
  assert.deepEqual(cleared.diagnostics, []);
  // Still answering, on a fresh document.
  const other = 'file:///hostile/after-close.atm.yaml';
  server.open(other, 'name: x\nurl: http://127.0.0.1/\n');
  assert.deepEqual((await server.diagnostics(other, (p) => p.version === 1)).diagnostics, []);
  const lenses = await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: other } });
  assert.equal(lenses?.length, 1);
  // Requests for the closed document answer empty rather than fail.
  const gone = await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
  assert.deepEqual(gone, []);
});

void test('edits faster than the debounce: only the latest version is validated', async () => {
  const slow = await startServer({ validationDelayMs: 1000 });
  try {
    const uri = 'file:///hostile/debounce.atm.yaml';
    slow.open(uri, 'name: a\nurl: http://127.0.0.1/\n');
    slow.change(uri, 2, [{ text: 'name: a\nurl: http://127.0.0.1/\nconcurency: 1\n' }]);
    slow.change(uri, 3, [{ text: 'name: a\nurl: http://127.0.0.1/\ntimout_seconds: 1\n' }]);
    const first = await slow.diagnostics(uri);
    assert.equal(first.version, 3, 'versions 1 and 2 were dropped');
    assert.deepEqual(first.diagnostics.map((d) => d.code), ['unknown-key']);
    assert.match(typeof first.diagnostics[0].message === 'string' ? first.diagnostics[0].message : '', /timeout_seconds/);
  } finally {
    await slow.stop();
  }
});

void test('completion answers while a large document is still validating', async () => {
  const big = ['name: big', 'base_url: http://127.0.0.1:3000', 'endpoints:'];
  for (let i = 0; i < 20_000; i++) big.push(`  - name: e${i}`, `    url: /items/${i}`);
  const bigUri = 'file:///hostile/validating.atm.yaml';
  const small = 'file:///hostile/small.atm.yaml';
  server.open(small, 'name: s\nurl: http://127.0.0.1/\nmethod: \n');
  await server.diagnostics(small, (p) => p.version === 1);
  const order: string[] = [];
  server.open(bigUri, big.join('\n'));
  const bigDone = server.diagnostics(bigUri, (p) => p.version === 1).then(() => order.push('big diagnostics'));
  const completion = server.connection
    .sendRequest(CompletionRequest.type, { textDocument: { uri: small }, position: { line: 2, character: 8 } })
    .then((r) => {
      order.push('completion');
      return r;
    });
  const items = await completion;
  await bigDone;
  assert.ok(items && (Array.isArray(items) ? items : items.items).some((i) => i.label === 'POST'));
  assert.deepEqual(order, ['completion', 'big diagnostics']);
  assert.ok(!server.logs.some((l) => /cannot start a validation worker|validation failed/.test(l)), server.logs.join('\n'));
  server.close(bigUri);
  server.close(small);
});
