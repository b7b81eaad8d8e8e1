// A distributed run on one machine: a spec run as 3 shard processes of the bundled CLI
// (node dist/cli.js; `node esbuild.mjs cli worker`) against a server on 127.0.0.1, then merged
// with `atm merge`, from the JSON files and from a stream of marked log lines; a flow the same way.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { decodeHistogram, newHistogram, summarize } from '../../engine/run/metrics';
import { ok, serve, type TestServer } from '../engine/helpers';
import { XMLParser } from 'fast-xml-parser';
import { renderJUnit } from '../../engine/report/junit';
import { atm, type Outcome } from './atm';
import { assertValidJUnit } from './junitSchema';
import { journeyServer, journeySpec, TOKEN_MARK, USERS, USERS_CSV, type JourneyServer } from '../fixtures/journey';

const read = (file: string): RunResult => JSON.parse(readFileSync(file, 'utf8')) as RunResult;

/** Runs `spec` as 3 shard processes that start together, each writing its part to `PREFIX{K}.json` in `dir`. */
async function runShards(spec: string, dir: string, prefix: string): Promise<{ runs: Outcome[]; parts: string[] }> {
  // Far enough ahead for all three processes to be up on a loaded machine.
  const startAt = new Date(Date.now() + 4000).toISOString();
  const parts = [0, 1, 2].map((k) => join(dir, `${prefix}${k}.json`));
  const runs = await Promise.all([0, 1, 2].map((k) => atm(['run', spec, '--shard', `${k}/3`, '--start-at', startAt, '--json', parts[k], '--quiet'])));
  return { runs, parts };
}

