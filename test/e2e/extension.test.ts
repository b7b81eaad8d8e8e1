// The extension as a user meets it: the packaged VSIX installed into a real VS Code (code-server),
// driven through Chromium. Screenshots of every step go to the folder printed at the start.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../../engine/demo/server';
import { atmSchema, validateText } from '../../engine/format';
import type { RunResult } from '../../engine/format/result';
import { isRunResult } from '../../webview/protocol';
import {
  clickLens,
  contextAction,
  launchBrowser,
  notifications,
  openFile,
  openWorkbench,
  packageVsix,
  panelFrame,
  pidsWithArg,
  readPanel,
  REPO,
  runCommand,
  Shots,
  startCodeServer,
  storedResults,
  tileNumber,
  vsixEntries,
  waitFor,
  waitForPanel,
  type CodeServer,
} from './harness';

const root = mkdtempSync(join(tmpdir(), 'atm-e2e-'));
const shots = new Shots(join(REPO, 'test-results', `e2e-${new Date().toISOString().replace(/[:.]/g, '-')}`));
let vsix = '';
let demo: DemoServer | null = null;
let markupServer: Server | null = null;
let markupUrl = '';
let browser: Browser | null = null;
const servers: CodeServer[] = [];

/** An HTML body that would run script or add elements if the panel ever treated it as markup. */
const MARKUP = '<b id="atm-injected">bold</b><img src=x onerror="document.body.dataset.pwned=1">';

const BROKEN = `name: Broken spec
base_url: BASE
url: /health
concurency: 5
total_requests: 10
`;

const COMPLETION = `name: Completion
base_url: BASE
url: /health
`;

const FAILING = `name: Failing threshold
base_url: BASE
url: /items?limit=5
concurrency: 2
total_requests: 40
thresholds:
  - error_rate < 1%
  - rps >= 100000000
`;

const LONG = `name: Long run
base_url: BASE
url: /slow?ms=20
concurrency: 4
duration_seconds: 120
`;

const MARKUP_SPEC = `name: Markup response
base_url: MARKUP
url: /page
concurrency: 1
total_requests: 5
`;

const OVER_CAP = `name: Over the cap
base_url: BASE
url: /health
concurrency: 500
total_requests: 1000
`;

// 203.0.113.0/24 is reserved for documentation: never routed, and the dialog comes before any request.
const REMOTE = `name: Remote target
base_url: http://203.0.113.7:8080
url: /items
headers:
  Authorization: "Bearer {{env:ATM_E2E_TOKEN}}"
requests_per_second: 20
concurrency: 5
duration_seconds: 30
`;

// /echo sends the request back, headers and body: the token must be masked in the response too.
const SECRET = `name: Secret header
base_url: BASE
url: /echo
method: POST
headers:
  Authorization: "Bearer {{env:ATM_E2E_TOKEN}}"
  X-Api-Key: e2e-literal-api-key
body: { token: "{{env:ATM_E2E_TOKEN}}" }
concurrency: 1
total_requests: 5
`;

const TWO_TESTS = `name: First of two
base_url: BASE
url: /health
concurrency: 2
total_requests: 20
---
name: Second of two
base_url: BASE
url: /items?limit=2
concurrency: 2
total_requests: 20
`;

function writeWorkspace(dir: string, baseUrl: string): void {
  mkdirSync(dir, { recursive: true });
  const examples = join(REPO, 'examples');
  for (const name of readdirSync(examples)) {
    if (!/\.atm\.ya?ml$/.test(name)) continue;
    const text = readFileSync(join(examples, name), 'utf8').replace(/^base_url:[ \t]*\S+/m, `base_url: ${baseUrl}`);
    writeFileSync(join(dir, name), text);
  }
  const put = (name: string, text: string): void => writeFileSync(join(dir, name), text.replace('BASE', baseUrl).replace('MARKUP', markupUrl));
  put('broken.atm.yaml', BROKEN);
  put('completion.atm.yaml', COMPLETION);
  put('failing.atm.yaml', FAILING);
  put('long.atm.yaml', LONG);
  put('markup.atm.yaml', MARKUP_SPEC);
  put('over-cap.atm.yaml', OVER_CAP);
  put('remote.atm.yaml', REMOTE);
  put('secret.atm.yaml', SECRET);
  writeFileSync(join(dir, 'two.atm.yaml'), TWO_TESTS.replaceAll('BASE', baseUrl));
  writeFileSync(join(dir, '.env'), 'ATM_E2E_TOKEN=e2e-not-a-secret\n');
}

