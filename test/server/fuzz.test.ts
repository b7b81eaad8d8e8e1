// Malformed YAML at every turn: take real specs, cut, duplicate and corrupt them with a seeded
// PRNG, and call every service function. Each must answer (possibly empty) without throwing, with
// ranges inside the document and edits that apply.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range } from 'vscode-languageserver';
import {
  codeActions,
  codeLenses,
  complete,
  definition,
  documentSymbols,
  foldingRanges,
  hover,
  validateDocument,
  type ServiceContext,
} from '../../server/service';
import { ROOT } from './lspClient';
import { prng } from '../fixtures/prng';

function corpus(): string[] {
  const texts: string[] = [];
  for (const d of [path.join(ROOT, 'examples'), path.join(ROOT, 'test', 'fixtures', 'server'), path.join(ROOT, 'test', 'fixtures', 'format')]) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) {
      if (!/\.atm\.ya?ml$/.test(f)) continue;
      const text = readFileSync(path.join(d, f), 'utf8');
      if (text.length < 200_000) texts.push(text);
    }
  }
  return texts;
}

const NASTY = [':', ' ', '-', '- ', '{', '}', '[', ']', '{{', '}}', '"', "'", '#', '&a', '*a', '!', '|', '>', '\t', '\n', '\r\n', '\r', '---\n', '...\n',
  '%YAML 1.2\n', '{{env:', '{{$randomInt', '? ', ',', '\\', '\u0000', '\uFEFF', '😀', '\uD800', 'é', '  ', 'name:', 'endpoints:\n  - ', 'thresholds:\n  - p9'];

function mutate(text: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const at = (): number => Math.floor(rnd() * (text.length + 1));
  const steps = 1 + Math.floor(rnd() * 4);
  for (let s = 0; s < steps; s++) {
    const kind = Math.floor(rnd() * 8);
    const i = at();
    const j = Math.min(text.length, i + Math.floor(rnd() * 80));
    switch (kind) {
      case 0: // cut a span
        text = text.slice(0, i) + text.slice(j);
        break;
      case 1: // duplicate a span somewhere else
        text = text.slice(0, at()) + text.slice(i, j) + text.slice(at());
        break;
      case 2: // insert YAML-significant text
        text = text.slice(0, i) + pick(NASTY) + text.slice(i);
        break;
      case 3: // truncate
        text = text.slice(0, i);
        break;
      case 4: {
        // re-indent a line
        const lines = text.split('\n');
        const l = Math.floor(rnd() * lines.length);
        lines[l] = ' '.repeat(Math.floor(rnd() * 9)) + lines[l].trimStart();
        text = lines.join('\n');
        break;
      }
      case 5: {
        // swap two lines
        const lines = text.split('\n');
        const a = Math.floor(rnd() * lines.length);
        const b = Math.floor(rnd() * lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
        text = lines.join('\n');
        break;
      }
      case 6: // random code units
        text = text.slice(0, i) + String.fromCharCode(...Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => Math.floor(rnd() * 0xffff))) + text.slice(i);
        break;
      default: // replace a character
        text = text.slice(0, i) + pick(NASTY) + text.slice(i + 1);
    }
  }
  return text;
}

function inside(doc: TextDocument, r: Range): boolean {
  const lineCount = doc.lineCount;
  const ok = (p: Position): boolean => p.line >= 0 && p.character >= 0 && p.line <= lineCount;
  return ok(r.start) && ok(r.end) && (r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character));
}

const CASES = 2500;

const ctx: ServiceContext = { env: { API_TOKEN: 'x' }, readFile: (p) => (p === '.env' ? 'A=1\nB=2\n' : null) };

void test('thousands of corrupted specs: every service function answers, nothing throws', (t) => {
  const texts = corpus();
  assert.ok(texts.length >= 2, 'a corpus to corrupt');
  const rnd = prng(0xa7a7);
  // A fixed count, not a time budget: the same cases on every machine (about 10 s of CPU).
  let cases = 0;
  for (; cases < CASES; cases++) {
    const source = texts[Math.floor(rnd() * texts.length)];
    const text = mutate(source, rnd);
    const doc = TextDocument.create(`file:///fuzz/${cases}.atm.yaml`, 'atm-yaml', 1, text);
    const where = (): Position => {
      const line = Math.floor(rnd() * (doc.lineCount + 1));
      return { line, character: Math.floor(rnd() * 90) };
    };
    try {
      const diagnostics = validateDocument(doc, ctx);
      for (const d of diagnostics) assert.ok(inside(doc, d.range), `diagnostic range ${JSON.stringify(d.range)}`);
      for (let k = 0; k < 3; k++) {
        const list = complete(doc, where(), ctx);
        for (const item of list.items) if (item.textEdit && 'range' in item.textEdit) assert.ok(inside(doc, item.textEdit.range));
        hover(doc, where(), ctx);
        definition(doc, where());
      }
      for (const lens of codeLenses(doc)) assert.ok(inside(doc, lens.range) && lens.command);
      const symbols = documentSymbols(doc);
      JSON.stringify(symbols);
      for (const f of foldingRanges(doc)) assert.ok(f.startLine <= f.endLine);
      for (const d of diagnostics) {
        for (const action of codeActions(doc, d.range, [d])) {
          const edits = action.edit?.changes?.[doc.uri] ?? [];
          // Applying must work (no overlapping edits, ranges in the document).
          TextDocument.applyEdits(doc, edits);
        }
      }
    } catch (error) {
      assert.fail(`case ${cases} threw: ${error instanceof Error ? error.stack : String(error)}\n--- text ---\n${JSON.stringify(text)}`);
    }
  }
  t.diagnostic(`${cases} corrupted specs`);
});
