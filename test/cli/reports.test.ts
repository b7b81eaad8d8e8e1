// `atm run --baseline/--junit/--html` and `atm compare` end to end: the bundled CLI (node
// dist/cli.js; build with `node esbuild.mjs cli`) against the built-in demo target (--demo, on
// 127.0.0.1), and every kind of bad baseline.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateXML } from 'xmllint-wasm';
import { XMLParser } from 'fast-xml-parser';
import type { Comparison } from '../../engine/compare';
import type { RunResult } from '../../engine/format/result';
import { atm, CLI } from './atm';
import { assertValidJUnit, JUNIT_XSD } from './junitSchema';

const SPEC = `name: items
base_url: http://127.0.0.1:3000
endpoints:
  - name: list
    url: /items?limit=10
    thresholds: [ "p95 < baseline * 50", "p99 < 5s" ]
  - name: one
    url: /items/1
concurrency: 4
total_requests: 200
thresholds:
  - p95 < baseline + 5000%
  - error_rate <= baseline + 0.5%
  - rps > baseline - 99%
  - p99 < 5s
---
name: other
base_url: http://127.0.0.1:3000
url: /items/2
total_requests: 20
`;

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

void describe('baselines, compare and reports from the CLI', { timeout: 180_000 }, () => {
  let dir: string;
  const at = (name: string): string => join(dir, name);

  before(async () => {
    assert.ok(existsSync(CLI), 'build dist/cli.js first (node esbuild.mjs cli)');
    dir = mkdtempSync(join(tmpdir(), 'atm-reports-'));
    writeFileSync(at('api.atm.yaml'), SPEC);
    const first = await atm(['run', 'api.atm.yaml', '--demo', '--quiet', '--test', 'items', '--json', 'a.json'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr + first.stdout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  void it('without a baseline, baseline thresholds read "no baseline" and do not fail', () => {
    const a = read<RunResult>(at('a.json'));
    assert.equal(a.passed, true);
    assert.equal(a.baseline_run, null);
    const noBaseline = a.thresholds.filter((t) => t.no_baseline === true).map((t) => `${t.endpoint ?? ''}:${t.expression}`);
    assert.deepEqual(noBaseline, [':p95 < baseline + 5000%', ':error_rate <= baseline + 0.5%', ':rps > baseline - 99%', 'list:p95 < baseline * 50']);
  });

  void it('--baseline compares, and --junit / --html write their reports', async () => {
    const out = await atm(['run', 'api.atm.yaml', '--demo', '--quiet', '--test', 'items', '--baseline', 'a.json', '--json', 'b.json', '--junit', 'b.xml', '--html', 'b.html'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr + out.stdout);
    const a = read<RunResult>(at('a.json'));
    const b = read<RunResult>(at('b.json'));
    assert.equal(b.baseline_run, a.id);
    assert.match(out.stdout, new RegExp(`baseline    run ${a.id}`));
    const p95 = b.thresholds.find((t) => t.expression === 'p95 < baseline + 5000%');
    assert.ok(p95 !== undefined);
    assert.equal(p95.baseline, a.metrics.latency_ms.p95);
    assert.equal(p95.limit, Math.round(a.metrics.latency_ms.p95 * 51 * 1e6) / 1e6);
    const list = b.thresholds.find((t) => t.endpoint === 'list' && t.expression === 'p95 < baseline * 50');
    assert.equal(list?.baseline, a.endpoint_metrics.find((e) => e.name === 'list')?.latency_ms.p95, 'per endpoint: the same endpoint of the baseline');
    assert.ok(b.thresholds.every((t) => t.no_baseline !== true && t.passed));

    const xml = readFileSync(at('b.xml'), 'utf8');
    await assertValidJUnit(xml);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { testsuite: { name: string; tests: string; failures: string; time: string; testcase: Array<{ name: string; time: string }> } };
    };
    const suite = doc.testsuites.testsuite;
    assert.equal(suite.name, 'items');
    assert.deepEqual(
      suite.testcase.map((c) => c.name),
      ['items', 'items › list'],
    );
    assert.equal(suite.failures, '0');
    assert.equal(Number(suite.time), Number(b.metrics.duration_seconds.toFixed(3)), 'time is the run duration');

    const html = readFileSync(at('b.html'), 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(!/<script/i.test(html), 'no script in the report');
    assert.ok(!/(src|href)\s*=\s*["']?https?:/i.test(html), 'nothing loaded from the network');
    assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-/);
    assert.ok(html.includes(a.id), 'names the baseline run');
    assert.match(html, /data-testid="tile-p95-change">[+-][\d.]+% vs baseline</, 'tiles show the change against the baseline');
    assert.match(html, /Latency by percentile, against the baseline/);
  });

  void it('a regression against the baseline fails the run (exit 1) and shows in JUnit and compare', async () => {
    // A baseline ten thousand times faster than anything the demo can do.
    const a = read<RunResult>(at('a.json'));
    const fast: RunResult = { ...a, id: 'fast-baseline', metrics: { ...a.metrics, latency_ms: { ...a.metrics.latency_ms, p95: a.metrics.latency_ms.p95 / 10_000 } } };
    writeFileSync(at('fast.json'), JSON.stringify(fast));
    const out = await atm(['run', 'api.atm.yaml', '--demo', '--quiet', '--test', 'items', '--baseline', 'fast.json', '--json', 'c.json', '--junit', 'c.xml'], { cwd: dir });
    assert.equal(out.code, 1, out.stderr + out.stdout);
    assert.match(out.stdout, /✗ p95 < baseline \+ 5000% {2}\(actual [\d.]+ms, baseline [\d.]+ms, \+[\d.]+%\)/);
    const xml = readFileSync(at('c.xml'), 'utf8');
    await assertValidJUnit(xml);
    assert.match(xml, /<failure message="p95 &lt; baseline \+ 5000%: was [\d.]+ ms" type="threshold">failed: p95 &lt; baseline \+ 5000%, actual [\d.]+ ms, limit [\d.]+ ms, baseline [\d.]+ ms<\/failure>/);
    assert.match(xml, /<testsuite name="items" tests="2" failures="1" errors="0"/);

    const cmp = await atm(['compare', 'fast.json', 'c.json', '--json', 'cmp.json'], { cwd: dir });
    assert.equal(cmp.code, 1, cmp.stderr + cmp.stdout);
    assert.match(cmp.stdout, /items: baseline thresholds FAILED/);
    assert.match(cmp.stdout, /✗ p95 < baseline \+ 5000%/);
    const json = read<Comparison>(at('cmp.json'));
    assert.equal(json.passed, false);
  });

  void it('atm compare prints every metric, the change and the exact distributions per endpoint', async () => {
    const out = await atm(['compare', 'a.json', 'b.json', '--json', 'ab.json'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr + out.stdout);
    for (const text of ['req/s', 'p95 (ms)', 'latency distribution (ms, from the histograms)', 'p99.99', 'endpoint list', 'endpoint one']) assert.ok(out.stdout.includes(text), text);
    const json = read<Comparison>(at('ab.json'));
    const [test] = json.tests;
    assert.equal(test.name, 'items');
    assert.equal(test.overall.distribution?.[0].percentile, 50);
    assert.equal(test.overall.distribution?.at(-1)?.percentile, 99.99);
    assert.deepEqual(
      test.endpoints.map((e) => e.endpoint),
      ['list', 'one'],
    );
    const a = read<RunResult>(at('a.json'));
    const b = read<RunResult>(at('b.json'));
    const p95 = test.overall.metrics.find((m) => m.metric === 'latency_ms.p95');
    assert.deepEqual([p95?.a, p95?.b], [a.metrics.latency_ms.p95, b.metrics.latency_ms.p95]);
  });

  void it('atm compare: bad input exits 2 naming the file, and changes nothing', async () => {
    writeFileSync(at('spec.json'), JSON.stringify({ name: 'items', url: '/x' }));
    const before = readFileSync(at('a.json'), 'utf8');
    const cases: Array<[string[], RegExp]> = [
      [['compare', 'a.json'], /atm compare takes two result files, got 1/],
      [['compare', 'a.json', 'missing.json'], /missing\.json: no such file/],
      [['compare', 'spec.json', 'a.json'], /spec\.json: the result is not a run result: it has no "metrics"/],
      [['compare', 'a.json', 'b.json', '--json'], /--json needs a file name/],
    ];
    for (const [args, message] of cases) {
      const out = await atm(args, { cwd: dir });
      assert.equal(out.code, 2, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message);
    }
    assert.equal(readFileSync(at('a.json'), 'utf8'), before);
  });

  void it('a bad baseline is reported with the file and the problem, and the run still happens', async () => {
    const a = read<RunResult>(at('a.json'));
    writeFileSync(at('not-result.json'), '{"hello": 1}');
    writeFileSync(at('other-test.json'), JSON.stringify({ ...a, name: 'orders' }));
    writeFileSync(at('v9.json'), JSON.stringify({ ...a, schema_version: 9 }));
    writeFileSync(at('corrupt.json'), JSON.stringify({ ...a, histogram: 'HISTFAAAAB3enJNpmS' }));
    const cases: Array<[string, RegExp]> = [
      ['not-result.json', /not-result\.json: the result is not a run result/],
      ['other-test.json', /other-test\.json: is a result of test 'orders', not of 'items'/],
      ['v9.json', /v9\.json: the result has result schema version 9; this version of ATM reads version 1/],
      ['corrupt.json', /corrupt\.json: the result: histogram is corrupt/],
      ['nowhere.json', /nowhere\.json: no such file/],
    ];
    for (const [file, message] of cases) {
      const out = await atm(['run', 'api.atm.yaml', '--demo', '--quiet', '--test', 'items', '--baseline', file, '--json', 'bad.json'], { cwd: dir });
      assert.equal(out.code, 0, `${file}: ${out.stderr}${out.stdout}`);
      assert.match(out.stderr, message);
      assert.match(out.stderr, /running 'items' without a baseline/);
      const result = read<RunResult>(at('bad.json'));
      assert.equal(result.status, 'completed');
      assert.equal(result.baseline_run, null);
      assert.match(result.baseline_error ?? '', message);
      assert.ok(result.thresholds.filter((t) => t.no_baseline === true).length === 4, file);
    }
  });

  void it("the spec's baseline: (relative to the spec) wins over --baseline", async () => {
    writeFileSync(at('pinned.atm.yaml'), SPEC.replace('total_requests: 200\n', 'total_requests: 200\nbaseline: a.json\n'));
    const out = await atm(['run', 'pinned.atm.yaml', '--demo', '--test', 'items', '--baseline', 'fast.json', '--json', 'd.json'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr + out.stdout);
    assert.match(out.stderr, /compares with its spec's baseline: a\.json \(not --baseline\)/);
    assert.equal(read<RunResult>(at('d.json')).baseline_run, read<RunResult>(at('a.json')).id);
  });

  void it('several tests: one testsuite each in JUnit, one section each in HTML', async () => {
    const out = await atm(['run', 'api.atm.yaml', '--demo', '--quiet', '--junit', 'all.xml', '--html', 'all.html'], { cwd: dir });
    assert.equal(out.code, 0, out.stderr + out.stdout);
    const xml = readFileSync(at('all.xml'), 'utf8');
    await assertValidJUnit(xml);
    assert.deepEqual(
      [...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]),
      ['items', 'other'],
    );
    assert.match(xml, /<testsuites name="atm run api\.atm\.yaml" tests="3" failures="0" errors="0"/);
    assert.equal([...readFileSync(at('all.html'), 'utf8').matchAll(/data-testid="run"/g)].length, 2);
    assert.ok(statSync(at('all.html')).size < 500_000);
  });

  void it('the schema check itself rejects what CI viewers would not read', async () => {
    const bad = '<?xml version="1.0"?>\n<testsuites><testsuite name="x" tests="1"><testcase classname="no name"/></testsuite></testsuites>\n';
    const check = await validateXML({ xml: [{ fileName: 'bad.xml', contents: bad }], schema: [{ fileName: 'junit.xsd', contents: JUNIT_XSD }] });
    assert.equal(check.valid, false);
    assert.match(check.rawOutput, /name/);
  });

  void it('usage errors for the new options exit 2', async () => {
    for (const flag of ['--baseline', '--junit', '--html']) {
      const out = await atm(['run', 'api.atm.yaml', flag], { cwd: dir });
      assert.equal(out.code, 2, flag);
      assert.match(out.stderr, new RegExp(`${flag} needs a file name`));
    }
  });
});
