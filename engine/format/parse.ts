// From a file's text to its tests and every syntax, schema and semantic diagnostic. Pure and
// bounded: file size, document count and alias expansion are capped so hostile input costs
// milliseconds, not memory.
import { isAlias, isScalar, LineCounter, parseAllDocuments, visit, type Document, type YAMLError } from 'yaml';
import { DIAGNOSTIC_CODES as C } from './codes';
import type { Range, SpecDiagnostic } from './diagnostic';
import { Locator } from './locate';
import { schemaDiagnostics } from './validate';
import { semanticDiagnostics } from './semantic';
import type { TestSpec } from './types';

export const LIMITS = {
  /** Characters (UTF-16 units) in a file; larger files are not parsed. */
  maxFileChars: 5 * 1024 * 1024,
  /** Tests (YAML documents) in a file. */
  maxDocuments: 200,
  /**
   * yaml's guard against "billion laughs": uses of an anchor times the aliases nested inside it.
   * High enough for one anchor shared by thousands of endpoints, low enough that expansion stops
   * within milliseconds.
   */
  maxAliasCount: 10_000,
  /**
   * Nesting levels the editor's incremental parse follows: an edit deeper than this, or a re-read
   * piece nested deeper, is read again with its whole test (same result, just slower).
   */
  maxNesting: 200,
} as const;

export interface ParsedTest {
  /** 0-based position among the file's tests. */
  index: number;
  name: string | null;
  /** The whole YAML document. */
  range: Range;
  /** The `name` value. */
  nameRange: Range | null;
  /** The document's first key (where the CodeLens goes). */
  keyRange: Range;
  /** The plain JS value of the document. */
  value: unknown;
  /** The test, when the document has no errors. */
  spec: TestSpec | null;
  diagnostics: SpecDiagnostic[];
  doc: Document.Parsed | null;
}

export interface ParsedFile {
  tests: ParsedTest[];
  diagnostics: SpecDiagnostic[];
}

const locators = new WeakMap<ParsedTest, Locator>();

/** The locator of a parsed test (ranges of its nodes), for checks layered on parseSpecFile. */
export function locatorOf(test: ParsedTest): Locator | undefined {
  return locators.get(test);
}

/** Associates a locator with a test (the incremental parse builds tests outside this module). */
export function setLocator(test: ParsedTest, loc: Locator): void {
  locators.set(test, loc);
}

/** The yaml options of every parse: the incremental parse must read exactly as the full one. */
export const YAML_OPTIONS = { uniqueKeys: true, prettyErrors: false, version: '1.2', merge: true, logLevel: 'error' } as const;

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

