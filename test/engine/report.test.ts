// The HTML report: rendered from a real run against a loopback server (secrets in headers,
// markup in the body), stretched to a 60-second timeline, then opened in Debian's Chromium:
// nothing requested but the file, no console errors, the content there, untrusted text inert.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunResult } from '../../engine/format/result';
import { renderHtmlReport } from '../../engine/report/html';
import { formatThresholdValue, renderJUnit } from '../../engine/report/junit';
import { runPlan } from '../../engine/run';
import { launchChromium } from '../webview/harness';
import { endpoint, plan, serve, threshold, type TestServer } from './helpers';

const SECRET = 'tok-9f8e7d6c5b4a';
const SCREENSHOTS = join(__dirname, '..', '..', 'test-results', 'report');
const HOSTILE = '<script>window.__pwned = 1</script><img src="http://127.0.0.1:9/x.png" onerror="window.__pwned = 2">';

void describe('HTML report', { timeout: 120_000 }, () => {
  let server: TestServer;
  let result: RunResult;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atm-report-'));
    server = await serve((_req, res, n) => {
      // 8 KB bodies (the most a sample keeps by default), some failures, a secret cookie.
      const body = `${HOSTILE}${'x'.repeat(8192)}`;
      res.writeHead(n % 10 === 9 ? 503 : 200, { 'content-type': 'text/html', 'set-cookie': `session=${SECRET}`, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const p = plan({
      name: 'Report <b>test</b>',
      totalRequests: 300,
      concurrency: 4,
      secrets: [SECRET],
      endpoints: [
        endpoint({ name: 'list', url: `${server.url}/items`, headers: [['Authorization', `Bearer ${SECRET}`]] }),
        endpoint({ name: 'get', url: `${server.url}/items/1`, thresholds: [threshold('p99 < 1ms', 'p99', '<', 0.001)] }),
      ],
      thresholds: [threshold('error_rate < 50%', 'error_rate', '<', 0.5), threshold('p95 < 10s', 'p95', '<', 10_000)],
    });
    result = await runPlan(p, { warmCode: false });
    // A 60-second run has 60 timeline points; nothing else in a result grows with duration.
    const last = result.timeline[result.timeline.length - 1];
    result.timeline = Array.from({ length: 60 }, (_, i) => ({ ...last, t: i + 1, rps: 150 + (i % 7) * 10, p95: 5 + (i % 5) }));
    result.metrics.duration_seconds = 60;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('is one file under 500 KB with no script, nothing external, and no secret', () => {
    const html = renderHtmlReport(result);
    assert.ok(result.sampled_requests.length > 5, 'the run kept samples');
    assert.ok(Buffer.byteLength(html) < 500_000, `${Buffer.byteLength(html)} bytes`);
    assert.ok(!html.includes(SECRET), 'the secret is redacted');
    assert.ok(!/<script/i.test(html), 'no script element');
    assert.ok(!/<img/i.test(html), 'markup from a body is text');
    assert.ok(html.includes('&lt;script&gt;window.__pwned = 1&lt;/script&gt;'), 'bodies are shown as text');
    assert.ok(html.includes('Report &lt;b&gt;test&lt;/b&gt;'));
  });

  void it('opens in Chromium with no console errors, no requests, and its content', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtmlReport(result));
    const browser = await launchChromium();
    try {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(pathToFileURL(file).href);
        await page.locator('[data-testid="verdict"]').waitFor();

        assert.deepEqual(requests, [pathToFileURL(file).href], 'only the file itself is loaded');
        assert.deepEqual(problems, [], 'no console errors (a CSP violation would be one)');
        assert.equal(await page.locator('[data-testid="verdict"]').textContent(), 'failed');
        assert.equal(await page.locator('h1').textContent(), 'failedReport <b>test</b>');
        assert.equal(await page.locator('[data-testid="tile-requests"] .v').textContent(), String(result.metrics.total_requests));
        for (const chart of ['chart-rps', 'chart-latency', 'chart-percentiles']) {
          assert.ok((await page.locator(`[data-testid="${chart}"] polyline`).count()) >= 1, chart);
        }
        assert.equal(await page.locator('[data-testid="threshold"]').count(), 3);
        assert.match((await page.locator('[data-testid="reasons"]').textContent()) ?? '', /get: p99 < 1ms: was/);
        assert.equal(await page.locator('[data-testid="endpoint"]').count(), 2);
        assert.match((await page.locator('[data-testid="status-codes"]').textContent()) ?? '', /503/);
        const sample = page.locator('[data-testid="sample"]').first();
        await sample.locator('summary').click();
        assert.match((await sample.textContent()) ?? '', /<script>window.__pwned = 1<\/script>/, 'the body reads as text');
        assert.equal(await page.evaluate('String(window.__pwned)'), 'undefined', 'nothing from a body ran');
        // The stylesheet applied (allowed by its hash): the failed badge has the theme's red.
        const background = await page.evaluate('getComputedStyle(document.querySelector(\'[data-testid="verdict"]\')).backgroundColor');
        assert.equal(background, scheme === 'light' ? 'rgb(207, 34, 46)' : 'rgb(248, 81, 73)');
        mkdirSync(SCREENSHOTS, { recursive: true });
        await page.screenshot({ path: join(SCREENSHOTS, `report-${scheme}.png`), fullPage: scheme === 'light' });
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });

  void it('with its baseline, tiles show the change and the percentile chart overlays the baseline', async () => {
    const fasterBaseline: RunResult = {
      ...result,
      id: 'baseline-run',
      metrics: { ...result.metrics, requests_per_second: result.metrics.requests_per_second * 2, latency_ms: { ...result.metrics.latency_ms, p95: result.metrics.latency_ms.p95 / 2 } },
    };
    const compared: RunResult = { ...result, baseline_run: 'baseline-run', baseline_source: 'baselines/last.json' };
    const file = join(dir, 'report-baseline.html');
    writeFileSync(file, renderHtmlReport(compared, { baselines: [fasterBaseline] }));
    // A baseline of another run id is not used for the overlay.
    assert.ok(!renderHtmlReport(result, { baselines: [fasterBaseline] }).includes('vs baseline'));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      await page.goto(pathToFileURL(file).href);
      await page.locator('[data-testid="tile-p95-change"]').waitFor();
      assert.deepEqual(problems, []);
      assert.equal(await page.locator('[data-testid="tile-p95-change"]').textContent(), '+100% vs baseline');
      assert.equal(await page.locator('[data-testid="tile-p95-change"]').getAttribute('class'), 'd bad');
      assert.equal(await page.locator('[data-testid="tile-rps-change"]').textContent(), '-50% vs baseline');
      assert.equal(await page.locator('[data-testid="chart-percentiles"] polyline').count(), 2);
      assert.match((await page.locator('[data-testid="baseline"]').textContent()) ?? '', /baseline-run \(baselines\/last\.json\)/);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'report-baseline.png') });
    } finally {
      await browser.close();
    }
  });

  void it('the JUnit report of the same run names the failed endpoint threshold', () => {
    const xml = renderJUnit([result], { file: 'api.atm.yaml' });
    assert.match(xml, /<testcase name="Report &lt;b&gt;test&lt;\/b&gt; › get" classname="api\.atm\.yaml › Report &lt;b&gt;test&lt;\/b&gt;" time="60\.000">/);
    assert.match(xml, /<failure message="get: p99 &lt; 1ms: was [\d.]+ ms" type="threshold">/);
    assert.ok(!xml.includes(SECRET));
  });
});

void describe('threshold values in reports', () => {
  void it('writes each metric in its unit: shares as percentages, latency in ms, rates in req/s', () => {
    assert.equal(formatThresholdValue('checks > 99%', 0.9), '90%');
    assert.equal(formatThresholdValue('checks > 99%', 0.99123), '99.123%');
    assert.equal(formatThresholdValue('error_rate < 1%', 0.015), '1.5%');
    assert.equal(formatThresholdValue('p95 < 200ms', 231.44), '231.4 ms');
    assert.equal(formatThresholdValue('iteration_duration p95 < 2s', 1834.2), '1834.2 ms');
    assert.equal(formatThresholdValue('rps >= 150', 80.04), '80 req/s');
    assert.equal(formatThresholdValue('dropped == 0', 3), '3');
  });
});
