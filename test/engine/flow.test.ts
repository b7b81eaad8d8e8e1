// Flows against real HTTP servers on 127.0.0.1: captures of each source, checks of each form,
// CSV rows, skipped steps, capture_failed and check_failed, secrets captured from answers,
// bounded bodies and regexes, and the open model for iterations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseSpecFile, resolveTest } from '../../engine/format';
import type { RunPlan } from '../../engine/format/plan';
import type { RunResult } from '../../engine/format/result';
import { runPlan } from '../../engine/run/run';
import { serve, type TestServer } from './helpers';

function planOf(yaml: string, server: TestServer, files: Record<string, string> = {}): RunPlan {
  const parsed = parseSpecFile(`base_url: ${server.url}\n${yaml}`);
  const t = parsed.tests[0]!;
  const errors = t.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.message), [], 'the spec should be valid');
  return resolveTest(t.spec!, {
    file: 'flow.atm.yaml',
    env: {},
    readEnvFile: (p) => files[p] ?? null,
    baseUrlOverride: server.url,
  });
}

const run = (plan: RunPlan): Promise<RunResult> => runPlan(plan, { warmCode: false });

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

void test('each capture source feeds the later steps of the same iteration, and a secret capture is redacted everywhere', async () => {
  let logins = 0;
  const seen: Array<Record<string, string | undefined>> = [];
  const server = await serve((req, res) => {
    if (req.url === '/login') {
      const token = `tok-${'s'.repeat(12)}-${logins++}`;
      json(res, 200, { access_token: token, items: [{ id: 7 }, { id: 8 }], link: 'see order/4242 now' }, { etag: `"v${logins}"` });
      return;
    }
    seen.push({ url: req.url, auth: req.headers.authorization, etag: req.headers['if-match'] });
    json(res, 200, { ok: true });
  });
  try {
    const plan = planOf(
      `name: captures
steps:
  - name: login
    method: POST
    url: /login
    capture:
      token: json $.access_token
      first_id: json $.items[*].id
      second: json $['items'][1].id
      etag: header ETag
      order: regex "order/(\\\\d+)"
      code: status
  - name: use
    url: /use/{{order}}/{{first_id}}/{{second}}/{{code}}
    headers:
      Authorization: "Bearer {{token}}"
      If-Match: "{{etag}}"
iterations: 4
concurrency: 2
`,
      server,
    );
    assert.deepEqual(plan.flow?.secretCaptures, ['token']);
    const result = await run(plan);
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.iterations && { ...result.iterations, per_second: 0 }, { started: 4, completed: 4, failed: 0, dropped: 0, per_second: 0 });
    assert.equal(result.skipped_steps, 0);
    assert.equal(seen.length, 4);
    for (const s of seen) {
      assert.equal(s.url, '/use/4242/7/8/200');
      assert.match(s.auth ?? '', /^Bearer tok-s{12}-\d$/);
      assert.match(s.etag ?? '', /^"v\d"$/);
    }
    assert.deepEqual(result.endpoint_metrics.map((e) => [e.name, e.total_requests]), [['login', 4], ['use', 4]]);
    // The token never reaches the result: not in the login answer's body, not in headers, not in captures.
    const text = JSON.stringify(result);
    assert.doesNotMatch(text, /tok-s{12}/);
    const login = result.sampled_requests.find((s) => s.endpoint === 'login' && s.iteration === 0)!;
    assert.match(login.response_body ?? '', /"access_token":"\*\*\*"/);
    assert.equal(login.captured?.token, '***');
    assert.equal(login.captured?.order, '4242');
    assert.equal(login.captured?.code, '200');
    const use = result.sampled_requests.find((s) => s.endpoint === 'use' && s.iteration === 0)!;
    assert.equal(use.step_index, 1);
    assert.equal(use.request_headers.authorization, '***');
  } finally {
    await server.close();
  }
});

