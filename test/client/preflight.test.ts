// What is checked before a run, on real spec text through the real spec module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecFile } from '../../engine/format';
import { preflight, sliceRange, testAtLine, type PreflightInput } from '../../client/preflight';

const caps = { maxConcurrency: 100, maxRequestsPerSecond: 1000, maxDurationSeconds: 60 };
const lookup = async (host: string): Promise<string[]> => {
  if (host === 'localhost') return ['127.0.0.1'];
  if (host === 'api.example.com') return ['93.184.216.34'];
  throw new Error(`ENOTFOUND ${host}`);
};

function input(text: string, testName: string, over: Partial<PreflightInput> = {}): PreflightInput {
  return { text, file: '/work/specs/a.atm.yaml', testName, env: {}, caps, lookup, readFile: () => null, ...over };
}

const TWO = `name: local
base_url: http://localhost:3000
url: /items
concurrency: 5
total_requests: 50
---
name: remote
base_url: https://api.example.com
url: /items
headers:
  Authorization: "Bearer {{env:API_TOKEN}}"
requests_per_second: 20
concurrency: 10
duration_seconds: 30
`;

void test('a loopback test passes with nothing to confirm', async () => {
  const check = await preflight(input(TWO, 'local', { env: { API_TOKEN: 't' } }));
  assert.ok(check.ok);
  assert.deepEqual(check.remoteHosts, []);
  assert.deepEqual(check.load, { concurrency: 5, requestsPerSecond: null, durationSeconds: null, totalRequests: 50 });
});

void test('a public host is listed with the load and the env vars it sends; its secret is known', async () => {
  const check = await preflight(input(TWO, 'remote', { env: { API_TOKEN: 'tok-123' } }));
  assert.ok(check.ok);
  assert.deepEqual(check.remoteHosts.map((h) => [h.host, h.addresses]), [['api.example.com', ['93.184.216.34']]]);
  assert.deepEqual(check.envVars, ['API_TOKEN']);
  assert.deepEqual(check.load, { concurrency: 10, requestsPerSecond: 20, durationSeconds: 30, totalRequests: null });
  assert.ok(check.secrets.includes('tok-123'));
  // The hash covers this test's own text only: editing the other test does not ask again.
  const again = await preflight(input(TWO.replace('total_requests: 50', 'total_requests: 60'), 'remote', { env: { API_TOKEN: 'tok-123' } }));
  assert.ok(again.ok);
  assert.equal(again.hash, check.hash);
  const changed = await preflight(input(TWO.replace('requests_per_second: 20', 'requests_per_second: 30'), 'remote', { env: { API_TOKEN: 'tok-123' } }));
  assert.ok(changed.ok);
  assert.notEqual(changed.hash, check.hash);
});

void test('the env file beside the spec supplies env vars', async () => {
  const read: string[] = [];
  const check = await preflight(
    input(TWO, 'remote', {
      readFile: (p) => {
        read.push(p);
        return p === '/work/specs/.env' ? 'API_TOKEN=from-file\n' : null;
      },
    }),
  );
  assert.ok(check.ok, check.ok ? '' : check.reason);
  assert.ok(check.secrets.includes('from-file'));
  assert.deepEqual(read, ['/work/specs/.env']);
});

void test('refusals say why', async () => {
  const missing = await preflight(input(TWO, 'nope'));
  assert.deepEqual(missing.ok ? null : [missing.kind, missing.reason], ['not-found', 'There is no test named "nope" in this file.']);
  const unresolved = await preflight(input(TWO, 'remote'));
  assert.equal(unresolved.ok ? null : unresolved.kind, 'unresolved');
  assert.match(unresolved.ok ? '' : unresolved.reason, /API_TOKEN/);
  const invalid = await preflight(input('name: bad\nurl: http://localhost/x\nconcurency: 3\n', 'bad'));
  assert.equal(invalid.ok ? null : invalid.kind, 'invalid');
  assert.match(invalid.ok ? '' : invalid.reason, /line 3/);
  const capped = await preflight(input(TWO.replace('concurrency: 5', 'concurrency: 500'), 'local'));
  assert.equal(capped.ok ? null : capped.kind, 'cap');
  assert.match(capped.ok ? '' : capped.reason, /atm\.maxConcurrency/);
});

void test('the test under the cursor and the text of a test', () => {
  const parsed = parseSpecFile(TWO);
  assert.equal(testAtLine(parsed.tests, 0)?.name, 'local');
  assert.equal(testAtLine(parsed.tests, 4)?.name, 'local');
  assert.equal(testAtLine(parsed.tests, 5)?.name, 'remote');
  assert.equal(testAtLine(parsed.tests, 8)?.name, 'remote');
  assert.equal(testAtLine(parsed.tests, 99), null);
  assert.match(sliceRange(TWO, parsed.tests[1].range), /^(---\n)?name: remote[\s\S]*duration_seconds: 30/);
  assert.doesNotMatch(sliceRange(TWO, parsed.tests[1].range), /name: local/);
});

void test("a flow's data file is read beside the spec, and a missing one is named", async () => {
  const flow = `name: journey
base_url: http://localhost:3000
data: { file: users.csv }
steps:
  - name: login
    url: /login?u={{data.user}}
iterations: 3
`;
  const read: string[] = [];
  const readFile = (path: string): string | null => {
    read.push(path);
    return path === '/work/specs/users.csv' ? 'user\nada\n' : null;
  };
  const check = await preflight(input(flow, 'journey', { readFile }));
  assert.equal(check.ok, true, JSON.stringify(check));
  assert.ok(read.includes('/work/specs/users.csv'), `read ${read.join(', ')}`);
  const missing = await preflight(input(flow.replace('users.csv', 'nobody.csv'), 'journey', { readFile }));
  assert.equal(missing.ok, false);
  assert.ok(!missing.ok && /nobody\.csv/.test(missing.reason), JSON.stringify(missing));
});
