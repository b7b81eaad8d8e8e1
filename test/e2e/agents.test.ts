// The language-model tools in a real VS Code (code-server): a small helper extension's command
// calls vscode.lm.invokeTool('atm_run_test') (no model involved), the confirmation names the host
// and the load, and the run shows in the results panel and the run history.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { codeServerPaths, openWorkbench, REPO, runCommand, setupE2e, vsixEntries, waitFor, waitForPanel } from './harness';

const HELPER_PACKAGE = {
  name: 'tool-caller',
  displayName: 'ATM E2E tool caller',
  publisher: 'atm-e2e',
  version: '0.0.1',
  license: 'MIT',
  engines: { vscode: '^1.101.0' },
  main: './extension.js',
  activationEvents: ['onCommand:atmE2e.invokeRunTool'],
  contributes: { commands: [{ command: 'atmE2e.invokeRunTool', title: 'ATM E2E: Invoke Run Tool' }] },
};

// Writes what the tool answered (or its error) into the workspace, where the test reads it.
const HELPER_MAIN = `const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('atmE2e.invokeRunTool', async () => {
    const out = vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, 'tool-result.json');
    let text;
    try {
      const result = await vscode.lm.invokeTool('atm_run_test', { input: { path: 'tool.atm.yaml' }, toolInvocationToken: undefined });
      text = result.content.map((part) => (typeof part.value === 'string' ? part.value : '')).join('');
    } catch (err) {
      text = JSON.stringify({ error: String((err && err.message) || err) });
    }
    await vscode.workspace.fs.writeFile(out, Buffer.from(text));
  }));
};
`;

/** Installs the tool caller where code-server (kept under `root`) loads its extensions from. */
function installHelper(root: string): void {
  const dir = join(root, 'helper');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(HELPER_PACKAGE, null, 2));
  writeFileSync(join(dir, 'extension.js'), HELPER_MAIN);
  writeFileSync(join(dir, 'README.md'), 'Calls ATM language-model tools in end-to-end tests.\n');
  const vsix = join(root, 'helper.vsix');
  const pack = spawnSync(join(REPO, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(pack.status, 0, `vsce package: ${pack.stdout}\n${pack.stderr}`);
  const { bin, nodeBin } = codeServerPaths();
  const install = spawnSync(bin, ['--extensions-dir', join(root, 'extensions'), '--user-data-dir', join(root, 'user-data'), '--install-extension', vsix], {
    env: { ...process.env, PATH: `${nodeBin}:${process.env.PATH ?? ''}` },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(install.status, 0, `install helper: ${install.stdout}\n${install.stderr}`);
}

const e2e = setupE2e('agents', {
  files: (baseUrl) => ({ 'tool.atm.yaml': `name: Tool run\nbase_url: ${baseUrl}\nurl: /items?limit=3\nconcurrency: 2\ntotal_requests: 60\n` }),
  prepare: installHelper,
});

void describe('language-model tools in code-server', { timeout: 600_000 }, () => {
  void test('atm_run_test asks first, naming host and load, then runs into the panel', async () => {
    const { shots, server } = e2e;
    // The MCP server definition the extension registers starts this bundle.
    assert.ok(vsixEntries(e2e.vsix).includes('extension/dist/cli.js'), 'dist/cli.js in the VSIX');
    const page = await openWorkbench(e2e.browser, server);
    // Extensions are registered once the ATM view container shows in the activity bar.
    await page.locator('.activitybar [aria-label^="API Test Machine"]').first().waitFor({ state: 'visible', timeout: 60_000 });
    await shots.take(page, 'workbench');
    await runCommand(page, 'ATM E2E: Invoke Run Tool');
    const host = new URL(e2e.baseUrl).hostname;
    const expected = `Run 'Tool run' against ${host}: 2 connections as fast as it answers for 60 requests?`;
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    await waitFor('the confirmation text', async () => ((await dialog.textContent()) ?? '').includes(expected), 20_000);
    await shots.take(page, 'confirmation');
    await dialog.locator('.monaco-button', { hasNotText: /cancel/i }).first().click();
    const resultFile = join(server.workspace, 'tool-result.json');
    const answer = await waitFor('the tool result', () => (existsSync(resultFile) ? readFileSync(resultFile, 'utf8') : undefined), 120_000);
    const summary = JSON.parse(answer) as { id?: string; verdict?: string; error?: string; metrics?: { total_requests: number } };
    assert.equal(summary.error, undefined, summary.error);
    assert.equal(summary.verdict, 'passed');
    assert.equal(summary.metrics?.total_requests, 60);
    const panel = await waitForPanel(page, 'the tool run in the panel', (p) => p.name.includes('Tool run') && /passed/i.test(p.status));
    assert.match(panel.name, /Tool run/);
    await shots.take(page, 'panel');
    const history = page.locator('.monaco-list-row', { hasText: 'Tool run' });
    await page.locator('.activitybar [aria-label^="API Test Machine"]').first().click();
    await history.first().waitFor({ state: 'visible', timeout: 30_000 });
    await shots.take(page, 'history');
  });
});
