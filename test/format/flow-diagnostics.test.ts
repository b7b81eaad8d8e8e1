// Diagnostics of flows, captures, checks and data, with exact ranges (0-based) pointing inside
// the strings where the problem is; and the parsers behind them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath, parseCapture, parseCheck, parseJsonPath, validateText } from '../../engine/format';
import { FLOW_CODES } from './flow-codes';
import { show } from './helpers';

const files: Record<string, string> = { 'users.csv': '\ufeffuser,password\nalice,"pw, 1"\n', 'broken.csv': 'a,b\n"x\n' };
const ctx = { env: {}, readEnvFile: (p: string): string | null => files[p] ?? null };
const head = 'name: t\nbase_url: http://h\n';

const CASES: Array<{ kind: string; text: string; expect: string[] }> = [
  {
    kind: 'a capture used before the step that captures it',
    text: `${head}steps:\n  - name: a\n    url: /a/{{token}}\n  - name: b\n    url: /b\n    capture:\n      token: json $.t\n`,
    expect: ['[4,12,4,21] error capture-used-too-early | `{{token}}` is used before its capture: step `b` (later in the flow) captures it.'],
  },
  {
    kind: 'a name nothing captures, and a name captured twice',
    text: `${head}steps:\n  - name: a\n    url: /a\n    capture:\n      token: json $.t\n  - name: b\n    url: /b/{{tokn}}\n    capture:\n      token: status\n`,
    expect: [
      '[8,12,8,20] error unknown-variable | Unknown name `tokn`: no earlier step captures it and it is no variable; did you mean `token`?',
      '[10,6,10,11] error capture-twice | `token` is already captured by step `a`; give this capture another name.',
    ],
  },
  {
    kind: 'bad capture sources and checks, located inside the string',
    text:
      `${head}steps:\n  - name: a\n    url: /a/{{x}}\n    capture:\n      x: json $.items[?(@.a)]\n      y: regex "a(b"\n      z: jsonx $.a\n` +
      `    checks:\n      - status = 200\n      - json $.a > "x"\n      - body matches "(a"\n`,
    expect: [
      "[4,12,4,17] error capture-used-too-early | `{{x}}` is captured from this step's own answer, so it is known only from the next step on.",
      "[6,21,6,29] error invalid-capture | Inside `[...]` write an index (`[0]`), `[*]` or a quoted key (`['name']`); filters and slices are not supported.",
      '[7,16,7,19] error invalid-capture | Invalid regular expression: missing closing ) `a(b` (RE2 syntax: no backreferences or lookaround).',
      '[8,9,8,14] error invalid-capture | Unknown capture source `jsonx`; did you mean `json`? Write `json PATH`, `header NAME`, `regex "PATTERN"` or `status`.',
      '[10,15,10,16] error invalid-check | Use `==` to compare for equality.',
      '[11,19,11,22] error invalid-check | `>` compares numbers; this value is a string.',
      '[12,22,12,24] error invalid-check | Invalid regular expression: missing closing ) `(a` (RE2 syntax: no backreferences or lookaround).',
    ],
  },
  {
    kind: 'an unknown data column (the CSV header is read relative to the spec)',
    text: `${head}data:\n  file: users.csv\nsteps:\n  - name: a\n    url: /a?u={{data.usr}}&p={{data.password}}\n`,
    expect: ['[6,14,6,26] error unknown-data-column | Data file `users.csv` has no column `usr`; did you mean `user`? Its columns: user, password.'],
  },
  {
    kind: 'a missing data file',
    text: `${head}data:\n  file: nope.csv\nsteps:\n  - name: a\n    url: /a\n`,
    expect: ['[3,8,3,16] error data-file-not-found | Data file `nope.csv` was not found next to this spec.'],
  },
  {
    kind: 'a broken data file',
    text: `${head}data:\n  file: broken.csv\nsteps:\n  - name: a\n    url: /a\n`,
    expect: ['[3,8,3,18] error invalid-data-file | Data file `broken.csv`: not valid CSV: Quote Not Closed: the parsing is finished with an opening quote at line 2'],
  },
  {
    kind: 'flow fields and capture in the wrong place',
    text: `${head}url: /a\niterations: 5\ncapture:\n  x: status\nthresholds:\n  - iteration_duration p95 < 2s\n`,
    expect: [
      '[3,0,3,10] error flow-only | `iterations` is for flows: it needs `steps:`. Without steps use `total_requests`.',
      '[4,0,4,7] error unknown-key | `capture` belongs to a step of a flow (`steps:`), not to a single-request test: endpoints are independent requests and have no later step to pass a value to.',
      '[7,4,7,31] error flow-only | `iteration_duration` is measured over the iterations of a flow: it needs `steps:`.',
    ],
  },
  {
    kind: 'a capture in test-wide headers, and request-model fields beside steps',
    text: `${head}headers:\n  Authorization: Bearer {{token}}\nsteps:\n  - name: a\n    url: /a\n    capture: { token: json $.t }\ntotal_requests: 5\nrequests_per_second: 3\n`,
    expect: [
      '[3,24,3,33] error capture-used-too-early | `{{token}}` is captured by step `a`, but this is sent with every step, the first ones too: use it in the headers of the steps after `a`.',
      '[8,0,8,14] error not-for-flows | `total_requests` does not apply to `steps`: a flow counts `iterations` (each runs every step once).',
      '[9,0,9,19] error not-for-flows | `requests_per_second` does not apply to `steps`: a flow takes `iterations_per_second` for the open model.',
    ],
  },
  {
    kind: 'think_time on an endpoint',
    text: `${head}endpoints:\n  - name: a\n    url: /a\n    think_time: 1s\n`,
    expect: [
      '[5,4,5,14] error unknown-key | `think_time` belongs to a step of a flow (`steps:`), not to an endpoint: endpoints are independent requests and have no later step to pass a value to.',
    ],
  },
  {
    kind: 'think_time without a unit, and a bad capture name',
    text: `${head}steps:\n  - name: a\n    url: /a\n    think_time: 200\n    capture:\n      bad-name: status\n`,
    expect: [
      '[5,16,5,19] error invalid-type | `steps[0].think_time` needs a unit: `200ms` or `200s`.',
      '[7,6,7,14] error invalid-value | `bad-name` is not a capture name: use letters, digits and _ (not a digit first), e.g. `bad_name`.',
    ],
  },
];

