// The Prometheus exposition of runs: a real run (2 worker threads) against a server on 127.0.0.1,
// its /metrics text parsed and compared with the result's totals; the endpoint's addresses, errors
// and end-of-run behaviour.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { parseSpecFile, planTest } from '../../engine/run/load';
import { runWithWorkers, type PlanSource } from '../../engine/run/workers';
import { DURATION_BUCKETS_SECONDS, MetricsServer, NO_STATUS, parsePrometheusAddress, PrometheusExporter, startLiveMetrics } from '../../engine/prometheus';
import { ok, serve, type TestServer } from './helpers';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text format's sample lines (and its # TYPE lines), parsed by its grammar. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      types.set(type[1], type[2]);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m !== null, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
    let lm: RegExpExecArray | null;
    let read = 0;
    while ((lm = labelRe.exec(m[2] ?? '')) !== null) {
      labels[lm[1]] = lm[2].replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
      read += lm[0].length;
    }
    assert.equal(read, (m[2] ?? '').length, `every label of ${line} is name="value"`);
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), line);
    samples.push({ name: m[1], labels, value });
  }
  return { samples, types };
}

const sum = (samples: Sample[], name: string, where: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

function fromText(text: string): { plan: ReturnType<typeof planOf>; source: PlanSource } {
  const source: PlanSource = { text, testIndex: 0, file: 'prometheus.atm.yaml', env: {} };
  return { plan: planOf(text, source), source };
}

function planOf(text: string, source: PlanSource) {
  const test = parseSpecFile(text).tests[0];
  assert.ok(test !== undefined);
  const outcome = planTest(test, source);
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  return outcome.plan;
}

const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

void describe('Prometheus exposition of a run', { timeout: 120_000 }, () => {
  void it('counts equal the result totals at the end, with 2 worker threads; labels and buckets as SPEC.md says', async () => {
    // /fast answers at once, one in five with a 503; /slow after 30 ms.
    const server = await serve((req, res, n) => {
      if ((req.url ?? '').startsWith('/slow')) setTimeout(() => ok(res), 30);
      else ok(res, 'ok', n % 5 === 0 ? 503 : 200);
    });
    servers.push(server);
    const name = 'mix "quoted" \\ test';
    const { plan, source } = fromText(
      [
        `name: '${name}'`,
        `base_url: ${server.url}`,
        'requests_per_second: 120',
        'duration_seconds: 2',
        'concurrency: 20',
        'workers: 2',
        'endpoints:',
        '  - name: fast',
        '    url: /fast',
        '    weight: 3',
        '  - name: slow',
        '    url: /slow',
        '',
      ].join('\n'),
    );
    const exporter = new PrometheusExporter();
    const feed = exporter.track(plan);
    const midRun: number[] = [];
    const result: RunResult = await runWithWorkers(plan, {
      source,
      warmCode: false,
      onRunnerPart: (runner, part) => feed(runner, part),
      onProgress: () => {
        void exporter.metrics().then((text) => midRun.push(sum(parseExposition(text).samples, 'atm_requests_total')));
      },
    });
    assert.equal(result.status, 'completed', result.failure_reasons.join('; '));
    assert.equal(result.workers, 2);
    const { samples, types } = parseExposition(await exporter.metrics());

    assert.deepEqual(Object.fromEntries(types), {
      atm_requests_total: 'counter',
      atm_errors_total: 'counter',
      atm_dropped_requests_total: 'counter',
      atm_in_flight: 'gauge',
      atm_target_rps: 'gauge',
      atm_request_duration_seconds: 'histogram',
    });
    // Live values only grow, and end at the result's.
    for (let i = 1; i < midRun.length; i++) assert.ok(midRun[i] >= midRun[i - 1]);
    assert.ok(midRun.length >= 1, 'scraped during the run');
    assert.equal(sum(samples, 'atm_requests_total'), result.metrics.total_requests);
    for (const e of result.endpoint_metrics) {
      for (const [status, count] of Object.entries(e.status_code_counts)) {
        assert.equal(sum(samples, 'atm_requests_total', { test: name, endpoint: e.name, status }), count, `${e.name} ${status}`);
      }
      for (const [type, count] of Object.entries(e.errors_by_type)) {
        assert.equal(sum(samples, 'atm_errors_total', { test: name, endpoint: e.name, type }), count, `${e.name} ${type}`);
      }
      assert.equal(sum(samples, 'atm_request_duration_seconds_count', { test: name, endpoint: e.name }), e.total_requests);
      assert.equal(sum(samples, 'atm_request_duration_seconds_bucket', { test: name, endpoint: e.name, le: '+Inf' }), e.total_requests);
      const sumSeconds = sum(samples, 'atm_request_duration_seconds_sum', { test: name, endpoint: e.name });
      assert.ok(Math.abs(sumSeconds / e.total_requests - e.latency_ms.mean / 1000) < 0.001, `mean ${sumSeconds / e.total_requests} s vs ${e.latency_ms.mean} ms`);
    }
    assert.ok(sum(samples, 'atm_errors_total', { endpoint: 'fast', type: 'unexpected_status' }) > 0, 'the 503s are errors');
    assert.equal(sum(samples, 'atm_requests_total', { status: NO_STATUS }), 0);
    assert.equal(sum(samples, 'atm_dropped_requests_total', { test: name }), result.metrics.dropped_requests);
    assert.equal(sum(samples, 'atm_in_flight', { test: name }), 0);
    assert.equal(sum(samples, 'atm_target_rps', { test: name }), 120);

    // Buckets: 100 µs to 60 s, cumulative; nothing of /slow (30 ms and more) within 25 ms.
    const slowBuckets = samples.filter((s) => s.name === 'atm_request_duration_seconds_bucket' && s.labels.endpoint === 'slow');
    assert.deepEqual(
      slowBuckets.map((s) => s.labels.le),
      [...DURATION_BUCKETS_SECONDS.map(String), '+Inf'],
    );
    assert.equal(slowBuckets[0].labels.le, '0.0001');
    assert.equal(slowBuckets[slowBuckets.length - 2].labels.le, '60');
    for (let i = 1; i < slowBuckets.length; i++) assert.ok(slowBuckets[i].value >= slowBuckets[i - 1].value, 'cumulative');
    assert.equal(slowBuckets.find((s) => s.labels.le === '0.025')?.value, 0);
    assert.equal(slowBuckets.find((s) => s.labels.le === '60')?.value, result.endpoint_metrics.find((e) => e.name === 'slow')?.total_requests);
  });

  void it('requests without an answer count under status "none", and each type under atm_errors_total', async () => {
    // A port that refuses: listen, note the port, close.
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const { plan, source } = fromText(`name: refused\nbase_url: http://127.0.0.1:${port}\nurl: /\ntotal_requests: 7\nconcurrency: 1\n`);
    const exporter = new PrometheusExporter();
    const feed = exporter.track(plan);
    const result = await runWithWorkers(plan, { source, warmCode: false, onRunnerPart: (runner, part) => feed(runner, part) });
    const { samples } = parseExposition(await exporter.metrics());
    assert.equal(result.metrics.total_requests, 7);
    assert.equal(sum(samples, 'atm_requests_total', { test: 'refused', status: NO_STATUS }), 7);
    assert.equal(sum(samples, 'atm_errors_total', { test: 'refused', type: 'connection_refused' }), result.metrics.errors_by_type.connection_refused);
    // A closed-model test has no target rate.
    assert.equal(samples.filter((s) => s.name === 'atm_target_rps').length, 0);
  });
});

void describe('the /metrics endpoint', { timeout: 60_000 }, () => {
  void it('[HOST:]PORT: the default host is 127.0.0.1; bad input is named with the fix', () => {
    assert.deepEqual(parsePrometheusAddress('9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parsePrometheusAddress('0.0.0.0:9464'), { host: '0.0.0.0', port: 9464 });
    assert.deepEqual(parsePrometheusAddress('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parsePrometheusAddress('localhost:0'), { host: 'localhost', port: 0 });
    assert.match(String(parsePrometheusAddress('')), /expected \[HOST:\]PORT/);
    assert.match(String(parsePrometheusAddress('nine')), /'nine' is not an address: expected \[HOST:\]PORT, e\.g\. 9464/);
    assert.match(String(parsePrometheusAddress('70000')), /port 70000 is out of range/);
    assert.match(String(parsePrometheusAddress('::1:9464')), /IPv6 address in brackets, e\.g\. \[::1\]:9464/);
    assert.match(String(parsePrometheusAddress('metrics.example.com:9464')), /'metrics\.example\.com' is not an IP address of this machine/);
  });

  void it('a busy port and an address of another machine are refused, naming the flag', async () => {
    const first = await startLiveMetrics('127.0.0.1:0', '--prometheus');
    assert.ok(typeof first !== 'string', String(first));
    try {
      const busy = await startLiveMetrics(`127.0.0.1:${first.server.address.port}`, '--prometheus');
      assert.equal(typeof busy, 'string');
      assert.match(String(busy), new RegExp(`^--prometheus 127\\.0\\.0\\.1:${first.server.address.port}: the port is in use; pick another port`));
    } finally {
      await first.server.close();
    }
    const foreign = await startLiveMetrics('192.0.2.1:9464', 'the setting atm.prometheus');
    assert.match(String(foreign), /^the setting atm\.prometheus 192\.0\.2\.1:9464: 192\.0\.2\.1 is not an address of this machine/);
    assert.match(String(await startLiveMetrics('x:y', '--prometheus')), /^--prometheus: 'x:y' is not an address/);
  });

  void it('after the runs it serves until /metrics is read once more, then closes; or gives up after the wait', async () => {
    const exporter = new PrometheusExporter();
    const server = await MetricsServer.start(exporter, { host: '127.0.0.1', port: 0 }, '--prometheus');
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const notFound = await fetch(server.url.replace('/metrics', '/'));
    assert.equal(notFound.status, 404);
    assert.match(await notFound.text(), /\/metrics/);
    let finished = false;
    const finishing = server.finish(30_000).then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(finished, false, 'waits for a scrape');
    const scrape = await fetch(server.url);
    assert.equal(scrape.status, 200);
    assert.match(scrape.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await scrape.text(), /# TYPE atm_requests_total counter/);
    await finishing;
    await assert.rejects(fetch(server.url), 'closed after the final scrape');

    const unread = await MetricsServer.start(new PrometheusExporter(), { host: '127.0.0.1', port: 0 }, '--prometheus');
    const started = Date.now();
    await unread.finish(300);
    assert.ok(Date.now() - started >= 250, 'waited for the time limit');
    await assert.rejects(fetch(unread.url));
  });
});