void test('a capture that finds nothing ends the iteration: capture_failed, later steps skipped and never sent', async () => {
  const paths: string[] = [];
  const server = await serve((req, res) => {
    paths.push(req.url ?? '');
    json(res, 200, { other: 1 });
  });
  try {
    const result = await run(
      planOf(
        `name: capture fails
steps:
  - name: a
    url: /a
    capture: { token: json $.token }
  - name: b
    url: /b/{{token}}
  - name: c
    url: /c
iterations: 3
concurrency: 1
`,
        server,
      ),
    );
    assert.deepEqual(paths, ['/a', '/a', '/a']);
    assert.equal(result.skipped_steps, 6);
    assert.equal(result.iterations?.failed, 3);
    assert.equal(result.iterations?.completed, 0);
    assert.equal(result.metrics.errors_by_type.capture_failed, 3);
    assert.equal(result.passed, false);
    const sample = result.sampled_requests.find((s) => s.error_type === 'capture_failed')!;
    assert.match(sample.error ?? '', /capture token \(json \$\.token\): \$\.token found nothing/);
  } finally {
    await server.close();
  }
});

void test('a failed request ends the iteration and its remaining steps count as skipped', async () => {
  const server = await serve((req, res) => json(res, req.url === '/bad' ? 500 : 200, {}));
  try {
    const result = await run(
      planOf(
        `name: failing step
steps:
  - { name: ok, url: /ok }
  - { name: bad, url: /bad }
  - { name: never, url: /never }
iterations: 5
concurrency: 2
`,
        server,
      ),
    );
    assert.equal(result.skipped_steps, 5);
    assert.deepEqual(result.endpoint_metrics.map((e) => e.total_requests), [5, 5, 0]);
    assert.equal(result.metrics.errors_by_type.unexpected_status, 5);
    assert.equal(result.iterations?.failed, 5);
  } finally {
    await server.close();
  }
});

