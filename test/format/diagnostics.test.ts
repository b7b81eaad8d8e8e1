// One fixture per diagnostic kind, with the exact range (0-based) and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAGNOSTIC_CODES, validateText } from '../../engine/format';
import { show } from './helpers';
import { FLOW_CODES } from './flow-codes';

const ctx = { env: {}, readEnvFile: (): string | null => null };

const CASES: Array<{ kind: string; text: string; expect: string[] }> = [
  {
    kind: 'scoped threshold naming no endpoint',
    text: 'name: t\nbase_url: http://h\nendpoints:\n  - name: list\n    url: /a\n  - name: create\n    url: /b\nthresholds:\n  - lst: p95 < 300ms\n',
    expect: ['[8,4,8,7] error unknown-threshold-scope | No endpoint of this test is named `lst`; did you mean `list`? Its endpoints: `list`, `create`.'],
  },
  {
    kind: 'scoped threshold with a malformed expression in a list',
    text: 'name: t\nbase_url: http://h\nsteps:\n  - name: login\n    url: /a\nthresholds:\n  - login: [p95 < 300ms, p95 < 3xs]\n',
    expect: ['[6,32,6,34] error invalid-threshold | `xs` is not a unit for `p95`; use `ms` (the default) or `s`.'],
  },
  {
    kind: 'scoped threshold in a single-request test',
    text: 'name: t\nurl: http://h/a\nthresholds:\n  - login: p95 < 300ms\n',
    expect: [
      '[3,4,3,9] error unknown-threshold-scope | `login: ...` puts thresholds on a step or endpoint by name, and this test has neither `steps` nor `endpoints`: write the expression alone (`- p95 < 300ms`).',
    ],
  },
  {
    kind: 'scoped threshold item with two names',
    text: 'name: t\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n  - name: b\n    url: /b\nthresholds:\n  - a: p95 < 300ms\n    b: p95 < 300ms\n',
    expect: ['[9,4,9,5] error invalid-value | `thresholds[0]` names more than one step or endpoint: write one `NAME: expression` per item (`- login: p95 < 300ms`).'],
  },
  {
    kind: 'tab as indentation',
    text: 'name: t\nurl: http://h/a\n\tmethod: GET\n',
    expect: ['[2,0,2,1] error yaml-syntax | Tabs are not allowed as indentation.'],
  },
  {
    kind: 'duplicate key',
    text: 'name: t\nurl: http://h/a\nurl: http://h/b\n',
    expect: ['[2,0,2,3] error duplicate-key | Duplicate key `url`: each key may appear once in a mapping.'],
  },
  {
    kind: 'unclosed quote',
    text: 'name: "t\nurl: http://h/a\n',
    expect: ['[0,6,0,8] error yaml-syntax | This string has no closing " quote.'],
  },
  {
    kind: 'unknown key with suggestion',
    text: 'name: t\nurl: http://h/a\nconcurency: 5\n',
    expect: ['[2,0,2,10] error unknown-key | Unknown key `concurency`; did you mean `concurrency`?'],
  },
  {
    kind: 'unknown key without suggestion, nested',
    text: 'name: t\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n    zzz: 1\n',
    expect: [
      '[5,4,5,7] error unknown-key | Unknown key `zzz` in `endpoints[0]`. Known keys: name, url, method, headers, body, expected_status_codes, follow_redirects, weight, thresholds, checks.',
    ],
  },
  {
    kind: 'missing name',
    text: 'url: http://h/a\n',
    expect: ['[0,0,0,3] error missing-name | This test has no `name`: add `name: ...` (required, unique within the file).'],
  },
  {
    kind: 'missing endpoint fields',
    text: 'name: t\nbase_url: http://h\nendpoints:\n  - name: a\n  - url: /b\n',
    expect: [
      '[3,4,3,8] error missing-field | The entry `endpoints[0]` is missing `url` (required).',
      '[4,4,4,7] error missing-name | The entry `endpoints[1]` is missing `name` (required).',
    ],
  },
  {
    kind: 'wrong type',
    text: 'name: t\nurl: http://h/a\nconcurrency: ten\n',
    expect: ['[2,13,2,16] error invalid-type | `concurrency` must be a whole number, not `ten`.'],
  },
  {
    kind: 'number as header value',
    text: 'name: t\nurl: http://h/a\nheaders:\n  X-Version: 2\n',
    expect: ['[3,13,3,14] error invalid-type | `headers.X-Version` must be a string: quote it (`"2"`).'],
  },
  {
    kind: 'enum',
    text: 'name: t\nurl: http://h/a\nmethod: get\n',
    expect: ['[2,8,2,11] error invalid-value | `method` must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; did you mean `GET`?'],
  },
  {
    kind: 'out of range',
    text: 'name: t\nurl: http://h/a\nconcurrency: 0\n',
    expect: ['[2,13,2,14] error out-of-range | `concurrency` must be at least 1.'],
  },
  {
    kind: 'workers: auto or a count',
    text: 'name: t\nurl: http://h/a\nworkers: several\n',
    expect: ['[2,9,2,16] error invalid-value | `workers` must be `auto` or a whole number of threads from 1, not `several`.'],
  },
  {
    kind: 'workers: at least one',
    text: 'name: t\nurl: http://h/a\nworkers: 0\n',
    expect: ['[2,9,2,10] error out-of-range | `workers` must be at least 1.'],
  },
  {
    kind: 'rate must be positive',
    text: 'name: t\nurl: http://h/a\nrequests_per_second: 0\n',
    expect: ['[2,21,2,22] error out-of-range | `requests_per_second` must be greater than 0.'],
  },
  {
    kind: 'status code form',
    text: 'name: t\nurl: http://h/a\nexpected_status_codes: [200, "2zz"]\n',
    expect: ['[2,29,2,34] error invalid-value | `expected_status_codes[1]` must be a status code (200) or a class ("2xx"), not `2zz`.'],
  },
  {
    kind: 'auth field of another type (no oneOf noise)',
    text: 'name: t\nurl: http://h/a\nauth:\n  type: basic\n  username: u\n  password: "{{env:P}}"\n  token: x\n',
    expect: [
      '[5,13,5,22] warning env-not-set | Environment variable `P` is not set in the environment or in .env; a run will fail until it is.',
      '[6,2,6,7] error auth-field-mismatch | `token` does not apply to `type: basic` auth (it takes `username`, `password`).',
      '[6,9,6,10] hint hardcoded-secret | `auth.token` is written into the file; prefer `"{{env:NAME}}"` so the secret stays out of version control.',
    ],
  },
  {
    kind: 'auth missing its field',
    text: 'name: t\nurl: http://h/a\nauth:\n  type: bearer\n',
    expect: ['[2,0,2,4] error missing-field | `auth` with `type: bearer` needs `token`.'],
  },
  {
    kind: 'auth unknown type',
    text: 'name: t\nurl: http://h/a\nauth:\n  type: oauth\n',
    expect: ['[3,8,3,13] error invalid-value | `auth.type` must be one of bearer, api_key, basic, not `oauth`.'],
  },
  {
    kind: 'not a mapping',
    text: '- a\n- b\n',
    expect: ['[0,0,2,0] error not-a-mapping | A test must be a mapping of fields, e.g. `name: My test` and `url: /items`.'],
  },
  {
    kind: 'url and endpoints',
    text: 'name: t\nurl: http://h/a\nendpoints:\n  - name: a\n    url: http://h/b\n',
    expect: ['[1,0,1,3] error url-and-endpoints | Use either `url` or `endpoints`, not both.'],
  },
  {
    kind: 'neither url nor endpoints',
    text: 'name: t\nconcurrency: 2\n',
    expect: ['[0,0,0,4] error missing-url | This test has no `url`, `endpoints` or `steps`: add `url: /path` for one request, `endpoints:` for several, or `steps:` for a flow.'],
  },
  {
    kind: 'method beside endpoints',
    text: 'name: t\nmethod: POST\nendpoints:\n  - name: a\n    url: http://h/b\n',
    expect: ['[1,0,1,6] warning ignored-with-endpoints | `method` belongs to a single `url` and is not used with `endpoints`; set it on each endpoint instead.'],
  },
  {
    kind: 'total_requests and duration_seconds',
    text: 'name: t\nurl: http://h/a\ntotal_requests: 10\nduration_seconds: 5\n',
    expect: ['[3,0,3,16] error requests-and-duration | Use either `total_requests` or `duration_seconds`, not both.'],
  },
  {
    kind: 'duplicate test name',
    text: 'name: t\nurl: http://h/a\n---\nname: t\nurl: http://h/b\n',
    expect: ['[3,6,3,7] error duplicate-test-name | Another test in this file is already named `t` (line 1); test names must be unique.'],
  },
  {
    kind: 'duplicate endpoint name',
    text: 'name: t\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n  - name: a\n    url: /b\n',
    expect: ['[5,10,5,11] error duplicate-endpoint-name | Endpoint name `a` is already used by `endpoints[0]`; names must be unique within a test.'],
  },
  {
    kind: 'relative url without base_url',
    text: 'name: t\nurl: /items\n',
    expect: ['[1,5,1,11] error relative-url-without-base | `/items` is relative but the test has no `base_url`: add `base_url: http://host:port` or write a full URL.'],
  },
  {
    kind: 'threshold unit, located in the string',
    text: 'name: t\nurl: http://h/a\nthresholds:\n  - p95 < 200xs\n',
    expect: ['[3,13,3,15] error invalid-threshold | `xs` is not a unit for `p95`; use `ms` (the default) or `s`.'],
  },
  {
    kind: 'threshold metric, in a quoted string',
    text: 'name: t\nurl: http://h/a\nthresholds: ["p95 < 1s", "p96 < 1s"]\n',
    expect: [
      '[2,26,2,29] error invalid-threshold | Unknown metric `p96`; did you mean `p90`? Metrics: min, mean, p50, p75, p90, p95, p99, p99.9, max, error_rate, rps, dropped, checks, iteration_duration p95.',
    ],
  },
  {
    kind: 'unclosed template',
    text: 'name: t\nurl: http://h/a?x={{page\n',
    expect: ['[1,18,1,24] error template-unclosed | `{{` has no closing `}}`.'],
  },
  {
    kind: 'not a template',
    text: 'name: t\nurl: "http://h/a?x={{ a b }}"\n',
    expect: ['[1,19,1,28] error template-invalid | `{{a b}}` is not a template: write a variable name, `env:NAME` or a built-in such as `$uuid`.'],
  },
  {
    kind: 'unknown variable',
    text: 'name: t\nvariables:\n  page_size: 2\nurl: http://h/a?x={{page_sise}}\n',
    expect: ['[3,18,3,31] error unknown-variable | Unknown variable `page_sise`; did you mean `page_size`?'],
  },
  {
    kind: 'unknown built-in',
    text: 'name: t\nurl: http://h/a?x={{$uuidd}}\n',
    expect: [
      '[1,20,1,26] error unknown-builtin | Unknown built-in `$uuidd`; did you mean `$uuid`? Built-ins: `$uuid`, `$randomInt`, `$timestamp`, `$isoTimestamp`, `$requestIndex`.',
    ],
  },
  {
    kind: 'built-in arguments',
    text: 'name: t\nurl: http://h/a?x={{$randomInt 9 1}}\n',
    expect: ['[1,18,1,36] error builtin-arguments | `$randomInt 9 1`: MIN must not be greater than MAX.'],
  },
  {
    kind: 'built-in argument count',
    text: 'name: t\nurl: http://h/a?x={{$randomInt 9}}\n',
    expect: ['[1,18,1,34] error builtin-arguments | `$randomInt` takes 2 whole numbers: `{{$randomInt MIN MAX}}`.'],
  },
  {
    kind: 'variable cycle',
    text: 'name: t\nvariables:\n  a: "{{b}}"\n  b: "{{a}}"\nurl: http://h/{{a}}\n',
    expect: ['[2,5,2,12] error variable-cycle | Variable `a` depends on itself: a → b → a.'],
  },
  {
    kind: 'ramp-up as long as the run',
    text: 'name: t\nurl: http://h/a\nduration_seconds: 5\nramp_up_seconds: 5\n',
    expect: ['[3,17,3,18] error ramp-up-too-long | `ramp_up_seconds` (5) must be shorter than `duration_seconds` (5).'],
  },
  {
    kind: 'weight without weighted',
    text: 'name: t\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n    weight: 2\n',
    expect: ['[5,4,5,10] hint weight-without-weighted | `weight` is only used with `distribution_strategy: weighted`.'],
  },
  {
    kind: 'weight must be positive',
    text: 'name: t\nbase_url: http://h\ndistribution_strategy: weighted\nendpoints:\n  - name: a\n    url: /a\n    weight: 0\n',
    expect: ['[6,12,6,13] error out-of-range | `endpoints[0].weight` must be greater than 0.'],
  },
  {
    kind: 'env var not set',
    text: 'name: t\nurl: http://h/a\nheaders:\n  X-Key: "{{env:NOPE_NOT_SET}}"\n',
    expect: ['[3,10,3,30] warning env-not-set | Environment variable `NOPE_NOT_SET` is not set in the environment or in .env; a run will fail until it is.'],
  },
  {
    kind: 'env_file not found',
    text: 'name: t\nenv_file: .env.missing\nurl: http://h/a\n',
    expect: ['[1,10,1,22] warning env-file-not-found | env_file `.env.missing` was not found next to this spec.'],
  },
  {
    kind: 'hard-coded secret',
    text: 'name: t\nurl: http://h/a\nauth:\n  type: bearer\n  token: abc123secret\n',
    expect: ['[4,9,4,21] hint hardcoded-secret | `auth.token` is written into the file; prefer `"{{env:NAME}}"` so the secret stays out of version control.'],
  },
  {
    kind: 'hard-coded Authorization header',
    text: 'name: t\nurl: http://h/a\nheaders:\n  Authorization: Bearer abc\n',
    expect: ['[3,17,3,27] hint hardcoded-secret | The `Authorization` header is written into the file; prefer `"{{env:NAME}}"` so the secret stays out of version control.'],
  },
  {
    kind: 'hard-coded secret in a variable',
    text: 'name: t\nvariables:\n  api_token: abc123\n  page: 2\nurl: http://h/a?t={{api_token}}&p={{page}}\n',
    expect: ['[2,13,2,19] hint hardcoded-secret | The variable `api_token` looks like a secret written into the file; prefer `"{{env:NAME}}"` so it stays out of version control.'],
  },
  {
    kind: 'concurrency too low for the rate',
    text: 'name: t\nurl: http://h/a\nrequests_per_second: 200\nconcurrency: 10\ntimeout_seconds: 5\n',
    expect: [
      '[3,13,3,15] warning concurrency-too-low | At 200 requests/s, `concurrency: 10` leaves 50 ms per request before new requests are dropped (timeout 5 s); raise `concurrency` to at least 200.',
    ],
  },
  {
    kind: 'alias expansion capped',
    text:
      'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n' +
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n',
    expect: ['[1,7,1,9] error alias-limit | Too many alias expansions in this test (over 10000); ATM stops here to protect the editor. Use fewer nested aliases.'],
  },
];

