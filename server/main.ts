// The language server process: a thin adapter from the LSP connection to server/service.
// `createConnection` picks the transport from argv: `--node-ipc` (the extension) or `--stdio`.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_VALIDATION_DELAY_MS, type AtmInitializationOptions } from './protocol';
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
} from './service';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let validationDelayMs = DEFAULT_VALIDATION_DELAY_MS;

function log(message: string, error?: unknown): void {
  const detail = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : error === undefined ? '' : String(error);
  connection.console.error(`${message}${detail ? `: ${detail}` : ''}`);
}

/** Reads files beside a `file:` document (for `env_file`) exactly as `atm validate` does; other schemes have no files. */
function contextFor(uri: string): ServiceContext {
  let dir: string | null = null;
  try {
    if (uri.startsWith('file:')) dir = path.dirname(fileURLToPath(uri));
  } catch {
    dir = null;
  }
  return {
    env: process.env,
    readFile: (relativePath: string): string | null => {
      if (dir === null) return null;
      try {
        return readFileSync(path.resolve(dir, relativePath), 'utf8');
      } catch {
        return null;
      }
    },
  };
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

function validate(uri: string, version: number): void {
  const doc = documents.get(uri);
  if (!doc || doc.version !== version) return;
  const diagnostics = guard<Diagnostic[]>('validation', [], () => validateDocument(doc, contextFor(uri)));
  // The document may have closed or changed meanwhile: drop stale results.
  const current = documents.get(uri);
  if (!current || current.version !== version) return;
  connection.sendDiagnostics({ uri, version, diagnostics }).catch((error: unknown) => log('atm: publishing diagnostics failed', error));
}

documents.onDidChangeContent((event) => scheduleValidation(event.document.uri));

documents.onDidClose((event) => {
  const uri = event.document.uri;
  const timer = pending.get(uri);
  if (timer) clearTimeout(timer);
  pending.delete(uri);
  connection.sendDiagnostics({ uri, diagnostics: [] }).catch((error: unknown) => log('atm: clearing diagnostics failed', error));
});

connection.onCompletion((params) => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return null;
  return guard('completion', null, () => complete(doc, params.position, contextFor(doc.uri)));
});

connection.onHover((params) => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return null;
  return guard('hover', null, () => hover(doc, params.position, contextFor(doc.uri)));
});

connection.onCodeLens((params) => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return [];
  return guard('codeLens', [], () => codeLenses(doc));
});

connection.onDocumentSymbol((params) => {
  const doc = documents.get(params.textDocument.uri);
  if (!doc) return [];
  return guard('documentSymbol', [], () => documentSymbols(doc));
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

documents.listen(connection);
connection.listen();
