// The engine process compares with a baseline file the editor passes (RunParams.baselineFile,
// the pinned run) unless the spec names its own; an unusable file is logged, reported in the
// result, and the run still happens. Needs the bundle: `node esbuild.mjs engine`.
import { strict as assert } from 'node:assert';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { LogNotification, RunRequest, type LogParams } from '../../engine/protocol';
import type { RunResult } from '../../engine/format/result';
import { ok, serve, type TestServer } from './helpers';

const enginePath = join(__dirname, '..', '..', 'dist', 'engine.js');

void describe('engine process with a baseline', { timeout: 60_000 }, () => {
  let server: TestServer;
  let dir: string;
  let child: ChildProcess;
  let connection: MessageConnection;
  const logs: LogParams[] = [];

  before(async () => {
    assert.ok(existsSync(enginePath), 'build dist/engine.js first (node esbuild.mjs engine)');
    server = await serve((_req, res) => ok(res, '{"ok":true}'));
    dir = mkdtempSync(join(tmpdir(), 'atm-engine-baseline-'));
    child = fork(enginePath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.onNotification(LogNotification, (p) => {
      logs.push(p);
    });
    connection.listen();
  });
  after(async () => {
    connection.dispose();
    if (child.exitCode === null) child.kill();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const spec = (extra = ''): string =>
    [`name: pinned`, `base_url: ${server.url}`, 'endpoints:', '  - name: list', '    url: /items', '    thresholds: [ "p99 < baseline * 1000" ]', 'total_requests: 40', 'concurrency: 2', 'thresholds:', '  - p95 < baseline + 100000%', extra, ''].join('\n');

  const run = (runId: string, text: string, baselineFile?: string): Promise<RunResult> =>
    connection.sendRequest(RunRequest, { runId, file: join(dir, 'api.atm.yaml'), text, testName: 'pinned', ...(baselineFile !== undefined ? { baselineFile } : {}) });

  void it('compares with the pinned run passed as baselineFile', async () => {
    const first = await run('11111111-1111-4111-8111-111111111111', spec());
    assert.equal(first.baseline_run, null);
    assert.ok(first.thresholds.every((t) => t.no_baseline === true));
    writeFileSync(join(dir, 'pinned.json'), JSON.stringify(first));

    const second = await run('22222222-2222-4222-8222-222222222222', spec(), join(dir, 'pinned.json'));
    assert.equal(second.baseline_run, first.id);
    assert.equal(second.baseline_source, join(dir, 'pinned.json'));
    assert.deepEqual(
      second.thresholds.map((t) => [t.endpoint, t.baseline, t.no_baseline ?? false, t.passed]),
      [
        [null, first.metrics.latency_ms.p95, false, true],
        ['list', first.endpoint_metrics[0].latency_ms.p99, false, true],
      ],
    );
  });

  void it("the spec's baseline: wins, and a bad one is logged and reported while the run goes ahead", async () => {
    writeFileSync(join(dir, 'broken.json'), '{"not": "a result"}');
    const result = await run('33333333-3333-4333-8333-333333333333', spec('baseline: broken.json'), join(dir, 'pinned.json'));
    assert.equal(result.status, 'completed');
    assert.equal(result.metrics.total_requests, 40);
    assert.equal(result.baseline_run, null, 'the pinned run does not stand in for the broken file the spec names');
    assert.match(result.baseline_error ?? '', /broken\.json: the result is not a run result/);
    const warning = logs.find((l) => l.level === 'warn' && l.runId === '33333333-3333-4333-8333-333333333333');
    assert.match(warning?.message ?? '', /broken\.json: the result is not a run result.*; running without a baseline/);
  });
});
