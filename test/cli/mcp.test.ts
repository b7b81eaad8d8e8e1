// `atm mcp` driven by the SDK's own client over stdio (spawning node dist/cli.js mcp; build first
// with `node esbuild.mjs cli`), against the demo target on 127.0.0.1.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { startDemoServer, type DemoServer } from '../../engine/demo/server';
import type { RunResult } from '../../engine/format/result';
import { prng } from '../fixtures/prng';

const cli = join(__dirname, '..', '..', 'dist', 'cli.js');

async function connect(args: string[], cwd: string): Promise<Client> {
  const client = new Client({ name: 'atm-test', version: '1.0.0' });
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', ...args], cwd, stderr: 'pipe' });
  await client.connect(transport);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>, onprogress?: (p: Progress) => void): Promise<CallToolResult> {
  const result = await client.callTool({ name, arguments: args }, undefined, { onprogress, timeout: 120_000, resetTimeoutOnProgress: true });
  return result as CallToolResult;
}

function structured<T>(result: CallToolResult): T {
  assert.notEqual(result.isError, true, `tool failed: ${JSON.stringify(result.content)}`);
  assert.ok(result.structuredContent, 'structured content');
  return result.structuredContent as T;
}

function errorText(result: CallToolResult): string {
  assert.equal(result.isError, true, `expected a tool error, got ${JSON.stringify(result.structuredContent)}`);
  const first = result.content[0];
  assert.equal(first.type, 'text');
  return first.type === 'text' ? first.text : '';
}

interface Summary {
  id: string;
  name: string;
  verdict: string;
  status: string;
  passed: boolean;
  failure_reasons: string[];
  metrics: { total_requests: number; requests_per_second: number; p95_ms: number };
  endpoints: { name: string; total_requests: number }[];
  stored_at: string;
}

