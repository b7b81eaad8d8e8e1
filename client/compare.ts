// The panel's baseline actions: Pin as Baseline / Unpin on the run it shows (the same store and
// rule as the ATM Runs view: one pinned run per test and spec file, completed runs only), and
// Compare with…, which picks another run of the same test in a QuickPick and builds the compare view.
import * as vscode from 'vscode';
import type { RunResult } from '../engine/format/result';
import type { CompareData } from '../webview/compareData';
import { buildCompareData, CompareError } from './compareData';
import { runDescription, runOutcome } from './format';
import type { HistoryStore, RunSummary } from './history/store';

export interface BaselineActionsDeps {
  history: HistoryStore;
  /** The pins changed: the runs view redraws (and with it the panel's Baseline state and the hints). */
  pinsChanged(): void;
  log: vscode.LogOutputChannel;
}

/** Whether a run is the pinned baseline of its test and whether it may be; null when it is not in the history. */
export function baselineStateOf(history: HistoryStore, runId: string): { pinned: boolean; canPin: boolean } | null {
  const run = history.list().find((r) => r.id === runId);
  if (run === undefined) return null;
  return { pinned: history.isPinned(runId), canPin: run.status === 'completed' };
}

function stored(history: HistoryStore, runId: string): RunSummary | null {
  const run = history.list().find((r) => r.id === runId) ?? null;
  if (run === null) void vscode.window.showWarningMessage('ATM: this run is not in the run history (it was deleted or not recorded), so it cannot be pinned.');
  return run;
}

export async function pinFromPanel(deps: BaselineActionsDeps, runId: string): Promise<void> {
  const run = stored(deps.history, runId);
  if (run === null) return;
  if (run.status !== 'completed') {
    void vscode.window.showWarningMessage(`ATM: a ${run.status} run cannot be a baseline; pin a completed run of "${run.name}".`);
    return;
  }
  await deps.history.pin(run.id);
  deps.pinsChanged();
  deps.log.info(`Pinned run ${run.id} as the baseline of "${run.name}" in ${run.file} (from the results panel)`);
  void vscode.window.showInformationMessage(`ATM: runs of "${run.name}" now compare with this run (a baseline: in the spec wins).`);
}

export async function unpinFromPanel(deps: BaselineActionsDeps, runId: string): Promise<void> {
  const run = stored(deps.history, runId);
  if (run === null || !deps.history.isPinned(run.id)) return;
  await deps.history.unpin(run.file, run.name);
  deps.pinsChanged();
  deps.log.info(`Unpinned the baseline of "${run.name}" in ${run.file} (from the results panel)`);
}

/** A run's start as the compare view names it: local date and time to the second. */
export function startLabel(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

interface Candidate extends vscode.QuickPickItem {
  run: RunSummary;
  pinned: boolean;
}

/**
 * Asks which run of the shown run's test to compare with (the pinned baseline first, then the
 * history newest first) and builds the compare view; null when the user cancels or none exists.
 */
export async function pickAndCompare(deps: BaselineActionsDeps, shown: RunResult): Promise<CompareData | null> {
  const { history } = deps;
  await history.load();
  const baseline = history.pinnedBaseline(shown.file, shown.name);
  const others = history
    .list()
    .filter((r) => r.file === shown.file && r.name === shown.name && r.id !== shown.id && r.status !== 'failed' && r.id !== baseline?.id);
  const items: Candidate[] = [];
  if (baseline !== null && baseline.id !== shown.id) {
    items.push({ label: '$(pinned) Baseline', description: `${startLabel(baseline.startedAt)} · ${runDescription(baseline)}`, detail: 'The run pinned as this test’s baseline', run: baseline, pinned: true });
  }
  for (const run of others) {
    items.push({ label: `$(history) ${runOutcome(run)} · ${startLabel(run.startedAt)}`, description: runDescription(run), run, pinned: false });
  }
  if (items.length === 0) {
    const why = baseline?.id === shown.id ? 'this run is its baseline and ' : '';
    void vscode.window.showInformationMessage(`ATM: ${why}the history has no other finished run of "${shown.name}" to compare with; run the test again first.`);
    return null;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: `Compare "${shown.name}" (${startLabel(shown.started_at)}) with…`,
    placeHolder: 'The baseline or another run of this test',
    matchOnDescription: true,
  });
  if (picked === undefined) return null;
  const other = await history.get(picked.run.id);
  if (other === null) {
    void vscode.window.showWarningMessage('ATM: that run is no longer in the history.');
    return null;
  }
  try {
    return buildCompareData(other, shown, {
      a: `${picked.pinned ? 'baseline' : 'run'} ${startLabel(other.started_at)}`,
      b: `this run ${startLabel(shown.started_at)}`,
    });
  } catch (err) {
    if (!(err instanceof CompareError)) throw err;
    deps.log.warn(`Compare: ${err.message}`);
    void vscode.window.showErrorMessage(`ATM: ${err.message}. Nothing was changed in the history.`);
    return null;
  }
}
