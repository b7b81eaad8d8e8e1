// The run status in a test's CodeLens title, from the run history (so it survives a reload):
// `▶ Run test · passed 2 min ago · p95 8.4 ms`. A test edited since its run shows the plain lens,
// by the inline outcomes' rule.
import * as vscode from 'vscode';
import type { RunResult } from '../../engine/format/result';
import { RUN_TEST_COMMAND } from '../../server/protocol';
import type { HistoryStore } from '../history/store';
import { decoratedTitle, lensStatus } from './lensStatus';

/** Results read for lenses, by run id (a stored result never changes). */
const CACHED_RESULTS = 64;

export class LensStatusDecorator {
  private readonly cache = new Map<string, RunResult>();

  constructor(
    private readonly history: HistoryStore,
    /** Whether the test's text changed since its last run. */
    private readonly isEdited: (uri: string, testName: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  async decorate(document: vscode.TextDocument, lenses: vscode.CodeLens[]): Promise<vscode.CodeLens[]> {
    const file = vscode.workspace.asRelativePath(document.uri, false);
    const now = this.now();
    for (const lens of lenses) {
      const command = lens.command;
      if (!command || command.command !== RUN_TEST_COMMAND) continue;
      const arg: unknown = command.arguments?.[0];
      const testName = typeof arg === 'object' && arg !== null && 'testName' in arg && typeof arg.testName === 'string' ? arg.testName : null;
      if (testName === null || this.isEdited(document.uri.toString(), testName)) continue;
      // The history is newest first: the test's latest run.
      const latest = this.history.list().find((r) => r.file === file && r.name === testName);
      if (!latest) continue;
      const result = await this.result(latest.id);
      if (!result) continue;
      lens.command = {
        ...command,
        title: decoratedTitle(command.title, lensStatus(result, now)),
        tooltip: `Run "${testName}" again. Last run ${new Date(result.completed_at).toLocaleString()}${result.failure_reasons.length ? `:\n${result.failure_reasons.join('\n')}` : ''}`,
      };
    }
    return lenses;
  }

  private async result(id: string): Promise<RunResult | null> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const result = await this.history.get(id);
    if (!result) return null;
    this.cache.set(id, result);
    if (this.cache.size > CACHED_RESULTS) this.cache.delete(this.cache.keys().next().value as string);
    return result;
  }
}

/** Redraws the lenses each minute while a spec is on screen, so "2 min ago" stays true. */
export function lensClock(refresh: () => void, periodMs = 60_000): vscode.Disposable {
  const timer = setInterval(() => {
    if (vscode.window.visibleTextEditors.some((e) => e.document.languageId === 'atm-yaml')) refresh();
  }, periodMs);
  return new vscode.Disposable(() => clearInterval(timer));
}