void describe('atm mcp', { timeout: 240_000 }, () => {
  let root: string;
  let outside: string;
  let demo: DemoServer;
  let client: Client;

  const spec = (file: string, body: string): void => writeFileSync(join(root, file), body);

  before(async () => {
    assert.ok(existsSync(cli), 'dist/cli.js is built (node esbuild.mjs cli)');
    demo = await startDemoServer({ port: 0, host: '127.0.0.1' });
    root = mkdtempSync(join(tmpdir(), 'atm-mcp-'));
    outside = mkdtempSync(join(tmpdir(), 'atm-mcp-outside-'));
    spec(
      'quick.atm.yaml',
      `name: quick\nbase_url: ${demo.url}\nendpoints:\n  - name: list\n    url: /items?limit=5\n  - name: health\n    url: /health\nconcurrency: 4\ntotal_requests: 200\nthresholds:\n  - error_rate < 1%\n`,
    );
    spec('timed.atm.yaml', `name: timed\nbase_url: ${demo.url}\nurl: /slow?ms=20\nconcurrency: 2\nduration_seconds: 3\n`);
    spec('long.atm.yaml', `name: long\nbase_url: ${demo.url}\nurl: /slow?ms=50\nconcurrency: 2\nduration_seconds: 15\n`);
    spec('two.atm.yaml', `name: first\nurl: ${demo.url}/health\ntotal_requests: 5\n---\nname: second\nurl: ${demo.url}/items\ntotal_requests: 5\n`);
    spec('broken.atm.yaml', `name: broken\nurl: http://127.0.0.1:1/items\nconcurrency: many\n`);
    spec('remote.atm.yaml', `name: remote\nurl: http://203.0.113.5/items\ntotal_requests: 5\n`);
    spec('invalidhost.atm.yaml', `name: nowhere\nurl: http://api.invalid/items\ntotal_requests: 3\ntimeout_seconds: 2\n`);
    spec('busy.atm.yaml', `name: busy\nurl: ${demo.url}/items\nconcurrency: 51\ntotal_requests: 100\n`);
    spec('fast.atm.yaml', `name: fast\nurl: ${demo.url}/items\nrequests_per_second: 501\nconcurrency: 5\nduration_seconds: 2\n`);
    spec('endless.atm.yaml', `name: endless\nurl: ${demo.url}/items\nconcurrency: 1\nduration_seconds: 21\n`);
    writeFileSync(join(outside, 'elsewhere.atm.yaml'), `name: elsewhere\nurl: ${demo.url}/items\ntotal_requests: 5\n`);
    client = await connect(['--root', root, '--max-concurrency', '50', '--max-rps', '500', '--max-duration', '20'], outside);
  });

  after(async () => {
    await client.close();
    await demo.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  void it('lists the seven tools, each with an input and an output schema', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['cancel_run', 'compare_runs', 'get_run', 'list_runs', 'list_tests', 'run_test', 'validate_spec']);
    for (const t of tools) {
      assert.equal(t.inputSchema.type, 'object', t.name);
      assert.equal(t.outputSchema?.type, 'object', t.name);
    }
    const run = tools.find((t) => t.name === 'run_test');
    assert.deepEqual(run?.inputSchema.required, ['path']);
  });

  void it('validate_spec gives diagnostics with lines, for a file and for text', async () => {
    const clean = structured<{ valid: boolean; diagnostics: unknown[] }>(await call(client, 'validate_spec', { path: 'quick.atm.yaml' }));
    assert.equal(clean.valid, true);
    const broken = structured<{ valid: boolean; errors: number; diagnostics: { line: number; severity: string; message: string }[] }>(
      await call(client, 'validate_spec', { path: 'broken.atm.yaml' }),
    );
    assert.equal(broken.valid, false);
    const concurrency = broken.diagnostics.find((d) => d.severity === 'error');
    assert.ok(concurrency, 'an error');
    assert.equal(concurrency.line, 3);
    assert.match(concurrency.message, /concurrency/);
    const fromText = structured<{ file: string | null; valid: boolean; diagnostics: { line: number }[] }>(
      await call(client, 'validate_spec', { text: 'name: t\nurl: http://127.0.0.1:1/x\nthresholds:\n  - p95 < fast\n' }),
    );
    assert.equal(fromText.file, null);
    assert.equal(fromText.valid, false);
    assert.equal(fromText.diagnostics[0].line, 4);
    assert.match(errorText(await call(client, 'validate_spec', {})), /exactly one of path .* or text/);
  });

  void it('list_tests names every test with its line and validity', async () => {
    const two = structured<{ tests: { name: string; line: number; valid: boolean }[] }>(await call(client, 'list_tests', { path: 'two.atm.yaml' }));
    assert.deepEqual(
      two.tests.map((t) => [t.name, t.line, t.valid]),
      [
        ['first', 1, true],
        ['second', 5, true],
      ],
    );
    const broken = structured<{ tests: { valid: boolean; errors: { line: number }[] }[] }>(await call(client, 'list_tests', { path: 'broken.atm.yaml' }));
    assert.equal(broken.tests[0].valid, false);
    assert.equal(broken.tests[0].errors[0].line, 3);
  });

  let quickId = '';
  let timedId = '';

  void it('run_test runs against the demo target, reports progress and stores the result JSON', async () => {
    const progress: Progress[] = [];
    const timed = structured<Summary>(await call(client, 'run_test', { path: 'timed.atm.yaml' }, (p) => progress.push(p)));
    assert.equal(timed.status, 'completed');
    assert.equal(timed.verdict, 'passed');
    assert.ok(timed.metrics.total_requests > 10, `requests: ${timed.metrics.total_requests}`);
    assert.ok(progress.length >= 1, 'at least one progress notification');
    assert.match(progress[0].message ?? '', new RegExp(`run ${timed.id} timed: .* req/s`));
    assert.ok(progress.every((p) => p.total === 100 && p.progress >= 0 && p.progress <= 100));
    timedId = timed.id;

    const quick = structured<Summary>(await call(client, 'run_test', { path: join(root, 'quick.atm.yaml'), test: 'quick' }));
    assert.equal(quick.verdict, 'passed');
    assert.equal(quick.metrics.total_requests, 200);
    assert.deepEqual(
      quick.endpoints.map((e) => [e.name, e.total_requests]),
      [
        ['list', 100],
        ['health', 100],
      ],
    );
    assert.equal(quick.stored_at, join(root, '.atm', 'runs', `${quick.id}.json`));
    const stored = JSON.parse(readFileSync(quick.stored_at, 'utf8')) as RunResult;
    assert.equal(stored.id, quick.id);
    assert.equal(stored.file, 'quick.atm.yaml');
    assert.equal(stored.metrics.total_requests, 200);
    assert.equal(typeof stored.histogram, 'string');
    assert.ok(stored.sampled_requests.length > 0);
    quickId = quick.id;

    const second = structured<Summary>(await call(client, 'run_test', { path: 'two.atm.yaml', test: 'second' }));
    assert.equal(second.name, 'second');
    assert.match(errorText(await call(client, 'run_test', { path: 'two.atm.yaml' })), /holds 2 tests: name one with test \(first, second\)/);
    assert.match(errorText(await call(client, 'run_test', { path: 'two.atm.yaml', test: 'third' })), /no test named 'third'.*Tests: first, second/);
    assert.match(errorText(await call(client, 'run_test', { path: 'broken.atm.yaml' })), /not valid \(line 3: .*concurrency.*validate_spec/);
  });

  void it('get_run, list_runs and compare_runs read the stored runs', async () => {
    const full = structured<RunResult>(await call(client, 'get_run', { id: quickId }));
    assert.equal(full.id, quickId);
    assert.equal(full.endpoint_metrics.length, 2);
    assert.ok(full.timeline.length >= 1);

    const all = structured<{ runs: { id: string; name: string }[] }>(await call(client, 'list_runs', {}));
    assert.equal(all.runs.length, 3);
    assert.equal(all.runs[0].name, 'second', 'newest first');
    const onlyQuick = structured<{ runs: { id: string }[] }>(await call(client, 'list_runs', { test: 'quick' }));
    assert.deepEqual(
      onlyQuick.runs.map((r) => r.id),
      [quickId],
    );
    assert.equal(structured<{ runs: unknown[] }>(await call(client, 'list_runs', { limit: 1 })).runs.length, 1);

    const cmp = structured<{
      a: { id: string };
      b: { id: string };
      metrics: { metric: string; a: number; b: number; change: number }[];
      comparison: { name: string; overall: { distribution: unknown } };
    }>(
      await call(client, 'compare_runs', { a: timedId, b: quickId }),
    );
    assert.equal(cmp.a.id, timedId);
    assert.equal(cmp.b.id, quickId);
    const total = cmp.metrics.find((m) => m.metric === 'total_requests');
    assert.ok(total);
    assert.equal(total.b, 200);
    assert.equal(total.change, 200 - total.a);
    assert.ok(cmp.metrics.some((m) => m.metric === 'latency_ms.p95'));
    // The exact comparison of `atm compare`: percentile distributions from both histograms.
    assert.equal(cmp.comparison.name, 'quick');
    assert.ok(Array.isArray(cmp.comparison.overall.distribution) && cmp.comparison.overall.distribution.length > 0);

    assert.match(errorText(await call(client, 'get_run', { id: 'no-such-run' })), /no stored run with id no-such-run/);
    assert.match(errorText(await call(client, 'get_run', { id: '../../etc/passwd' })), /not a run id/);
    assert.match(errorText(await call(client, 'compare_runs', { a: quickId, b: 'missing' })), /no stored run with id missing/);
  });

  void it('serves recent runs as atm://runs/{id} and the format as atm://format', async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    assert.ok(uris.includes(`atm://runs/${quickId}`), uris.join(', '));
    assert.ok(uris.includes('atm://format'));
    const run = await client.readResource({ uri: `atm://runs/${quickId}` });
    const content = run.contents[0];
    assert.ok('text' in content);
    assert.equal((JSON.parse(content.text) as RunResult).id, quickId);
    const format = await client.readResource({ uri: 'atm://format' });
    const text = 'text' in format.contents[0] ? format.contents[0].text : '';
    assert.match(text, /`requests_per_second` \(/);
    assert.match(text, /`name` \(string, required\)/);
  });

  void it('refuses specs outside the root, remote hosts and loads over the caps', async () => {
    assert.match(errorText(await call(client, 'run_test', { path: join(outside, 'elsewhere.atm.yaml') })), /outside the allowed roots .*--root/);
    assert.match(errorText(await call(client, 'validate_spec', { path: '../' + outside.split('/').pop() + '/elsewhere.atm.yaml' })), /outside the allowed roots/);
    assert.match(errorText(await call(client, 'list_tests', { path: '/etc/hostname' })), /outside the allowed roots|no such file/);
    assert.match(errorText(await call(client, 'run_test', { path: 'remote.atm.yaml' })), /targets 203\.0\.113\.5, which is not loopback or a private address; start atm mcp with --allow-host 203\.0\.113\.5/);
    assert.match(errorText(await call(client, 'run_test', { path: 'invalidhost.atm.yaml' })), /targets api\.invalid/);
    assert.match(errorText(await call(client, 'run_test', { path: 'busy.atm.yaml' })), /concurrency 51, above the 50 allowed \(--max-concurrency\)/);
    assert.match(errorText(await call(client, 'run_test', { path: 'fast.atm.yaml' })), /501 requests per second, above the 500 allowed \(--max-rps\)/);
    assert.match(errorText(await call(client, 'run_test', { path: 'endless.atm.yaml' })), /runs for 21 s, above the 20 s allowed \(--max-duration\)/);
    assert.match(errorText(await call(client, 'run_test', { path: 'timed.atm.yaml', max_seconds: 21 })), /max_seconds 21 is above the 20 s allowed/);
    assert.match(errorText(await call(client, 'run_test', { path: 'timed.atm.yaml', max_seconds: 2 })), /runs for 3 s, above the 2 s max_seconds/);
    // Nothing of these was run or stored.
    assert.equal(structured<{ runs: unknown[] }>(await call(client, 'list_runs', {})).runs.length, 3);
  });

  void it('refuses a second run while one goes, and cancel_run stops it mid-run', async () => {
    let runningId = '';
    let sawProgress!: () => void;
    const progressed = new Promise<void>((resolve) => (sawProgress = resolve));
    const pending = call(client, 'run_test', { path: 'long.atm.yaml' }, (p) => {
      const m = /^run (\S+) /.exec(p.message ?? '');
      if (m) {
        runningId = m[1];
        sawProgress();
      }
    });
    // A refusal would settle `pending` first and fail here instead of waiting forever.
    await Promise.race([progressed, pending.then((r) => assert.fail(`run_test ended early: ${JSON.stringify(r.content)}`))]);
    const second = errorText(await call(client, 'run_test', { path: 'quick.atm.yaml' }));
    assert.match(second, new RegExp(`a run is already going \\(id ${runningId}\\).*cancel_run`));
    assert.match(errorText(await call(client, 'cancel_run', { id: 'not-this-one' })), new RegExp(`no run with id not-this-one \\(the run going now is ${runningId}\\)`));
    const cancelled = structured<{ id: string; cancelled: boolean }>(await call(client, 'cancel_run', { id: runningId }));
    assert.deepEqual(cancelled, { id: runningId, cancelled: true });
    const summary = structured<Summary>(await pending);
    assert.equal(summary.id, runningId);
    assert.equal(summary.status, 'cancelled');
    assert.equal(summary.verdict, 'cancelled');
    assert.ok(summary.metrics.total_requests > 0);
    assert.ok(existsSync(join(root, '.atm', 'runs', `${runningId}.json`)));
    assert.match(errorText(await call(client, 'cancel_run', { id: runningId })), /already finished/);
    // The slot is free again.
    assert.equal(structured<Summary>(await call(client, 'run_test', { path: 'two.atm.yaml', test: 'first' })).verdict, 'passed');
  });

  void it('max_seconds stops a run that would go on longer', async () => {
    spec('many.atm.yaml', `name: many\nurl: ${demo.url}/slow?ms=200\nconcurrency: 1\ntotal_requests: 1000\n`);
    const summary = structured<Summary>(await call(client, 'run_test', { path: 'many.atm.yaml', max_seconds: 1 }));
    assert.equal(summary.verdict, 'cancelled');
    assert.ok(summary.metrics.total_requests < 1000);
    assert.ok(summary.failure_reasons.includes('stopped after 1 s (max_seconds)'), summary.failure_reasons.join('; '));
  });

  void it('answers malformed arguments with schema errors', async () => {
    const bad: [string, Record<string, unknown>][] = [
      ['run_test', {}],
      ['run_test', { path: 5 }],
      ['run_test', { path: 'quick.atm.yaml', max_seconds: -1 }],
      ['run_test', { path: 'quick.atm.yaml', max_seconds: 1.5 }],
      ['list_runs', { limit: 0 }],
      ['get_run', { id: '' }],
      ['compare_runs', { a: 'x' }],
      ['list_tests', { path: null }],
    ];
    for (const [name, args] of bad) {
      const text = await call(client, name, args).then(errorText, (err: unknown) => (err instanceof Error ? err.message : String(err)));
      assert.match(text, /Input validation error|Invalid arguments/i, `${name} ${JSON.stringify(args)}: ${text}`);
    }
    assert.match(errorText(await call(client, 'no_such_tool', {})), /no_such_tool not found/);
  });

  void it('survives 200 calls with random arguments and still answers', async () => {
    const rand = prng(1313);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const names = ['validate_spec', 'list_tests', 'run_test', 'get_run', 'list_runs', 'compare_runs', 'cancel_run', 'nope'];
    const keys = ['path', 'text', 'test', 'max_seconds', 'id', 'limit', 'a', 'b', '__proto__', 'constructor'];
    const value = (depth: number): unknown => {
      switch (Math.floor(rand() * 9)) {
        case 0:
          return null;
        case 1:
          return rand() * 1e6 - 5e5;
        case 2:
          return Math.floor(rand() * 5) - 1;
        case 3:
          return rand() < 0.5;
        case 4:
          return pick(['', '..', '/', '../../etc/passwd', 'broken.atm.yaml', 'nope.atm.yaml', '\u0000', 'a'.repeat(3000), '{{env:X}}', '.atm/runs']);
        case 5:
          return depth > 2 ? 'x' : [value(depth + 1), value(depth + 1)];
        case 6:
          return depth > 2 ? {} : { [pick(keys)]: value(depth + 1) };
        case 7:
          return 'name: x\nurl: /y\nconcurrency: ' + String(Math.floor(rand() * 100));
        default:
          return String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(rand() * 0x3000)));
      }
    };
    let answered = 0;
    for (let i = 0; i < 200; i++) {
      const args: Record<string, unknown> = {};
      const count = Math.floor(rand() * 4);
      for (let k = 0; k < count; k++) args[pick(keys)] = value(0);
      try {
        const result = (await client.callTool({ name: pick(names), arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
        assert.ok(Array.isArray(result.content));
        answered++;
      } catch (err) {
        // Protocol errors (an unknown tool) are answers too; a dead server would fail the checks below.
        assert.ok(err instanceof Error);
        answered++;
      }
    }
    assert.equal(answered, 200);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 7);
    assert.equal(structured<{ valid: boolean }>(await call(client, 'validate_spec', { path: 'quick.atm.yaml' })).valid, true);
  });

  void it('--allow-host lets a run reach a host it names; bad flags are usage errors', async () => {
    const allowed = await connect(['--root', root, '--allow-host', 'api.invalid'], root);
    try {
      const run = structured<Summary>(await call(allowed, 'run_test', { path: 'invalidhost.atm.yaml' }));
      // The name never resolves, so nothing leaves the machine; the run was not refused.
      assert.equal(run.verdict, 'failed');
      assert.equal(run.metrics.total_requests, 3);
      assert.match(errorText(await call(allowed, 'run_test', { path: 'remote.atm.yaml' })), /targets 203\.0\.113\.5/);
    } finally {
      await allowed.close();
    }
    const { spawnSync } = await import('node:child_process');
    const bad = spawnSync(process.execPath, [cli, 'mcp', '--max-rps', 'lots'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--max-rps must be a positive whole number, not 'lots'/);
    const noDir = spawnSync(process.execPath, [cli, 'mcp', '--root', join(root, 'missing')], { encoding: 'utf8' });
    assert.equal(noDir.status, 2);
    assert.match(noDir.stderr, /not a directory/);
  });
});
