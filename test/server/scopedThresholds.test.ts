// Thresholds on a step or endpoint by name in the test's `thresholds` (`- login: p95 < 300ms`),
// over the real protocol (dist/server.js --stdio): diagnostics at the name and in the
// expression, completion of names then metrics, hover on the name and on the expression, outline.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import {
  CompletionRequest,
  DocumentSymbolRequest,
  HoverRequest,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type MarkupContent,
} from 'vscode-languageserver-protocol/node';
import { cursor, startServer, type LspSession } from './lspClient';

let server: LspSession;
let counter = 0;

const FLOW = `name: journey
base_url: http://127.0.0.1:3000
steps:
  - name: login
    method: POST
    url: /login
  - name: my orders
    url: /orders
thresholds:
  - error_rate < 1%
`;

async function open(text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const uri = `file:///scoped/test${++counter}.atm.yaml`;
  server.open(uri, text, 1);
  const published = await server.diagnostics(uri, (p) => p.version === 1);
  return { uri, diagnostics: published.diagnostics };
}

async function completionsAt(fixture: string, triggerCharacter?: string): Promise<string[]> {
  const { text, position } = cursor(fixture);
  const { uri } = await open(text);
  const r = (await server.connection.sendRequest(CompletionRequest.type, {
    textDocument: { uri },
    position,
    context: triggerCharacter ? { triggerKind: 2, triggerCharacter } : { triggerKind: 1 },
  })) as CompletionList | CompletionItem[] | null;
  assert.ok(r, 'a completion answer');
  return (Array.isArray(r) ? r : r.items).map((i) => i.label);
}

async function hoverAt(fixture: string): Promise<string | null> {
  const { text, position } = cursor(fixture);
  const { uri } = await open(text);
  const h = (await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position })) as Hover | null;
  return h ? (h.contents as MarkupContent).value : null;
}

const show = (d: Diagnostic): string => `[${d.range.start.line},${d.range.start.character},${d.range.end.line},${d.range.end.character}] ${String(d.code)} | ${d.message}`;

before(async () => {
  server = await startServer({ validationDelayMs: 0 }, { PATH: process.env.PATH });
});

after(async () => {
  await server.stop();
});

void test('scoped thresholds on existing steps, alone or as a list, are clean', async () => {
  const { diagnostics } = await open(`${FLOW}  - login: p95 < 300ms\n  - my orders: [p99 < 1s, checks > 99%]\n`);
  assert.deepEqual(diagnostics.map(show), []);
});

void test('a name that is no step: an error at the name, with "did you mean" and the names', async () => {
  const { diagnostics } = await open(`${FLOW}  - logn: p95 < 300ms\n`);
  assert.deepEqual(diagnostics.map(show), [
    '[10,4,10,8] unknown-threshold-scope | No step of this test is named `logn`; did you mean `login`? Its steps: `login`, `my orders`.',
  ]);
  assert.equal(diagnostics[0]!.severity, 1);
});

void test('endpoints: a name that is no endpoint lists the endpoints', async () => {
  const { diagnostics } = await open(
    'name: mix\nbase_url: http://127.0.0.1:3000\nendpoints:\n  - name: list\n    url: /items\n  - name: create\n    url: /items\n    method: POST\nthresholds:\n  - update: p95 < 300ms\n',
  );
  assert.deepEqual(diagnostics.map(show), ['[9,4,9,10] unknown-threshold-scope | No endpoint of this test is named `update`. Its endpoints: `list`, `create`.']);
});

void test('a malformed expression is an error at the bad token, in a list item too', async () => {
  const { diagnostics } = await open(`${FLOW}  - login: p95 < 300mx\n  - my orders: [p99 < 1s, chekcs > 99%]\n`);
  assert.deepEqual(diagnostics.map(show), [
    '[10,20,10,22] invalid-threshold | `mx` is not a unit for `p95`; use `ms` (the default) or `s`.',
    '[11,26,11,32] invalid-threshold | Unknown metric `chekcs`; did you mean `checks`? Metrics: min, mean, p50, p75, p90, p95, p99, p99.9, max, error_rate, rps, dropped, checks, iteration_duration p95.',
  ]);
});

void test('completion: step names and metrics at an item, metrics after `NAME: `, operators after a metric', async () => {
  const atItem = await completionsAt(`${FLOW}  - |\n`);
  assert.ok(atItem.includes('login') && atItem.includes('my orders'), atItem.join(', '));
  assert.ok(atItem.includes('p95') && atItem.includes('error_rate'), 'test-wide metrics too');
  const afterName = await completionsAt(`${FLOW}  - login: |\n`, ' ');
  assert.ok(afterName.includes('p95') && afterName.includes('checks'), afterName.join(', '));
  assert.ok(!afterName.includes('login'), 'no names after the name');
  const inList = await completionsAt(`${FLOW}  - login: [p95 < 300ms, |\n`, ' ');
  assert.ok(inList.includes('p99'), inList.join(', '));
  const ops = await completionsAt(`${FLOW}  - login: p95 |\n`, ' ');
  assert.deepEqual(ops, ['<', '<=', '>', '>=', '==']);
});

void test('completion: no step names in a test without steps or endpoints', async () => {
  const labels = await completionsAt('name: one\nurl: http://127.0.0.1:3000/items\nthresholds:\n  - |\n');
  assert.ok(labels.includes('p95'));
  assert.ok(!labels.includes('name'), labels.join(', '));
});

void test('hover: the name shows its step, the expression reads in words', async () => {
  const onName = await hoverAt(`${FLOW}  - lo|gin: p95 < 300ms\n`);
  assert.ok(onName?.includes('**login**: step 1 of the flow (line 4)') && onName.includes('`POST /login`'), onName ?? 'no hover');
  const onExpression = await hoverAt(`${FLOW}  - my orders: [p99 < 1s, chec|ks > 99%]\n`);
  assert.equal(onExpression, '**checks > 99%**: The share of passed checks must be above 99%.');
});

void test('outline: a scoped threshold is listed with the test thresholds', async () => {
  const { uri } = await open(`${FLOW}  - login: [p95 < 300ms, checks > 99%]\n`);
  const symbols = (await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[] | null;
  const names = (symbols?.[0]?.children ?? []).map((s) => `${s.name} (${s.detail ?? ''})`);
  assert.ok(names.includes('error_rate < 1% (threshold)'), names.join(', '));
  assert.ok(names.includes('login: [p95 < 300ms, checks > 99%] (threshold by name)'), names.join(', '));
});
