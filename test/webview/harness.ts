// Serves the built results panel (dist/webview.js + .css) inside the HTML the extension renders,
// with a stand-in acquireVsCodeApi and a VS Code theme, and drives it in Debian's Chromium.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderPanelHtml } from '../../webview/html';
import type { ExtensionMessage, PanelMessage } from '../../webview/protocol';

export const ROOT = resolve(__dirname, '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'webview');

export type Theme = 'light' | 'dark' | 'high-contrast';

export const THEME_KIND: Record<Theme, string> = {
  light: 'vscode-light',
  dark: 'vscode-dark',
  'high-contrast': 'vscode-high-contrast',
};

/** What the prelude exposes on the page as `__atmTest`. */
export interface PanelTestGlobals {
  __atmTest: {
    posted: PanelMessage[];
    violations: string[];
    perf: { render: number[]; message: number[] };
    send(message: unknown): void;
  };
  __pwned?: unknown;
}

export function buildWebview(): void {
  execFileSync(process.execPath, ['esbuild.mjs', 'webview'], { cwd: ROOT, stdio: 'inherit' });
}

/** `--name: value;` pairs of a theme fixture, as VS Code sets them on the webview's <html>. */
export function themeVariables(theme: Theme): Record<string, string> {
  const css = readFileSync(join(ROOT, 'test', 'fixtures', 'webview', `theme-${theme}.css`), 'utf8');
  const vars: Record<string, string> = {};
  for (const m of css.matchAll(/(--vscode-[\w.-]+)\s*:\s*([^;]+);/g)) vars[m[1]] = m[2].trim();
  return vars;
}

// VS Code's own default stylesheet for webviews (the part that matters for layout). VS Code puts
// it in a <style> before the panel's own stylesheet; adopted sheets come last in the cascade, so
// :where() keeps these rules as weak as VS Code's position makes them.
const DEFAULT_WEBVIEW_CSS = `
:where(html) { scrollbar-color: var(--vscode-scrollbarSlider-background) var(--vscode-editor-background); background-color: var(--vscode-editor-background); }
:where(body) {
  background-color: transparent;
  color: var(--vscode-editor-foreground);
  font-family: var(--vscode-font-family);
  font-weight: var(--vscode-font-weight);
  font-size: var(--vscode-font-size);
  margin: 0;
  padding: 0 20px;
}
:where(a, a code) { color: var(--vscode-textLink-foreground); }
:where(code) { font-family: var(--vscode-editor-font-family); }
`;

function prelude(theme: Theme): string {
  const config = JSON.stringify({ vars: themeVariables(theme), kind: THEME_KIND[theme], css: DEFAULT_WEBVIEW_CSS });
  return `(() => {
  const config = ${config};
  for (const [name, value] of Object.entries(config.vars)) document.documentElement.style.setProperty(name, value);
  document.body.classList.add(config.kind);
  document.body.setAttribute('data-vscode-theme-kind', config.kind);
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(config.css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const t = { posted: [], violations: [], perf: { render: [], message: [] }, memoryState: undefined };
  window.__atmTest = t;
  document.addEventListener('securitypolicyviolation', (e) => t.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber + ' ' + e.sample));
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === 'atm-render') t.perf.render.push(e.duration);
      else if (e.name === 'atm-message') t.perf.message.push(e.duration);
    }
  }).observe({ entryTypes: ['measure'] });
  const KEY = 'atm-panel-state';
  t.send = (m) => window.postMessage(m, '*');
  // Like VS Code: the state survives a reload of the webview (kept here in sessionStorage).
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => { t.posted.push(JSON.parse(JSON.stringify(m))); },
    getState: () => {
      if (t.memoryState !== undefined) return t.memoryState;
      const s = sessionStorage.getItem(KEY);
      return s === null ? undefined : JSON.parse(s);
    },
    setState: (s) => {
      const json = JSON.stringify(s);
      try { sessionStorage.setItem(KEY, json); t.memoryState = undefined; }
      catch { sessionStorage.removeItem(KEY); t.memoryState = JSON.parse(json); }
      return s;
    },
  });
})();`;
}

export interface PanelServer {
  origin: string;
  close(): Promise<void>;
}

export async function startPanelServer(): Promise<PanelServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    if (url.pathname === '/panel') {
      const theme = (url.searchParams.get('theme') ?? 'dark') as Theme;
      if (!(theme in THEME_KIND)) {
        res.writeHead(400).end();
        return;
      }
      const html = renderPanelHtml({
        scriptUri: `${origin}/dist/webview.js`,
        styleUri: `${origin}/dist/webview.css`,
        cspSource: origin,
        nonce: randomBytes(18).toString('base64'),
        title: 'ATM results',
        preludeScripts: [prelude(theme)],
      });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
      return;
    }
    const files: Record<string, string> = {
      '/dist/webview.js': 'text/javascript; charset=utf-8',
      '/dist/webview.css': 'text/css; charset=utf-8',
    };
    const type = files[url.pathname];
    if (type === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(readFileSync(join(ROOT, url.pathname)));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A page showing the panel, with everything it requests, logs and throws recorded. */
export interface PanelPage {
  page: Page;
  /** URLs the page requested. */
  requests: string[];
  /** Console messages about the Content-Security-Policy, and uncaught errors. */
  cspConsole: string[];
  errors: string[];
  warnings: string[];
  send(message: ExtensionMessage | unknown): Promise<void>;
  posted(): Promise<PanelMessage[]>;
  violations(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openPanel(browser: Browser, origin: string, theme: Theme = 'dark', width = 1280): Promise<PanelPage> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const cspConsole: string[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    const text = m.text();
    if (/Content.Security.Policy/i.test(text)) cspConsole.push(text);
    if (m.type() === 'error') errors.push(text);
    if (m.type() === 'warning') warnings.push(text);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(`${origin}/panel?theme=${theme}`);
  await waitForPosted(page, 'ready');
  return {
    page,
    requests,
    cspConsole,
    errors,
    warnings,
    send: (message) => page.evaluate((m) => (globalThis as unknown as PanelTestGlobals).__atmTest.send(m), message),
    posted: () => page.evaluate(() => (globalThis as unknown as PanelTestGlobals).__atmTest.posted),
    violations: () => page.evaluate(() => (globalThis as unknown as PanelTestGlobals).__atmTest.violations),
    close: () => context.close(),
  };
}

export async function waitForPosted(page: Page, type: PanelMessage['type'], count = 1): Promise<void> {
  await page.waitForFunction(
    ([t, n]) => {
      const g = globalThis as unknown as Partial<PanelTestGlobals>;
      return (g.__atmTest?.posted.filter((m) => m.type === t).length ?? 0) >= n;
    },
    [type, count] as const,
    { timeout: 15_000 },
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits until the element with this data-testid has exactly this text (after trimming). */
export async function waitForText(page: Page, testid: string, text: string): Promise<void> {
  await page
    .getByTestId(testid)
    .filter({ hasText: new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) })
    .first()
    .waitFor({ timeout: 15_000 });
}

export async function textOf(page: Page, testid: string): Promise<string> {
  return ((await page.getByTestId(testid).first().textContent()) ?? '').trim();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export async function renderCount(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as PanelTestGlobals).__atmTest.perf.render.length);
}

/** Waits until the panel has rendered more than `after` times. */
export async function waitForRender(page: Page, after: number): Promise<void> {
  await page.waitForFunction((n) => (globalThis as unknown as PanelTestGlobals).__atmTest.perf.render.length > n, after, {
    timeout: 15_000,
  });
}
