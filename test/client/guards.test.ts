// Guard rails and the words the extension shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capViolation, classifyHosts, describeLoad, envVarsIn, hostsOf, isLocalAddress, specHash } from '../../client/guards';
import { formatMs, runDescription, runOutcome, statusBarText } from '../../client/format';

void test('loopback and private addresses are local; public ones are not', () => {
  for (const ip of ['127.0.0.1', '127.8.9.1', '::1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '[::1]']) {
    assert.equal(isLocalAddress(ip), true, ip);
  }
  for (const ip of ['8.8.8.8', '172.32.0.1', '172.15.0.1', '192.169.0.1', '2001:db8::1', '::ffff:8.8.8.8', 'example.com']) {
    assert.equal(isLocalAddress(ip), false, ip);
  }
});

void test('host names are resolved; a name that resolves nowhere counts as remote', async () => {
  const table: Record<string, string[]> = { localhost: ['127.0.0.1', '::1'], 'api.example.com': ['93.184.216.34'], 'mixed.test': ['10.0.0.1', '93.184.216.34'] };
  const lookup = async (h: string): Promise<string[]> => {
    const found = table[h];
    if (!found) throw new Error(`ENOTFOUND ${h}`);
    return found;
  };
  const verdicts = await classifyHosts(['localhost', 'api.example.com', 'mixed.test', 'nowhere.test', '192.168.0.5', 'LOCALHOST'], lookup);
  assert.deepEqual(
    verdicts.map((v) => [v.host, v.local]),
    [['localhost', true], ['api.example.com', false], ['mixed.test', false], ['nowhere.test', false], ['192.168.0.5', true]],
  );
});

void test('hosts come from absolute http(s) URLs only', () => {
  assert.deepEqual(hostsOf(['http://127.0.0.1:3000/a', 'https://api.example.com/x?y=1', 'http://127.0.0.1:3000/b', '/relative', 'ftp://f.example.com/']), ['127.0.0.1', 'api.example.com']);
});

void test('caps refuse a run beyond them and name the setting', () => {
  const caps = { maxConcurrency: 50, maxRequestsPerSecond: 100, maxDurationSeconds: 60 };
  const load = { concurrency: 10, requestsPerSecond: 50, durationSeconds: 30, totalRequests: null };
  assert.equal(capViolation('t', load, caps), null);
  assert.match(capViolation('t', { ...load, concurrency: 51 }, caps) ?? '', /concurrency 51.*atm\.maxConcurrency/);
  assert.match(capViolation('t', { ...load, requestsPerSecond: 101 }, caps) ?? '', /101 requests per second.*atm\.maxRequestsPerSecond/);
  assert.match(capViolation('t', { ...load, durationSeconds: 61 }, caps) ?? '', /61 s.*atm\.maxDurationSeconds/);
  assert.equal(capViolation('t', { ...load, requestsPerSecond: null, durationSeconds: null, totalRequests: 1e6 }, caps), null);
});

void test('the confirmation dialog describes the load and the env vars sent', () => {
  assert.equal(describeLoad({ concurrency: 20, requestsPerSecond: 200, durationSeconds: 30, totalRequests: null }), '200 req/s (fixed arrival rate), 20 connections, for 30 s');
  assert.equal(describeLoad({ concurrency: 1, requestsPerSecond: null, durationSeconds: null, totalRequests: 500 }), 'as fast as the server answers, 1 connection, 500 requests in total');
  assert.deepEqual(envVarsIn('token: "{{env:API_TOKEN}}"\nx: {{ env:OTHER }} {{env:API_TOKEN}} {{name}}'), ['API_TOKEN', 'OTHER']);
});

void test('a confirmation is tied to the exact test text', () => {
  assert.equal(specHash('a', 'name: a\nurl: /x'), specHash('a', 'name: a\nurl: /x'));
  assert.notEqual(specHash('a', 'name: a\nurl: /x'), specHash('a', 'name: a\nurl: /y'));
  assert.notEqual(specHash('a', 'x'), specHash('b', 'x'));
});

void test('status bar and history wording', () => {
  assert.equal(statusBarText(1204.4, 38.2), 'ATM: 1,204 req/s · p95 38 ms');
  assert.equal(statusBarText(12, 0.84), 'ATM: 12 req/s · p95 0.8 ms');
  assert.equal(formatMs(Number.NaN), '–');
  const run = { status: 'completed' as const, passed: true, completedAt: '2026-01-01T10:00:00.000Z', requestsPerSecond: 99.6, p95: 12.2 };
  assert.equal(runOutcome(run), 'passed');
  assert.equal(runOutcome({ ...run, passed: false }), 'failed');
  assert.equal(runOutcome({ ...run, status: 'cancelled' }), 'cancelled');
  assert.equal(runOutcome({ ...run, status: 'failed', passed: false }), 'error');
  const summary = { ...run, id: 'i', name: 'n', file: 'f', startedAt: run.completedAt, failureReasons: [], fileName: 'x.json' };
  assert.match(runDescription(summary, new Date('2026-01-01T12:00:00.000Z')), /^\d\d:\d\d:\d\d · 100 req\/s · p95 12 ms$/);
  assert.match(runDescription(summary, new Date('2026-03-01T12:00:00.000Z')), /^2026-01-01 \d\d:\d\d · 100 req\/s · p95 12 ms$/);
});
