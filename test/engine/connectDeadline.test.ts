// A request still waiting for its connection is ended by the engine's own deadline at
// timeout_seconds, not left to undici's connect timer. The listener that never accepts is a child
// process whose event loop is blocked, with its accept queue filled: the kernel then drops every
// further SYN on loopback, so a connect neither succeeds nor fails.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { endpoint, plan } from './helpers';

const LISTENER = `
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n', () => {
    // Never return to the event loop: nothing is ever accepted.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
});
`;

/** Resolves true when the socket connects within `ms`, false when it is still connecting. */
function connects(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

void describe('deadline of a request waiting for its connection', { timeout: 60_000 }, () => {
  let child: ChildProcess;
  let port = 0;
  const fillers: Socket[] = [];

  before(async () => {
    child = spawn(process.execPath, ['-e', LISTENER], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.once('exit', (code) => reject(new Error(`listener exited with ${String(code)}`)));
    });
    // Fill the accept queue until a connect hangs: from then on every SYN is dropped.
    for (let i = 0; i < 64; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      fillers.push(socket);
      if (!(await connects(socket, 500))) return;
    }
    throw new Error('the listener kept accepting connections');
  });

  after(() => {
    for (const socket of fillers) socket.destroy();
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  });

  void it('closed model: each request ends as connect_timeout at timeout_seconds', async () => {
    const started = performance.now();
    const result = await runPlan(plan({ concurrency: 2, totalRequests: 4, timeoutMs: 400, endpoints: [endpoint({ url: `http://127.0.0.1:${port}/` })] }), { warmCode: false });
    const elapsed = performance.now() - started;
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.metrics.errors_by_type, { connect_timeout: 4 });
    const sample = result.sampled_requests.find((s) => s.error_type === 'connect_timeout');
    assert.ok(sample?.error?.includes('no connection within timeout_seconds (0.4 s)'), JSON.stringify(sample));
    // Two requests after each other on each connection slot, each ended at its deadline (the
    // warm-up waits up to the timeout first); undici's own connect timer would fire 1 s later.
    assert.ok(result.metrics.duration_seconds >= 0.75, `run of ${result.metrics.duration_seconds} s`);
    assert.ok(result.metrics.duration_seconds < 2.4, `run of ${result.metrics.duration_seconds} s: a deadline came late`);
    assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
  });

  void it('open model: requests due while connecting end at the deadline too', async () => {
    const result = await runPlan(
      plan({ concurrency: 3, totalRequests: 3, requestsPerSecond: 30, timeoutMs: 300, endpoints: [endpoint({ url: `http://127.0.0.1:${port}/` })] }),
      { warmCode: false },
    );
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.metrics.errors_by_type, { connect_timeout: 3 });
    const sample = result.sampled_requests.find((s) => s.error_type === 'connect_timeout');
    assert.ok(sample?.error?.includes('no connection within timeout_seconds (0.3 s)'), JSON.stringify(sample));
    assert.ok(result.metrics.duration_seconds < 1.5, `run of ${result.metrics.duration_seconds} s`);
  });
});
