// The setting atm.prometheus.address reaching the engine: a run through the engine host with
// RunParams.prometheus (what the run controller sends when the setting is set) serves /metrics
// while it runs and, the engine disposed, until the final numbers are read; a port in use is
// refused before anything is sent, naming the setting. Against the real engine bundle
// (dist/engine.js) and the demo target on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { EngineProcess, ResponseError } from '../../client/engine/engineProcess';
import { startDemoServer, type DemoServer } from '../../engine/demo/server';
import { EngineErrorCodes } from '../../engine/protocol';
import { ok, serve } from '../engine/helpers';

const root = join(__dirname, '..', '..');
const enginePath = join(root, 'dist', 'engine.js');
let demo: DemoServer;
const logs: string[] = [];
const log = (level: string, message: string): void => void logs.push(`${level}: ${message}`);

before(async () => {
  assert.ok(existsSync(enginePath), 'dist/engine.js is built (npm run build)');
  demo = await startDemoServer({ host: '127.0.0.1', port: 0 });
});
after(() => demo.close());

const total = (text: string, test: string): number =>
  [...text.matchAll(new RegExp(`^atm_requests_total\\{test="${test}",[^}]*\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

void test('the setting is declared off by default, for the user only, and restricted in untrusted workspaces', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown; scope?: string; pattern?: string }> } };
    capabilities: { untrustedWorkspaces: { restrictedConfigurations: string[] } };
  };
  const setting = manifest.contributes.configuration.properties['atm.prometheus.address'];
  assert.equal(setting.default, '');
  assert.equal(setting.scope, 'application');
  const pattern = new RegExp(setting.pattern ?? '');
  for (const ok of ['', '9464', '127.0.0.1:9464', '0.0.0.0:9464', '[::1]:9464']) assert.ok(pattern.test(ok), ok);
  for (const bad of ['nine', ':9464', '127.0.0.1:', '1:2:3']) assert.ok(!pattern.test(bad), bad);
  assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('atm.prometheus.address'));
  const controller = readFileSync(join(root, 'client', 'runController.ts'), 'utf8');
  assert.match(controller, /getConfiguration\('atm'\)\.get<string>\('prometheus\.address', ''\)/);
  assert.match(controller, /params\.prometheus = prometheus/);
});

void test('RunParams.prometheus: /metrics while the run goes, and after it until read once more', async (t) => {
  const engine = await EngineProcess.start({ enginePath, execPath: process.execPath, log });
  t.after(() => engine.dispose());
  let url: string | null = null;
  const live: number[] = [];
  const result = await engine.run(
    {
      runId: 'p1',
      file: '/tmp/p.atm.yaml',
      text: `name: editor\nbase_url: ${demo.url}\nurl: /items\nrequests_per_second: 40\nduration_seconds: 3\n`,
      testName: 'editor',
      prometheus: '127.0.0.1:0',
    },
    {
      onProgress: () => {
        url ??= /Prometheus metrics on (\S+)/.exec(logs.join('\n'))?.[1] ?? null;
        if (url !== null) void fetch(url).then(async (r) => live.push(total(await r.text(), 'editor')));
      },
    },
  );
  assert.equal(result.status, 'completed');
  assert.ok(url !== null, `the engine logs where it serves: ${logs.join('\n')}`);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  assert.ok(live.some((n) => n > 0), `scraped during the run: ${live.join(', ')}`);
  // Disposed as the run controller does after each run: the engine stays for the final scrape.
  engine.dispose();
  const final = await (await fetch(url)).text();
  assert.equal(total(final, 'editor'), result.metrics.total_requests);
  await engine.whenExited();
  await assert.rejects(fetch(url), 'the endpoint closes after the final scrape');
});

void test('a port in use: the run is refused before anything is sent, naming the setting', async (t) => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const port = (taken.address() as { port: number }).port;
  const engine = await EngineProcess.start({ enginePath, execPath: process.execPath, log });
  t.after(() => engine.dispose());
  const target = await serve((_req, res) => ok(res));
  t.after(() => target.close());
  await assert.rejects(
    engine.run({
      runId: 'p2',
      file: '/tmp/p.atm.yaml',
      text: `name: editor\nbase_url: ${target.url}\nurl: /items\ntotal_requests: 5\n`,
      testName: 'editor',
      prometheus: `127.0.0.1:${port}`,
    }),
    (err: unknown) => {
      assert.ok(err instanceof ResponseError);
      assert.equal(err.code, EngineErrorCodes.PROMETHEUS_UNAVAILABLE);
      assert.match(err.message, new RegExp(`^the setting atm\\.prometheus\\.address 127\\.0\\.0\\.1:${port}: the port is in use; pick another port`));
      return true;
    },
  );
  assert.equal(target.count, 0, 'nothing was sent');
});
