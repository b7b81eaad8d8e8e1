// Thresholds on a step or endpoint by name in the test's `thresholds` (`- login: p95 < 300ms`):
// the names to complete, where a metric follows, and the step a name stands for on hover.
// Read from lines like the rest of the service, so they work while the YAML is half typed.
import { CompletionItemKind, type CompletionItem, type Range } from 'vscode-languageserver';
import { ITEM, lineEntries, type PathSegment } from './lines';
import { flowSteps, type FlowStep } from './flowSteps';

/** The steps of the test, else its endpoints; null when it has neither. */
export function scopesOf(lines: readonly string[], docStart: number, docEnd: number): { kind: 'step' | 'endpoint'; items: FlowStep[] } | null {
  const steps = flowSteps(lines, docStart, docEnd, 'steps');
  if (steps.length > 0) return { kind: 'step', items: steps };
  const endpoints = flowSteps(lines, docStart, docEnd, 'endpoints');
  return endpoints.length > 0 ? { kind: 'endpoint', items: endpoints } : null;
}

/** An item of the test's own `thresholds` (not a step's): where an expression or a name goes. */
export function isTestThresholdItem(path: readonly PathSegment[]): boolean {
  return path.length === 2 && path[0] === 'thresholds' && path[1] === ITEM;
}

/** After `- NAME: ` (or inside `- NAME: [...]`) in the test's `thresholds`: an expression goes here. */
export function isScopedExpression(path: readonly PathSegment[]): boolean {
  return path[0] === 'thresholds' && path[1] === ITEM && (path.length === 3 || (path.length === 4 && path[3] === ITEM));
}

/** The step and endpoint names at the start of a `thresholds` item, each followed by `: ` and a metric. */
export function scopeNameItems(items: CompletionItem[], lines: readonly string[], docStart: number, docEnd: number, range: Range): void {
  const scopes = scopesOf(lines, docStart, docEnd);
  if (!scopes) return;
  for (const s of scopes.items) {
    if (s.name === null) continue;
    items.push({
      label: s.name,
      kind: CompletionItemKind.Module,
      detail: `thresholds of the ${scopes.kind} ${s.name}`,
      documentation: { kind: 'markdown', value: `Thresholds of the ${scopes.kind} \`${s.name}\`, the same as in its own \`thresholds\`: \`${s.name}: p95 < 300ms\` or \`${s.name}: [p95 < 300ms, checks > 99%]\`.` },
      // After the metrics (which sort by two digits).
      sortText: `5_${String(s.index).padStart(4, '0')}`,
      textEdit: { range, newText: `${s.name}: ` },
      command: { title: 'Suggest', command: 'editor.action.triggerSuggest' },
    });
  }
}

/** Markdown for the step or endpoint named by a scoped threshold's key, or null when there is none. */
export function scopeHover(lines: readonly string[], docStart: number, docEnd: number, name: string): string | null {
  const scopes = scopesOf(lines, docStart, docEnd);
  const step = scopes?.items.find((s) => s.name === name);
  if (!scopes || !step) return null;
  let method = 'GET';
  let url = '';
  const keyCol = lineEntries(lines[step.startLine]).find((e) => e.kind === 'key')?.col ?? -1;
  for (let l = step.startLine; l <= step.endLine; l++) {
    for (const e of lineEntries(lines[l])) {
      if (e.kind !== 'key' || e.col !== keyCol) continue;
      if (e.key === 'method' && e.value) method = e.value;
      if (e.key === 'url' && e.value) url = e.value.replace(/^(["'])(.*)\1$/, '$2');
    }
  }
  const where = scopes.kind === 'step' ? `step ${step.index + 1} of the flow` : `endpoint ${step.index + 1} of the mix`;
  return `**${name}**: ${where} (line ${step.startLine + 1})\n\n\`${method} ${url}\`\n\nThresholds here are judged on this ${scopes.kind} alone, as if written in its own \`thresholds\`.`;
}
