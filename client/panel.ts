// The results panel host: one webview panel that shows the run going now or one from the
// history. Its HTML comes from webview/html.ts with a fresh nonce per render; it loads only from
// dist/; every message from it is validated before anything acts on it.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { renderPanelHtml } from '../webview/html';
import { describeMessage, isPanelMessage, isRunInfo, isRunResult, type ExtensionMessage, type PanelMessage, type RunInfo } from '../webview/protocol';
import type { ProgressUpdate, RunResult } from '../engine/format/result';
import type { CompareData } from '../webview/compareData';

export const PANEL_VIEW_TYPE = 'atm.results';
const SHOWN_RUN_KEY = 'atm.panel.shownRun';

export interface PanelActions {
  stop(runId: string): void;
  /** Runs the panel's test again (null: the last run of this window). */
  rerun(run: RunInfo | null): void;
  openSpec(file: string): void;
  /** A result from the history, for a panel restored after a reload. */
  loadResult(runId: string | null): Promise<RunResult | null>;
  /** Whether a stored run is its test's pinned baseline and may be pinned; null when it is not stored. */
  baselineState(runId: string): { pinned: boolean; canPin: boolean } | null;
  pinBaseline(runId: string): Promise<void>;
  unpinBaseline(runId: string): Promise<void>;
  /** Asks which run to compare `result` with; null when the user cancelled or there is none. */
  compareWith(result: RunResult): Promise<CompareData | null>;
}

interface Shown {
  run: RunInfo | null;
  result: RunResult | null;
  running: boolean;
  lastUpdate: ProgressUpdate | null;
}

function infoFromResult(result: RunResult): RunInfo {
  const spec = result.spec;
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    runId: result.id,
    name: result.name,
    file: result.file,
    model: result.model,
    target_rps: result.target_rps,
    total_requests: num(spec.total_requests),
    duration_seconds: num(spec.duration_seconds),
    started_at: result.started_at,
  };
}

/** The run a restored panel showed, from the state the panel script saved (webview/state.ts). */
function savedRun(state: unknown): { runId: string | null; result: RunResult | null } {
  const panel = typeof state === 'object' && state !== null && 'panel' in state ? state.panel : null;
  if (typeof panel !== 'object' || panel === null) return { runId: null, result: null };
  const result = 'result' in panel && isRunResult(panel.result) ? panel.result : null;
  const run = 'run' in panel && isRunInfo(panel.run) ? panel.run : null;
  return { runId: result?.id ?? run?.runId ?? null, result };
}

