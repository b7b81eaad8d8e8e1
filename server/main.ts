// The language server process: a thin adapter from the LSP connection to server/service.
// `createConnection` picks the transport from argv: `--node-ipc` (the extension) or `--stdio`.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import {
  CodeActionKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ResponseError,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DEFAULT_VALIDATION_DELAY_MS,
  PINNED_BASELINES_NOTIFICATION,
  TEST_ITEMS_REQUEST,
  type AtmInitializationOptions,
  type TestItemsParams,
  type TestItemsResult,
} from './protocol';
import {
  codeActions,
  complete,
  definition,
  foldingRanges,
  hover,
} from './service';
import { contextFor, serveValidation, Validator, WORKER_FLAG } from './validator';

/** Where env files usually live; a spec may name another file, picked up on its next edit. */
const ENV_FILE_WATCHERS = ['**/.env', '**/.env.*', '**/*.env'];

function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TextDocument);
  let validationDelayMs = DEFAULT_VALIDATION_DELAY_MS;
  let canWatchFiles = false;
  const validator = new Validator(__filename, (message) => connection.console.error(message));

  function log(message: string, error?: unknown): void {
    const detail = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : error === undefined ? '' : String(error);
    connection.console.error(`${message}${detail ? `: ${detail}` : ''}`);
  }

  /** Runs a handler; on an internal error logs it and answers `fallback`, so the server never dies. */
  function guard<T>(name: string, fallback: T, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      log(`atm: ${name} failed`, error);
      return fallback;
    }
  }

  connection.onInitialize((params): InitializeResult => {
    canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const options = params.initializationOptions as AtmInitializationOptions | undefined;
    if (options && typeof options.validationDelayMs === 'number' && Number.isFinite(options.validationDelayMs) && options.validationDelayMs >= 0) {
      validationDelayMs = options.validationDelayMs;
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: ['{', ':', ' ', '$', '-'], resolveProvider: false },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        definitionProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'atm-language-server' },
    };
  });

  // Validation: one timer per document; a newer edit replaces the pending run, and a result is
  // published only for the version it was computed for.
  const pending = new Map<string, NodeJS.Timeout>();

  function scheduleValidation(uri: string): void {
    const previous = pending.get(uri);
    if (previous) clearTimeout(previous);
    const doc = documents.get(uri);
    if (!doc) return;
    const version = doc.version;
    pending.set(
      uri,
      setTimeout(() => {
        pending.delete(uri);
        validate(uri, version);
      }, validationDelayMs),
    );
  }

  // At most one validation per document at a time; edits meanwhile ask for one more run, of the
  // version current when it starts.
  const running = new Set<string>();
  /** Tests with a pinned baseline, per document URI (from the client). */
  let pinned = new Map<string, string[]>();
  connection.onNotification(PINNED_BASELINES_NOTIFICATION, (params: unknown) => {
    const next = new Map<string, string[]>();
    const list = typeof params === 'object' && params !== null && 'pinned' in params && Array.isArray(params.pinned) ? (params.pinned as unknown[]) : [];
    for (const entry of list) {
      if (typeof entry !== 'object' || entry === null || !('uri' in entry) || !('tests' in entry)) continue;
      const { uri, tests } = entry;
      if (typeof uri === 'string' && Array.isArray(tests)) next.set(uri, tests.filter((t): t is string => typeof t === 'string'));
    }
    pinned = next;
    for (const doc of documents.all()) scheduleValidation(doc.uri);
  });
  const rerun = new Set<string>();

  function validate(uri: string, version: number): void {
    const doc = documents.get(uri);
    if (!doc || doc.version !== version) return;
    if (running.has(uri)) {
      rerun.add(uri);
      return;
    }
    running.add(uri);
    // A large file read from scratch: its first tests' diagnostics are published as soon as they
    // are read, then all of them (each publish replaces the last for the file).
    const partial = (diagnostics: Diagnostic[]): void => {
      const current = documents.get(uri);
      if (current !== doc || current.version !== version) return;
      connection.sendDiagnostics({ uri, version, diagnostics }).catch((error: unknown) => log('atm: publishing diagnostics failed', error));
    };
    validator
      .run('diagnostics', uri, doc.getText(), pinned.get(uri), partial)
      .then(
        (diagnostics: Diagnostic[]) => {
          // The document may have closed (or reopened) or changed meanwhile: drop stale results.
          const current = documents.get(uri);
          if (current !== doc || current.version !== version) return;
          return connection.sendDiagnostics({ uri, version, diagnostics });
        },
        (error: unknown) => log('atm: validation failed', error),
      )
      .catch((error: unknown) => log('atm: publishing diagnostics failed', error))
      .finally(() => {
        running.delete(uri);
        const current = documents.get(uri);
        if (rerun.delete(uri) && current) validate(uri, current.version);
      });
  }

  documents.onDidChangeContent((event) => scheduleValidation(event.document.uri));

  documents.onDidClose((event) => {
    const uri = event.document.uri;
    rerun.delete(uri);
    validator.forget(uri);
    const timer = pending.get(uri);
    if (timer) clearTimeout(timer);
    pending.delete(uri);
    connection.sendDiagnostics({ uri, diagnostics: [] }).catch((error: unknown) => log('atm: clearing diagnostics failed', error));
  });

  connection.onCompletion((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    return guard('completion', null, () => complete(doc, params.position, contextFor(doc.uri), params.context?.triggerCharacter));
  });

  connection.onHover((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    return guard('hover', null, () => hover(doc, params.position, contextFor(doc.uri)));
  });

  // Lenses and symbols need the parse: the worker computes them, after any pending validation.
  connection.onCodeLens(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    try {
      return await validator.run('codeLens', doc.uri, doc.getText());
    } catch (error) {
      log('atm: codeLens failed', error);
      return [];
    }
  });

  // The Testing view's tests: the client sends the text, so unopened files are read the same way.
  connection.onRequest(TEST_ITEMS_REQUEST, async (params: unknown): Promise<TestItemsResult> => {
    if (!isTestItemsParams(params)) throw new ResponseError(ErrorCodes.InvalidParams, `${TEST_ITEMS_REQUEST} needs { uri: string, text: string }`);
    try {
      return await validator.run('testItems', params.uri, params.text);
    } catch (error) {
      log('atm: testItems failed', error);
      throw new ResponseError(ErrorCodes.InternalError, `the tests of ${params.uri} could not be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  });

  connection.onDocumentSymbol(async (params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    try {
      return await validator.run('symbols', doc.uri, doc.getText());
    } catch (error) {
      log('atm: documentSymbol failed', error);
      return [];
    }
  });

  connection.onFoldingRanges((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return guard('foldingRange', [], () => foldingRanges(doc));
  });

  connection.onDefinition((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    return guard('definition', null, () => definition(doc, params.position));
  });

  connection.onCodeAction((params) => {
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return [];
    return guard('codeAction', [], () => codeActions(doc, params.range, params.context.diagnostics));
  });

  process.on('uncaughtException', (error) => log('atm: uncaught exception', error));
  process.on('unhandledRejection', (reason) => log('atm: unhandled rejection', reason));
  connection.onInitialized(() => {
    validator.warm();
    // Env files decide the "not set" warnings: when one changes, open specs are checked again.
    if (canWatchFiles) {
      connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: ENV_FILE_WATCHERS.map((globPattern) => ({ globPattern })) })
        .catch((error: unknown) => log('atm: watching env files failed', error));
    }
  });
  connection.onDidChangeWatchedFiles(() => {
    for (const doc of documents.all()) scheduleValidation(doc.uri);
  });
  connection.onShutdown(() => validator.dispose());

  documents.listen(connection);
  connection.listen();
}

function isTestItemsParams(v: unknown): v is TestItemsParams {
  return typeof v === 'object' && v !== null && 'uri' in v && typeof v.uri === 'string' && 'text' in v && typeof v.text === 'string';
}

// The yaml parser reads process.env.LOG_TOKENS for every token it reads, and process.env is an
// accessor into the C++ environment: on a large spec those reads were a third of the parse. This
// process starts no others, so a plain copy serves every reader of the environment here.
process.env = { ...process.env };

const data: unknown = workerData;
if (!isMainThread && parentPort && typeof data === 'object' && data !== null && WORKER_FLAG in data) {
  serveValidation(parentPort);
} else {
  startServer();
}
