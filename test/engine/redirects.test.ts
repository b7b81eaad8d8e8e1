// follow_redirects against real servers on two loopback origins (127.0.0.1 on two ports): hops
// are followed up to N and counted, the chain is timed as one request, more hops leave the 3xx as
// the response, and secret headers never reach the other origin.
import { strict as assert } from 'node:assert';
import type { IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { parseSpecFile, resolveTest, type PlanEndpoint } from '../../engine/format';
import { runPlan } from '../../engine/run';
import { endpoint, ok, plan, serve, type EndpointInput, type TestServer } from './helpers';

interface Seen {
  origin: 'a' | 'b';
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

void describe('follow_redirects', { timeout: 60_000 }, () => {
  let a: TestServer;
  let b: TestServer;
  const seen: Seen[] = [];

  /** Both origins answer the same routes; /to-b and /to-a cross to the other one. */
  const routes = (origin: 'a' | 'b') =>
    (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const url = req.url ?? '/';
        seen.push({ origin, method: req.method ?? '', url, headers: req.headers, body });
        const redirect = (status: number, location: string): void => {
          res.writeHead(status, { location, 'content-length': 5 });
          res.end('moved');
        };
        if (url === '/one') return redirect(302, '/two');
        if (url === '/two') return setTimeout(() => redirect(301, 'three?x=1'), 60);
        if (url === '/three?x=1') return ok(res, 'done');
        if (url === '/loop') return redirect(302, '/loop');
        if (url === '/see-other') return redirect(303, '/echo');
        if (url === '/temporary') return redirect(307, '/echo');
        if (url === '/echo') return ok(res, `${req.method} ${body}`);
        if (url === '/to-b') return redirect(302, `${b.url}/hop`);
        if (url === '/hop') return redirect(302, `${a.url}/back`);
        if (url === '/back') return ok(res, 'back');
        if (url === '/not-http') return redirect(302, 'ftp://127.0.0.1/file');
        ok(res, 'not found', 404);
      });
    };

  before(async () => {
    a = await serve(routes('a'));
    b = await serve(routes('b'));
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const withRedirects = (input: EndpointInput, followRedirects: number, originBoundHeaders: string[] = []): PlanEndpoint => ({
    ...endpoint(input),
    followRedirects,
    originBoundHeaders,
  });

  void it('follows up to N hops, counts them, and times the whole chain as one request', async () => {
    seen.length = 0;
    const result = await runPlan(plan({ concurrency: 2, totalRequests: 6, endpoints: [withRedirects({ url: `${a.url}/one` }, 2)] }), { warmCode: false });
    assert.equal(result.metrics.total_requests, 6, 'a chain is one request');
    assert.equal(result.metrics.successful_requests, 6);
    assert.deepEqual(result.metrics.status_code_counts, { '200': 6 });
    assert.equal(result.metrics.redirects, 12);
    assert.equal(result.endpoint_metrics[0].redirects, 12);
    assert.deepEqual(
      seen.map((s) => s.url).sort(),
      [...Array<string>(6).fill('/one'), ...Array<string>(6).fill('/three?x=1'), ...Array<string>(6).fill('/two')].sort(),
    );
    // /two waits 60 ms before it redirects: every chain's latency includes it.
    assert.ok(result.metrics.latency_ms.min >= 55, `latency min ${result.metrics.latency_ms.min} ms`);
    const sample = result.sampled_requests.find((s) => s.status === 200);
    assert.equal(sample?.response_body, 'done');
    assert.ok(result.metrics.bytes_sent > 6 * 3 * 30, `bytes sent ${result.metrics.bytes_sent} include every hop`);
  });

  void it('more hops than N: the last 3xx is the response, judged by expected status', async () => {
    const failing = await runPlan(plan({ concurrency: 1, totalRequests: 3, endpoints: [withRedirects({ url: `${a.url}/loop` }, 3)] }), { warmCode: false });
    assert.deepEqual(failing.metrics.status_code_counts, { '302': 3 });
    assert.deepEqual(failing.metrics.errors_by_type, { unexpected_status: 3 });
    assert.equal(failing.metrics.redirects, 9);
    const expected = await runPlan(plan({ concurrency: 1, totalRequests: 2, endpoints: [withRedirects({ url: `${a.url}/one`, expectedStatus: [301] }, 1)] }), { warmCode: false });
    assert.deepEqual(expected.metrics.status_code_counts, { '301': 2 });
    assert.equal(expected.metrics.successful_requests, 2);
    assert.equal(expected.metrics.redirects, 2);
  });

  void it('follow_redirects 0 (the default): a 3xx is the response and nothing is followed', async () => {
    seen.length = 0;
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 3, endpoints: [endpoint({ url: `${a.url}/one` })] }), { warmCode: false });
    assert.deepEqual(result.metrics.status_code_counts, { '302': 3 });
    assert.deepEqual(result.metrics.errors_by_type, { unexpected_status: 3 });
    assert.equal(result.metrics.redirects, 0);
    assert.deepEqual(seen.map((s) => s.url), ['/one', '/one', '/one']);
  });

  void it('303 continues as GET without the body; 307 repeats the POST with it', async () => {
    seen.length = 0;
    const body = '{"n":1}';
    const headers: Array<[string, string]> = [['Content-Type', 'application/json']];
    const result = await runPlan(
      plan({
        concurrency: 1,
        totalRequests: 2,
        distribution: 'round_robin',
        endpoints: [
          withRedirects({ name: 'see-other', method: 'POST', url: `${a.url}/see-other`, body, headers }, 1),
          withRedirects({ name: 'temporary', method: 'POST', url: `${a.url}/temporary`, body, headers }, 1),
        ],
      }),
      { warmCode: false },
    );
    assert.equal(result.metrics.successful_requests, 2);
    const echoes = seen.filter((s) => s.url === '/echo');
    assert.deepEqual(
      echoes.map((s) => [s.method, s.body, s.headers['content-type'] ?? null]),
      [
        ['GET', '', null],
        ['POST', body, 'application/json'],
      ],
    );
  });

  void it('a Location that is not http(s) is not followed: the 3xx is the response', async () => {
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 1, endpoints: [withRedirects({ url: `${a.url}/not-http` }, 5)] }), { warmCode: false });
    assert.deepEqual(result.metrics.status_code_counts, { '302': 1 });
    assert.equal(result.metrics.redirects, 0);
  });

  void it('secret headers and the auth header never go to another origin, nor back after leaving', async () => {
    // The plan as the format builds it: the origin-bound headers come from the spec.
    const text = [
      'name: cross',
      `base_url: ${a.url}`,
      'follow_redirects: 3',
      'auth: { type: api_key, key: "key-123456", header: Api-Key }',
      'headers: { Authorization: "Bearer tok-123456", Cookie: "session=abcdef", X-Api-Key: "xk-123456", X-Trace: "t-1" }',
      'endpoints:',
      '  - { name: cross, url: /to-b }',
      '  - { name: same, url: /one }',
      'total_requests: 2',
      'concurrency: 1',
    ].join('\n');
    const parsed = parseSpecFile(text);
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
    const resolved = resolveTest(parsed.tests[0].spec!, { file: 'cross.atm.yaml', env: {} });
    assert.deepEqual([...(resolved.endpoints[0].originBoundHeaders ?? [])].sort(), ['api-key', 'authorization', 'cookie', 'x-api-key']);
    seen.length = 0;
    const result = await runPlan(resolved, { warmCode: false });
    assert.equal(result.metrics.successful_requests, 2, JSON.stringify(result.metrics.errors_by_type));
    assert.equal(result.metrics.redirects, 4);
    const secrets = ['authorization', 'cookie', 'x-api-key', 'api-key'];
    const byUrl = (origin: string, url: string): Seen => {
      const found = seen.find((s) => s.origin === origin && s.url === url);
      assert.ok(found, `${origin} ${url} was requested: ${JSON.stringify(seen.map((s) => [s.origin, s.url]))}`);
      return found;
    };
    // The first request, on its own origin, carries them all.
    for (const h of secrets) assert.ok(byUrl('a', '/to-b').headers[h] !== undefined, `first request has ${h}`);
    // The other origin gets none of them, and neither does the first origin once the chain left it.
    for (const [origin, url] of [['b', '/hop'], ['a', '/back']] as const) {
      const req = byUrl(origin, url);
      for (const h of secrets) assert.equal(req.headers[h], undefined, `${origin} ${url} got ${h}`);
      assert.equal(req.headers['x-trace'], 't-1', 'other headers still go');
    }
    // A redirect within the origin keeps them.
    for (const url of ['/two', '/three?x=1']) {
      const req = byUrl('a', url);
      for (const h of secrets) assert.ok(req.headers[h] !== undefined, `same-origin ${url} keeps ${h}`);
    }
  });

  void it('the schema takes follow_redirects per test and per endpoint, bounded, and the endpoint wins', () => {
    const spec = (extra: string): ReturnType<typeof parseSpecFile> =>
      parseSpecFile(`name: t\nbase_url: ${a.url}\nfollow_redirects: 2\nendpoints:\n  - { name: e, url: /one${extra} }\n  - { name: f, url: /one }\n`);
    const ok1 = spec(', follow_redirects: 5');
    assert.deepEqual(ok1.diagnostics.filter((d) => d.severity === 'error'), []);
    const resolved = resolveTest(ok1.tests[0].spec!, { file: 't.atm.yaml', env: {} });
    assert.deepEqual(
      resolved.endpoints.map((e) => e.followRedirects),
      [5, 2],
    );
    const over = spec(', follow_redirects: 21');
    assert.ok(
      over.tests[0].diagnostics.some((d) => d.code === 'out-of-range' && d.message.includes('above the limit of 20 redirects')),
      JSON.stringify(over.tests[0].diagnostics),
    );
  });
});
