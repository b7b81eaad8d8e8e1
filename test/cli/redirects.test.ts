// `atm run` with follow_redirects: the summary says how many redirects were followed and the
// --json result carries them in metrics.redirects. Spawns the bundled CLI (node dist/cli.js).
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { ok, serve, type TestServer } from '../engine/helpers';
import { atm, CLI } from './atm';


void describe('atm run with follow_redirects', { timeout: 60_000 }, () => {
  let dir: string;
  let server: TestServer;

  before(async () => {
    assert.ok(existsSync(CLI), 'build dist/cli.js first (node esbuild.mjs cli)');
    dir = mkdtempSync(join(tmpdir(), 'atm-redirects-'));
    server = await serve((req, res) => {
      if (req.url === '/old') {
        res.writeHead(308, { location: '/new', 'content-length': 0 });
        res.end();
      } else ok(res, 'new');
    });
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  void it('summary line and metrics.redirects', async () => {
    const file = join(dir, 'r.atm.yaml');
    writeFileSync(file, ['name: moved', `base_url: ${server.url}`, 'url: /old', 'follow_redirects: 1', 'total_requests: 4', 'concurrency: 1', ''].join('\n'));
    const out = join(dir, 'r.json');
    const r = await atm(['run', file, '--quiet', '--json', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /status {6}200 × 4/);
    assert.match(r.stdout, /redirects {3}4 followed/);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.equal(result.metrics.redirects, 4);
    assert.equal(server.count, 8);
    // Without follow_redirects the 308 is the response, and the summary has no redirects line.
    writeFileSync(file, ['name: moved', `base_url: ${server.url}`, 'url: /old', 'total_requests: 1', ''].join('\n'));
    const plain = await atm(['run', file, '--quiet']);
    assert.equal(plain.code, 1, plain.stderr);
    assert.match(plain.stdout, /status {6}308 × 1/);
    assert.doesNotMatch(plain.stdout, /redirects/);
  });
});
