// The Testing view: each *.atm.yaml of the workspace (and each open one) with its tests, as the
// language server reads them (atm/testItems). Its Run profile starts the same run as the lens
// (RunController, with its trust and host guards); the verdict, the failed thresholds at their
// lines and the run's duration come back as the test's outcome. Cancelling stops the engine run.
// Runs started elsewhere (the lens, the palette, a language-model tool) are reported there too,
// as runs of their own, so that the view and Test Results show every run of a test.
import * as vscode from 'vscode';
import type { RunResult } from '../../engine/format/result';
import type { TestItemsResult } from '../../server/protocol';
import type { RunController, RunEvent, RunTarget } from '../runController';
import { verdictOf, type TestMessageSpec } from './verdict';

const SPEC_GLOB = '**/*.{atm.yaml,atm.yml}';
const EXCLUDE_GLOB = '**/node_modules/**';
/** A workspace with more specs than this lists the first ones (and says so in the log). */
const MAX_FILES = 2000;
const REFRESH_DELAY_MS = 300;

export interface TestingDeps {
  runs: RunController;
  log: vscode.LogOutputChannel;
  /** The language server's tests of a spec; null while it is not running. */
  testItems: (uri: string, text: string) => Promise<TestItemsResult | null>;
}

interface TestData {
  uri: vscode.Uri;
  name: string | null;
  /** Why it cannot run (its first error), or null. */
  error: string | null;
}

function isSpec(document: vscode.TextDocument): boolean {
  return document.languageId === 'atm-yaml';
}

function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

