// A large file read from scratch gets its first tests' diagnostics published before the whole
// file's, over the real protocol (dist/server.js --stdio): the first publish for the opened
// version has the first test's error and not the last test's, the last publish has all of the
// file's diagnostics, exactly as `atm validate` reports them. A small file gets one publish.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { validateText } from '../../engine/format';
import { PROGRESSIVE_MIN_CHARS } from '../../server/validator';
import { startServer, type LspSession } from './lspClient';

let server: LspSession;

before(async () => {
  server = await startServer({ validationDelayMs: 0 });
});

after(async () => {
  await server?.stop();
});

/** `tests` tests of 20 endpoints; the first and the last test each have one error (weight 0). */
function manyTests(tests: number): string {
  const docs: string[] = [];
  for (let t = 0; t < tests; t++) {
    const out = [`name: Test ${t}`, 'base_url: http://127.0.0.1:3000', 'distribution_strategy: weighted', 'endpoints:'];
    for (let i = 0; i < 20; i++) {
      const broken = (t === 0 || t === tests - 1) && i === 19;
      out.push(`  - name: endpoint-${i}`, `    url: /items/${i}`, `    weight: ${broken ? 0 : 1 + (i % 3)}`);
    }
    docs.push(out.join('\n') + '\n');
  }
  return docs.join('---\n');
}

function errorLines(p: PublishDiagnosticsParams): number[] {
  return p.diagnostics.filter((d) => d.severity === 1).map((d) => d.range.start.line);
}

void test('a large file: the first test first, then the whole file', async () => {
  const text = manyTests(60);
  assert.ok(text.length >= PROGRESSIVE_MIN_CHARS, `${text.length} characters`);
  const lastTestLine = text.slice(0, text.lastIndexOf('---\n')).split('\n').length;
  const uri = 'file:///progressive/large.atm.yaml';
  server.open(uri, text, 1);
  const whole = await server.diagnostics(uri, (p) => p.version === 1 && errorLines(p).some((l) => l >= lastTestLine));
  const forVersion = server.published.filter((p) => p.uri === uri && p.version === 1);
  assert.ok(forVersion.length >= 2, `${forVersion.length} publishes`);
  const first = forVersion[0];
  assert.deepEqual(errorLines(first).length, 1, 'the first publish has the first test’s error');
  assert.ok(errorLines(first)[0] < lastTestLine);
  // Each publish is a prefix of the file's tests: nothing is reported that the whole file lacks.
  for (const p of forVersion) for (const d of p.diagnostics) assert.ok(whole.diagnostics.some((w) => JSON.stringify(w) === JSON.stringify(d)), JSON.stringify(d));
  assert.equal(forVersion[forVersion.length - 1], whole, 'the whole file is published last');
  const expected = validateText(text, { env: process.env });
  assert.deepEqual(
    whole.diagnostics.map((d) => [d.range.start.line, d.code, d.message]),
    expected.map((d) => [d.range.start.line, d.code, d.message]),
  );

  // An edit after that reads only what changed: one publish for the version.
  server.change(uri, 2, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '# edited\n' }]);
  await server.diagnostics(uri, (p) => p.version === 2);
  server.close(uri);
  await server.diagnostics(uri, (p) => p.version === undefined && p.diagnostics.length === 0);
  assert.equal(server.published.filter((p) => p.uri === uri && p.version === 2).length, 1);
});

void test('a small file of several tests: one publish', async () => {
  const text = manyTests(3);
  assert.ok(text.length < PROGRESSIVE_MIN_CHARS);
  const uri = 'file:///progressive/small.atm.yaml';
  server.open(uri, text, 1);
  const p = await server.diagnostics(uri, (x) => x.version === 1);
  assert.equal(errorLines(p).length, 2);
  // The next version's publish comes after any other of version 1.
  server.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' }]);
  await server.diagnostics(uri, (x) => x.version === 2);
  assert.equal(server.published.filter((x) => x.uri === uri && x.version === 1).length, 1);
  server.close(uri);
});
