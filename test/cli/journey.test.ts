// The journey example end to end through the bundled CLI (`node esbuild.mjs` first): `atm run
// examples/journey.atm.yaml --demo` logs in, creates and reads back orders on the demo target.
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { atm } from './atm';

const root = join(__dirname, '..', '..');

void describe('atm run examples/journey.atm.yaml --demo', { timeout: 120_000 }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atm-journey-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('runs the whole journey: every iteration completes and every check holds', async () => {
    const out = join(dir, 'journey.json');
    const r = await atm(['run', join(root, 'examples', 'journey.atm.yaml'), '--demo', '--json', out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.equal(result.passed, true);
    assert.deepEqual(result.endpoint_metrics.map((e) => [e.name, e.total_requests, e.failed_requests]), [
      ['login', 200, 0],
      ['create order', 200, 0],
      ['read back', 200, 0],
    ]);
    assert.equal(result.iterations?.completed, 200);
    assert.equal(result.skipped_steps, 0);
    assert.equal(result.checks?.length, 8);
    for (const c of result.checks ?? []) assert.deepEqual([c.expression, c.fails, c.passes], [c.expression, 0, 200]);
    // Tokens the demo hands out start with `demo-`: none may reach the result.
    assert.doesNotMatch(readFileSync(out, 'utf8'), /demo-[A-Za-z0-9_-]+-[0-9a-z]+-[0-9a-z]+/);
    const login = result.sampled_requests.find((s) => s.endpoint === 'login' && s.iteration === 0);
    assert.equal(login?.captured?.token, '***');
    const readBack = result.sampled_requests.find((s) => s.endpoint === 'read back' && s.iteration === 0);
    assert.equal(readBack?.request_headers.authorization, '***');
    assert.match(readBack?.url ?? '', /\/orders\/\d+$/);
    // The summary names the iterations, the steps and the checks.
    assert.match(r.stdout, /iterations {2}200 started, 200 completed, 0 failed, 0 dropped/);
    assert.match(r.stdout, /step +method/);
    assert.match(r.stdout, /✓ \[read back\] body contains "created" +200 +0/);
    assert.match(r.stdout, /✓ checks > 99% {2}\(actual 100%\)/);
  });

  void it('a refused login ends those iterations: skipped steps, failed checks, exit 1', async () => {
    copyFileSync(join(root, 'examples', 'journey.atm.yaml'), join(dir, 'journey.atm.yaml'));
    // bob's password is too short for the demo target: his logins answer 401.
    writeFileSync(join(dir, 'users.csv'), 'user,password,item_id\nalice,alice-pw,3\nbob,no,4\n');
    const out = join(dir, 'refused.json');
    const r = await atm(['run', join(dir, 'journey.atm.yaml'), '--demo', '--json', out, '--quiet']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.deepEqual([result.iterations?.completed, result.iterations?.failed], [100, 100]);
    assert.equal(result.skipped_steps, 200);
    assert.equal(result.metrics.errors_by_type.unexpected_status, 100);
    assert.deepEqual(result.endpoint_metrics.map((e) => e.total_requests), [200, 100, 100]);
    assert.match(r.stdout, /✗ checks > 99%/);
  });

  void it('validate reports a broken data file and an unknown column at their places', async () => {
    const spec = join(dir, 'bad.atm.yaml');
    writeFileSync(spec, 'name: bad\nbase_url: http://127.0.0.1:1\ndata: { file: users.csv }\nsteps:\n  - name: a\n    url: /a/{{data.mail}}\n');
    writeFileSync(join(dir, 'users.csv'), 'user,password\nann,pw12\n');
    const unknown = await atm(['validate', spec]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stdout + unknown.stderr, /bad\.atm\.yaml:6:13: error: Data file `users\.csv` has no column `mail`/);
    writeFileSync(join(dir, 'users.csv'), 'user,password\n"ann,pw12\n');
    const broken = await atm(['validate', spec]);
    assert.equal(broken.code, 2);
    assert.match(broken.stdout + broken.stderr, /bad\.atm\.yaml:3:15: error: Data file `users\.csv`: not valid CSV: Quote Not Closed/);
  });
});