for (const c of CASES) {
  void test(`flow diagnostic: ${c.kind}`, () => {
    assert.deepEqual(validateText(c.text, ctx).map(show), c.expect);
  });
}

void test('every flow diagnostic code is exercised above', () => {
  const seen = new Set(CASES.flatMap((c) => c.expect.map((e) => e.split(' ')[2])));
  assert.deepEqual(FLOW_CODES.filter((c) => !seen.has(c)), []);
});

void test('a valid flow with data, captures, checks and flow thresholds is clean', () => {
  const text =
    `${head}data: { file: users.csv, order: random }\nsteps:\n  - name: login\n    method: POST\n    url: /login\n    body: { user: "{{data.user}}", password: "{{data.password}}" }\n` +
    `    capture: { token: json $.access_token }\n    checks: [ status == 200, json $.access_token exists ]\n    think_time: 100ms\n` +
    `  - name: me\n    url: /me\n    headers: { Authorization: "Bearer {{token}}" }\n    thresholds: [ checks > 99% ]\n` +
    `iterations: 10\niterations_per_second: 5\nconcurrency: 3\nthresholds: [ checks > 99%, iteration_duration p95 < 2s ]\n`;
  assert.deepEqual(validateText(text, ctx).map(show), []);
});

void test('JSONPath subset: parse errors point at the bad part; [*] gives the first match', () => {
  const bad = (p: string): [string, number, number] => {
    const r = parseJsonPath(p);
    assert.ok(!r.ok, p);
    return [r.message.split(':')[0]!, r.start, r.end];
  };
  assert.deepEqual(bad('items'), ['A JSONPath starts with `$`, e.g. `$.access_token` or `$.items[0].id`.', 0, 1]);
  assert.deepEqual(bad('$..a')[1], 1);
  assert.deepEqual(bad('$.a[-1]').slice(1), [3, 7]);
  assert.deepEqual(bad('$.a[0').slice(1), [3, 5]);
  const ok = (p: string): ReturnType<typeof parseJsonPath> & { ok: true } => {
    const r = parseJsonPath(p);
    assert.ok(r.ok, p);
    return r;
  };
  const doc = { a: { 'b c': [{ x: null }, { x: 2 }, { x: 3 }] }, list: [[], [{ id: 'deep' }]] };
  // The first element that has the key matches, even when its value is null.
  assert.equal(evaluateJsonPath(ok("$.a['b c'][*].x").value, doc), null);
  assert.equal(evaluateJsonPath(ok('$.a["b c"][2].x').value, doc), 3);
  assert.equal(evaluateJsonPath(ok('$.list[*][*].id').value, doc), 'deep');
  assert.equal(evaluateJsonPath(ok('$.a.missing').value, doc), undefined);
  assert.deepEqual(evaluateJsonPath(ok('$').value, [1]), [1]);
});

void test('capture sources and checks parse to what the engine runs', () => {
  assert.deepEqual(parseCapture('status'), { ok: true, value: { kind: 'status' } });
  assert.deepEqual(parseCapture('header ETag'), { ok: true, value: { kind: 'header', name: 'ETag' } });
  assert.deepEqual(parseCapture('regex "order/(\\\\d+) \\"q\\""'), { ok: true, value: { kind: 'regex', pattern: 'order/(\\d+) "q"' } });
  const r = parseCapture('regex order');
  assert.ok(!r.ok && r.message.startsWith('Quote the pattern'));
  const check = (text: string): unknown => {
    const p = parseCheck(text);
    assert.ok(p.ok, `${text}: ${p.ok ? '' : p.message}`);
    const { expression: _e, ...rest } = p.value as { expression: string } & Record<string, unknown>;
    if ('path' in rest) rest.path = (rest.path as { text: string }).text;
    return rest;
  };
  assert.deepEqual(check('status == 200'), { subject: 'status', op: '==', value: 200 });
  assert.deepEqual(check('latency < 1.5s'), { subject: 'latency', op: '<', value: 1500 });
  assert.deepEqual(check('json $.a exists'), { subject: 'json', path: '$.a', op: 'exists', value: null });
  assert.deepEqual(check('json $.a != null'), { subject: 'json', path: '$.a', op: '!=', value: null });
  assert.deepEqual(check('header content-type contains json'), { subject: 'header', name: 'content-type', op: 'contains', value: 'json' });
  assert.deepEqual(check('body contains "a b"'), { subject: 'body', op: 'contains', value: 'a b' });
  const fails: Array<[string, RegExp]> = [
    ['status contains 2', /`status` is a number/],
    ['latency < fast', /Write a duration/],
    ['body > 3', /`body` is text/],
    ['speed > 3', /Unknown check `speed`/],
    ['json $.a', /Expected an operator/],
    ['json $.a ~= 1', /Unknown operator `~=`/],
    ['header', /Write a header name after `header`/],
  ];
  for (const [text, re] of fails) {
    const p = parseCheck(text);
    assert.ok(!p.ok && re.test(p.message), `${text}: ${p.ok ? 'parsed' : p.message}`);
  }
});
