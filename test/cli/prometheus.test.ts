// `atm run --prometheus` scraped by the real Prometheus server (Debian's, installed by
// scripts/setup-prometheus.sh when missing): an open-model run of 12 s at a fixed rate against a
// server on 127.0.0.1, Prometheus scraping every second on loopback, then queried through its HTTP
// API. Needs the bundled CLI (node esbuild.mjs).
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { ok, serve, type TestServer } from '../engine/helpers';

const ROOT = join(__dirname, '..', '..');
const cli = join(ROOT, 'dist', 'cli.js');
const RATE = 50;
const SECONDS = 12;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The Prometheus binary, installed if missing; fails (not skips) when it cannot be had. */
function prometheusBinary(): string {
  const setup = spawnSync('bash', [join(ROOT, 'scripts', 'setup-prometheus.sh')], { encoding: 'utf8' });
  const which = spawnSync('sh', ['-c', 'command -v prometheus || ls /usr/bin/prometheus'], { encoding: 'utf8' });
  const path = which.stdout.trim().split('\n')[0] ?? '';
  assert.ok(
    setup.status === 0 && path !== '',
    `The Prometheus server is needed for this test and could not be installed (scripts/setup-prometheus.sh exited ${setup.status}): ${setup.stderr.trim()}\nInstall it with 'apt-get install prometheus'.`,
  );
  return path;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}