export class AtmTesting implements vscode.Disposable {
  private readonly controller: vscode.TestController;
  private readonly tests = new WeakMap<vscode.TestItem, TestData>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The latest refresh of each file: an older answer arriving late is dropped. */
  private readonly generation = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];
  private discovered: Promise<void> | null = null;
  /** Runs started elsewhere, by run id: the Testing view's run that reports each (null: no item). */
  private readonly elsewhere = new Map<string, Promise<{ run: vscode.TestRun; item: vscode.TestItem } | null>>();

  constructor(private readonly deps: TestingDeps) {
    this.controller = vscode.tests.createTestController('atm', 'API Test Machine');
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    this.controller.refreshHandler = async () => {
      this.discovered = null;
      await this.discover();
    };
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.runTests(request, token), true);
    const watcher = vscode.workspace.createFileSystemWatcher(SPEC_GLOB);
    this.disposables.push(
      this.controller,
      watcher,
      watcher.onDidCreate((uri) => this.schedule(uri)),
      // An open document is followed through its edits; the disk matters once it is closed.
      watcher.onDidChange((uri) => {
        if (!this.openDocument(uri)) this.schedule(uri);
      }),
      watcher.onDidDelete((uri) => this.remove(uri)),
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (isSpec(doc)) this.schedule(doc.uri);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isSpec(e.document) && e.contentChanges.length > 0) this.schedule(e.document.uri);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (!isSpec(doc)) return;
        // An untitled spec is gone; a file goes back to what its disk holds.
        if (doc.uri.scheme === 'untitled') this.remove(doc.uri);
        else this.schedule(doc.uri);
      }),
    );
    this.disposables.push(deps.runs.onRun((event) => this.onRunElsewhere(event)));
    for (const doc of vscode.workspace.textDocuments) if (isSpec(doc)) this.schedule(doc.uri);
  }

  /** A run the lens, the palette or a tool started: shown as running, then with its outcome. */
  private onRunElsewhere(event: RunEvent): void {
    if (event.viaTesting) return;
    if (event.kind === 'started') {
      this.elsewhere.set(
        event.runId,
        this.itemOf(event.target).then((item) => {
          if (item === null) return null;
          const run = this.controller.createTestRun(new vscode.TestRunRequest([item]), event.target.testName, true);
          run.started(item);
          return { run, item };
        }),
      );
      return;
    }
    const started = this.elsewhere.get(event.runId);
    this.elsewhere.delete(event.runId);
    void started
      ?.then(async (reported) => {
        if (reported === null) return;
        try {
          await this.report(reported.item, reported.run, event.result);
        } finally {
          reported.run.end();
        }
      })
      .catch((err: unknown) => this.deps.log.warn(`Could not show the run of ${event.target.testName} in the Testing view: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** The item of a test, its file listed first when it is not yet. */
  private async itemOf(target: RunTarget): Promise<vscode.TestItem | null> {
    const find = (): vscode.TestItem | null => {
      const file = this.controller.items.get(target.uri.toString());
      let found: vscode.TestItem | null = null;
      file?.children.forEach((child) => {
        if (found === null && this.tests.get(child)?.name === target.testName) found = child;
      });
      return found;
    };
    const known = find();
    if (known !== null) return known;
    await this.refresh(target.uri);
    return find();
  }

  /** Lists every spec of the workspace (once; again on the view's Refresh). */
  private discover(): Promise<void> {
    this.discovered ??= (async () => {
      const files = await vscode.workspace.findFiles(SPEC_GLOB, EXCLUDE_GLOB, MAX_FILES + 1);
      if (files.length > MAX_FILES) this.deps.log.warn(`The Testing view lists the first ${MAX_FILES} .atm.yaml files of this workspace.`);
      for (const uri of files.slice(0, MAX_FILES)) await this.refresh(uri);
    })().catch((err: unknown) => {
      this.discovered = null;
      this.deps.log.warn(`Could not list the specs of the workspace: ${err instanceof Error ? err.message : String(err)}`);
    });
    return this.discovered;
  }

  private openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  }

  private schedule(uri: vscode.Uri): void {
    const key = uri.toString();
    const previous = this.timers.get(key);
    if (previous) clearTimeout(previous);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.refresh(uri).catch((err: unknown) => this.deps.log.warn(`Could not list the tests of ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`));
      }, REFRESH_DELAY_MS),
    );
  }

  private remove(uri: vscode.Uri): void {
    this.generation.set(uri.toString(), (this.generation.get(uri.toString()) ?? 0) + 1);
    this.controller.items.delete(uri.toString());
  }

  /** Reads the file's tests from the language server and updates its items. */
  private async refresh(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const generation = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, generation);
    const open = this.openDocument(uri);
    let text: string;
    if (open) text = open.getText();
    else {
      try {
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      } catch {
        this.remove(uri);
        return;
      }
    }
    const result = await this.deps.testItems(key, text);
    if (this.generation.get(key) !== generation || result === null) return;
    if (result.tests.length === 0) {
      this.controller.items.delete(key);
      return;
    }
    let file = this.controller.items.get(key);
    if (!file) {
      file = this.controller.createTestItem(key, basename(uri), uri);
      // The folder name is prepended only when the workspace has several (the default).
      const relative = vscode.workspace.asRelativePath(uri);
      file.description = relative === basename(uri) ? undefined : relative;
      this.controller.items.add(file);
    }
    const seen = new Set<string>();
    const children: vscode.TestItem[] = [];
    for (const test of result.tests) {
      // Names are unique in a valid file; a duplicate (an error) still gets an item of its own.
      // The Testing view refuses ids holding NUL (its own separator): the name is URI-encoded.
      let id = test.name === null ? `${key}#index:${test.index}` : `${key}#name:${encodeURIComponent(test.name)}`;
      if (seen.has(id)) id = `${id}#${test.index}`;
      seen.add(id);
      const item = file.children.get(id) ?? this.controller.createTestItem(id, test.name ?? `(test ${test.index + 1} without a name)`, uri);
      item.label = test.name ?? `(test ${test.index + 1} without a name)`;
      // From the test's lens line: the gutter's run button stands there.
      item.range = new vscode.Range(test.lensRange.start.line, test.lensRange.start.character, test.range.end.line, test.range.end.character);
      item.sortText = String(test.index).padStart(6, '0');
      const error = test.errors > 0 ? (test.firstError ?? `${test.errors} problems`) : null;
      item.error = error === null ? undefined : `Cannot run: ${error}`;
      this.tests.set(item, { uri, name: test.name, error });
      children.push(item);
    }
    file.children.replace(children);
  }

  /** The test items a request names: a file stands for its tests, in file order. */
  private async queueOf(request: vscode.TestRunRequest): Promise<vscode.TestItem[]> {
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const queue: vscode.TestItem[] = [];
    const add = async (item: vscode.TestItem): Promise<void> => {
      if (excluded.has(item.id)) return;
      if (this.tests.has(item)) {
        queue.push(item);
        return;
      }
      if (item.uri && item.children.size === 0) await this.refresh(item.uri);
      const children: vscode.TestItem[] = [];
      item.children.forEach((c) => children.push(c));
      children.sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
      for (const child of children) await add(child);
    };
    if (request.include) for (const item of request.include) await add(item);
    else {
      await this.discover();
      const files: vscode.TestItem[] = [];
      this.controller.items.forEach((f) => files.push(f));
      for (const file of files) await add(file);
    }
    return queue;
  }

  private async runTests(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const queue = await this.queueOf(request);
    const run = this.controller.createTestRun(request);
    for (const item of queue) run.enqueued(item);
    let current: string | null = null;
    // The same stop as atm.cancelRun and the panel's Stop: the engine ends and sends its partial result.
    const cancel = token.onCancellationRequested(() => {
      if (current !== null) this.deps.runs.stop(current);
    });
    let stopped: string | null = null;
    let ended = false;
    try {
      for (const item of queue) {
        if (stopped !== null) {
          run.errored(item, new vscode.TestMessage(stopped));
          continue;
        }
        if (ended || token.isCancellationRequested) {
          run.skipped(item);
          continue;
        }
        const outcome = await this.runOne(item, run, token, (runId) => (current = runId));
        current = null;
        // Restricted Mode refuses every run: say it for each test without asking again.
        if (outcome.refusal !== null && !vscode.workspace.isTrusted) stopped = outcome.refusal;
        // A run stopped from elsewhere (ATM: Stop Run) ends the rest too, as "Run all tests" does.
        if (outcome.cancelled) ended = true;
      }
    } finally {
      cancel.dispose();
      run.end();
    }
  }

  private async runOne(
    item: vscode.TestItem,
    run: vscode.TestRun,
    token: vscode.CancellationToken,
    started: (runId: string) => void,
  ): Promise<{ refusal: string | null; cancelled: boolean }> {
    const data = this.tests.get(item);
    if (!data) return { refusal: null, cancelled: false };
    const at = (line: number): vscode.Location => new vscode.Location(data.uri, new vscode.Position(line, 0));
    const head = item.range?.start.line ?? 0;
    if (data.name === null) {
      const message = new vscode.TestMessage(`This test has no name, so it cannot run: ${data.error ?? 'add `name:`'}.`);
      message.location = at(head);
      run.errored(item, message);
      return { refusal: null, cancelled: false };
    }
    run.started(item);
    let refusal: string | null = null;
    const result = await this.deps.runs.run(
      { uri: data.uri, testName: data.name },
      {
        onStarted: (runId) => {
          started(runId);
          // Cancelled while the guards asked: stop as soon as there is a run to stop.
          if (token.isCancellationRequested) this.deps.runs.stop(runId);
        },
        onRefused: (reason) => (refusal = reason),
        viaTesting: true,
      },
    );
    if (!result) {
      const message = new vscode.TestMessage(refusal ?? 'The run did not start.');
      message.location = at(head);
      run.errored(item, message);
      return { refusal: refusal ?? 'The run did not start.', cancelled: false };
    }
    await this.report(item, run, result);
    return { refusal: null, cancelled: result.status === 'cancelled' };
  }

  /** A finished run as the item's outcome: passed, failed with the thresholds at their lines, errored or skipped. */
  private async report(item: vscode.TestItem, run: vscode.TestRun, result: RunResult): Promise<void> {
    const data = this.tests.get(item);
    if (!data) return;
    const head = item.range?.start.line ?? 0;
    const document = await vscode.workspace.openTextDocument(data.uri);
    const lines = document.getText().split(/\r?\n/);
    // The item's range follows the text (refreshed on each edit); the threshold lines are inside it.
    const end = Math.min(lines.length, (item.range?.end.line ?? lines.length - 1) + 1);
    const verdict = verdictOf(result, { lines, start: head, end, headLine: head });
    const toMessage = (spec: TestMessageSpec): vscode.TestMessage => {
      const message = spec.expected !== undefined && spec.actual !== undefined ? vscode.TestMessage.diff(spec.message, spec.expected, spec.actual) : new vscode.TestMessage(spec.message);
      const text = lines[spec.line] ?? '';
      const indent = text.length - text.trimStart().length;
      message.location = new vscode.Location(data.uri, new vscode.Range(spec.line, indent, spec.line, text.length));
      return message;
    };
    run.appendOutput(`${result.name}: ${result.status}${result.passed ? ', passed' : ''} · ${result.metrics.total_requests} requests · p95 ${result.metrics.latency_ms.p95} ms${result.failure_reasons.length ? `\r\n  ${result.failure_reasons.join('\r\n  ')}` : ''}\r\n`, undefined, item);
    switch (verdict.kind) {
      case 'passed':
        run.passed(item, verdict.durationMs);
        break;
      case 'failed':
        run.failed(item, verdict.messages.map(toMessage), verdict.durationMs);
        break;
      case 'errored':
        run.errored(item, verdict.messages.map(toMessage), verdict.durationMs);
        break;
      case 'skipped':
        run.skipped(item);
        break;
    }
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const d of this.disposables) d.dispose();
  }
}
