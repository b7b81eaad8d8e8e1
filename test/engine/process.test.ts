// The engine process over real IPC: fork dist/engine.js, handshake, run, progress, cancel
// (once: partial result; twice: the process ends), terminate, spec errors, and no orphan
// when the parent dies. Needs the bundle: `node esbuild.mjs engine` (npm test builds it).
import { strict as assert } from 'node:assert';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource, createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import {
  ENGINE_PROTOCOL_VERSION,
  EngineErrorCodes,
  HelloRequest,
  LogNotification,
  ProgressNotification,
  RunRequest,
  SampleNotification,
  TerminateNotification,
} from '../../engine/protocol';
import type { ProgressUpdate } from '../../engine/format/result';
import { ok, serve, type TestServer } from './helpers';

const root = join(__dirname, '..', '..');
const enginePath = join(root, 'dist', 'engine.js');

interface Engine {
  child: ChildProcess;
  connection: MessageConnection;
  exited: Promise<number | null>;
}

function startEngine(): Engine {
  const child = fork(enginePath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  return { child, connection, exited };
}

function spec(url: string, extra: string[] = []): string {
  return ['name: Process run', `url: ${url}`, 'concurrency: 2', ...extra, ''].join('\n');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

void describe('engine process', { timeout: 60_000 }, () => {
  let server: TestServer;
  let hung: TestServer;
  const engines: Engine[] = [];

  before(async () => {
    assert.ok(existsSync(enginePath), 'build dist/engine.js first (node esbuild.mjs engine)');
    server = await serve((_req, res) => setTimeout(() => ok(res), 5));
    hung = await serve(() => undefined);
  });
  after(async () => {
    for (const e of engines) {
      e.connection.dispose();
      if (e.child.exitCode === null) e.child.kill();
    }
    await Promise.all([server.close(), hung.close()]);
  });

  const engine = (): Engine => {
    const e = startEngine();
    engines.push(e);
    return e;
  };

  void it('answers the handshake and runs a test with progress, samples and logs', async () => {
    const { connection } = engine();
    const hello = await connection.sendRequest(HelloRequest, { protocolVersion: ENGINE_PROTOCOL_VERSION });
    assert.equal(hello.protocolVersion, ENGINE_PROTOCOL_VERSION);
    assert.equal(hello.nodeVersion, process.version);
    const progress: ProgressUpdate[] = [];
    let samples = 0;
    const logs: string[] = [];
    connection.onNotification(ProgressNotification, (p) => {
      progress.push(p);
    });
    connection.onNotification(SampleNotification, (p) => {
      assert.equal(p.runId, 'run-1');
      samples++;
    });
    connection.onNotification(LogNotification, (p) => {
      logs.push(p.message);
    });
    const result = await connection.sendRequest(RunRequest, {
      runId: 'run-1',
      file: '/virtual/api.atm.yaml',
      displayFile: 'api.atm.yaml',
      text: spec(`${server.url}/`, ['duration_seconds: 1.5', 'thresholds: ["p99 < 5s"]']),
      testName: 'Process run',
    });
    assert.equal(result.status, 'completed');
    assert.equal(result.id, 'run-1');
    assert.equal(result.file, 'api.atm.yaml');
    assert.equal(result.passed, true);
    assert.ok(result.metrics.total_requests > 10);
    assert.equal(progress.length, 1);
    assert.equal(progress[0].runId, 'run-1');
    assert.equal(progress[0].point.t, 1);
    assert.ok(samples >= 1);
    assert.ok(logs.some((l) => l.startsWith('run started')));
  });

  void it('answers SPEC_INVALID with the problems, TEST_NOT_FOUND with the names', async () => {
    const { connection } = engine();
    await assert.rejects(
      connection.sendRequest(RunRequest, { runId: 'r', file: '/virtual/bad.atm.yaml', text: 'name: Bad\nurl: /x\nconcurrency: -1\n', testName: 'Bad' }),
      (err: unknown) => err instanceof ResponseError && err.code === EngineErrorCodes.SPEC_INVALID && /concurrency/.test(err.message),
    );
    await assert.rejects(
      connection.sendRequest(RunRequest, { runId: 'r', file: '/virtual/a.atm.yaml', text: spec(`${server.url}/`), testName: 'Nope' }),
      (err: unknown) => err instanceof ResponseError && err.code === EngineErrorCodes.TEST_NOT_FOUND && err.message.includes('Process run'),
    );
  });

  void it('cancel once: the partial result, status cancelled', async () => {
    const { connection, child } = engine();
    const source = new CancellationTokenSource();
    connection.onNotification(ProgressNotification, () => source.cancel());
    const result = await connection.sendRequest(
      RunRequest,
      { runId: 'run-c', file: '/virtual/a.atm.yaml', text: spec(`${server.url}/`, ['duration_seconds: 60']), testName: 'Process run' },
      source.token,
    );
    assert.equal(result.status, 'cancelled');
    assert.ok(result.metrics.total_requests > 0);
    // The engine stays up for the next run, also after the cancel's grace time.
    const again = await connection.sendRequest(RunRequest, {
      runId: 'run-d',
      file: '/virtual/a.atm.yaml',
      text: spec(`${server.url}/`, ['duration_seconds: 6']),
      testName: 'Process run',
    });
    assert.equal(again.status, 'completed');
    assert.equal(child.exitCode, null);
  });

  void it('cancel twice: the process ends', async () => {
    const { connection, exited } = engine();
    const source = new CancellationTokenSource();
    connection.onNotification(LogNotification, (p) => {
      if (p.message.startsWith('run started')) {
        source.cancel();
        // The second stage: a fresh cancel of the same request is not possible through one
        // token, so the parent sends the terminate notification, as the extension does.
        void connection.sendNotification(TerminateNotification);
      }
    });
    const running = connection.sendRequest(
      RunRequest,
      { runId: 'run-t', file: '/virtual/a.atm.yaml', text: spec(`${hung.url}/`, ['duration_seconds: 60', 'timeout_seconds: 60']), testName: 'Process run' },
      source.token,
    );
    running.catch(() => undefined);
    assert.equal(await exited, 0);
  });

  void it('exits when its parent is killed (no orphan)', async () => {
    const parentCode = `
      const { fork } = require('node:child_process');
      const child = fork(${JSON.stringify(enginePath)}, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      process.stdout.write(String(child.pid) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentCode], { stdio: ['ignore', 'pipe', 'ignore'] });
    const childPid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    assert.ok(alive(childPid));
    const parentGone = new Promise((resolve) => parent.once('exit', resolve));
    parent.kill('SIGKILL');
    await parentGone;
    // The engine sees its IPC channel close; give it up to 5 s (checked every 20 ms).
    const deadline = Date.now() + 5000;
    while (alive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const orphan = alive(childPid);
    if (orphan) process.kill(childPid, 'SIGKILL');
    assert.equal(orphan, false, 'the engine outlived its parent');
  });
});
