// The ATM Runs view: runs grouped by test, newest first, with an icon for the outcome and the
// time, req/s and p95 beside each.
import * as vscode from 'vscode';
import { PINNED_RUN_ITEM_CONTEXT, RUN_ITEM_CONTEXT, type CommandId } from '../commandTable';
import { runDescription, runOutcome } from '../format';
import type { HistoryStore, RunSummary } from './store';

export type RunsNode = { kind: 'test'; key: string; name: string; file: string; runs: RunSummary[] } | { kind: 'run'; run: RunSummary };

const ICONS = {
  passed: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  error: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  cancelled: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconSkipped')),
} as const;

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: HistoryStore) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (node?.kind === 'run') return [];
    if (node?.kind === 'test') return node.runs.map((run) => ({ kind: 'run', run }));
    const groups = new Map<string, RunsNode & { kind: 'test' }>();
    for (const run of this.store.list()) {
      const key = `${run.file}\0${run.name}`;
      let group = groups.get(key);
      if (!group) {
        group = { kind: 'test', key, name: run.name, file: run.file, runs: [] };
        groups.set(key, group);
      }
      group.runs.push(run);
    }
    return [...groups.values()];
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'test') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `test:${node.key}`;
      item.description = node.file;
      item.tooltip = `${node.name}\n${node.file}\n${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`;
      item.iconPath = ICONS[runOutcome(node.runs[0])];
      return item;
    }
    const { run } = node;
    const outcome = runOutcome(run);
    const item = new vscode.TreeItem(outcome, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${run.id}`;
    const pinned = this.store.isPinned(run.id);
    item.description = pinned ? `${runDescription(run)} · baseline` : runDescription(run);
    item.iconPath = ICONS[outcome];
    item.contextValue = pinned ? PINNED_RUN_ITEM_CONTEXT : RUN_ITEM_CONTEXT;
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(`${run.name} — ${outcome}${pinned ? ' (pinned baseline)' : ''}\n${run.completedAt}\n${runDescription(run)}`);
    if (run.failureReasons.length) tooltip.appendText(`\n${run.failureReasons.join('\n')}`);
    item.tooltip = tooltip;
    item.accessibilityInformation = { label: `${run.name}, ${outcome}, ${runDescription(run)}${pinned ? ', pinned baseline' : ''}` };
    item.command = { title: 'Open Run Results', command: 'atm.history.open' satisfies CommandId, arguments: [node] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
