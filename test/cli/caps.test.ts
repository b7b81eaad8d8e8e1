// `atm run` caps the load a spec may ask for (--max-concurrency, --max-rps, --max-duration, with
// the defaults of the extension's settings), and a run never opens more connections than it sends
// requests. Spawns the bundled CLI (node dist/cli.js) against a server on 127.0.0.1.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CAPS } from '../../engine/guard/caps';
import { ok, serve, type TestServer } from '../engine/helpers';
import { atm as runAtm, CLI, type Outcome } from './atm';

// A hang would be the bug: never wait for ever.
const atm = (args: string[]): Promise<Outcome> => runAtm(args, { killAfterMs: 60_000 });

const root = join(__dirname, '..', '..');

void describe('atm run caps', { timeout: 120_000 }, () => {
  let dir: string;
  let server: TestServer;
  let connections = 0;

  before(async () => {
    assert.ok(existsSync(CLI), 'build dist/cli.js first (node esbuild.mjs cli)');
    dir = mkdtempSync(join(tmpdir(), 'atm-caps-'));
    server = await serve((_req, res) => ok(res));
    server.server.on('connection', () => connections++);
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  const write = (name: string, lines: string[]): string => {
    const path = join(dir, name);
    writeFileSync(path, `${[`name: ${name}`, `base_url: ${server.url}`, 'url: /items', ...lines].join('\n')}\n`);
    return path;
  };

  void it('the default caps are the defaults of the extension settings', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    const props = manifest.contributes.configuration.properties;
    assert.equal(props['atm.maxConcurrency'].default, DEFAULT_CAPS.maxConcurrency);
    assert.equal(props['atm.maxRequestsPerSecond'].default, DEFAULT_CAPS.maxRequestsPerSecond);
    assert.equal(props['atm.maxDurationSeconds'].default, DEFAULT_CAPS.maxDurationSeconds);
  });

  void it('concurrency: 1000000000 with total_requests: 20 is refused at once by validate and run, nothing sent', async () => {
    const file = write('billion', ['concurrency: 1000000000', 'total_requests: 20']);
    const before = server.count;
    const validated = await atm(['validate', file]);
    assert.equal(validated.code, 2, validated.stdout + validated.stderr);
    assert.match(validated.stdout + validated.stderr, /`concurrency` is 1000000000, above the limit of 100,000 connections/);
    const run = await atm(['run', file]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /above the limit of 100,000 connections/);
    assert.ok(run.ms < 30_000, `took ${run.ms} ms`);
    assert.equal(server.count, before, 'no request was sent');
  });

  void it('over a default cap: usage error naming the flag, before any request', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['concurrency: 1001', 'total_requests: 5'], /concurrency 1001, above --max-concurrency 1000; .*--max-concurrency N/],
      [['requests_per_second: 10001', 'total_requests: 5'], /10001 requests per second, above --max-rps 10000; .*--max-rps N/],
      [['duration_seconds: 601'], /runs for 601 s, above --max-duration 600; .*--max-duration S/],
    ];
    const before = server.count;
    for (const [i, [lines, message]] of cases.entries()) {
      const r = await atm(['run', write(`over${i}`, lines)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'no summary: nothing ran');
    }
    assert.equal(server.count, before, 'no request was sent');
  });

  void it('a lowered cap refuses what the default allows; a bad cap value is a usage error', async () => {
    const file = write('rated', ['requests_per_second: 50', 'total_requests: 5']);
    const lowered = await atm(['run', file, '--max-rps', '10']);
    assert.equal(lowered.code, 2);
    assert.match(lowered.stderr, /above --max-rps 10;/);
    for (const [flag, value] of [['--max-concurrency', '0'], ['--max-rps', '2.5'], ['--max-duration', 'soon']]) {
      const r = await atm(['run', file, flag, value]);
      assert.equal(r.code, 2, `${flag} ${value}`);
      assert.ok(r.stderr.includes(`atm run: ${flag} must be a positive`), r.stderr);
      assert.match(r.stderr, /Usage: atm run FILE/);
    }
    const missing = await atm(['run', file, '--max-duration']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--max-duration needs a number/);
  });

  void it('a raised cap runs, and the run opens no more connections than total_requests', async () => {
    const file = write('raised', ['concurrency: 5000', 'total_requests: 20']);
    const refused = await atm(['run', file]);
    assert.equal(refused.code, 2);
    connections = 0;
    const before = server.count;
    const r = await atm(['run', file, '--max-concurrency=5000', '--max-duration', '30.5', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /requests {4}20 \(20 ok/);
    assert.equal(server.count - before, 20);
    assert.ok(connections > 0 && connections <= 20, `${connections} connections for 20 requests`);
  });
});
