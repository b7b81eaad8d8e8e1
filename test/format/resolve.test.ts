import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinUrl, parseDotenv, parseSpecFile, redact, resolveTest, SECRET_HEADER_NAMES, SpecError, type RunPlan, type TestSpec } from '../../engine/format';

const specOf = (yaml: string): TestSpec => {
  const parsed = parseSpecFile(yaml);
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
  return parsed.tests[0]!.spec!;
};
const plan = (yaml: string, ctx: Partial<Parameters<typeof resolveTest>[1]> = {}): RunPlan =>
  resolveTest(specOf(yaml), { file: 'x.atm.yaml', env: {}, envFileText: null, ...ctx });
const headers = (p: RunPlan, i = 0): Record<string, string> =>
  Object.fromEntries(p.endpoints[i]!.headers.map(([n, v]) => [n, v.render({ requestIndex: 0 })]));

void test('dotenv: comments, quotes, export, escapes, CRLF', () => {
  const env = parseDotenv(
    '\uFEFF# comment\nA=1\nexport B = two words \nC="line\\nnext \\"q\\""\nD=\'single $raw\\n\'\nE=value # trailing comment\nF=\r\nG="multi\nline"\n  H=x#not-a-comment\nnot a line\nI=a=b\r\n',
  );
  assert.deepEqual(env, {
    A: '1',
    B: 'two words',
    C: 'line\nnext "q"',
    D: 'single $raw\\n',
    E: 'value',
    F: '',
    G: 'multi\nline',
    H: 'x#not-a-comment',
    I: 'a=b',
  });
});

void test('env precedence: process env wins over env_file; env_file read through the hook', () => {
  const yaml = 'name: t\nurl: "http://h/{{env:A}}/{{env:B}}"\n';
  const p = plan(yaml, { env: { A: 'proc' }, envFileText: 'A=file\nB=fileb\n' });
  assert.equal(p.endpoints[0]!.url.render({ requestIndex: 0 }), 'http://h/proc/fileb');
  const asked: string[] = [];
  const viaHook = resolveTest(specOf('name: t\nenv_file: conf/.env.test\nurl: "http://h/{{env:B}}"\n'), {
    file: 'x',
    env: {},
    readEnvFile: (p) => (asked.push(p), 'B=hooked'),
  });
  assert.deepEqual(asked, ['conf/.env.test']);
  assert.equal(viaHook.endpoints[0]!.url.render({ requestIndex: 0 }), 'http://h/hooked');
  assert.throws(
    () => resolveTest(specOf('name: t\nenv_file: .env.nope\nurl: http://h/a\n'), { file: 'x', env: {}, readEnvFile: () => null }),
    (e: unknown) => e instanceof SpecError && e.message.includes('env_file `.env.nope` was not found'),
  );
});

void test('a missing env var is a SpecError naming the place and the fix', () => {
  assert.throws(
    () => plan('name: t\nurl: http://h/a\nheaders:\n  X-Key: "{{env:NOT_SET_X}}"\n'),
    (e: unknown) =>
      e instanceof SpecError &&
      e.message === 'Test "t": headers.X-Key: environment variable NOT_SET_X is not set. Set it in the environment or add `NOT_SET_X=...` to the env_file (default .env beside the spec).',
  );
});

void test('base_url joins keep its path', () => {
  assert.equal(joinUrl('http://h/api', '/items'), 'http://h/api/items');
  assert.equal(joinUrl('http://h/api/', 'items'), 'http://h/api/items');
  assert.equal(joinUrl('http://h', '/items?x=1'), 'http://h/items?x=1');
  assert.equal(joinUrl('http://h/api', 'https://other/x'), 'https://other/x');
  assert.equal(joinUrl('http://h/api', '?q=1'), 'http://h/api?q=1');
  const p = plan('name: t\nbase_url: http://h/api/\nendpoints:\n  - { name: a, url: /items }\n  - { name: b, url: "{{$randomInt 1 1}}/x" }\n  - { name: c, url: "http://abs/y" }\n');
  assert.deepEqual(
    p.endpoints.map((e) => [e.url.render({ requestIndex: 0 }), e.displayUrl, e.url.isStatic]),
    [
      ['http://h/api/items', '/items', true],
      ['http://h/api/1/x', '{{$randomInt 1 1}}/x', false],
      ['http://abs/y', 'http://abs/y', true],
    ],
  );
  const demo = plan('name: t\nbase_url: http://127.0.0.1:3000\nurl: /items\n', { baseUrlOverride: 'http://127.0.0.1:41234' });
  assert.equal(demo.endpoints[0]!.url.render({ requestIndex: 0 }), 'http://127.0.0.1:41234/items');
  assert.equal(demo.redactedSpec.base_url, 'http://127.0.0.1:41234');
});

