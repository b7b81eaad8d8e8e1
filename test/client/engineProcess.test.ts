// The engine host against the real engine bundle (dist/engine.js, built by `npm test`) and the
// demo target on loopback: a run, a two-stage stop, and an engine that dies mid-run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EngineExitedError, EngineProcess } from '../../client/engine/engineProcess';
import { failedResult } from '../../client/format';
import { startDemoServer, type DemoServer } from '../../engine/demo/server';
import type { ProgressUpdate } from '../../engine/format/result';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');
let demo: DemoServer;
const logs: string[] = [];
const log = (level: string, message: string): void => void logs.push(`${level}: ${message}`);

before(async () => {
  assert.ok(existsSync(enginePath), 'dist/engine.js is built (npm run build)');
  demo = await startDemoServer({ host: '127.0.0.1', port: 0 });
});
after(() => demo.close());

function spec(body: string): string {
  return `name: t\nbase_url: ${demo.url}\n${body}`;
}

void test('hello, then a run answers with the result and progress on the way', async (t) => {
  const engine = await EngineProcess.start({ enginePath, execPath: process.execPath, log });
  t.after(() => engine.dispose());
  assert.equal(engine.hello?.protocolVersion, 1);
  const updates: ProgressUpdate[] = [];
  const result = await engine.run(
    { runId: 'r1', file: '/tmp/t.atm.yaml', text: spec('url: /slow?ms=5\nconcurrency: 2\nduration_seconds: 2\n'), testName: 't' },
    { onProgress: (u) => updates.push(u) },
  );
  assert.equal(result.status, 'completed');
  assert.equal(result.id, 'r1');
  assert.ok(result.metrics.total_requests > 0);
  assert.ok(updates.length >= 1, 'at least one progress update in 2 s');
  assert.ok(updates.every((u) => u.runId === 'r1'));
});

void test('stop cancels the run and the engine answers with partial metrics', async (t) => {
  const engine = await EngineProcess.start({ enginePath, execPath: process.execPath, log });
  t.after(() => engine.dispose());
  let stopped = false;
  const result = await engine.run(
    { runId: 'r2', file: '/tmp/t.atm.yaml', text: spec('url: /slow?ms=10\nconcurrency: 2\nduration_seconds: 60\n'), testName: 't' },
    {
      onProgress: () => {
        if (!stopped) {
          stopped = true;
          engine.stop({ terminateAfterMs: 10_000, killAfterMs: 2000 });
        }
      },
    },
  );
  assert.equal(result.status, 'cancelled');
  assert.ok(result.metrics.total_requests > 0);
});

void test('an engine that dies mid-run rejects with EngineExitedError; the last snapshot is kept', async (t) => {
  const engine = await EngineProcess.start({ enginePath, execPath: process.execPath, log });
  t.after(() => engine.dispose());
  let last: ProgressUpdate | null = null;
  const run = engine.run(
    { runId: 'r3', file: '/tmp/t.atm.yaml', text: spec('url: /slow?ms=10\nconcurrency: 2\nduration_seconds: 60\n'), testName: 't' },
    {
      onProgress: (u) => {
        if (last === null && engine.pid !== undefined) process.kill(engine.pid, 'SIGKILL');
        last = u;
      },
    },
  );
  await assert.rejects(run, (err: unknown) => err instanceof EngineExitedError && err.signal === 'SIGKILL');
  await engine.whenExited();
  assert.equal(engine.isAlive, false);
  const recorded = failedResult({ runId: 'r3', name: 't', file: 't.atm.yaml', startedAt: new Date(), message: 'The engine process was killed (SIGKILL)' }, last);
  assert.equal(recorded.status, 'failed');
  assert.ok(recorded.metrics.total_requests > 0, 'the last snapshot numbers are kept');
});

void test('an engine that cannot start is reported, not hung on', async () => {
  await assert.rejects(
    EngineProcess.start({ enginePath: join(__dirname, 'no-such-engine.js'), execPath: process.execPath, log, helloTimeoutMs: 10_000 }),
    (err: unknown) => err instanceof EngineExitedError && err.code !== 0,
  );
});

void test('dispose kills the child', async () => {
  const engine = await EngineProcess.start({ enginePath, execPath: process.execPath, log });
  assert.equal(engine.isAlive, true);
  engine.dispose();
  await engine.whenExited();
  assert.equal(engine.isAlive, false);
});
