// `atm demo-server`: prints its URL, serves, stops on SIGTERM with exit 0.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

void describe('atm demo-server', { timeout: 30_000 }, () => {
  void it('serves on the given port until SIGTERM', async () => {
    const child = spawn(process.execPath, [cli, 'demo-server', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m !== null) resolve(m[1]);
      });
      child.once('close', () => reject(new Error(`exited early: ${out}`)));
    });
    const res = await request(`${url}/health`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(await res.body.json(), { status: 'ok' });
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  void it('refuses a bad port with exit 2', async () => {
    const child = spawn(process.execPath, [cli, 'demo-server', '--port', 'abc'], { stdio: ['ignore', 'ignore', 'pipe'] });
    assert.equal(await new Promise((resolve) => child.on('close', resolve)), 2);
  });
});
