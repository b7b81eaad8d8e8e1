// Activation: one owner (the extension context) for every disposable; nothing runs until the
// user asks (a lens, a button, a command).
import * as vscode from 'vscode';
import * as fs from 'node:fs/promises';
import { registerAgentTools } from './agentTools/register';
import { registerCommands, openSpecFile, resolveSpecUri } from './commands';
import { HistoryStore } from './history/store';
import { RunsTreeProvider } from './history/tree';
import { AtmLanguageClient } from './languageClient';
import { OutcomeDecorations } from './outcomeDecorations';
import { ResultsPanel } from './panel';
import { baselineStateOf, pickAndCompare, pinFromPanel, unpinFromPanel, type BaselineActionsDeps } from './compare';
import { RunController } from './runController';
import { AtmTesting } from './testing/controller';
import { lensClock, LensStatusDecorator } from './testing/lensDecorator';
import { RUNS_VIEW_ID, type CommandId } from './commandTable';

let languageClient: AtmLanguageClient | null = null;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('API Test Machine', { log: true });
  context.subscriptions.push(log);

  const storage = context.storageUri ?? context.globalStorageUri;
  const history = new HistoryStore({
    dir: vscode.Uri.joinPath(storage, 'runs').fsPath,
    fs,
    maxRuns: () => vscode.workspace.getConfiguration('atm').get<number>('history.maxRuns', 100),
    warn: (message) => log.warn(message),
  });
  const tree = new RunsTreeProvider(history);
  context.subscriptions.push(tree, vscode.window.registerTreeDataProvider(RUNS_VIEW_ID, tree));

  // The controller and the panel need each other (Stop in the panel, results into the panel).
  let controller: RunController | null = null;
  const baselineDeps: BaselineActionsDeps = { history, pinsChanged: () => tree.refresh(), log };
  const panel = new ResultsPanel(context.extensionUri, log, {
    stop: (runId) => controller?.stop(runId),
    rerun: (run) => {
      const rerun = async (): Promise<void> => {
        const uri = run ? await resolveSpecUri(run.file) : null;
        if (!run || !uri) {
          await vscode.commands.executeCommand('atm.rerunLast' satisfies CommandId);
          return;
        }
        await controller?.run({ uri, testName: run.name });
      };
      rerun().catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        log.error(`Rerun: ${message}`);
        void vscode.window.showErrorMessage(`ATM: could not rerun: ${message}`);
      });
    },
    openSpec: (file) => {
      openSpecFile(file).catch((err: unknown) => log.warn(`Could not open ${file}: ${String(err)}`));
    },
    loadResult: async (runId) => {
      await history.load();
      const id = runId ?? history.list()[0]?.id;
      return id ? history.get(id) : null;
    },
    baselineState: (runId) => baselineStateOf(history, runId),
    pinBaseline: (runId) => pinFromPanel(baselineDeps, runId),
    unpinBaseline: (runId) => unpinFromPanel(baselineDeps, runId),
    compareWith: (result) => pickAndCompare(baselineDeps, result),
  }, context.workspaceState);
  // A pin from the panel or the runs view, a recorded run or a deleted one: the panel's Baseline state follows.
  context.subscriptions.push(tree.onDidChangeTreeData(() => panel.refreshBaseline()));
  const outcomes = new OutcomeDecorations(history, log);
  // Whatever changes the history (a run, a delete, the first load) redraws the outcomes.
  context.subscriptions.push(outcomes, tree.onDidChangeTreeData(() => outcomes.showAll()));
  controller = new RunController({
    context,
    log,
    panel,
    history,
    onRecorded: (result) => {
      outcomes.recorded(result.file, result.name);
      tree.refresh();
    },
  });
  context.subscriptions.push(panel, controller);
  context.subscriptions.push(...registerCommands({ runs: controller, panel, history, tree, log }));
  context.subscriptions.push(...registerAgentTools({ context, runs: controller, history }));

  history.load().then(
    () => tree.refresh(),
    (err: unknown) => log.warn(`Could not read the run history: ${String(err)}`),
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('atm.history.maxRuns')) tree.refresh();
    }),
  );

  // Each run lens reads its test's latest run from the history, unless the test changed since.
  const lensStatus = new LensStatusDecorator(history, (uri, name) => outcomes.isEdited(uri, name));
  languageClient = new AtmLanguageClient(context, log, (document, lenses) => lensStatus.decorate(document, lenses));
  context.subscriptions.push(languageClient);
  await languageClient.start();
  // The language server hints "no baseline" on baseline thresholds unless a run is pinned for the test.
  const client = languageClient;
  const sendPins = async (): Promise<void> => {
    const byUri = new Map<string, string[]>();
    for (const pin of history.pinnedList()) {
      const uri = await resolveSpecUri(pin.file);
      if (uri) byUri.set(uri.toString(), [...(byUri.get(uri.toString()) ?? []), pin.name]);
    }
    client.sendPinnedBaselines({ pinned: [...byUri].map(([uri, tests]) => ({ uri, tests })) });
  };
  const pinsChanged = (): void => {
    sendPins().catch((err: unknown) => log.warn(`Could not send the pinned baselines: ${String(err)}`));
  };
  context.subscriptions.push(tree.onDidChangeTreeData(pinsChanged));
  pinsChanged();
  context.subscriptions.push(
    tree.onDidChangeTreeData(() => client.refreshLenses()),
    lensClock(() => client.refreshLenses()),
    new AtmTesting({ runs: controller, log, testItems: (uri, text) => client.testItems(uri, text) }),
  );
  log.info(`API Test Machine activated (workspace ${vscode.workspace.isTrusted ? 'trusted' : 'in Restricted Mode'})`);
}

export async function deactivate(): Promise<void> {
  const client = languageClient;
  languageClient = null;
  await client?.stop();
}
