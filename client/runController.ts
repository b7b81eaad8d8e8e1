// Runs tests: checks trust and the guard rails, forks one engine per run, feeds the results
// panel, the status bar and a cancellable notification, and records every finished run.
import * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lookup as dnsLookup } from 'node:dns/promises';
import { redact } from '../engine/format';
import { EngineErrorCodes, type LogLevel, type RunParams } from '../engine/protocol';
import type { ProgressUpdate, RunResult, TimelinePoint } from '../engine/format/result';
import { SHOW_PROBLEMS_COMMAND } from '../server/protocol';
import { CONTEXT_KEYS, type CommandId } from './commandTable';
import { DEFAULT_STOP, describeEngineError, EngineExitedError, EngineProcess, ResponseError } from './engine/engineProcess';
import { failedResult, runStartedInfo, statusBarForProgress, statusBarText } from './format';
import { describeLoad, type Caps } from './guards';
import type { HistoryStore } from './history/store';
import type { ResultsPanel } from './panel';
import { preflight } from './preflight';

const CONFIRMED_KEY = 'atm.confirmedSpecs';
const MAX_CONFIRMED = 500;

const UNTRUSTED_MESSAGE =
  'ATM does not run load tests in Restricted Mode: a spec from an untrusted folder could send traffic anywhere. Trust this workspace to run it.';

export interface RunOptions {
  /** A language-model tool already asked, naming the hosts and the load. */
  confirmed?: boolean;
  /** Told the run's id when the engine run starts (the Testing view stops it by id). */
  onStarted?: (runId: string) => void;
  /** Told why the run did not start (Restricted Mode, an invalid spec, a cap, not confirmed). */
  onRefused?: (reason: string) => void;
  /** The Testing view started it, and reports its outcome itself. */
  viaTesting?: boolean;
}

/** A run that started, or ended with its recorded result (runs that were refused never start). */
export type RunEvent =
  | { kind: 'started'; runId: string; target: RunTarget; viaTesting: boolean }
  | { kind: 'finished'; runId: string; target: RunTarget; viaTesting: boolean; result: RunResult };

export interface RunTarget {
  uri: vscode.Uri;
  testName: string;
}

interface ActiveRun {
  runId: string;
  key: string;
  target: RunTarget;
  engine: EngineProcess | null;
  stopping: boolean;
  /** Resolves when the run is over, whatever the outcome. */
  done: Promise<void>;
}

export interface RunControllerDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  panel: ResultsPanel;
  history: HistoryStore;
  /** Called after a run is recorded (the history view refreshes). */
  onRecorded: (result: RunResult) => void;
}

function keyOf(target: RunTarget): string {
  return `${target.uri.toString()}\0${target.testName}`;
}

function stringEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') env[k] = v;
  return env;
}

export class RunController implements vscode.Disposable {
  private readonly active = new Map<string, ActiveRun>();
  private readonly events = new vscode.EventEmitter<RunEvent>();
  /** Every run's start and end, whoever started it (the lens, the palette, a tool, the Testing view). */
  readonly onRun = this.events.event;
  private readonly statusBar: vscode.StatusBarItem;
  private lastTarget: RunTarget | null = null;
  private batchCancelled = false;

  constructor(private readonly deps: RunControllerDeps) {
    this.statusBar = vscode.window.createStatusBarItem('atm.run', vscode.StatusBarAlignment.Left, 10);
    this.statusBar.name = 'ATM run';
    this.statusBar.command = 'atm.showResults' satisfies CommandId;
    this.statusBar.tooltip = 'API Test Machine: show the results panel';
  }

  get hasLastRun(): boolean {
    return this.lastTarget !== null;
  }

  get lastRunTarget(): RunTarget | null {
    return this.lastTarget;
  }