void test('each check form passes and fails as it should; a failed check is check_failed with its reason', async () => {
  const server = await serve((req, res) => {
    if (req.url === '/text') {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-count': '4', 'x-name': 'abc' });
      res.end('id42 plain text');
      return;
    }
    json(res, 200, { n: 3, name: 'widget', tags: ['a', 'b'], items: [{ id: 1 }, { id: 2 }], ok: true, none: null }, { 'x-count': '4' });
  });
  try {
    const passing = [
      'status == 200',
      'status != 500',
      'status < 300',
      'json $.n == 3',
      'json $.n >= 3',
      'json $.name == "widget"',
      'json $.name != "gadget"',
      'json $.name contains "idg"',
      'json $.name matches "^w.*t$"',
      'json $.tags contains "b"',
      'json $.items[*].id == 1',
      'json $.items[1].id > 1',
      'json $.ok == true',
      'json $.none == null',
      'json $.name exists',
      'header content-type contains json',
      'header x-count > 3',
      'header X-Count == 4',
      'body contains "widget"',
      'body matches "\\"n\\":3"',
      'latency < 10s',
    ];
    const failing = [
      ['json $.n > 5', 'was 3'],
      ['json $.name > 5', 'is not a number'],
      ['json $.name == 5', 'compares a string ("widget") to a number'],
      ['json $.missing exists', 'nothing there'],
      ['header x-absent == 1', 'no x-absent header'],
      ['body contains "nope"', 'does not contain'],
      ['status == 201', 'was 200'],
    ];
    const yaml = `name: checks
steps:
  - name: json
    url: /json
    checks:
${[...passing, ...failing.map(([c]) => c!)].map((c) => `      - '${c.replace(/'/g, "''")}'`).join('\n')}
  - name: text
    url: /text
    checks:
      - json $.x exists
      - body matches "id\\\\d+"
      - header x-name == abc
iterations: 2
concurrency: 1
`;
    const result = await run(planOf(yaml, server));
    const byExpr = new Map((result.checks ?? []).filter((c) => c.step === 'json').map((c) => [c.expression, c]));
    for (const expr of passing) assert.deepEqual([expr, byExpr.get(expr)?.passes, byExpr.get(expr)?.fails], [expr, 2, 0]);
    for (const [expr] of failing) assert.deepEqual([expr, byExpr.get(expr!)?.passes, byExpr.get(expr!)?.fails], [expr, 0, 2]);
    // Every iteration fails at its first step (the failing checks), so /text is never sent.
    assert.equal(result.metrics.errors_by_type.check_failed, 2);
    assert.equal(result.skipped_steps, 2);
    const sample = result.sampled_requests.find((s) => s.error_type === 'check_failed')!;
    for (const [expr, why] of failing) assert.ok(sample.failed_checks?.some((f) => f.startsWith(`${expr}: `) && f.includes(why!)), `${expr}: ${why}`);
  } finally {
    await server.close();
  }

  // A JSONPath over a body that is not JSON fails as a check, with the reason.
  const text = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>id42</html>');
  });
  try {
    const result = await run(
      planOf('name: not json\nurl: /\ntotal_requests: 3\nconcurrency: 1\nchecks:\n  - json $.x exists\n  - body matches "id\\\\d+"\n', text),
    );
    assert.deepEqual(result.checks?.map((c) => [c.expression, c.passes, c.fails]), [
      ['json $.x exists', 0, 3],
      ['body matches "id\\\\d+"', 3, 0],
    ]);
    assert.match(result.sampled_requests.find((s) => s.error_type === 'check_failed')?.failed_checks?.[0] ?? '', /the body is not JSON \(Content-Type text\/html\)/);
  } finally {
    await text.close();
  }
});

void test('checks on endpoints count per endpoint; `checks >` thresholds judge the share and tolerate failed checks', async () => {
  let n = 0;
  const server = await serve((_req, res) => json(res, 200, { n: n++ }));
  try {
    const result = await run(
      planOf(
        `name: endpoint checks
endpoints:
  - name: a
    url: /a
    checks: [ "json $.n >= 0" ]
  - name: b
    url: /b
    checks: [ "json $.n < 10" ]
total_requests: 40
concurrency: 1
thresholds:
  - checks > 60%
`,
        server,
      ),
    );
    const [a, b] = result.checks!;
    assert.deepEqual([a!.step, a!.passes, a!.fails], ['a', 20, 0]);
    assert.deepEqual([b!.step, b!.passes + b!.fails], ['b', 20]);
    assert.equal(b!.passes, 5);
    const share = result.thresholds[0]!;
    assert.equal(share.actual, 25 / 40);
    assert.equal(share.passed, true);
    assert.equal(result.passed, true, result.failure_reasons.join('; '));
  } finally {
    await server.close();
  }
});

void test('data rows: a real CSV (BOM, quoted fields, embedded commas and newlines) fed in order, wrapping around', async () => {
  const bodies: string[] = [];
  const server = await serve((req, res) => {
    void readBody(req).then((b) => {
      bodies.push(b);
      json(res, 200, {});
    });
  });
  try {
    const csv = '\ufeffuser,note\nalice,"a, b"\n"bob ""the"" builder","line1\nline2"\ncarol,plain\n';
    const result = await run(
      planOf(
        `name: data
data: { file: users.csv }
steps:
  - name: post
    method: POST
    url: /u
    body: { user: "{{data.user}}", note: "{{data.note}}" }
iterations: 5
concurrency: 1
`,
        server,
        { 'users.csv': csv },
      ),
    );
    assert.equal(result.iterations?.completed, 5);
    assert.deepEqual(
      bodies.map((b) => JSON.parse(b) as unknown),
      [
        { user: 'alice', note: 'a, b' },
        { user: 'bob "the" builder', note: 'line1\nline2' },
        { user: 'carol', note: 'plain' },
        { user: 'alice', note: 'a, b' },
        { user: 'bob "the" builder', note: 'line1\nline2' },
      ],
    );
  } finally {
    await server.close();
  }
});

void test('a broken or missing data file, or an unknown column, is a clear error before any request', async () => {
  const server = await serve((_req, res) => json(res, 200, {}));
  const spec = (column = 'user'): string => `name: data\ndata: { file: users.csv }\nsteps:\n  - { name: a, url: "/u/{{data.${column}}}" }\n`;
  try {
    assert.throws(() => planOf(spec(), server, { 'users.csv': 'user\n"unclosed\n' }), /data file `users.csv` is not valid CSV: Quote Not Closed/);
    assert.throws(() => planOf(spec(), server, { 'users.csv': 'user,x\n1,2,3\n' }), /not valid CSV: Invalid Record Length/);
    assert.throws(() => planOf(spec(), server, {}), /data file `users.csv` was not found/);
    assert.throws(() => planOf(spec(), server, { 'users.csv': 'user\n' }), /header row but no data rows/);
    assert.throws(() => planOf(spec('mail'), server, { 'users.csv': 'user\nx\n' }), /has no column `mail`; its columns are user/);
    assert.equal(server.count, 0);
  } finally {
    await server.close();
  }
});

void test('think time is in the iteration duration but not in any request latency', async () => {
  const server = await serve((_req, res) => json(res, 200, {}));
  try {
    const result = await run(
      planOf('name: think\nsteps:\n  - { name: a, url: /a, think_time: 150ms }\n  - { name: b, url: /b }\niterations: 2\nconcurrency: 1\nthresholds: [ "iteration_duration min > 100ms" ]\n', server),
    );
    assert.ok(result.iteration_duration_ms!.min >= 150, `iteration min ${result.iteration_duration_ms!.min}`);
    assert.ok(result.metrics.latency_ms.max < 150, `request max ${result.metrics.latency_ms.max}`);
    assert.equal(result.thresholds[0]!.passed, true);
    assert.equal(result.thresholds[0]!.actual, result.iteration_duration_ms!.min);
  } finally {
    await server.close();
  }
});

void test('open model for flows: iterations arrive at the rate, those finding every virtual user busy are dropped', async () => {
  const server = await serve((_req, res) => {
    setTimeout(() => json(res, 200, {}), 300);
  });
  try {
    const result = await run(planOf('name: open\nsteps:\n  - { name: slow, url: /slow }\niterations_per_second: 50\nduration_seconds: 1\nconcurrency: 2\n', server));
    assert.equal(result.model, 'open');
    const it = result.iterations!;
    assert.ok(it.dropped > 20, `dropped ${it.dropped}`);
    assert.ok(it.started >= 2 && it.started <= 10, `started ${it.started}`);
    assert.equal(it.started + it.dropped, 50);
    assert.equal(result.metrics.dropped_requests, it.dropped);
    // The first step is timed from its due time: at least the server's 300 ms.
    assert.ok(result.metrics.latency_ms.min >= 290);
  } finally {
    await server.close();
  }
});

void test('a 50 MB answer to a step that captures gives a per-request body_too_large error, without hanging', async () => {
  const big = Buffer.alloc(50 * 1024 * 1024, 'a');
  const server = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': big.length });
    res.end(big);
  });
  try {
    const result = await run(planOf('name: big\nsteps:\n  - name: a\n    url: /big\n    capture: { x: json $.x }\n  - { name: b, url: "/b/{{x}}" }\niterations: 1\nconcurrency: 1\n', server));
    assert.equal(result.metrics.errors_by_type.body_too_large, 1);
    assert.equal(result.skipped_steps, 1);
    const sample = result.sampled_requests.find((s) => s.error_type === 'body_too_large')!;
    assert.match(sample.error ?? '', /larger than 1 MiB: too large to check or capture from/);
    assert.ok((sample.response_body ?? '').length < 10_000);
  } finally {
    await server.close();
  }
});

void test('a regex that would backtrack catastrophically runs in linear time (re2js)', async () => {
  const body = `${'a'.repeat(200_000)}!`;
  const server = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  try {
    const result = await run(planOf('name: regex\nsteps:\n  - name: a\n    url: /\n    capture: { x: regex "(a+)+$" }\niterations: 2\nconcurrency: 1\n', server));
    assert.equal(result.status, 'completed');
    assert.equal(result.metrics.errors_by_type.capture_failed, 2);
  } finally {
    await server.close();
  }
});

void test('a secret captured from an answer that fails its checks is still redacted in that sample', async () => {
  const server = await serve((_req, res) => json(res, 200, { access_token: 'leaky-token-value-123', ok: false }));
  try {
    const result = await run(
      planOf(
        'name: leak\nsteps:\n  - name: login\n    url: /login\n    capture: { token: json $.access_token }\n    checks: [ json $.ok == true ]\n' +
          '  - name: me\n    url: /me\n    headers: { Authorization: "Bearer {{token}}" }\niterations: 2\nconcurrency: 1\n',
        server,
      ),
    );
    assert.equal(result.metrics.errors_by_type.check_failed, 2);
    assert.equal(result.skipped_steps, 2);
    assert.ok(result.sampled_requests.length > 0);
    assert.doesNotMatch(JSON.stringify(result), /leaky-token-value-123/);
    assert.match(result.sampled_requests[0]!.response_body ?? '', /"access_token":"\*\*\*"/);
  } finally {
    await server.close();
  }
});