export class ResultsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | null = null;
  private panelDisposables: vscode.Disposable[] = [];
  private shown: Shown = { run: null, result: null, running: false, lastUpdate: null };
  private canRerun = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly actions: PanelActions,
    /** Remembers which run the panel shows, so a reload restores that one. */
    private readonly memento: vscode.Memento,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          this.adopt(panel);
          this.log.info('Restoring the results panel');
          const saved = savedRun(state);
          const remembered = this.memento.get<string>(SHOWN_RUN_KEY) ?? null;
          // The history's copy is the record; the panel's own saved copy stands in if it was deleted.
          const result = (await this.actions.loadResult(remembered ?? saved.runId)) ?? saved.result;
          if (result && !this.shown.running) this.shown = { run: infoFromResult(result), result, running: false, lastUpdate: null };
          this.render();
        },
      }),
    );
  }

  get visible(): boolean {
    return this.panel?.visible ?? false;
  }

  /** The run the panel shows now. */
  get currentRunId(): string | null {
    return this.shown.run?.runId ?? null;
  }

  setCanRerun(canRerun: boolean): void {
    this.canRerun = canRerun;
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')],
    };
  }

  /** Shows the panel (creating it if needed) without taking focus from the editor. */
  reveal(preserveFocus = true): void {
    if (this.panel) {
      this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      this.title(),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      this.webviewOptions(),
    );
    this.adopt(panel);
    this.render();
  }

  private title(): string {
    return this.shown.run ? `ATM: ${this.shown.run.name}` : 'ATM Results';
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.disposePanel();
    this.panel = panel;
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'images', 'atm-activity.svg');
    this.panelDisposables.push(
      panel.onDidDispose(() => {
        if (this.panel === panel) {
          this.panel = null;
          for (const d of this.panelDisposables) d.dispose();
          this.panelDisposables = [];
        }
      }),
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
    );
  }

  /** A fresh document (and nonce) every time: a new panel, or one restored after a reload. */
  private render(): void {
    const panel = this.panel;
    if (!panel) return;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    panel.title = this.title();
    panel.webview.html = renderPanelHtml({
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      cspSource: panel.webview.cspSource,
      nonce: randomBytes(24).toString('base64url'),
      title: this.title(),
    });
  }

  private receive(raw: unknown): void {
    if (!isPanelMessage(raw)) {
      this.log.warn(`Results panel: dropped an invalid ${describeMessage(raw)}`);
      return;
    }
    const message: PanelMessage = raw;
    switch (message.type) {
      case 'ready':
        this.post({ type: 'init', run: this.shown.run, result: this.shown.result, running: this.shown.running, canRerun: this.canRerun || this.shown.run !== null });
        if (this.shown.running && this.shown.lastUpdate) this.post({ type: 'progress', update: this.shown.lastUpdate });
        this.refreshBaseline();
        break;
      case 'pinBaseline':
      case 'unpinBaseline': {
        // Only the run on screen: a click from a panel that has since moved on acts on nothing.
        if (this.shown.result?.id !== message.runId) break;
        const action = message.type === 'pinBaseline' ? this.actions.pinBaseline(message.runId) : this.actions.unpinBaseline(message.runId);
        action.catch((err: unknown) => this.reportError(message.type === 'pinBaseline' ? 'Pin as Baseline' : 'Unpin Baseline', err));
        break;
      }
      case 'compareWith': {
        const result = this.shown.result;
        if (result?.id !== message.runId || this.shown.running) break;
        this.actions.compareWith(result).then(
          (data) => {
            if (data !== null && this.shown.result?.id === data.b.runId) this.post({ type: 'compare', data });
          },
          (err: unknown) => this.reportError('Compare with…', err),
        );
        break;
      }
      case 'stop':
        this.actions.stop(message.runId);
        break;
      case 'rerun':
        this.actions.rerun(this.shown.run);
        break;
      case 'openSpec':
        if (this.shown.run) this.actions.openSpec(this.shown.run.file);
        break;
      case 'log':
        if (message.level === 'error') this.log.error(`Results panel: ${message.message}`);
        else this.log.warn(`Results panel: ${message.message}`);
        break;
      default: {
        const unknownType: never = message;
        void unknownType;
      }
    }
  }

  private reportError(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.log.error(`Results panel: ${what}: ${message}`);
    void vscode.window.showErrorMessage(`ATM: ${what}: ${message}`);
  }

  /** Tells the panel whether the finished run it shows is its test's pinned baseline (after any pin change). */
  refreshBaseline(): void {
    const result = this.shown.result;
    if (result === null || this.shown.running) return;
    const state = this.actions.baselineState(result.id);
    this.post({ type: 'baselineState', runId: result.id, pinned: state?.pinned ?? false, canPin: state?.canPin ?? false });
  }

  private rememberShown(runId: string): void {
    this.memento.update(SHOWN_RUN_KEY, runId).then(
      () => undefined,
      (err: unknown) => this.log.debug(`Could not remember the panel's run: ${String(err)}`),
    );
  }

  private post(message: ExtensionMessage): void {
    if (!this.panel) return;
    this.panel.webview.postMessage(message).then(
      () => undefined,
      (err: unknown) => this.log.debug(`Results panel: a message was not delivered: ${String(err)}`),
    );
  }

  runStarted(run: RunInfo): void {
    this.shown = { run, result: null, running: true, lastUpdate: null };
    this.reveal(true);
    if (this.panel) this.panel.title = this.title();
    this.post({ type: 'runStarted', run });
  }

  progress(update: ProgressUpdate): void {
    if (update.runId !== this.shown.run?.runId) return;
    this.shown.lastUpdate = update;
    this.post({ type: 'progress', update });
  }

  sample(runId: string, sample: import('../engine/format/result').SampledRequest): void {
    if (runId !== this.shown.run?.runId) return;
    this.post({ type: 'sample', runId, sample });
  }

  stopping(runId: string): void {
    if (runId === this.shown.run?.runId) this.post({ type: 'stopping', runId });
  }

  /** A finished run: shown if it is the panel's run (or the panel shows nothing yet). */
  finished(result: RunResult): void {
    if (this.shown.run && this.shown.run.runId !== result.id) return;
    this.shown = { run: this.shown.run ?? infoFromResult(result), result, running: false, lastUpdate: null };
    this.rememberShown(result.id);
    this.post({ type: 'result', result });
    this.refreshBaseline();
  }

  /** A run that produced no result at all (the spec did not resolve, the engine did not start). */
  failed(runId: string | null, message: string): void {
    if (runId !== null && this.shown.run && this.shown.run.runId !== runId) return;
    const lastUpdate = this.shown.lastUpdate ?? undefined;
    this.shown.running = false;
    this.post(lastUpdate ? { type: 'error', runId, message, lastUpdate } : { type: 'error', runId, message });
  }

  /** Shows a stored result (from the ATM Runs view). */
  showResult(result: RunResult): void {
    if (this.shown.running && this.panel) {
      // Keep the live run; a stored one opens in the same panel once the run is over.
      void vscode.window.showInformationMessage('A run is going in the results panel; open this one when it ends.');
      return;
    }
    this.shown = { run: infoFromResult(result), result, running: false, lastUpdate: null };
    this.rememberShown(result.id);
    if (this.panel) {
      this.panel.title = this.title();
      this.post({ type: 'init', run: this.shown.run, result, running: false, canRerun: this.canRerun || this.shown.run !== null });
      this.refreshBaseline();
      this.reveal(false);
    } else {
      this.reveal(false);
    }
  }

  private disposePanel(): void {
    for (const d of this.panelDisposables) d.dispose();
    this.panelDisposables = [];
    const old = this.panel;
    this.panel = null;
    old?.dispose();
  }

  dispose(): void {
    this.disposePanel();
    for (const d of this.disposables) d.dispose();
  }
}