interface PromMatrix {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

void describe('atm run --prometheus, scraped by Prometheus', { timeout: 180_000 }, () => {
  let dir: string;
  let target: TestServer;
  let prometheus: ChildProcess | null = null;
  let api: string;
  let result: RunResult;
  let exitedAt: number;
  let atmStderr = '';

  before(async () => {
    assert.ok(existsSync(cli), 'build dist/cli.js first (node esbuild.mjs)');
    const binary = prometheusBinary();
    dir = mkdtempSync(join(tmpdir(), 'atm-prometheus-'));
    // One answer in ten is a 503: an error with its type.
    target = await serve((_req, res, n) => ok(res, 'ok', n % 10 === 0 ? 503 : 200));
    const metricsPort = await freePort();
    const webPort = await freePort();
    api = `http://127.0.0.1:${webPort}/api/v1`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: atm',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${metricsPort}']`,
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'data'));
    let promLog = '';
    prometheus = spawn(
      binary,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stderr?.on('data', (d: Buffer) => (promLog = (promLog + d.toString()).slice(-4000)));
    prometheus.stdout?.on('data', (d: Buffer) => (promLog = (promLog + d.toString()).slice(-4000)));
    await waitFor('Prometheus to be ready', async () => ((await fetch(`http://127.0.0.1:${webPort}/-/ready`)).ok ? true : null), 60_000).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${promLog}`);
    });

    const spec = join(dir, 'live.atm.yaml');
    writeFileSync(spec, `name: live\nbase_url: ${target.url}\nurl: /items\nrequests_per_second: ${RATE}\nduration_seconds: ${SECONDS}\nconcurrency: 20\n`);
    const out = join(dir, 'result.json');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [cli, 'run', spec, '--prometheus', `127.0.0.1:${metricsPort}`, '--json', out, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stderr.on('data', (d: Buffer) => (atmStderr += d.toString()));
      child.on('close', (c) => resolve(c));
    });
    exitedAt = Date.now() / 1000;
    // 1 (one answer in ten failed) is the verdict; the run itself completed.
    assert.ok(code === 0 || code === 1, `atm run exited ${code}: ${atmStderr}`);
    result = JSON.parse(readFileSync(out, 'utf8')) as RunResult;
    assert.equal(result.status, 'completed');
    assert.match(atmStderr, new RegExp(`Prometheus metrics on http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
  });

  after(async () => {
    if (prometheus !== null && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus?.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function query<T>(path: string, params: Record<string, string | number>): Promise<T[]> {
    const url = `${api}/${path}?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
    const body = (await (await fetch(url)).json()) as { status: string; data: { result: T[] }; error?: string };
    assert.equal(body.status, 'success', `${url}: ${body.error ?? ''}`);
    return body.data.result;
  }

  void it('rate(atm_requests_total[5s]), summed, is within 5% of the run\'s rate while it runs', async () => {
    const rps = result.metrics.requests_per_second;
    // The measured window, from the result: windows of 5 s wholly inside it, and after the first
    // second, whose scrape starts the series (a counter appears with its first request).
    const end = Date.parse(result.completed_at) / 1000;
    const start = end - result.metrics.duration_seconds;
    const series = await query<PromMatrix>('query_range', { query: 'sum(rate(atm_requests_total[5s]))', start: start + 7.5, end: end - 0.5, step: 1 });
    assert.equal(series.length, 1, JSON.stringify(series));
    const values = series[0].values.map(([, v]) => Number(v));
    assert.ok(values.length >= 4, `${values.length} evaluations in the steady part: ${values.join(', ')}`);
    // The counters move with the engine's per-second snapshots; the median evaluation is the rate.
    const median = [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const seconds = result.timeline.map((p) => p.rps).join(', ');
    assert.ok(Math.abs(median - rps) / rps <= 0.05, `rate ${median} req/s against the run's ${rps} req/s (evaluations: ${values.join(', ')}; the run's seconds: ${seconds})`);
  });

  void it('the last scrape has the final totals: atm run waited for it before exiting', async () => {
    const [total] = await query<PromVector>('query', { query: 'sum(atm_requests_total{test="live"})', time: exitedAt });
    assert.equal(Number(total?.value[1]), result.metrics.total_requests);
    const [dropped] = await query<PromVector>('query', { query: 'atm_dropped_requests_total', time: exitedAt });
    assert.deepEqual(dropped.metric, { __name__: 'atm_dropped_requests_total', instance: dropped.metric.instance, job: 'atm', test: 'live' });
    assert.equal(Number(dropped.value[1]), result.metrics.dropped_requests);
    const [target_rps] = await query<PromVector>('query', { query: 'atm_target_rps', time: exitedAt });
    assert.equal(Number(target_rps.value[1]), RATE);
  });

  void it('the error counter and the histogram buckets arrive with their labels', async () => {
    const errors = await query<PromVector>('query', { query: 'atm_errors_total', time: exitedAt });
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0].metric.test, 'live');
    assert.equal(errors[0].metric.endpoint, 'live');
    assert.equal(errors[0].metric.type, 'unexpected_status');
    assert.equal(Number(errors[0].value[1]), result.metrics.errors_by_type.unexpected_status);
    const statuses = await query<PromVector>('query', { query: 'atm_requests_total', time: exitedAt });
    assert.deepEqual(
      Object.fromEntries(statuses.map((s) => [s.metric.status, Number(s.value[1])])),
      result.metrics.status_code_counts,
    );

    const buckets = await query<PromVector>('query', { query: 'atm_request_duration_seconds_bucket{test="live",endpoint="live"}', time: exitedAt });
    const les = buckets.map((b) => b.metric.le);
    for (const le of ['0.0001', '0.001', '0.01', '0.1', '1', '10', '60', '+Inf']) assert.ok(les.includes(le), `bucket le=${le} in ${les.join(' ')}`);
    const inf = buckets.find((b) => b.metric.le === '+Inf');
    assert.equal(Number(inf?.value[1]), result.metrics.total_requests);
    const [count] = await query<PromVector>('query', { query: 'atm_request_duration_seconds_count{test="live"}', time: exitedAt });
    assert.equal(Number(count.value[1]), result.metrics.total_requests);
    // Prometheus reads the buckets as a histogram: the median from them is close to the run's p50.
    const [p50] = await query<PromVector>('query', {
      query: 'histogram_quantile(0.5, sum by (le) (atm_request_duration_seconds_bucket{test="live"}))',
      time: exitedAt,
    });
    const fromBuckets = Number(p50.value[1]) * 1000;
    assert.ok(fromBuckets > 0 && Number.isFinite(fromBuckets), `p50 from the buckets: ${fromBuckets} ms`);
  });
});
