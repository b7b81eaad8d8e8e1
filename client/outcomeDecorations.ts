// Results in the spec: at the end of each threshold line, the outcome of the test's latest run in
// the history. A test's outcomes clear when its text changes and come back from the history
// when the spec is opened again (or the test runs again).
import * as vscode from 'vscode';
import { parseSpecFile } from '../engine/format';
import type { HistoryStore } from './history/store';
import { placeOutcomes } from './outcomes';

const afterStyle = (color: string): vscode.DecorationRenderOptions => ({
  after: { margin: '0 0 0 2em', color: new vscode.ThemeColor(color), fontStyle: 'normal' },
  rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
});

export class OutcomeDecorations implements vscode.Disposable {
  private readonly passed = vscode.window.createTextEditorDecorationType(afterStyle('testing.iconPassed'));
  private readonly failed = vscode.window.createTextEditorDecorationType(afterStyle('testing.iconFailed'));
  /** Per document URI, the tests edited since their last run: their outcomes stay hidden. */
  private readonly edited = new Map<string, Set<string>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly history: HistoryStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.passed,
      this.failed,
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.show(e))),
      vscode.workspace.onDidCloseTextDocument((doc) => this.edited.delete(doc.uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
    );
  }

  /** A run was recorded: its test shows outcomes again (drawn when the history view refreshes). */
  recorded(file: string, name: string): void {
    for (const [uri, names] of this.edited) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      if (doc && vscode.workspace.asRelativePath(doc.uri, false) === file) names.delete(name);
    }
  }

  /** Whether this test's text changed since its last run (its results are then out of date). */
  isEdited(uri: string, name: string): boolean {
    return this.edited.get(uri)?.has(name) === true;
  }

  showAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.show(editor);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (e.document.languageId !== 'atm-yaml' || e.contentChanges.length === 0) return;
    const key = e.document.uri.toString();
    const names = this.edited.get(key) ?? new Set<string>();
    // The ranges are of the new text; a test whose range touches an edit counts as changed.
    for (const test of parseSpecFile(e.document.getText()).tests) {
      if (test.name === null) continue;
      const touched = e.contentChanges.some((c) => c.range.start.line <= test.range.end.line && c.range.start.line + c.text.split('\n').length - 1 >= test.range.start.line);
      if (touched) names.add(test.name);
    }
    this.edited.set(key, names);
    for (const editor of vscode.window.visibleTextEditors) if (editor.document === e.document) this.show(editor);
  }

  private show(editor: vscode.TextEditor): void {
    const doc = editor.document;
    if (doc.languageId !== 'atm-yaml') return;
    this.render(editor).catch((err: unknown) => this.log.warn(`Could not show the outcomes in ${doc.uri.fsPath}: ${String(err)}`));
  }

  private async render(editor: vscode.TextEditor): Promise<void> {
    const doc = editor.document;
    const version = doc.version;
    const file = vscode.workspace.asRelativePath(doc.uri, false);
    const edited = this.edited.get(doc.uri.toString());
    const lines = doc.getText().split(/\r?\n/);
    const passed: vscode.DecorationOptions[] = [];
    const failed: vscode.DecorationOptions[] = [];
    for (const test of parseSpecFile(doc.getText()).tests) {
      if (test.name === null || edited?.has(test.name)) continue;
      // The history is newest first: the test's latest run.
      const latest = this.history.list().find((r) => r.file === file && r.name === test.name);
      if (!latest) continue;
      const result = await this.history.get(latest.id);
      if (!result || !Array.isArray(result.thresholds)) continue;
      for (const o of placeOutcomes(lines, test.range.start.line, test.range.end.line + 1, result.thresholds)) {
        const end = lines[o.line].length;
        const option: vscode.DecorationOptions = {
          range: new vscode.Range(o.line, end, o.line, end),
          renderOptions: { after: { contentText: o.text } },
          hoverMessage: `Run of ${new Date(result.completed_at).toLocaleString()}`,
        };
        (o.passed ? passed : failed).push(option);
      }
    }
    // The text changed while the history was read: the next event draws again.
    if (doc.version !== version) return;
    editor.setDecorations(this.passed, passed);
    editor.setDecorations(this.failed, failed);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