before(async () => {
  console.log(`[e2e] screenshots: ${shots.dir}`);
  const built = packageVsix();
  vsix = built.path;
  console.log(`[e2e] VSIX: ${built.path} (${(built.bytes / 1024).toFixed(0)} KiB)`);
  demo = await startDemoServer({ host: '127.0.0.1', port: 0 });
  markupServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(MARKUP);
  });
  await new Promise<void>((r) => markupServer?.listen(0, '127.0.0.1', () => r()));
  const address = markupServer.address();
  markupUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await launchBrowser();
});

after(async () => {
  for (const s of servers) await s.close();
  await browser?.close();
  await demo?.close();
  markupServer?.closeAllConnections();
  await new Promise<void>((r) => (markupServer ? markupServer.close(() => r()) : r()));
  // ATM_E2E_KEEP=1 keeps the user data (logs, run history) for a look after a failure.
  if (process.env.ATM_E2E_KEEP) console.log(`[e2e] kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
});

void test('the VSIX holds only what the extension needs', () => {
  const entries = vsixEntries(vsix).filter((e) => e.startsWith('extension/'));
  const needed = [
    'extension/package.json',
    'extension/readme.md',
    'extension/LICENSE.txt',
    'extension/language-configuration.json',
    'extension/syntaxes/atm-yaml.tmLanguage.json',
    'extension/images/atm-activity.svg',
    'extension/dist/extension.js',
    'extension/dist/server.js',
    'extension/dist/engine.js',
    'extension/dist/worker.js',
    // atm mcp, which the extension registers for the editor's agent mode.
    'extension/dist/cli.js',
    'extension/dist/webview.js',
    'extension/dist/webview.css',
  ];
  for (const file of needed) {
    assert.ok(entries.includes(file), `${file} in the VSIX`);
  }
  // Nothing else: no sources, maps, node_modules, tests or benchmarks.
  const unexpected = entries.filter((e) => !needed.includes(e) && !/^extension\/schemas\/[\w.-]+\.json$/.test(e));
  assert.deepEqual(unexpected, []);
});

void describe('in a trusted workspace', { timeout: 8 * 60_000 }, () => {
  let page: Page;
  let workspace = '';

  before(async () => {
    assert.ok(demo && browser);
    workspace = join(root, 'workspace');
    writeWorkspace(workspace, demo.url);
    const server = await startCodeServer({ root: join(root, 'trusted'), workspace, vsix, trusted: true });
    servers.push(server);
    page = await openWorkbench(browser, server);
    await shots.take(page, 'workbench');
  });

  after(async () => {
    if (page) await shots.take(page, 'trusted-final').catch(() => undefined);
  });

  afterEach(async (t) => {
    // What the window looked like at the end of each step, failed or not.
    if (page) await shots.take(page, `after-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}`).catch(() => undefined);
  });

  void test('a broken line shows a squiggle and its message in Problems', async () => {
    await openFile(page, 'broken.atm.yaml');
    const expected = validateText(BROKEN.replace('BASE', demo?.url ?? '')).find((d) => d.code === 'unknown-key');
    assert.ok(expected, 'the spec module reports the typo');
    await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ state: 'attached', timeout: 60_000 });
    await runCommand(page, 'View: Toggle Problems');
    const markers = page.locator('.markers-panel');
    await waitFor('the message in Problems', async () => (await markers.innerText()).includes(expected.message), 20_000);
    await shots.take(page, 'broken-problems');
    await runCommand(page, 'View: Toggle Problems');
  });

  void test('completion offers the keys of a test', async () => {
    await openFile(page, 'completion.atm.yaml');
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('conc');
    const rows = page.locator('.suggest-widget .monaco-list-row');
    const labels = await waitFor('a completion list with concurrency', async () => {
      if (!(await rows.first().isVisible())) await page.keyboard.press('Control+Space');
      const texts = await rows.allInnerTexts();
      return texts.some((t) => t.includes('concurrency')) ? texts : undefined;
    }, 30_000, 300);
    await shots.take(page, 'completion');
    assert.ok(labels.some((t) => t.includes('concurrency')));
    await page.keyboard.press('Escape');
    // Leave the file as it was so nothing asks to save it later.
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+Z');
  });

  void test('hover explains a key from the schema', async () => {
    await openFile(page, 'quickstart.atm.yaml');
    const props = (atmSchema as { properties: Record<string, { description?: string; markdownDescription?: string }> }).properties;
    const doc = (props.concurrency.markdownDescription ?? props.concurrency.description ?? '').replace(/[`*_]/g, '');
    const words = doc.split(/\s+/).slice(0, 4).join(' ');
    assert.ok(words.length > 5, 'the schema documents concurrency');
    const key = page.locator('.editor-group-container.active .view-line span', { hasText: /^concurrency$/ }).first();
    await waitFor('the hover over concurrency', async () => {
      await key.hover({ timeout: 3000 });
      const hover = page.locator('.monaco-hover:not(.hidden)').first();
      if (!(await hover.isVisible())) return false;
      return (await hover.innerText()).replace(/[`*_]/g, '').replace(/\s+/g, ' ').includes(words);
    }, 30_000, 500);
    await shots.take(page, 'hover');
    await page.keyboard.press('Escape');
  });

  void test('▶ Run test on the quickstart ends passed with numbers', async () => {
    await openFile(page, 'quickstart.atm.yaml');
    await clickLens(page, /Run test/);
    const done = await waitForPanel(page, 'the quickstart to pass', (p) => p.status === 'passed', 90_000);
    await shots.take(page, 'quickstart-passed');
    assert.match(done.name, /Quickstart/);
    assert.equal(tileNumber(done.tiles.requests), 300);
    assert.ok(tileNumber(done.tiles.rps) > 0, `req/s tile: ${done.tiles.rps}`);
    const status = await page.locator('.statusbar-item', { hasText: /ATM: passed/ }).first().innerText();
    assert.match(status, /req\/s · p95/);
  });

  void test('a failing threshold ends failed with the reason', async () => {
    await openFile(page, 'failing.atm.yaml');
    await clickLens(page, /Run test/);
    const done = await waitForPanel(page, 'the failing run to end', (p) => p.name.includes('Failing threshold') && ['passed', 'failed', 'error'].includes(p.status), 90_000);
    await shots.take(page, 'failing-threshold');
    assert.equal(done.status, 'failed');
    assert.match(done.text, /rps >= 100000000/);
  });

  void test('a long run shows live numbers; Run again offers Restart (the first run ends cancelled, a new one runs); Stop ends it cancelled', async () => {
    await openFile(page, 'long.atm.yaml');
    await clickLens(page, /Run test/);
    const first = await waitForPanel(page, 'live numbers', (p) => p.name.includes('Long run') && p.status === 'running' && tileNumber(p.tiles.requests) > 0, 60_000);
    await shots.take(page, 'long-running');
    await waitForPanel(page, 'the live numbers to move', (p) => tileNumber(p.tiles.requests) > tileNumber(first.tiles.requests), 30_000);
    await waitFor('the status bar to show the live rate', async () => /ATM: [\d,]+ req\/s · p95/.test((await page.locator('.statusbar').innerText()) ?? ''), 20_000);
    await shots.take(page, 'long-live-status-bar');
    // The same test is not started twice: a second click offers a restart instead.
    const userData = join(root, 'trusted', 'user-data');
    const cancelledLongRuns = (): RunResult[] => storedResults(userData).filter((r) => r.name === 'Long run' && r.status === 'cancelled');
    assert.equal(cancelledLongRuns().length, 0);
    await clickLens(page, /Run test/);
    await waitFor('the already-running notice', async () => (await notifications(page)).find((t) => /"Long run" is already running/.test(t) && /Restart/.test(t)), 15_000);
    await shots.take(page, 'long-already-running');
    // Restart: the first run ends cancelled (and is recorded), then a new one runs.
    const restartIn = (where: string) =>
      page.locator(`${where} .notification-list-item`, { hasText: 'is already running' }).locator('.monaco-button', { hasText: 'Restart' }).first();
    await waitFor('Restart to be chosen', async () => {
      if (cancelledLongRuns().length > 0) return true;
      // The toast may have timed out on a loaded machine: the notification center keeps it.
      for (const where of ['.notifications-toasts', '.notifications-center']) {
        const button = restartIn(where);
        if (await button.isVisible()) {
          await button.click({ timeout: 3000 }).catch(() => undefined);
          return false;
        }
      }
      await runCommand(page, 'Notifications: Show Notifications').catch(() => undefined);
      return false;
    }, 30_000, 500);
    if (await page.locator('.notifications-center').isVisible()) await runCommand(page, 'Notifications: Hide Notifications').catch(() => undefined);
    const [firstRun] = cancelledLongRuns();
    assert.ok(firstRun.metrics.total_requests > 0, 'the first run kept its partial numbers');
    const second = await waitForPanel(page, 'the restarted run to go', (p) => p.name.includes('Long run') && p.status === 'running' && tileNumber(p.tiles.requests) > 0, 60_000);
    await shots.take(page, 'long-restarted');
    assert.equal(cancelledLongRuns().length, 1, 'one run ended by the restart, the new one still goes');
    // A click can land and still time out on a loaded machine: success is the panel leaving `running`.
    await waitFor('Stop to take effect', async () => {
      const shown = await readPanel(page);
      if (shown && shown.status !== 'running') return true;
      const stop = (await panelFrame(page))?.locator('[data-testid="stop-button"]');
      if (stop && (await stop.isVisible())) await stop.click({ timeout: 3000 }).catch(() => undefined);
      return false;
    }, 30_000, 300);
    const done = await waitForPanel(page, 'the run to be cancelled', (p) => p.status === 'cancelled', 60_000);
    await shots.take(page, 'long-cancelled');
    assert.ok(tileNumber(done.tiles.requests) > 0, `partial requests: ${done.tiles.requests}`);
    // Two runs of the test, one after the other: the restarted one began after the first ended.
    const both = await waitFor('both long runs on disk', () => {
      const runs = cancelledLongRuns();
      return runs.length === 2 ? runs : undefined;
    }, 20_000);
    const secondRun = both.find((r) => r.id !== firstRun.id);
    assert.ok(secondRun, 'a second, distinct run');
    assert.ok(Date.parse(secondRun.started_at) >= Date.parse(firstRun.completed_at) - 1000, `${secondRun.started_at} after ${firstRun.completed_at}`);
    assert.ok(tileNumber(second.tiles.requests) > 0);
  });

  void test('an engine that dies mid-run leaves a failed run with its last numbers', async () => {
    const engineJs = join(root, 'trusted', 'extensions', 'api-test-machine.api-test-machine-0.1.0', 'dist', 'engine.js');
    await openFile(page, 'long.atm.yaml');
    await clickLens(page, /Run test/);
    await waitForPanel(page, 'the second long run to go', (p) => p.name.includes('Long run') && p.status === 'running' && tileNumber(p.tiles.requests) > 0, 60_000);
    const [pid] = await waitFor('the engine process', async () => {
      const pids = await pidsWithArg(engineJs);
      return pids.length === 1 ? pids : undefined;
    }, 20_000);
    process.kill(pid, 'SIGKILL');
    const done = await waitForPanel(page, 'the run to fail', (p) => p.status === 'error' || p.status === 'failed', 30_000);
    await shots.take(page, 'engine-killed');
    assert.match(done.text, /engine process was killed/);
    assert.ok(tileNumber(done.tiles.requests) > 0, `last snapshot kept: ${done.tiles.requests}`);
  });

  void test('the title ▶ runs the test under the cursor; Run all tests runs each test', async () => {
    await openFile(page, 'two.atm.yaml');
    await page.locator('.editor-group-container.active .view-line', { hasText: 'name: Second of two' }).first().click();
    await page.locator('.editor-group-container.active .editor-actions [aria-label*="Run Test"]').first().click();
    await waitForPanel(page, 'the second test to pass', (p) => p.name.includes('Second of two') && p.status === 'passed', 60_000);
    await shots.take(page, 'title-run-under-cursor');
    await clickLens(page, /Run all tests/);
    await waitForPanel(page, 'the first test to run', (p) => p.name.includes('First of two'), 60_000);
    await waitForPanel(page, 'the last test of the file to pass', (p) => p.name.includes('Second of two') && p.status === 'passed', 60_000);
    await shots.take(page, 'run-all');
  });

  void test('a response with markup is shown as text', async () => {
    await openFile(page, 'markup.atm.yaml');
    await clickLens(page, /Run test/);
    await waitForPanel(page, 'the markup run to pass', (p) => p.name.includes('Markup response') && p.status === 'passed', 60_000);
    const frame = await panelFrame(page);
    assert.ok(frame);
    await frame.locator('#tab-samples').click();
    await frame.locator('[data-testid="sample-row"]').first().click({ timeout: 10_000 });
    const detail = frame.locator('[data-testid="sample-detail"]');
    await waitFor('the sample body', async () => (await detail.innerText()).includes('<b id="atm-injected">'), 15_000);
    await detail.locator('pre', { hasText: 'atm-injected' }).first().scrollIntoViewIfNeeded();
    await shots.take(page, 'markup-as-text');
    for (const f of page.frames()) {
      const injected = await f
        .evaluate<{ el: number; pwned: string | null }>(`({ el: document.querySelectorAll('#atm-injected, img[src="x"]').length, pwned: document.body?.dataset.pwned ?? null })`)
        .catch(() => ({ el: 0, pwned: null }));
      assert.deepEqual(injected, { el: 0, pwned: null }, `frame ${f.url()}`);
    }
  });

  void test('the ATM Runs view lists the runs and reopens one', async () => {
    await runCommand(page, 'ATM: Open Run History');
    const view = page.locator('.pane', { hasText: 'ATM Runs' });
    for (const name of ['Quickstart', 'Failing threshold', 'Long run', 'Markup response']) {
      await view.locator('.monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 20_000 });
    }
    await shots.take(page, 'history');
    const failedRun = view.locator('.monaco-list-row[aria-label^="Failing threshold, failed"]').first();
    await failedRun.click();
    const shown = await waitForPanel(page, 'the stored run in the panel', (p) => p.name.includes('Failing threshold') && p.status === 'failed', 30_000);
    await shots.take(page, 'history-reopened');
    assert.match(shown.text, /rps >= 100000000/);
    // Rerun in the panel runs the shown test again (a message from the webview to the extension).
    const before = await view.locator('.monaco-list-row[aria-label^="Failing threshold, failed"]').count();
    await waitFor('Rerun to start a run', async () => {
      if ((await view.locator('.monaco-list-row[aria-label^="Failing threshold, failed"]').count()) > before) return true;
      const rerun = (await panelFrame(page))?.locator('[data-testid="rerun-button"]');
      const shownNow = await readPanel(page);
      if (rerun && shownNow?.status === 'failed' && (await rerun.isVisible()) && (await rerun.isEnabled())) await rerun.click({ timeout: 3000 }).catch(() => undefined);
      return false;
    }, 45_000, 1000);
    const stored = storedResults(join(root, 'trusted', 'user-data'));
    assert.ok(stored.length >= 4, `results on disk: ${stored.length}`);
  });

  void test('the results panel survives a window reload', async () => {
    await page.reload();
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    const shown = await waitForPanel(page, 'the restored panel', (p) => p.name.includes('Failing threshold') && p.status === 'failed', 60_000);
    await shots.take(page, 'reloaded');
    assert.match(shown.text, /rps >= 100000000/);
  });

  void test('Export JSON from the ATM Runs context menu writes the result, secrets redacted', async () => {
    await openFile(page, 'secret.atm.yaml');
    await clickLens(page, /Run test/);
    await waitForPanel(page, 'the secret run to pass', (p) => p.name.includes('Secret header') && p.status === 'passed', 60_000);
    await runCommand(page, 'ATM: Open Run History');
    const view = page.locator('.pane', { hasText: 'ATM Runs' });
    const row = view.locator('.monaco-list-row[aria-label^="Secret header, passed"]').first();
    await row.waitFor({ state: 'visible', timeout: 20_000 });
    const target = join(workspace, 'Secret-header.result.json');
    assert.equal(existsSync(target), false);
    const dialogInput = page.locator('.quick-input-widget input');
    // The save dialog (VS Code's own in the browser) proposes <test name>.result.json in the workspace.
    await contextAction(page, row, 'Export Result as JSON', 'the save dialog', async () => (await dialogInput.isVisible()) && (await dialogInput.inputValue()).endsWith('.result.json'), 30_000);
    assert.match(await dialogInput.inputValue(), /Secret-header\.result\.json$/);
    await shots.take(page, 'export-dialog');
    await dialogInput.press('Enter');
    const text = await waitFor('the exported file', () => (existsSync(target) ? readFileSync(target, 'utf8') : undefined), 20_000);
    await shots.take(page, 'exported');
    const exported = JSON.parse(text) as RunResult;
    // The result object of SPEC.md, every key of it.
    assert.ok(isRunResult(exported), 'a valid result');
    for (const key of ['id', 'name', 'file', 'status', 'passed', 'failure_reasons', 'started_at', 'completed_at', 'model', 'target_rps', 'spec', 'metrics', 'endpoint_metrics', 'thresholds', 'timeline', 'sampled_requests', 'histogram']) {
      assert.ok(key in exported, `"${key}" in the export`);
    }
    assert.equal(exported.name, 'Secret header');
    assert.equal(exported.file, 'secret.atm.yaml');
    assert.equal(exported.status, 'completed');
    assert.equal(exported.metrics.total_requests, 5);
    const stored = storedResults(join(root, 'trusted', 'user-data')).find((r) => r.id === exported.id);
    assert.deepEqual(exported, stored, 'the export is the stored result');
    // Neither the token from .env nor the literal key appears anywhere: not in the spec, the sent
    // headers, or the echoed response.
    assert.equal(text.includes('e2e-not-a-secret'), false, 'the .env token is redacted');
    assert.equal(text.includes('e2e-literal-api-key'), false, 'the literal X-Api-Key is redacted');
    const sample = exported.sampled_requests[0];
    assert.ok(sample, 'a sample');
    const header = (h: Record<string, string>, name: string): string | undefined => Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
    assert.equal(header(sample.request_headers, 'authorization'), '***');
    assert.equal(header(sample.request_headers, 'x-api-key'), '***');
    assert.match(sample.response_body ?? '', /\*\*\*/);
  });

  void test('a spec beyond a user cap is refused, naming the setting', async () => {
    await openFile(page, 'over-cap.atm.yaml');
    await clickLens(page, /Run test/);
    const toast = await waitFor('the cap refusal', async () => (await notifications(page)).find((t) => t.includes('atm.maxConcurrency')), 20_000);
    await shots.take(page, 'over-cap-refused');
    assert.match(toast, /concurrency 500/);
    assert.ok(!(await readPanel(page))?.name.includes('Over the cap'), 'no run started');
  });

  void test('a host outside this machine and the private network needs confirmation', async () => {
    await openFile(page, 'remote.atm.yaml');
    await clickLens(page, /Run test/);
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await dialog.innerText();
    await shots.take(page, 'remote-confirm');
    assert.match(text, /203\.0\.113\.7/);
    assert.match(text, /20 req\/s/);
    assert.match(text, /ATM_E2E_TOKEN/);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.ok(!(await readPanel(page))?.name.includes('Remote target'), 'no run started');
  });

  void test('history context actions delete a run and clear the rest', async () => {
    await runCommand(page, 'ATM: Open Run History');
    const view = page.locator('.pane', { hasText: 'ATM Runs' });
    const markupRun = view.locator('.monaco-list-row[aria-label^="Markup response, passed"]').first();
    await markupRun.waitFor({ state: 'visible', timeout: 20_000 });
    // Open Spec from a run's context menu opens the file it ran. A context menu can swallow a
    // click while it opens: each step retries until its effect shows.
    const markupTab = page.locator('.editor-group-container.active .tab.active', { hasText: 'markup.atm.yaml' });
    await contextAction(page, markupRun, 'Open Spec', 'the spec to open from the history', () => markupTab.isVisible(), 20_000);
    await shots.take(page, 'history-open-spec');
    await contextAction(page, markupRun, 'Delete Run', 'the run to be deleted', async () => (await markupRun.count()) === 0, 20_000);
    await shots.take(page, 'history-deleted-one');
    await runCommand(page, 'ATM: Clear Run History');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await dialog.innerText(), /Delete all \d+ runs/);
    await dialog.locator('.monaco-button', { hasText: 'Delete' }).click();
    await waitFor('an empty history', async () => (await view.locator('.monaco-list-row[aria-label*=", passed"], .monaco-list-row[aria-label*=", failed"]').count()) === 0, 15_000);
    await view.getByText('No runs yet').first().waitFor({ state: 'visible', timeout: 15_000 });
    await shots.take(page, 'history-cleared');
  });

  void test('New Load Test Spec scaffolds a valid, runnable file', async () => {
    await runCommand(page, 'ATM: New Load Test Spec', { opensInput: true });
    const input = page.locator('.quick-input-widget input');
    await waitFor('the proposed file name', async () => (await input.inputValue()) === 'load-test.atm.yaml', 10_000);
    await input.fill('scaffold.atm.yaml');
    await input.press('Enter');
    await page.locator('.editor-group-container.active .tab.active', { hasText: 'scaffold.atm.yaml' }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.editor-group-container.active .codelens-decoration a', { hasText: /Run test/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('.editor-group-container.active .squiggly-error').count(), 0);
    assert.ok(existsSync(join(workspace, 'scaffold.atm.yaml')));
    await shots.take(page, 'new-spec');
  });

  void test('a crashed language server is restarted once, then reported', async () => {
    const serverJs = join(root, 'trusted', 'extensions', 'api-test-machine.api-test-machine-0.1.0', 'dist', 'server.js');
    const [first] = await waitFor('the language server process', async () => {
      const pids = await pidsWithArg(serverJs);
      return pids.length === 1 ? pids : undefined;
    }, 20_000);
    process.kill(first, 'SIGKILL');
    const [second] = await waitFor('a restarted language server', async () => {
      const pids = (await pidsWithArg(serverJs)).filter((p) => p !== first);
      return pids.length === 1 ? pids : undefined;
    }, 30_000, 250);
    // The restarted server validates again: a fresh typo gets its squiggle.
    await openFile(page, 'completion.atm.yaml');
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nconcurrencyy: 3');
    await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ state: 'attached', timeout: 30_000 });
    await shots.take(page, 'server-restarted');
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+Z');
    process.kill(second, 'SIGKILL');
    // A toast may already have timed out when we look: the notification center keeps it.
    const message = await waitFor('the message after a second crash', async () => {
      const toast = (await notifications(page)).find((t) => /language server stopped again/.test(t));
      if (toast) return toast;
      const center = page.locator('.notifications-center');
      if (!(await center.isVisible())) await runCommand(page, 'Notifications: Show Notifications');
      const listed = (await center.innerText()).replace(/\s+/g, ' ');
      return /language server stopped again/.test(listed) ? listed : undefined;
    }, 30_000, 500);
    await shots.take(page, 'server-stopped');
    assert.match(message, /Reload Window/);
  });
});

void describe('in Restricted Mode', { timeout: 4 * 60_000 }, () => {
  let page: Page;

  before(async () => {
    assert.ok(demo && browser);
    const workspace = join(root, 'untrusted-workspace');
    writeWorkspace(workspace, demo.url);
    const server = await startCodeServer({
      root: join(root, 'untrusted'),
      workspace,
      vsix,
      trusted: false,
      extensionsDir: existsSync(join(root, 'trusted', 'extensions')) ? join(root, 'trusted', 'extensions') : undefined,
    });
    servers.push(server);
    page = await openWorkbench(browser, server);
  });

  void test('validation works and a run is refused with the reason', async () => {
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await openFile(page, 'broken.atm.yaml');
    await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ state: 'attached', timeout: 60_000 });
    await openFile(page, 'quickstart.atm.yaml');
    await clickLens(page, /Run test/);
    const toast = await waitFor('the refusal', async () => (await notifications(page)).find((t) => /Restricted Mode/.test(t)), 20_000);
    await shots.take(page, 'restricted-refused');
    assert.match(toast, /Trust/);
    assert.equal(await panelFrame(page), undefined, 'no results panel opened');
  });
});
