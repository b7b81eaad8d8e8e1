// The outline (tests → endpoints, thresholds), folding ranges and go to definition.
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange, type Location, type Position, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import { scanTemplates, type ParsedFile } from '../../engine/format';
import { linesOf } from './context';
import { parsedOf } from './parsed';
import { documentBounds, isDocEnd, isDocStart, variablesOf } from './lines';
import { findCapture, flowSteps } from './flowSteps';

function contains(outer: Range, inner: Range): boolean {
  const before = (a: Position, b: Position): boolean => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

/** The parser drops a leading BOM, so its offsets are one short of the document's. */
function bomShift(doc: TextDocument): number {
  return doc.getText({ start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }) === '\uFEFF' ? 1 : 0;
}

function nodeRange(doc: TextDocument, node: { range?: [number, number, number] | null }): Range | null {
  if (!node.range) return null;
  const shift = bomShift(doc);
  return { start: doc.positionAt(node.range[0] + shift), end: doc.positionAt(node.range[1] + shift) };
}

function pairOf(map: YAMLMap, key: string): Pair | null {
  for (const item of map.items) {
    if (isScalar(item.key) && item.key.value === key) return item as Pair;
  }
  return null;
}

function scalarString(node: unknown): string | null {
  return isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') ? String(node.value) : null;
}

function symbol(name: string, kind: SymbolKind, range: Range, selectionRange: Range, detail?: string, children?: DocumentSymbol[]): DocumentSymbol {
  const sel = contains(range, selectionRange) ? selectionRange : { start: range.start, end: range.start };
  const s: DocumentSymbol = { name: name || ' ', kind, range, selectionRange: sel };
  if (detail) s.detail = detail;
  if (children && children.length > 0) s.children = children;
  return s;
}

function thresholdSymbols(doc: TextDocument, seq: unknown): DocumentSymbol[] {
  if (!isSeq(seq)) return [];
  const out: DocumentSymbol[] = [];
  for (const item of seq.items) {
    const text = scalarString(item);
    const r = isScalar(item) ? nodeRange(doc, item) : null;
    if (text !== null && r) out.push(symbol(text, SymbolKind.Event, r, r, 'threshold'));
    else if (isMap(item)) {
      // `- login: p95 < 300ms`: thresholds of a step or endpoint, by name.
      const mr = nodeRange(doc, item);
      if (mr) out.push(symbol(doc.getText(mr).replace(/\s+/g, ' ').trim(), SymbolKind.Event, mr, mr, 'threshold by name'));
    }
  }
  return out;
}

export function documentSymbols(doc: TextDocument, parsed: ParsedFile = parsedOf(doc)): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const test of parsed.tests) {
    const children: DocumentSymbol[] = [];
    const root = test.doc?.contents;
    let detail: string | undefined;
    if (root && isMap(root)) {
      const url = pairOf(root, 'url');
      const method = pairOf(root, 'method');
      if (url) detail = `${scalarString(method?.value) ?? 'GET'} ${scalarString(url.value) ?? ''}`;
      const endpoints = pairOf(root, 'endpoints');
      if (endpoints && isSeq(endpoints.value)) {
        for (const item of endpoints.value.items) {
          if (!isMap(item)) continue;
          const r = nodeRange(doc, item as Node);
          if (!r) continue;
          const namePair = pairOf(item, 'name');
          const name = scalarString(namePair?.value) ?? '(unnamed endpoint)';
          const nameRange = namePair && isScalar(namePair.value) ? nodeRange(doc, namePair.value) : null;
          const epDetail = `${scalarString(pairOf(item, 'method')?.value) ?? 'GET'} ${scalarString(pairOf(item, 'url')?.value) ?? ''}`;
          const thresholds = pairOf(item, 'thresholds');
          children.push(symbol(name, SymbolKind.Method, r, nameRange ?? r, epDetail, thresholds ? thresholdSymbols(doc, thresholds.value) : []));
        }
      }
      const thresholds = pairOf(root, 'thresholds');
      if (thresholds) children.push(...thresholdSymbols(doc, thresholds.value));
    }
    const name = test.name ?? `(test ${test.index + 1} without a name)`;
    out.push(symbol(name, SymbolKind.Class, test.range, test.nameRange ?? test.keyRange, detail, children));
  }
  return out;
}

/** Folding from indentation, so it works while the YAML is broken. */
export function foldingRanges(doc: TextDocument): FoldingRange[] {
  const lines = linesOf(doc);
  const out: FoldingRange[] = [];
  const stack: Array<{ indent: number; line: number }> = [];
  let lastContent = -1;
  let docStartLine = 0;
  const close = (indent: number): void => {
    while (stack.length > 0 && stack[stack.length - 1].indent >= indent) {
      const open = stack.pop();
      if (open && lastContent > open.line) out.push({ startLine: open.line, endLine: lastContent });
    }
  };
  const endDocument = (): void => {
    close(-1);
    if (lastContent > docStartLine) out.push({ startLine: docStartLine, endLine: lastContent, kind: FoldingRangeKind.Region });
  };
  for (let l = 0; l < lines.length; l++) {
    const text = lines[l];
    if (isDocStart(text) || isDocEnd(text)) {
      endDocument();
      docStartLine = l;
      lastContent = l;
      continue;
    }
    const trimmed = text.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const indent = text.length - trimmed.length;
    // A `- ` item sits inside a key at its own column (`endpoints:\n- name: a`).
    const effective = trimmed.startsWith('- ') || trimmed === '-' ? indent + 1 : indent;
    close(effective);
    stack.push({ indent: effective, line: l });
    lastContent = l;
  }
  endDocument();
  return out;
}

/** `{{name}}` → its entry under `variables`. */
export function definition(doc: TextDocument, position: Position): Location | null {
  const lines = linesOf(doc);
  if (position.line < 0 || position.line >= lines.length) return null;
  const line = lines[position.line];
  if (!line.includes('{{') || line.length > 100_000) return null;
  const token = scanTemplates(line).tokens.find((t) => position.character >= t.start && position.character < t.end);
  if (!token || !token.expr || token.expr.kind !== 'variable') return null;
  const name = token.expr.name;
  const { start, end } = documentBounds(lines, position.line);
  const def = variablesOf(lines, start, end).find((v) => v.name === name);
  if (!def) {
    // A flow's captured value: jump to where its step captures it.
    const found = findCapture(flowSteps(lines, start, end), name);
    if (!found) return null;
    const { line: at, col } = found.capture;
    return { uri: doc.uri, range: { start: { line: at, character: col }, end: { line: at, character: col + name.length } } };
  }
  const col = def.entry.col;
  return { uri: doc.uri, range: { start: { line: def.line, character: col }, end: { line: def.line, character: col + lines[def.line].slice(col).indexOf(name) + name.length } } };
}
