import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, compileVariables, scanTemplates, TemplateError, type CompileScope } from '../../engine/format/template';

const scope = (env: Record<string, string> = {}, variables: Record<string, string | number | boolean> = {}): CompileScope => {
  const base = { env: (n: string) => env[n] };
  return { ...base, variables: compileVariables(variables, base) };
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

void test('scan finds templates with offsets and kinds', () => {
  const s = scanTemplates('a{{ x }}b{{env:T}}c{{$randomInt 1 5}}{{$nope}}');
  assert.equal(s.unclosedAt, null);
  assert.deepEqual(
    s.tokens.map((t) => [t.start, t.end, t.expr?.kind ?? t.error?.code]),
    [
      [1, 8, 'variable'],
      [9, 18, 'env'],
      [19, 37, 'builtin'],
      [37, 46, 'unknown-builtin'],
    ],
  );
  assert.equal(scanTemplates('x {{ y').unclosedAt, 2);
});

void test('a template without built-ins is static: one precomputed string', () => {
  const t = compileTemplate('/items?limit={{n}}&t={{env:TOKEN}}', scope({ TOKEN: 'abc' }, { n: 20 }), 'url');
  assert.equal(t.isStatic, true);
  assert.equal(t.render({ requestIndex: 0 }), '/items?limit=20&t=abc');
  assert.equal(t.render({ requestIndex: 5 }), '/items?limit=20&t=abc');
  assert.equal(t.source, '/items?limit={{n}}&t={{env:TOKEN}}', 'source never holds env values');
});

void test('built-ins make a template dynamic and render fresh values', () => {
  const t = compileTemplate('{{$uuid}}|{{$randomInt 3 5}}|{{$timestamp}}|{{$isoTimestamp}}|{{$requestIndex}}', scope(), 'x');
  assert.equal(t.isStatic, false);
  const seenInts = new Set<number>();
  const uuids = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const before = Math.floor(Date.now() / 1000);
    const [uuid, int, ts, iso, index] = t.render({ requestIndex: i }).split('|') as [string, string, string, string, string];
    const after = Math.floor(Date.now() / 1000);
    assert.match(uuid, UUID);
    uuids.add(uuid);
    const n = Number(int);
    assert.ok(Number.isInteger(n) && n >= 3 && n <= 5, int);
    seenInts.add(n);
    assert.ok(Number(ts) >= before && Number(ts) <= after);
    assert.ok(Math.abs(Date.parse(iso) - Date.now()) < 5000, iso);
    assert.equal(index, String(i));
  }
  assert.equal(uuids.size, 200);
  assert.deepEqual([...seenInts].sort(), [3, 4, 5], 'MIN and MAX are both reachable');
  const one = compileTemplate('{{$randomInt 7 7}}', scope(), 'x');
  assert.equal(one.render({ requestIndex: 0 }), '7');
});

void test('variables use env and other variables; built-ins inside a variable stay dynamic', () => {
  const s = scope({ API_TOKEN: 'tok' }, { token: '{{env:API_TOKEN}}', header: 'Bearer {{token}}', id: 'id-{{$requestIndex}}', flag: true, n: 2.5 });
  assert.equal(compileTemplate('{{header}}', s, 'x').render({ requestIndex: 0 }), 'Bearer tok');
  const dyn = compileTemplate('{{id}}/{{flag}}/{{n}}', s, 'x');
  assert.equal(dyn.isStatic, false);
  assert.equal(dyn.render({ requestIndex: 9 }), 'id-9/true/2.5');
});

void test('compile errors: cycles, unknown names, missing env', () => {
  assert.throws(
    () => compileVariables({ a: '{{b}}', b: '{{c}}', c: '{{a}}' }, { env: () => undefined }),
    (e: unknown) => e instanceof TemplateError && e.code === 'variable-cycle' && e.message.includes('a → b → c → a'),
  );
  assert.throws(() => compileTemplate('{{nope}}', scope(), 'url'), (e: unknown) => e instanceof TemplateError && e.code === 'unknown-variable');
  assert.throws(
    () => compileTemplate('{{env:MISSING}}', scope(), 'headers.X'),
    (e: unknown) => e instanceof TemplateError && e.code === 'env-not-set' && e.message.startsWith('headers.X: environment variable MISSING is not set'),
  );
  assert.throws(() => compileTemplate('{{$randomInt 5 1}}', scope(), 'x'), (e: unknown) => e instanceof TemplateError && e.code === 'builtin-arguments');
  assert.throws(() => compileTemplate('{{$randomInt 0 9007199254740991}}', scope(), 'x'), (e: unknown) => e instanceof TemplateError && e.code === 'builtin-arguments');
  const wide = compileTemplate('{{$randomInt -140737488355327 140737488355327}}', scope(), 'x');
  assert.ok(Number.isSafeInteger(Number(wide.render({ requestIndex: 0 }))));
  assert.throws(() => compileTemplate('{{x', scope(), 'x'), (e: unknown) => e instanceof TemplateError && e.code === 'template-unclosed');
});
