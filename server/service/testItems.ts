// The tests of a spec for the editor's Testing view: the parse the CodeLenses stand on, with the
// ranges the Testing view needs for its gutter buttons and messages.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParsedFile } from '../../engine/format';
import type { SpecTestItem, TestItemsResult } from '../protocol';
import { parsedOf } from './parsed';

export function testItems(doc: TextDocument, parsed: ParsedFile = parsedOf(doc)): TestItemsResult {
  const tests: SpecTestItem[] = parsed.tests.map((test) => {
    const errors = test.diagnostics.filter((d) => d.severity === 'error');
    return {
      index: test.index,
      name: test.name,
      range: { start: { ...test.range.start }, end: { ...test.range.end } },
      lensRange: { start: { ...test.keyRange.start }, end: { ...test.keyRange.start } },
      // The lens treats a test without a spec as not runnable even without a listed error.
      errors: errors.length > 0 ? errors.length : test.spec === null ? 1 : 0,
      firstError: errors[0]?.message ?? (test.spec === null ? 'the test cannot be read' : null),
    };
  });
  return { tests };
}
