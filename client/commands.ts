// The handlers of the command table (client/commandTable.ts): registering them from the table
// means a command cannot be contributed without a handler, or handled without being contributed.
import * as vscode from 'vscode';
import { parseSpecFile } from '../engine/format';
import type { RunResult } from '../engine/format/result';
import { renderHtmlReport } from '../engine/report';
import { RUN_ALL_TESTS_COMMAND, RUN_TEST_COMMAND, type RunAllTestsArgs, type RunTestArgs } from '../server/protocol';
import { COMMANDS, RUNS_VIEW_ID, type CommandId } from './commandTable';
import type { HistoryStore, RunSummary } from './history/store';
import type { RunsNode, RunsTreeProvider } from './history/tree';
import { NEW_SPEC_TEXT } from './newSpec';
import type { ResultsPanel } from './panel';
import { testAtLine } from './preflight';
import type { RunController } from './runController';

export interface CommandDeps {
  runs: RunController;
  panel: ResultsPanel;
  history: HistoryStore;
  tree: RunsTreeProvider;
  log: vscode.LogOutputChannel;
}

type Handler = (...args: unknown[]) => unknown;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function asRunTestArgs(v: unknown): RunTestArgs | null {
  return isRecord(v) && typeof v.uri === 'string' && typeof v.testName === 'string' ? { uri: v.uri, testName: v.testName } : null;
}

function asRunAllArgs(v: unknown): RunAllTestsArgs | null {
  return isRecord(v) && typeof v.uri === 'string' ? { uri: v.uri } : null;
}

/** A run from a tree node (a click passes the node; a context menu passes it too). */
function asRun(v: unknown): RunSummary | null {
  if (isRecord(v) && v.kind === 'run' && isRecord(v.run) && typeof v.run.id === 'string') return (v as RunsNode & { kind: 'run' }).run;
  return null;
}

/** The atm-yaml document an argument points at: a lens argument, a URI (editor title), or the active editor. */
async function documentFor(arg: unknown): Promise<vscode.TextDocument | null> {
  if (arg instanceof vscode.Uri) return vscode.workspace.openTextDocument(arg);
  const editor = vscode.window.activeTextEditor;
  return editor && editor.document.languageId === 'atm-yaml' ? editor.document : null;
}