export function compareDiagnostics(a: SpecDiagnostic, b: SpecDiagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

// The language server parses a version for lenses and symbols and again inside validateText;
// remembering the last text makes the second call free. Results are shared: treat them as read-only.
let last: { text: string; parsed: ParsedFile } | null = null;

export function parseSpecFile(input: string): ParsedFile {
  if (last !== null && last.text === input) return last.parsed;
  const parsed = parseUncached(input);
  last = { text: input, parsed };
  return parsed;
}

/** A full parse, not remembered (parseSpecFile remembers the last one). */
export function parseUncached(input: string): ParsedFile {
  if (input.length > LIMITS.maxFileChars) return fileTooLarge(input);
  // Editors drop the BOM from the document text; drop it here too so columns on line 1 agree.
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lines = lineCounterOf(text);
  const docs = parseAllDocuments(text, YAML_OPTIONS);

  const fileDiagnostics: SpecDiagnostic[] = [];
  const tests: ParsedTest[] = [];

  if (!Array.isArray(docs) || docs.length === 0) {
    // An empty stream can still carry stream-level errors.
    const stream = docs as unknown as { errors?: YAMLError[]; warnings?: YAMLError[] };
    const locate = (offset: number) => {
      const { line, col } = lines.linePos(Math.min(offset, text.length));
      return { line: line - 1, character: col - 1 };
    };
    for (const e of [...(stream.errors ?? []), ...(stream.warnings ?? [])]) {
      fileDiagnostics.push(yamlDiagnostic(e, text, (a, b) => ({ start: locate(a), end: locate(b) })));
    }
    if (fileDiagnostics.length === 0) fileDiagnostics.push(noTests());
    return { tests, diagnostics: fileDiagnostics };
  }

  let documentCount = 0;
  for (const doc of docs) {
    const loc = new Locator(text, lines, doc);
    if (isEmptyDocument(doc)) {
      fileDiagnostics.push(...emptyDocumentDiagnostics(doc, loc));
      continue;
    }
    documentCount++;
    if (documentCount > LIMITS.maxDocuments) {
      fileDiagnostics.push({
        range: loc.headRange(),
        severity: 'error',
        code: C.tooManyDocuments,
        message: `This file has more than ${LIMITS.maxDocuments} tests; only the first ${LIMITS.maxDocuments} are read. Split it into smaller files.`,
        data: { limit: LIMITS.maxDocuments },
      });
      break;
    }
    tests.push(readDocument(doc, loc));
  }
  return finishFile(tests, fileDiagnostics);
}

/**
 * Line starts of `text`: 0 and after each `\n`, as YAML counts lines. Counted here rather than by
 * the parser, which skips the newlines inside some malformed tokens (and then reports columns
 * past the end of a line).
 */
export function lineCounterOf(text: string): LineCounter {
  const lines = new LineCounter();
  const starts = [0];
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts.push(nl + 1);
  lines.lineStarts = starts;
  return lines;
}

export function fileTooLarge(input: string): ParsedFile {
  const mb = (input.length / (1024 * 1024)).toFixed(1);
  return {
    tests: [],
    diagnostics: [
      {
        range: ZERO,
        severity: 'error',
        code: C.fileTooLarge,
        message: `This file is ${mb} MB; ATM does not read spec files over 5 MB. Split it into smaller files.`,
        data: { limit: LIMITS.maxFileChars, size: input.length },
      },
    ],
  };
}

/** A document without content and without errors is no test; its warnings belong to the file. */
export function isEmptyDocument(doc: Document.Parsed): boolean {
  return isEmptyContents(doc.contents) && doc.errors.length === 0;
}

export function emptyDocumentDiagnostics(doc: Document.Parsed, loc: Locator): SpecDiagnostic[] {
  return doc.warnings.map((w) => yamlDiagnostic(w, loc.text, (a, b) => loc.range(a, b)));
}

/**
 * The file from its documents' own readings, in order: each test gets its index, names are
 * checked for uniqueness across the file, and all diagnostics are sorted. `own` is not changed
 * (the incremental parse keeps it for the next version).
 */
export function finishFile(own: readonly ParsedTest[], fileDiagnostics: readonly SpecDiagnostic[]): ParsedFile {
  const tests: ParsedTest[] = own.map((o, index) => {
    const t: ParsedTest = { ...o, index, diagnostics: o.diagnostics.slice() };
    const loc = locators.get(o);
    if (loc) locators.set(t, loc);
    return t;
  });

  // Test names are unique within the file.
  const firstByName = new Map<string, ParsedTest>();
  for (const t of tests) {
    if (t.name === null) continue;
    const first = firstByName.get(t.name);
    if (!first) {
      firstByName.set(t.name, t);
      continue;
    }
    t.diagnostics.push({
      range: t.nameRange ?? t.keyRange,
      severity: 'error',
      code: C.duplicateTestName,
      message: `Another test in this file is already named \`${t.name}\` (line ${first.keyRange.start.line + 1}); test names must be unique.`,
      data: { name: t.name },
    });
    t.spec = null;
  }

  const diagnostics = [...fileDiagnostics];
  if (tests.length === 0 && diagnostics.length === 0) diagnostics.push(noTests());
  for (const t of tests) {
    t.diagnostics.sort(compareDiagnostics);
    diagnostics.push(...t.diagnostics);
  }
  diagnostics.sort(compareDiagnostics);
  return { tests, diagnostics };
}

/** A document of only comments (or nothing) between `---` markers. */
function isEmptyContents(contents: unknown): boolean {
  if (contents === null || contents === undefined) return true;
  return isScalar(contents) && contents.value === null && contents.source === '' && !contents.tag;
}

export function noTests(): SpecDiagnostic {
  return {
    range: ZERO,
    severity: 'information',
    code: C.noTests,
    message: 'This file has no tests yet: start with `name: My test` and `url: http://127.0.0.1:3000/items`.',
  };
}

export function yamlDiagnostic(e: YAMLError, text: string, toRange: (a: number, b: number) => Range): SpecDiagnostic {
  let [start, end] = e.pos;
  let message = sentence(e.message);
  if (e.code === 'DUPLICATE_KEY') {
    // yaml points at the key's first character; underline the whole key.
    const m = /^[^\s:#,\]}]+/.exec(text.slice(start, start + 256));
    if (m) end = start + m[0].length;
  }
  if (e.code === 'MISSING_CHAR' && /quote/i.test(e.message)) {
    // Underline from the opening quote to the end of its line, not the end of the file.
    const q = e.message.includes("'") ? "'" : '"';
    const open = text.lastIndexOf(q, Math.min(start, text.length) - 1);
    if (open >= 0) {
      message = `This string has no closing ${q} quote.`;
      start = open;
      const nl = text.indexOf('\n', open);
      end = nl < 0 ? text.length : text[nl - 1] === '\r' ? nl - 1 : nl;
    }
  }
  if (start >= text.length && text.length > 0) {
    // Errors at end of input (an unclosed quote or bracket): point at the last character.
    start = text.length - 1;
    end = text.length;
  }
  const duplicate = e.code === 'DUPLICATE_KEY';
  const key = duplicate ? text.slice(start, end) : '';
  return {
    range: toRange(start, end),
    severity: e.name === 'YAMLWarning' ? 'warning' : 'error',
    code: duplicate ? C.duplicateKey : e.name === 'YAMLWarning' ? C.yamlWarning : C.yamlSyntax,
    message: duplicate ? `Duplicate key \`${key}\`: each key may appear once in a mapping.` : message,
    data: { yamlCode: e.code },
  };
}

function sentence(message: string): string {
  const first = message.split('\n')[0]!.trim();
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * One document as a test: its YAML errors, then schema and semantic checks when it reads. The
 * result is the document's own reading: `finishFile` sets its index and adds file-level checks.
 */
export function readDocument(doc: Document.Parsed, loc: Locator): ParsedTest {
  const text = loc.text;
  const diagnostics: SpecDiagnostic[] = [];
  for (const e of doc.errors) diagnostics.push(yamlDiagnostic(e, text, (a, b) => loc.range(a, b)));
  for (const w of doc.warnings) diagnostics.push(yamlDiagnostic(w, text, (a, b) => loc.range(a, b)));
  const syntaxOk = doc.errors.length === 0;

  let value: unknown = null;
  let aliasOk = true;
  try {
    value = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
  } catch (err) {
    aliasOk = false;
    const message = err instanceof Error ? err.message : String(err);
    const excessive = /excessive alias/i.test(message);
    let range = loc.headRange();
    visit(doc, {
      Alias(_key, node) {
        // The first alias for the expansion cap; the unresolvable one otherwise.
        if (!isAlias(node) || !node.range) return undefined;
        if (excessive || node.resolve(doc) === undefined) {
          range = loc.range(node.range[0], node.range[1]);
          return visit.BREAK;
        }
        return undefined;
      },
    });
    diagnostics.push({
      range,
      severity: 'error',
      code: excessive ? C.aliasLimit : C.yamlSyntax,
      message: excessive
        ? `Too many alias expansions in this test (over ${LIMITS.maxAliasCount}); ATM stops here to protect the editor. Use fewer nested aliases.`
        : `This test cannot be read: ${sentence(message)} (An alias can only refer to an anchor earlier in the same document.)`,
    });
  }

  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  const name = obj && typeof obj.name === 'string' ? obj.name : null;
  const nameRange = obj && obj.name !== undefined ? loc.valueRange(['name']) : null;

  if (syntaxOk && aliasOk) {
    diagnostics.push(...schemaDiagnostics(value, loc));
    if (obj) diagnostics.push(...semanticDiagnostics(obj, loc));
  }
  const clean = syntaxOk && aliasOk && !diagnostics.some((d) => d.severity === 'error');
  const test: ParsedTest = {
    index: 0,
    name,
    range: loc.range(doc.range[0], doc.range[2]),
    nameRange,
    keyRange: loc.headRange(),
    value,
    spec: clean ? (value as TestSpec) : null,
    diagnostics,
    doc,
  };
  locators.set(test, loc);
  return test;
}