for (const c of CASES) {
  void test(`diagnostic: ${c.kind}`, () => {
    assert.deepEqual(validateText(c.text, ctx).map(show), c.expect);
  });
}

void test('every diagnostic code is exercised by a fixture above or in parse.test.ts', () => {
  const seen = new Set(CASES.flatMap((c) => c.expect.map((e) => e.split(' ')[2])));
  // Covered in parse.test.ts (they need big or special inputs).
  for (const code of ['file-too-large', 'too-many-documents', 'no-tests', 'yaml-warning']) seen.add(code);
  // Covered in baseline.test.ts (they need a context that knows files and pinned runs).
  for (const code of ['no-baseline', 'baseline-not-found']) seen.add(code);
  // Covered in flow-diagnostics.test.ts (which checks that it covers them all).
  for (const code of FLOW_CODES) seen.add(code);
  const missing = Object.values(DIAGNOSTIC_CODES).filter((c) => !seen.has(c));
  assert.deepEqual(missing, []);
});

void test('every diagnostic has a stable code from the list', () => {
  const codes = new Set<string>(Object.values(DIAGNOSTIC_CODES));
  for (const c of CASES) for (const d of validateText(c.text, ctx)) assert.ok(codes.has(d.code), `${d.code} is not in DIAGNOSTIC_CODES`);
});

void test('hard-coded secrets carry the env var a fix should use', () => {
  const text =
    'name: t\nurl: http://h/a\nvariables:\n  session-token: abc\nheaders:\n  Cookie: a=b\nauth:\n  type: api_key\n  key: k123\n';
  assert.deepEqual(
    validateText(text, ctx)
      .filter((d) => d.code === 'hardcoded-secret')
      .map((d) => d.data?.envName),
    ['SESSION_TOKEN', 'SESSION_COOKIE', 'API_KEY'],
  );
});

void test('a valid test has no diagnostics and a spec', () => {
  const text = 'name: ok\nbase_url: http://127.0.0.1:3000/api\nurl: /items\nthresholds: [p95 < 200ms]\n';
  assert.deepEqual(validateText(text, ctx), []);
});
