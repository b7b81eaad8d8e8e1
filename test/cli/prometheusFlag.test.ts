// `atm run --prometheus` bad input and its end: the bundled CLI (node esbuild.mjs) against a
// server on 127.0.0.1. A busy port, a malformed or foreign address stop the command with exit 2
// before any request; a good one is announced, and the command exits once the final numbers have
// been read.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ok, serve, type TestServer } from '../engine/helpers';
import { atm, CLI } from './atm';


void describe('atm run --prometheus: bad input and the end of the command', { timeout: 120_000 }, () => {
  let dir: string;
  let target: TestServer;
  let taken: Server;
  let spec: string;

  before(async () => {
    assert.ok(existsSync(CLI), 'build dist/cli.js first (node esbuild.mjs)');
    dir = mkdtempSync(join(tmpdir(), 'atm-prometheus-flag-'));
    target = await serve((_req, res) => ok(res));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    spec = join(dir, 'flag.atm.yaml');
    writeFileSync(spec, `name: flag\nbase_url: ${target.url}\nurl: /items\nrequests_per_second: 30\nduration_seconds: 2\n`);
  });
  after(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('a busy port, a malformed, foreign or missing address: exit 2, the flag and the fix named, nothing sent', async () => {
    const busyPort = (taken.address() as { port: number }).port;
    const cases: Array<[string[], RegExp]> = [
      [['--prometheus', String(busyPort)], new RegExp(`--prometheus 127\\.0\\.0\\.1:${busyPort}: the port is in use; pick another port`)],
      [['--prometheus', 'lots'], /--prometheus: 'lots' is not an address: expected \[HOST:\]PORT, e\.g\. 9464/],
      [['--prometheus', '127.0.0.1:99999'], /--prometheus: port 99999 is out of range/],
      [['--prometheus', '192.0.2.7:9464'], /--prometheus 192\.0\.2\.7:9464: 192\.0\.2\.7 is not an address of this machine/],
      [['--prometheus'], /--prometheus needs \[HOST:\]PORT, e\.g\. --prometheus 9464/],
      [['--prometheus', '--quiet'], /--prometheus needs \[HOST:\]PORT/],
    ];
    for (const [flags, message] of cases) {
      const out = await atm(['run', spec, ...flags]);
      assert.equal(out.code, 2, `${flags.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message);
      assert.equal(out.stdout, '', 'no run');
    }
    assert.equal(target.count, 0, 'nothing was sent');
  });

  void it('announces where it serves, and exits once /metrics has been read after the run', async () => {
    let url: string | null = null;
    let scraped: Promise<string> | null = null;
    const out = await atm(['run', spec, '--prometheus', '127.0.0.1:0'], { onStderr: (stderr) => {
      url ??= /Prometheus metrics on (\S+)/.exec(stderr)?.[1] ?? null;
      // Read once the run has ended, as Prometheus's next scrape would.
      if (url !== null && scraped === null && stderr.includes('serving the final numbers')) scraped = fetch(url).then((r) => r.text());
    } });
    assert.equal(out.code, 0, out.stderr);
    assert.ok(url !== null, out.stderr);
    assert.ok(scraped !== null, out.stderr);
    const text = await (scraped as Promise<string>);
    const total = /^atm_requests_total\{test="flag",endpoint="flag",status="200"\} (\d+)$/m.exec(text);
    assert.ok(total !== null, text);
    assert.match(out.stdout, new RegExp(`requests +${total[1]} \\(`));
    await assert.rejects(fetch(url), 'closed when the command ended');
  });

  void it('with --shard, a shard serves its own part: its counts and its share of the rate', async () => {
    let url: string | null = null;
    let scraped: Promise<string> | null = null;
    const out = await atm(['run', spec, '--shard', '1/2', '--prometheus', '127.0.0.1:0', '--quiet'], { onStderr: (stderr) => {
      url ??= /Prometheus metrics on (\S+)/.exec(stderr)?.[1] ?? null;
      if (url !== null && scraped === null) {
        // Polled until the run's end is read (the command then exits).
        scraped = (async () => {
          let last = '';
          for (;;) {
            try {
              last = await (await fetch(url)).text();
            } catch {
              return last;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
      }
    } });
    assert.equal(out.code, 0, out.stderr);
    const text = await (scraped as Promise<string> | null);
    assert.ok(text !== null && text !== undefined, out.stderr);
    const part = JSON.parse(/^@@atm-part@@ (.*)$/m.exec(out.stdout)?.[1] ?? 'null') as { metrics: { total_requests: number } } | null;
    assert.ok(part !== null, out.stdout);
    assert.match(text, new RegExp(`^atm_requests_total\\{test="flag",endpoint="flag",status="200"\\} ${part.metrics.total_requests}$`, 'm'));
    assert.match(text, /^atm_target_rps\{test="flag"\} 15$/m);
  });
});