/** The spec file of a result: its `file` is relative to the workspace folder it ran in. */
export async function resolveSpecUri(file: string): Promise<vscode.Uri | null> {
  if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) return vscode.Uri.file(file);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const candidate = vscode.Uri.joinPath(folder.uri, file);
    try {
      await vscode.workspace.fs.stat(candidate);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

export async function openSpecFile(file: string): Promise<void> {
  const uri = await resolveSpecUri(file);
  if (!uri) {
    void vscode.window.showWarningMessage(`ATM: cannot find ${file} in this workspace.`);
    return;
  }
  await vscode.window.showTextDocument(uri, { preview: false });
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { runs, panel, history, tree, log } = deps;

  const handlers: Record<CommandId, Handler> = {
    [RUN_TEST_COMMAND]: async (arg: unknown) => {
      const lens = asRunTestArgs(arg);
      if (lens) {
        await runs.run({ uri: vscode.Uri.parse(lens.uri), testName: lens.testName });
        return;
      }
      const document = await documentFor(arg);
      if (!document) {
        void vscode.window.showInformationMessage('ATM: open a .atm.yaml file and put the cursor in a test to run it.');
        return;
      }
      const parsed = parseSpecFile(document.getText());
      const editor = vscode.window.activeTextEditor;
      const line = editor && editor.document === document ? editor.selection.active.line : 0;
      const test = testAtLine(parsed.tests, line) ?? (parsed.tests.length === 1 ? parsed.tests[0] : null);
      if (!test) {
        void vscode.window.showInformationMessage('ATM: put the cursor in a test (or use "Run All Tests in File").');
        return;
      }
      if (!test.name) {
        void vscode.window.showErrorMessage('ATM: this test has no name; add `name:` to run it.');
        return;
      }
      await runs.run({ uri: document.uri, testName: test.name });
    },
    [RUN_ALL_TESTS_COMMAND]: async (arg: unknown) => {
      const lens = asRunAllArgs(arg);
      const document = lens ? await vscode.workspace.openTextDocument(vscode.Uri.parse(lens.uri)) : await documentFor(arg);
      if (!document) {
        void vscode.window.showInformationMessage('ATM: open a .atm.yaml file to run its tests.');
        return;
      }
      const names = parseSpecFile(document.getText())
        .tests.map((t) => t.name)
        .filter((n): n is string => typeof n === 'string');
      if (names.length === 0) {
        void vscode.window.showInformationMessage('ATM: this file has no named tests.');
        return;
      }
      await runs.runAll(document.uri, names);
    },
    'atm.cancelRun': () => {
      if (!runs.stopAll()) void vscode.window.showInformationMessage('ATM: no run is going.');
    },
    'atm.rerunLast': async () => {
      const last = runs.lastRunTarget;
      if (!last) {
        void vscode.window.showInformationMessage('ATM: nothing has run yet in this window.');
        return;
      }
      await runs.run(last);
    },
    'atm.showResults': async () => {
      if (panel.currentRunId === null) {
        const latest = history.list()[0];
        const result = latest ? await history.get(latest.id) : null;
        if (result) {
          panel.showResult(result);
          return;
        }
      }
      panel.reveal(false);
    },
    'atm.openRunHistory': async () => {
      await vscode.commands.executeCommand(`${RUNS_VIEW_ID}.focus`);
    },
    'atm.clearRunHistory': async () => {
      const count = history.list().length;
      if (count === 0) {
        void vscode.window.showInformationMessage('ATM: the run history is already empty.');
        return;
      }
      const choice = await vscode.window.showWarningMessage(
        `Delete all ${count} run${count === 1 ? '' : 's'} from the ATM run history of this workspace?`,
        { modal: true },
        'Delete',
      );
      if (choice !== 'Delete') return;
      await history.clear();
      tree.refresh();
    },
    'atm.newSpec': async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) {
        const document = await vscode.workspace.openTextDocument({ language: 'atm-yaml', content: NEW_SPEC_TEXT });
        await vscode.window.showTextDocument(document);
        return;
      }
      const name = await vscode.window.showInputBox({
        title: 'New load test spec',
        prompt: `File name in ${folder.name}`,
        value: 'load-test.atm.yaml',
        validateInput: (v) => (/\.atm\.ya?ml$/.test(v.trim()) ? null : 'The name must end in .atm.yaml'),
      });
      if (!name) return;
      const uri = vscode.Uri.joinPath(folder.uri, name.trim());
      try {
        await vscode.workspace.fs.stat(uri);
        void vscode.window.showErrorMessage(`ATM: ${name} already exists.`);
        return;
      } catch {
        // does not exist yet: create it
      }
      await vscode.workspace.fs.writeFile(uri, Buffer.from(NEW_SPEC_TEXT, 'utf8'));
      await vscode.window.showTextDocument(uri);
    },
    'atm.history.open': async (arg: unknown) => {
      const run = asRun(arg);
      if (!run) return;
      const result = await history.get(run.id);
      if (!result) {
        void vscode.window.showWarningMessage('ATM: this run is no longer in the history.');
        await history.load();
        tree.refresh();
        return;
      }
      panel.showResult(result);
    },
    'atm.history.openSpec': async (arg: unknown) => {
      const run = asRun(arg);
      if (run) await openSpecFile(run.file);
    },
    'atm.history.exportJson': async (arg: unknown) => {
      const run = asRun(arg);
      if (!run) return;
      const result = await history.get(run.id);
      if (!result) return;
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const safe = run.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
      const target = await vscode.window.showSaveDialog({
        title: 'Export run result',
        defaultUri: folder ? vscode.Uri.joinPath(folder, `${safe}.result.json`) : undefined,
        filters: { JSON: ['json'] },
      });
      if (!target) return;
      // workspace.fs writes wherever the dialog pointed (a remote or virtual folder too).
      await vscode.workspace.fs.writeFile(target, Buffer.from(`${JSON.stringify(result, null, 2)}\n`, 'utf8'));
      log.info(`Exported run ${run.id} to ${target.fsPath}`);
    },
    'atm.history.pinBaseline': async (arg: unknown) => {
      const run = asRun(arg);
      if (!run) return;
      if (run.status !== 'completed') {
        void vscode.window.showWarningMessage(`ATM: a ${run.status} run cannot be a baseline; pin a completed run of "${run.name}".`);
        return;
      }
      await history.pin(run.id);
      tree.refresh();
      log.info(`Pinned run ${run.id} as the baseline of "${run.name}" in ${run.file}`);
      void vscode.window.showInformationMessage(`ATM: runs of "${run.name}" now compare with this run (a baseline: in the spec wins).`);
    },
    'atm.history.unpinBaseline': async (arg: unknown) => {
      const run = asRun(arg);
      if (!run) return;
      await history.unpin(run.file, run.name);
      tree.refresh();
    },
    'atm.history.exportHtml': async (arg: unknown) => {
      const run = asRun(arg);
      if (!run) return;
      const result = await history.get(run.id);
      if (!result) {
        void vscode.window.showWarningMessage('ATM: this run is no longer in the history.');
        return;
      }
      // The run it was compared with, while the history still has it: the report then shows the change.
      const baselines: RunResult[] = [];
      if (typeof result.baseline_run === 'string') {
        const baseline = await history.get(result.baseline_run);
        if (baseline) baselines.push(baseline);
      }
      const html = renderHtmlReport(result, { baselines, generator: 'API Test Machine' });
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const safe = run.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
      const target = await vscode.window.showSaveDialog({
        title: 'Export HTML report',
        defaultUri: folder ? vscode.Uri.joinPath(folder, `${safe}.report.html`) : undefined,
        filters: { HTML: ['html'] },
      });
      if (!target) return;
      await vscode.workspace.fs.writeFile(target, Buffer.from(html, 'utf8'));
      log.info(`Exported the HTML report of run ${run.id} to ${target.fsPath}`);
    },
    'atm.history.delete': async (arg: unknown) => {
      const run = asRun(arg);
      if (!run) return;
      await history.delete(run.id);
      tree.refresh();
    },
  };

  return COMMANDS.map((c) =>
    vscode.commands.registerCommand(c.id, async (...args: unknown[]) => {
      try {
        await handlers[c.id](...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`${c.id}: ${message}`);
        void vscode.window.showErrorMessage(`ATM: ${message}`);
      }
    }),
  );
}