void test('auth: bearer, basic, api_key in header or query', () => {
  const bearer = plan('name: t\nurl: http://h/a\nauth: { type: bearer, token: "{{env:TOK}}" }\n', { env: { TOK: 'tok-123' } });
  assert.equal(headers(bearer).Authorization, 'Bearer tok-123');
  assert.equal(bearer.endpoints[0]!.headers.find(([n]) => n === 'Authorization')![1].source, 'Bearer {{env:TOK}}');
  const basic = plan('name: t\nurl: http://h/a\nauth: { type: basic, username: user, password: "{{env:PW}}" }\n', { env: { PW: 'p@ss' } });
  assert.equal(headers(basic).Authorization, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  const key = plan('name: t\nurl: http://h/a\nauth: { type: api_key, key: "{{env:K}}" }\n', { env: { K: 'k-1' } });
  assert.equal(headers(key)['X-API-Key'], 'k-1');
  const keyHeader = plan('name: t\nurl: http://h/a\nauth: { type: api_key, key: "{{env:K}}", header: Api-Key }\n', { env: { K: 'k-1' } });
  assert.equal(headers(keyHeader)['Api-Key'], 'k-1');
  const query = plan('name: t\nurl: http://h/a?x=1\nauth: { type: api_key, key: "{{env:K}}", in: query }\n', { env: { K: 'a b&c' } });
  assert.equal(query.endpoints[0]!.url.render({ requestIndex: 0 }), 'http://h/a?x=1&api_key=a%20b%26c');
  assert.deepEqual(headers(query), {});
  const named = plan('name: t\nurl: http://h/a\nauth: { type: api_key, key: kkk, in: query, name: token }\n');
  assert.equal(named.endpoints[0]!.url.render({ requestIndex: 0 }), 'http://h/a?token=kkk');
});

void test('headers merge case-insensitively: test, then auth, then endpoint', () => {
  const p = plan(
    'name: t\nbase_url: http://h\nheaders: { Accept: text/html, X-A: "1" }\nauth: { type: bearer, token: abc }\nendpoints:\n' +
      '  - { name: a, url: /a, headers: { accept: application/json } }\n  - { name: b, url: /b, headers: { authorization: Custom x } }\n',
  );
  assert.deepEqual(headers(p, 0), { accept: 'application/json', 'X-A': '1', Authorization: 'Bearer abc' });
  assert.deepEqual(headers(p, 1), { Accept: 'text/html', 'X-A': '1', authorization: 'Custom x' });
});

void test('bodies: strings as written, mappings as JSON with Content-Type unless set', () => {
  const p = plan(
    'name: t\nbase_url: http://h\nendpoints:\n' +
      '  - { name: a, url: /a, method: POST, body: { name: "item-{{$requestIndex}}", n: 3, tags: [x, "{{v}}"], "q\\"": null } }\n' +
      '  - { name: b, url: /b, method: POST, body: "raw {{v}}" }\n' +
      '  - { name: c, url: /c, method: PUT, body: [1], headers: { content-type: application/vnd.x+json } }\n' +
      'variables: { v: "he said \\"hi\\"" }\n',
  );
  const [a, b, c] = p.endpoints as [RunPlan['endpoints'][0], RunPlan['endpoints'][0], RunPlan['endpoints'][0]];
  assert.equal(a.method, 'POST');
  assert.equal(a.body!.isStatic, false);
  assert.deepEqual(JSON.parse(a.body!.render({ requestIndex: 4 })), { name: 'item-4', n: 3, tags: ['x', 'he said "hi"'], 'q"': null });
  assert.equal(headers(p, 0)['Content-Type'], 'application/json');
  assert.equal(b.body!.isStatic, true);
  assert.equal(b.body!.render({ requestIndex: 0 }), 'raw he said "hi"');
  assert.equal(headers(p, 1)['Content-Type'], undefined);
  assert.equal(c.body!.render({ requestIndex: 0 }), '[1]');
  assert.deepEqual(headers(p, 2), { 'content-type': 'application/vnd.x+json' });
});

void test('a single-request test is one endpoint named after the test; defaults applied', () => {
  const p = plan('name: Solo\nurl: http://h/a\nmethod: DELETE\nexpected_status_codes: [204, "2xx"]\nthresholds: [p95 < 1s]\n');
  assert.equal(p.endpoints.length, 1);
  const e = p.endpoints[0]!;
  assert.deepEqual([e.name, e.method, e.expectedStatus, e.weight], ['Solo', 'DELETE', [204, '2xx'], 1]);
  assert.deepEqual(p.thresholds, [{ expression: 'p95 < 1s', metric: 'p95', op: '<', value: 1000 }]);
  assert.deepEqual(
    [p.model, p.concurrency, p.totalRequests, p.durationSeconds, p.requestsPerSecond, p.rampUpSeconds, p.timeoutMs, p.insecureTls, p.distribution],
    ['closed', 10, 100, null, null, 0, 30000, false, 'round_robin'],
  );
  const open = plan('name: o\nurl: http://h/a\nrequests_per_second: 50\nduration_seconds: 10\nramp_up_seconds: 2\nconcurrency: 100\ntimeout_seconds: 2.5\n');
  assert.deepEqual([open.model, open.totalRequests, open.durationSeconds, open.requestsPerSecond, open.rampUpSeconds, open.timeoutMs], ['open', null, 10, 50, 2, 2500]);
  assert.equal(plan('name: d\nurl: http://h/a\n').endpoints[0]!.expectedStatus, null, 'null means any 2xx');
});

void test('secrets are collected and the redacted spec keeps templates but hides literals', () => {
  const p = plan(
    'name: t\nbase_url: http://h\nvariables: { tok: "{{env:API_TOKEN}}" }\nauth: { type: basic, username: admin, password: hunter22 }\n' +
      'headers: { Cookie: "session=abcdef", X-Env: "{{env:SHORT}}" }\nendpoints:\n  - { name: a, url: "/a?t={{tok}}", headers: { X-Api-Key: literal-key } }\n',
    { env: { API_TOKEN: 'env-token-value', SHORT: 'ab' } },
  );
  const basic = Buffer.from('admin:hunter22').toString('base64');
  for (const s of ['env-token-value', 'hunter22', basic, `Basic ${basic}`, 'session=abcdef', 'literal-key']) {
    assert.ok(p.secrets.includes(s), `${s} missing from ${JSON.stringify(p.secrets)}`);
  }
  assert.ok(!p.secrets.includes('ab'), 'values shorter than 3 characters are not redacted');
  const spec = JSON.stringify(p.redactedSpec);
  assert.ok(!spec.includes('hunter22') && !spec.includes('session=abcdef') && !spec.includes('literal-key'), spec);
  assert.ok(spec.includes('{{env:API_TOKEN}}') && spec.includes('"password":"***"'), spec);
  const authSource = p.endpoints[0]!.headers.find(([n]) => n === 'Authorization')![1].source;
  assert.equal(authSource, 'Basic base64(admin:***)', 'a literal password never shows in a header source');
  const url = p.endpoints[0]!.url.render({ requestIndex: 0 });
  assert.equal(redact(`GET ${url} Authorization: Basic ${basic}`, p.secrets), 'GET http://h/a?t=*** Authorization: ***');
});

void test('redact: every occurrence, longest first, one pass', () => {
  assert.equal(redact('abc abcdef xabcx', ['abc', 'abcdef']), '*** *** x***x');
  // One pass: the `***` written for `a` is not matched again by the secret `*`.
  assert.equal(redact('a*', ['a', '*']), '******');
  assert.equal(redact('a.b+c a.b+c', ['a.b+c']), '*** ***');
  assert.equal(redact('nothing', []), 'nothing');
  assert.equal(redact('x', ['']), 'x');
  assert.deepEqual(SECRET_HEADER_NAMES, ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
});