  private setContext(): void {
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.running, this.active.size > 0);
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.hasLastRun, this.lastTarget !== null);
    this.deps.panel.setCanRerun(this.lastTarget !== null);
  }

  /** Workspace trust is checked here, in the handler, not only by hiding buttons. */
  private refuseIfUntrusted(): boolean {
    if (vscode.workspace.isTrusted) return false;
    const message = UNTRUSTED_MESSAGE;
    this.deps.log.warn(message);
    void vscode.window.showErrorMessage(message, 'Manage Workspace Trust').then((choice) => {
      if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
    });
    return true;
  }

  /** The user's caps (only user settings count). */
  caps(): Caps {
    const config = vscode.workspace.getConfiguration('atm');
    // Only the user's own value counts: a workspace must not be able to raise a cap.
    const user = <T>(key: string, fallback: T): T => {
      const inspected = config.inspect<T>(key);
      return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
    };
    return {
      maxConcurrency: user('maxConcurrency', 1000),
      maxRequestsPerSecond: user('maxRequestsPerSecond', 10000),
      maxDurationSeconds: user('maxDurationSeconds', 600),
    };
  }

  private nodePath(): string {
    const configured = vscode.workspace.getConfiguration('atm').get<string>('nodePath', '').trim();
    return configured || process.execPath;
  }

  /** Runs several tests of a file one after another (a stop ends the batch). */
  async runAll(uri: vscode.Uri, testNames: readonly string[]): Promise<void> {
    if (this.refuseIfUntrusted()) return;
    this.batchCancelled = false;
    for (const testName of testNames) {
      if (this.batchCancelled) break;
      await this.run({ uri, testName });
    }
  }

  /** Runs one test; resolves with its recorded result when it is over, or null when refused. */
  async run(target: RunTarget, options: RunOptions = {}): Promise<RunResult | null> {
    if (this.refuseIfUntrusted()) {
      options.onRefused?.(UNTRUSTED_MESSAGE);
      return null;
    }
    const key = keyOf(target);
    const existing = this.active.get(key);
    if (existing) {
      const choice = await vscode.window.showWarningMessage(
        `"${target.testName}" is already running.`,
        'Restart',
        'Show Results',
      );
      if (choice === 'Show Results') this.deps.panel.reveal(false);
      if (choice !== 'Restart') {
        options.onRefused?.(`"${target.testName}" is already running; it was not restarted.`);
        return null;
      }
      this.stopRun(existing);
      await existing.done;
    }

    const document = await vscode.workspace.openTextDocument(target.uri);
    const file = target.uri.fsPath;
    const check = await preflight({
      text: document.getText(),
      file,
      testName: target.testName,
      env: process.env,
      caps: this.caps(),
      lookup: async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address),
      readFile: (path) => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return null;
        }
      },
    });
    if (!check.ok) {
      this.deps.log.warn(check.reason);
      options.onRefused?.(check.reason);
      const actions = check.kind === 'invalid' ? ['Show Problems'] : check.kind === 'cap' ? ['Open Settings'] : [];
      const choice = await vscode.window.showErrorMessage(check.reason, ...actions);
      if (choice === 'Show Problems') void vscode.commands.executeCommand(SHOW_PROBLEMS_COMMAND);
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'atm.max');
      return null;
    }
    // `confirmed`: a language-model tool already asked, naming the hosts and the load.
    if (check.remoteHosts.length > 0 && options.confirmed !== true && !this.isConfirmed(check.hash)) {
      const hosts = check.remoteHosts.map((h) => {
        if (h.addresses.length === 0) return `${h.host} (does not resolve here)`;
        const others = h.addresses.filter((a) => a !== h.host);
        return others.length ? `${h.host} (${others.slice(0, 3).join(', ')})` : h.host;
      });
      const detail = [
        `Hosts: ${hosts.join('; ')}`,
        `Load: ${describeLoad(check.load)}`,
        `Environment variables sent: ${check.envVars.length ? check.envVars.join(', ') : 'none'}`,
        '',
        'Only load test systems you own or may test. You will not be asked again for this exact test.',
      ].join('\n');
      const choice = await vscode.window.showWarningMessage(
        `"${target.testName}" sends load to hosts outside this machine and your private network.`,
        { modal: true, detail },
        'Run',
      );
      if (choice !== 'Run') {
        this.deps.log.info(`Run of "${target.testName}" not confirmed`);
        options.onRefused?.(`The run of "${target.testName}" was not confirmed: it sends load to hosts outside this machine and your private network.`);
        return null;
      }
      await this.remember(check.hash);
    }

    this.lastTarget = target;
    const runId = randomUUID();
    let finish: () => void = () => undefined;
    const active: ActiveRun = { runId, key, target, engine: null, stopping: false, done: new Promise<void>((r) => (finish = r)) };
    this.active.set(key, active);
    this.setContext();
    options.onStarted?.(runId);
    const viaTesting = options.viaTesting === true;
    this.events.fire({ kind: 'started', runId, target, viaTesting });
    try {
      const result = await this.execute(active, document, check.secrets, check.test.spec ?? {});
      this.events.fire({ kind: 'finished', runId, target, viaTesting, result });
      return result;
    } finally {
      this.active.delete(key);
      this.setContext();
      finish();
    }
  }

  private isConfirmed(hash: string): boolean {
    return this.deps.context.workspaceState.get<string[]>(CONFIRMED_KEY, []).includes(hash);
  }

  private async remember(hash: string): Promise<void> {
    const list = this.deps.context.workspaceState.get<string[]>(CONFIRMED_KEY, []).filter((h) => h !== hash);
    list.push(hash);
    await this.deps.context.workspaceState.update(CONFIRMED_KEY, list.slice(-MAX_CONFIRMED));
  }

  private async execute(active: ActiveRun, document: vscode.TextDocument, secrets: string[], spec: object): Promise<RunResult> {
    const { log, panel } = this.deps;
    const { target, runId } = active;
    const clean = (text: string): string => (secrets.length ? redact(text, secrets) : text);
    const engineLog = (level: LogLevel, message: string): void => {
      const text = `[${target.testName}] ${clean(message)}`;
      switch (level) {
        case 'trace':
          log.trace(text);
          break;
        case 'debug':
          log.debug(text);
          break;
        case 'info':
          log.info(text);
          break;
        case 'warn':
          log.warn(text);
          break;
        case 'error':
          log.error(text);
          break;
      }
    };
    const displayFile = vscode.workspace.asRelativePath(target.uri, false);
    const startedAt = new Date();
    const plannedSpec = spec as Record<string, unknown>;
    const info = runStartedInfo(plannedSpec, { runId, name: target.testName, file: displayFile, startedAt });
    panel.runStarted(info);
    this.statusBar.text = `$(sync~spin) ATM: starting ${target.testName}`;
    this.statusBar.show();
    log.info(`Run ${runId}: "${target.testName}" in ${displayFile}`);

    let last: ProgressUpdate | null = null;
    const timeline: TimelinePoint[] = [];
    let result: RunResult | null = null;
    let failure: string | null = null;

    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ATM: ${target.testName}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => this.stopRun(active));
        progress.report({ message: 'starting the engine…' });
        let reported = 0;
        try {
          const engine = await EngineProcess.start({
            enginePath: vscode.Uri.joinPath(this.deps.context.extensionUri, 'dist', 'engine.js').fsPath,
            execPath: this.nodePath(),
            log: engineLog,
          });
          active.engine = engine;
          if (active.stopping) engine.stop(DEFAULT_STOP);
          const params: RunParams = {
            runId,
            file: target.uri.fsPath,
            text: document.getText(),
            testName: target.testName,
            env: stringEnv(),
            displayFile,
          };
          // The run pinned as this test's baseline; the spec's own `baseline:` wins in the engine.
          const pinned = this.deps.history.pinnedBaselinePath(displayFile, target.testName);
          if (pinned) params.baselineFile = pinned;
          // Live metrics for Prometheus; an application-scoped setting, so only the user's own.
          const prometheus = vscode.workspace.getConfiguration('atm').get<string>('prometheus.address', '').trim();
          if (prometheus !== '') params.prometheus = prometheus;
          try {
            result = await engine.run(params, {
              onProgress: (update) => {
                last = update;
                if (timeline[timeline.length - 1]?.t !== update.point.t) timeline.push(update.point);
                panel.progress(update);
                this.statusBar.text = `$(pulse) ${statusBarForProgress(update)}`;
                const pct = update.progress === null ? undefined : Math.round(update.progress * 100);
                const increment = pct === undefined ? undefined : Math.max(0, pct - reported);
                if (pct !== undefined) reported = Math.max(reported, pct);
                progress.report({ message: statusBarForProgress(update).replace(/^ATM: /, ''), increment });
              },
              onSample: (s) => panel.sample(s.runId, s.sample),
            });
          } finally {
            engine.dispose();
            active.engine = null;
          }
        } catch (err) {
          failure = describeEngineError(err);
          if (err instanceof ResponseError && (err.code === EngineErrorCodes.SPEC_INVALID || err.code === EngineErrorCodes.TEST_NOT_FOUND)) {
            failure = `"${target.testName}" cannot run: ${err.message}`;
          } else if (err instanceof EngineExitedError && active.stopping) {
            failure = `The run was stopped and the engine ended before it sent the partial result (${err.message}).`;
          }
          failure = clean(failure);
        }
      },
    );

    if (result) {
      await this.record(result);
      panel.finished(result);
      this.showFinalStatus(result);
      return result;
    }
    const message = failure ?? 'The run ended without a result.';
    log.error(`Run ${runId}: ${message}`);
    // The engine died or never started: record what was seen so far, as failed.
    const recorded = failedResult(
      { runId, name: target.testName, file: displayFile, startedAt, message, spec: plannedSpec },
      last,
      timeline,
    );
    await this.record(recorded);
    panel.failed(runId, message);
    panel.finished(recorded);
    this.statusBar.text = `$(error) ATM: ${target.testName} failed`;
    void vscode.window.showErrorMessage(`ATM: ${message}`, 'Show Results').then((c) => {
      if (c) panel.reveal(false);
    });
    return recorded;
  }

  private async record(result: RunResult): Promise<void> {
    try {
      await this.deps.history.add(result);
      this.deps.onRecorded(result);
    } catch (err) {
      this.deps.log.error(`Could not save the run to the history: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private showFinalStatus(result: RunResult): void {
    const numbers = statusBarText(result.metrics.requests_per_second, result.metrics.latency_ms.p95).replace(/^ATM: /, '');
    const icon = result.status === 'cancelled' ? '$(circle-slash)' : result.passed ? '$(pass)' : '$(error)';
    const word = result.status === 'cancelled' ? 'cancelled' : result.status === 'failed' ? 'failed' : result.passed ? 'passed' : 'failed';
    this.statusBar.text = `${icon} ATM: ${word} · ${numbers}`;
    this.statusBar.tooltip = `${result.name}: ${word}${result.failure_reasons.length ? `\n${result.failure_reasons.join('\n')}` : ''}\nClick to show the results`;
    this.deps.log.info(`Run ${result.id}: ${word}${result.failure_reasons.length ? ` (${result.failure_reasons.join('; ')})` : ''}`);
  }

  private stopRun(active: ActiveRun): void {
    if (active.stopping) return;
    active.stopping = true;
    this.deps.panel.stopping(active.runId);
    this.statusBar.text = `$(loading~spin) ATM: stopping ${active.target.testName}`;
    active.engine?.stop(DEFAULT_STOP);
  }

  /** Stops the run with this id (the panel's Stop button); false when no such run is going. */
  stop(runId: string): boolean {
    let found = false;
    for (const run of this.active.values()) {
      if (run.runId === runId) {
        this.stopRun(run);
        found = true;
      }
    }
    return found;
  }

  /** The ids of the runs going now. */
  activeRunIds(): string[] {
    return [...this.active.values()].map((r) => r.runId);
  }

  /** Stops every run (atm.cancelRun), and the rest of a run-all batch. */
  stopAll(): boolean {
    this.batchCancelled = true;
    for (const run of this.active.values()) this.stopRun(run);
    return this.active.size > 0;
  }

  dispose(): void {
    for (const run of this.active.values()) run.engine?.dispose();
    this.active.clear();
    this.statusBar.dispose();
    this.events.dispose();
  }
}