void describe('shards and atm merge', { timeout: 180_000 }, () => {
  let dir: string;
  let server: TestServer;
  let spec: string;
  const shardRuns: Outcome[] = [];
  const partFiles: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atm-shards-'));
    // Latencies that differ from request to request, so that the percentiles say something.
    server = await serve((_req, res, n) => setTimeout(() => ok(res), n % 7));
    spec = join(dir, 'shards.atm.yaml');
    writeFileSync(
      spec,
      `name: sharded\nbase_url: ${server.url}\nurl: /items\nconcurrency: 6\ntotal_requests: 900\nthresholds:\n  - p99 < 5s\n  - p50 < 0.001ms\n`,
    );
    const { runs, parts } = await runShards(spec, dir, 'part');
    shardRuns.push(...runs);
    partFiles.push(...parts);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('each shard runs its third and prints its result on one marked line', () => {
    shardRuns.forEach((run, k) => {
      assert.equal(run.code, 1, `shard ${k}: ${run.stderr}`);
      const part = read(partFiles[k]);
      assert.deepEqual(part.shard, { index: k, count: 3 });
      assert.equal(part.metrics.total_requests, 300);
      assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('@@atm-part@@ ')).length, 1);
    });
    assert.equal(server.count, 900);
  });

  void it('the merge adds up exactly: totals, the union of the histograms, the same verdict as one process', async () => {
    const merged = join(dir, 'merged.json');
    const out = await atm(['merge', ...partFiles, '--json', merged]);
    assert.equal(out.code, 1, out.stderr);
    const result = read(merged);
    const parts = partFiles.map(read);
    assert.equal(result.metrics.total_requests, 900);
    assert.equal(result.metrics.status_code_counts['200'], 900);
    assert.equal(result.metrics.bytes_received, parts.reduce((s, p) => s + p.metrics.bytes_received, 0));
    assert.deepEqual(result.merged_from, parts.map((p) => p.id));
    assert.equal(result.shard, undefined);
    const union = newHistogram();
    for (const p of parts) union.add(decodeHistogram(p.histogram));
    assert.deepEqual(result.metrics.latency_ms, summarize(union));
    assert.equal(decodeHistogram(result.histogram).totalCount, 900);
    assert.ok(result.timeline.length >= 1);
    assert.equal(
      result.timeline.reduce((s, p) => s + p.errors, 0),
      0,
    );

    const single = join(dir, 'single.json');
    const one = await atm(['run', spec, '--json', single, '--junit', join(dir, 'single.xml'), '--quiet']);
    assert.equal(one.code, out.code);
    const alone = read(single);
    assert.equal(alone.passed, result.passed);
    assert.deepEqual(
      alone.thresholds.map((t) => [t.expression, t.passed]),
      result.thresholds.map((t) => [t.expression, t.passed]),
    );
    assert.match(out.stdout, /merged from 3 shards/);
  });

  void it('--junit writes the JUnit XML atm run writes, of the merged result', async () => {
    const merged = join(dir, 'junit-merged.json');
    const xmlFile = join(dir, 'merged.xml');
    const out = await atm(['merge', ...partFiles, '--json', merged, '--junit', xmlFile]);
    assert.equal(out.code, 1, out.stderr);
    const xml = readFileSync(xmlFile, 'utf8');
    await assertValidJUnit(xml);
    const result = read(merged);
    assert.equal(xml, renderJUnit([result], { file: result.file }));
    // The same verdict, testcase for testcase, as the single process's own report.
    const shape = (text: string): unknown => {
      const doc = new XMLParser({ ignoreAttributes: false }).parse(text) as { testsuites: Record<string, unknown> & { testsuite: { testcase: unknown } } };
      const cases = [doc.testsuites.testsuite.testcase].flat() as Array<Record<string, unknown>>;
      return {
        totals: ['@_tests', '@_failures', '@_errors'].map((k) => doc.testsuites[k]),
        cases: cases.map((c) => [c['@_name'], [c.failure ?? []].flat().map((f) => (f as Record<string, unknown>)['@_type'])]),
      };
    };
    assert.deepEqual(shape(xml), shape(readFileSync(join(dir, 'single.xml'), 'utf8')));
    assert.match(xml, /<failure message="p50 &lt; 0\.001ms: was [^"]+" type="threshold"/);
    const missing = await atm(['merge', ...partFiles, '--junit']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--junit needs a file name/);
    const unwritable = await atm(['merge', ...partFiles, '--junit', join(dir, 'no', 'such', 'dir.xml')]);
    // As atm run: a report that cannot be written fails the command (exit 3).
    assert.equal(unwritable.code, 3);
    assert.match(unwritable.stderr, /atm merge: cannot write .*dir\.xml/);
  });

  void it('--from-logs - reads the parts from pod logs, prefixes and other lines included', async () => {
    const logs = shardRuns.map((r, k) => r.stdout.split('\n').map((line) => `[pod/atm-${k}] ${line}`).join('\n')).join('\nsome other log line\n');
    const merged = join(dir, 'from-logs.json');
    const out = await atm(['merge', '--from-logs', '-', '--json', merged], { input: logs });
    assert.equal(out.code, 1, out.stderr);
    const fromFiles = read(join(dir, 'merged.json'));
    const fromLogs = read(merged);
    assert.equal(fromLogs.metrics.total_requests, 900);
    assert.deepEqual(fromLogs.metrics.latency_ms, fromFiles.metrics.latency_ms);
  });

  void it('refuses what is not one complete run', async () => {
    const twice = await atm(['merge', partFiles[0], partFiles[0], partFiles[1]]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /shard 0\/3 is given twice/);
    const missing = await atm(['merge', partFiles[0], partFiles[2]]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing shard 1\/3: a merge needs all 3/);
    const other = { ...read(partFiles[1]), name: 'another test' };
    const otherFile = join(dir, 'other.json');
    writeFileSync(otherFile, JSON.stringify(other));
    const different = await atm(['merge', partFiles[0], otherFile, partFiles[2]]);
    assert.equal(different.code, 2);
    assert.match(different.stderr, /parts of different tests are not merged/);
    const notShard = await atm(['merge', join(dir, 'single.json')]);
    assert.equal(notShard.code, 2);
    assert.match(notShard.stderr, /is not a shard result/);
    const badShard = await atm(['run', spec, '--shard', '3/3']);
    assert.equal(badShard.code, 2);
    assert.match(badShard.stderr, /K counts from 0 and must be below N/);
    const badStart = await atm(['run', spec, '--shard', '0/3', '--start-at', 'tomorrow']);
    assert.equal(badStart.code, 2);
    assert.match(badStart.stderr, /--start-at needs an ISO-8601 time/);
  });
});

