// What the extension and the language server agree on beyond plain LSP: the commands the
// server's CodeLenses invoke (the extension registers them) and the initialization options.

/** Runs one test: arguments `[RunTestArgs]`. */
export const RUN_TEST_COMMAND = 'atm.runTest';
/** Runs every test of a file: arguments `[RunAllTestsArgs]`. */
export const RUN_ALL_TESTS_COMMAND = 'atm.runAllTests';
/** Shown on a lens of a test that has errors: opens the Problems view. */
export const SHOW_PROBLEMS_COMMAND = 'workbench.actions.view.problems';

export interface RunTestArgs {
  /** The document URI as the client sent it. */
  uri: string;
  testName: string;
}

export interface RunAllTestsArgs {
  uri: string;
}

export interface AtmInitializationOptions {
  /** Milliseconds to wait after an edit before validating; default 150. */
  validationDelayMs?: number;
}

export const DEFAULT_VALIDATION_DELAY_MS = 150;

/**
 * Client → server: the tests of each spec that have a run pinned as baseline in the editor's
 * history, so a baseline threshold there is not hinted as having none. Replaces what was sent before.
 */
export const PINNED_BASELINES_NOTIFICATION = 'atm/pinnedBaselines';

export interface PinnedBaselinesParams {
  /** Per document URI (as the client spells it), the names of the tests with a pinned baseline. */
  pinned: Array<{ uri: string; tests: string[] }>;
}

/**
 * Client → server request: the tests of a spec as the language server reads them (the same
 * parse as the CodeLenses), for the editor's Testing view. The client sends the text, so files
 * that are not open in the editor are listed from the same parser.
 */
export const TEST_ITEMS_REQUEST = 'atm/testItems';

export interface TestItemsParams {
  /** The document URI as the client spells it. */
  uri: string;
  /** The file's text (of the open document, or as read from disk). */
  text: string;
}

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

export interface SpecTestItem {
  /** 0-based position among the file's tests. */
  index: number;
  /** null when the test has no usable `name:` (it cannot run). */
  name: string | null;
  /** The whole test (its YAML document). */
  range: LspRange;
  /** The test's first key, where its CodeLens stands. */
  lensRange: LspRange;
  /** Error diagnostics of the test's parse; a test with errors cannot run. */
  errors: number;
  /** The first error's message, when there is one. */
  firstError: string | null;
}

export interface TestItemsResult {
  tests: SpecTestItem[];
}
