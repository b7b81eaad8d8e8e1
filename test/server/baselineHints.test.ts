// The "no baseline" hint over the real protocol: shown on a baseline threshold of a test with no
// `baseline:` and no pinned run, gone once the editor says a run is pinned for that test.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { PINNED_BASELINES_NOTIFICATION, type PinnedBaselinesParams } from '../../server/protocol';
import { startServer, type LspSession } from './lspClient';

let dir = '';
let server: LspSession;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'atm-lsp-baseline-'));
  server = await startServer({ validationDelayMs: 0 }, { PATH: process.env.PATH });
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const SPEC = ['name: checkout', 'url: http://127.0.0.1/', 'thresholds:', '  - p95 < baseline + 10%', '---', 'name: search', 'url: http://127.0.0.1/', 'thresholds:', '  - p95 < baseline + 10%', ''].join('\n');
const noBaseline = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.code === 'no-baseline');

void test('a baseline threshold without a baseline is a hint; a pinned run for that test removes it', { timeout: 60_000 }, async () => {
  const file = path.join(dir, 'shop.atm.yaml');
  writeFileSync(file, SPEC);
  const uri = pathToFileURL(file).href;
  server.open(uri, SPEC, 1);
  const first = noBaseline((await server.diagnostics(uri, (p) => p.version === 1)).diagnostics);
  assert.deepEqual(first.map((d) => [d.range.start.line, d.severity]), [[3, DiagnosticSeverity.Hint], [8, DiagnosticSeverity.Hint]]);

  const onlyOne = server.diagnostics(uri, (p) => noBaseline(p.diagnostics).length === 1);
  const params: PinnedBaselinesParams = { pinned: [{ uri, tests: ['checkout'] }] };
  await server.connection.sendNotification(PINNED_BASELINES_NOTIFICATION, params);
  const left = noBaseline((await onlyOne).diagnostics);
  assert.equal(left[0].range.start.line, 8, 'the test without a pin keeps its hint');

  // Unpinning (an empty list) brings the hint back.
  const both = server.diagnostics(uri, (p) => noBaseline(p.diagnostics).length === 2);
  await server.connection.sendNotification(PINNED_BASELINES_NOTIFICATION, { pinned: [] });
  assert.equal(noBaseline((await both).diagnostics).length, 2);
});

void test('a malformed notification is ignored and validation goes on', { timeout: 60_000 }, async () => {
  const file = path.join(dir, 'other.atm.yaml');
  writeFileSync(file, SPEC);
  const uri = pathToFileURL(file).href;
  await server.connection.sendNotification(PINNED_BASELINES_NOTIFICATION, { pinned: 'nonsense' });
  server.open(uri, SPEC, 1);
  assert.equal(noBaseline((await server.diagnostics(uri, (p) => p.version === 1)).diagnostics).length, 2);
});