void describe('atm merge judges by-name thresholds on the merged run', { timeout: 180_000 }, () => {
  let dir: string;
  let server: TestServer;
  /** Requests and 500s the server answered on /flaky since the last reset. */
  const flaky = { requests: 0, errors: 0 };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atm-shards-by-name-'));
    // The first 20 requests to /flaky fail, whichever shard sends them: only the merged run has
    // the endpoint's whole error rate (20 of its 150 requests), each shard a share that varies.
    server = await serve((req, res) => {
      if (req.url !== '/flaky') return ok(res);
      flaky.requests++;
      if (flaky.requests <= 20) {
        flaky.errors++;
        return ok(res, 'not yet', 500);
      }
      return ok(res);
    });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The spec with the by-name thresholds before the endpoints (`thresholds:` need not follow them). */
  const specWith = (limit: string): string =>
    `name: by name\nbase_url: ${server.url}\nconcurrency: 3\ntotal_requests: 300\n` +
    `thresholds:\n  - steady: p99 < 5s\n  - flaky: [error_rate < ${limit}]\n` +
    'endpoints:\n  - name: steady\n    url: /steady\n  - name: flaky\n    url: /flaky\n';

  /** Shards and merges the spec, then runs it in one process; both against a fresh /flaky. */
  async function shardedAndSingle(limit: string, tag: string): Promise<{ merge: Outcome; merged: RunResult; single: Outcome; alone: RunResult; errors: number; requests: number }> {
    const spec = join(dir, `${tag}.atm.yaml`);
    writeFileSync(spec, specWith(limit));
    Object.assign(flaky, { requests: 0, errors: 0 });
    const { runs, parts } = await runShards(spec, dir, `${tag}-part`);
    runs.forEach((run, k) => assert.notEqual(run.code, 2, `shard ${k}: ${run.stderr}`));
    const { errors, requests } = flaky;
    const mergedFile = join(dir, `${tag}-merged.json`);
    const merge = await atm(['merge', ...parts, '--json', mergedFile]);
    Object.assign(flaky, { requests: 0, errors: 0 });
    const singleFile = join(dir, `${tag}-single.json`);
    const single = await atm(['run', spec, '--json', singleFile, '--quiet']);
    return { merge, merged: read(mergedFile), single, alone: read(singleFile), errors, requests };
  }

  const flakyThreshold = (result: RunResult) => result.thresholds.find((t) => t.endpoint === 'flaky');

  void it('passes when the merged endpoint holds its threshold, exiting 0 like atm run', async () => {
    const { merge, merged, single, alone, errors, requests } = await shardedAndSingle('25%', 'pass');
    assert.equal(errors, 20);
    assert.equal(merged.metrics.total_requests, 300);
    const t = flakyThreshold(merged);
    assert.ok(t, `the by-name threshold is in the merged result: ${JSON.stringify(merged.thresholds)}`);
    assert.equal(t.expression, 'error_rate < 25%');
    assert.equal(t.actual, errors / requests, 'judged on the merged endpoint: all shards\' errors over all its requests');
    assert.equal(t.passed, true);
    assert.deepEqual(merged.thresholds.map((x) => [x.endpoint, x.expression, x.passed]), [
      ['steady', 'p99 < 5s', true],
      ['flaky', 'error_rate < 25%', true],
    ]);
    assert.equal(merged.passed, true);
    assert.equal(merge.code, 0, merge.stderr);
    assert.equal(single.code, merge.code, 'the same exit code as one process');
    assert.equal(flakyThreshold(alone)?.passed, true);
  });

  void it('fails when the merged endpoint breaks it, exiting 1 like atm run', async () => {
    const { merge, merged, single, alone, errors, requests } = await shardedAndSingle('10%', 'fail');
    const t = flakyThreshold(merged);
    assert.ok(t);
    assert.equal(t.actual, errors / requests);
    assert.equal(t.passed, false);
    assert.equal(merged.thresholds.find((x) => x.endpoint === 'steady')?.passed, true);
    assert.equal(merged.passed, false);
    assert.equal(merge.code, 1, merge.stderr);
    assert.match(merge.stdout, /error_rate < 10%/);
    assert.equal(single.code, merge.code, 'the same exit code as one process');
    assert.equal(flakyThreshold(alone)?.passed, false);
  });
});

