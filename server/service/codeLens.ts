// CodeLenses: `▶ Run test` above each runnable test, `▶ Run all tests` at the top when there are
// several, and `⚠ Fix N problems to run` above a test with errors (runs only start from a click).
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParsedFile } from '../../engine/format';
import { RUN_ALL_TESTS_COMMAND, RUN_TEST_COMMAND, SHOW_PROBLEMS_COMMAND, type RunAllTestsArgs, type RunTestArgs } from '../protocol';
import { parsedOf } from './parsed';

export function codeLenses(doc: TextDocument, parsed: ParsedFile = parsedOf(doc)): CodeLens[] {
  const lenses: CodeLens[] = [];
  const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  if (parsed.tests.length > 1) {
    const args: RunAllTestsArgs = { uri: doc.uri };
    lenses.push({ range: top, command: { title: '▶ Run all tests', command: RUN_ALL_TESTS_COMMAND, arguments: [args] } });
  }
  for (const test of parsed.tests) {
    const range = { start: test.keyRange.start, end: test.keyRange.start };
    const errors = test.diagnostics.filter((d) => d.severity === 'error').length;
    if (errors > 0 || test.spec === null || test.name === null) {
      const n = Math.max(1, errors);
      lenses.push({ range, command: { title: `⚠ Fix ${n} problem${n === 1 ? '' : 's'} to run`, command: SHOW_PROBLEMS_COMMAND } });
      continue;
    }
    const args: RunTestArgs = { uri: doc.uri, testName: test.name };
    lenses.push({ range, command: { title: '▶ Run test', command: RUN_TEST_COMMAND, arguments: [args] } });
  }
  return lenses;
}
