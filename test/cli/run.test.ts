// `atm run` end to end: spawns the bundled CLI (node dist/cli.js; `node esbuild.mjs cli`)
// against servers on 127.0.0.1 and checks exit codes, output and --json.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { ok, serve, type TestServer } from '../engine/helpers';
import { atm, CLI } from './atm';


void describe('atm run', { timeout: 90_000 }, () => {
  let dir: string;
  let server: TestServer;
  let hung: TestServer;

  before(async () => {
    assert.ok(existsSync(CLI), 'build dist/cli.js first (node esbuild.mjs cli)');
    dir = mkdtempSync(join(tmpdir(), 'atm-cli-'));
    server = await serve((_req, res) => setTimeout(() => ok(res, '{"ok":true}'), 2));
    hung = await serve(() => undefined);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([server.close(), hung.close()]);
  });

  const write = (name: string, lines: string[]): string => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  void it('exit 0 when every threshold holds; summary on stdout, --json writes the result', async () => {
    const file = write('pass.atm.yaml', ['name: Pass', `base_url: ${server.url}`, 'url: /items', 'concurrency: 2', 'total_requests: 30', 'thresholds: ["p95 < 5s", "error_rate < 1%"]']);
    const out = join(dir, 'pass.json');
    const r = await atm(['run', file, '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Pass: PASSED/);
    assert.match(r.stdout, /✓ p95 < 5s/);
    assert.match(r.stdout, /200 × 30/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.equal(Array.isArray(result), false);
    assert.equal(result.status, 'completed');
    assert.equal(result.metrics.total_requests, 30);
  });

  void it('exit 1 when a threshold fails, with ✗ and the actual value', async () => {
    const file = write('fail.atm.yaml', ['name: Fail', `url: ${server.url}/`, 'concurrency: 1', 'total_requests: 5', 'thresholds: ["rps >= 1000000"]']);
    const r = await atm(['run', file, '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /Fail: FAILED/);
    assert.match(r.stdout, /✗ rps >= 1000000 {2}\(actual [\d.]+\)/);
    assert.equal(r.stderr, '');
  });

  void it('exit 2 on an invalid spec, with FILE:LINE:COL lines; nothing is sent', async () => {
    const before = server.count;
    const file = write('bad.atm.yaml', ['name: Bad', `url: ${server.url}/`, 'concurrency: -3', 'total_requests: 5']);
    const r = await atm(['run', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: error: .*concurrency`));
    assert.equal(server.count, before);
  });

  void it('exit 2 on usage errors: unknown test (names listed), missing file, unknown option', async () => {
    const file = write('two.atm.yaml', ['name: One', `url: ${server.url}/`, 'total_requests: 3', '---', 'name: Two', `url: ${server.url}/`, 'total_requests: 3']);
    const unknown = await atm(['run', file, '--test', 'Three']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no test named 'Three'.*One, Two/);
    assert.equal((await atm(['run', join(dir, 'missing.atm.yaml')])).code, 2);
    assert.equal((await atm(['run', file, '--bogus'])).code, 2);
    assert.equal((await atm(['run'])).code, 2);
  });

  void it('runs every test of a file (an array in --json) or the one named', async () => {
    const file = write('two-ok.atm.yaml', ['name: One', `url: ${server.url}/`, 'total_requests: 3', '---', 'name: Two', `url: ${server.url}/`, 'total_requests: 4']);
    const out = join(dir, 'two.json');
    const all = await atm(['run', file, '--json', out, '--quiet']);
    assert.equal(all.code, 0, all.stderr);
    const results = JSON.parse(readFileSync(out, 'utf8')) as RunResult[];
    assert.deepEqual(
      results.map((r) => [r.name, r.metrics.total_requests]),
      [
        ['One', 3],
        ['Two', 4],
      ],
    );
    const one = await atm(['run', file, '--test', 'Two', '--json', out, '--quiet']);
    assert.equal(one.code, 0);
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as RunResult).name, 'Two');
  });

  void it('prints plain progress lines on a non-TTY stderr; Ctrl-C gives the partial result and exit 3', async () => {
    const file = write('long.atm.yaml', ['name: Long', `url: ${server.url}/`, 'concurrency: 2', 'duration_seconds: 60']);
    const out = join(dir, 'long.json');
    let sent = false;
    const r = await atm(['run', file, '--json', out], { onStderr: (text, signal) => {
      if (!sent && /Long: .*req\/s.*p95.*errors 0/.test(text)) {
        sent = true;
        signal('SIGINT');
      }
    } });
    assert.equal(r.code, 3, r.stderr);
    assert.ok(!r.stderr.includes('\r'));
    assert.match(r.stdout, /Long: CANCELLED/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.equal(result.status, 'cancelled');
    assert.ok(result.metrics.total_requests > 0);
  });

  void it('a second Ctrl-C exits at once', async () => {
    const file = write('hung.atm.yaml', ['name: Hung', `url: ${hung.url}/`, 'concurrency: 2', 'duration_seconds: 60', 'timeout_seconds: 60']);
    let signals = 0;
    const t0 = Date.now();
    const r = await atm(['run', file], { onStderr: (text, signal) => {
      if (signals === 0 && text.includes('Hung:')) {
        signals++;
        signal('SIGINT');
      } else if (signals === 1 && text.includes('stopping')) {
        signals++;
        signal('SIGINT');
      }
    } });
    assert.equal(r.code, 3);
    assert.equal(signals, 2);
    assert.ok(Date.now() - t0 < 15_000);
  });

  void it('examples/quickstart.atm.yaml with --demo does what its comments say', async () => {
    const example = join(__dirname, '..', '..', 'examples', 'quickstart.atm.yaml');
    const text = readFileSync(example, 'utf8');
    const comments = text
      .split('\n')
      .map((l) => /(?:^|\s)#\s?(.*)$/.exec(l)?.[1] ?? '')
      .join('\n');
    const out = join(dir, 'quickstart.json');
    const r = await atm(['run', example, '--demo', '--json', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.equal(result.passed, true);
    assert.equal(result.metrics.error_rate, 0);
    // Every count the comments and description name is the one the run used.
    for (const m of `${comments}\n${text}`.matchAll(/(\d+) requests/g)) assert.equal(Number(m[1]), result.metrics.total_requests, m[0]);
    const perBatch = /(\d+) at a time/.exec(text);
    assert.ok(perBatch, 'the description says how many at a time');
    assert.equal(Number(perBatch[1]), result.spec.concurrency);
    assert.doesNotMatch(comments, /about a millisecond/, 'the demo answers in milliseconds, not one');
    // Figures measured once mislead elsewhere (the editor, another machine): the comments explain
    // the thresholds instead of quoting latencies.
    assert.doesNotMatch(comments, /\d\s*(?:-|to)\s*\d+\s*(?:ms|s)\b|measured on|take about/, 'no measured latencies in the comments');
  });

  void it('--demo runs against the built-in demo target', async () => {
    const file = write('demo.atm.yaml', [
      'name: Demo',
      'base_url: http://127.0.0.1:9',
      'endpoints:',
      '  - { name: list, url: "/items?limit=5" }',
      '  - { name: one, url: /items/1 }',
      '  - { name: create, method: POST, url: /items, body: { name: x }, expected_status_codes: [201] }',
      '  - { name: echo, method: PUT, url: /echo, body: "hello" }',
      'concurrency: 3',
      'total_requests: 40',
    ]);
    const out = join(dir, 'demo.json');
    const r = await atm(['run', file, '--demo', '--json', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.deepEqual(result.metrics.status_code_counts, { '200': 30, '201': 10 });
    const echo = result.sampled_requests.find((s) => s.endpoint === 'echo');
    assert.ok(echo?.response_body?.includes('"method":"PUT"'));
  });
});