void describe('a flow as shards and atm merge', { timeout: 180_000 }, () => {
  let dir: string;
  let server: JourneyServer;
  let spec: string;
  const partFiles: string[] = [];
  const shardRuns: Outcome[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atm-flow-shards-'));
    server = await journeyServer();
    spec = join(dir, 'journey.atm.yaml');
    writeFileSync(join(dir, 'users.csv'), USERS_CSV);
    // The login step also carries thresholds of its own, judged again on the merge.
    const ownThresholds = '    checks: [ status == 200, json $.role != "blocked" ]\n    thresholds: [ "p99 < 5s", "error_rate < 5%" ]';
    writeFileSync(spec, journeySpec(server.url, 'iterations: 50\nconcurrency: 6\nworkers: 1').replace('    checks: [ status == 200, json $.role != "blocked" ]', ownThresholds));
    const { runs, parts } = await runShards(spec, dir, 'part');
    shardRuns.push(...runs);
    partFiles.push(...parts);
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('three shard processes merge into what one process gives: totals, checks, verdict, the union of the histograms', async () => {
    shardRuns.forEach((run, k) => assert.ok(run.code === 0 || run.code === 1, `shard ${k}: ${run.stderr}`));
    const parts = partFiles.map(read);
    assert.deepEqual(parts.map((p) => p.iterations?.started), [17, 17, 16]);
    // Sequential rows across the shards: 50 iterations over 5 users, 10 each.
    assert.deepEqual(USERS.map((u) => server.logins.get(u)), [10, 10, 10, 10, 10]);
    const mergedFile = join(dir, 'merged.json');
    const out = await atm(['merge', ...partFiles, '--json', mergedFile]);
    const merged = read(mergedFile);
    server.logins.clear();
    const singleFile = join(dir, 'single.json');
    const one = await atm(['run', spec, '--json', singleFile, '--quiet']);
    const alone = read(singleFile);
    assert.equal(out.code, one.code, out.stderr);
    assert.equal(one.code, 1, 'error_rate < 1% fails on the blocked user');

    const totals = (r: RunResult): unknown => ({
      passed: r.passed,
      iterations: { ...r.iterations, per_second: 0 },
      skipped: r.skipped_steps,
      steps: r.endpoint_metrics.map((e) => [e.name, e.total_requests, e.failed_requests, e.errors_by_type]),
      checks: r.checks,
      thresholds: r.thresholds.map((t) => [t.expression, t.endpoint, t.passed]),
      timelineIterations: r.timeline.reduce((sum, p) => sum + (p.iterations ?? 0), 0),
    });
    assert.deepEqual(totals(merged), totals(alone));
    const stepOwn = (r: RunResult): unknown => r.thresholds.filter((t) => t.endpoint === 'login').map((t) => [t.expression, t.passed]);
    assert.deepEqual(stepOwn(merged), [['p99 < 5s', true], ['error_rate < 5%', false]], 'the step\'s own thresholds, judged on the merged counts');
    assert.deepEqual(stepOwn(alone), stepOwn(merged));
    assert.deepEqual(merged.iterations && { ...merged.iterations, per_second: 0 }, { started: 50, completed: 40, failed: 10, dropped: 0, per_second: 0 });
    assert.deepEqual(merged.checks?.find((c) => c.expression === 'json $.role != "blocked"'), { step: 'login', expression: 'json $.role != "blocked"', passes: 40, fails: 10 });

    // Histograms merged, never percentiles averaged: the whole iterations' and the requests'.
    const durations = newHistogram();
    const latencies = newHistogram();
    for (const p of parts) {
      for (const raw of p.shard_data?.parts ?? []) if (raw.flow !== undefined) durations.add(decodeHistogram(raw.flow.duration));
      latencies.add(decodeHistogram(p.histogram));
    }
    assert.equal(durations.totalCount, 50);
    assert.deepEqual(merged.iteration_duration_ms, summarize(durations));
    assert.deepEqual(merged.metrics.latency_ms, summarize(latencies));
    assert.equal(merged.thresholds.find((t) => t.expression === 'iteration_duration p95 < 5s')?.actual, summarize(durations).p95);
    // No captured token in a shard's raw parts or in the merge.
    for (const file of [...partFiles, mergedFile]) assert.ok(!readFileSync(file, 'utf8').includes(TOKEN_MARK), `${file} shows a captured secret`);
  });
});
