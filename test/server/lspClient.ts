// Drives dist/server.js over --stdio with real JSON-RPC, the way any editor would.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  RegistrationRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import type { AtmInitializationOptions } from '../../server/protocol';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SERVER = path.join(ROOT, 'dist', 'server.js');

export interface LspSession {
  connection: ProtocolConnection;
  process: ChildProcess;
  capabilities: InitializeResult['capabilities'];
  /** Server log lines (window/logMessage). */
  logs: string[];
  /** Methods the server registered dynamically (client/registerCapability). */
  registrations: string[];
  /** Every publishDiagnostics received, in order. */
  published: PublishDiagnosticsParams[];
  /** Resolves with the first publishDiagnostics for `uri` that satisfies `accept`. */
  diagnostics(uri: string, accept?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  open(uri: string, text: string, version?: number): void;
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): void;
  close(uri: string): void;
  stop(): Promise<void>;
}

export async function startServer(options: AtmInitializationOptions = { validationDelayMs: 0 }, env: NodeJS.ProcessEnv = process.env): Promise<LspSession> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`node esbuild.mjs server\` first`);
  const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  if (!child.stdout || !child.stdin) throw new Error('no stdio');
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const seen: PublishDiagnosticsParams[] = [];
  const published: PublishDiagnosticsParams[] = [];
  const waiters: Array<{
    uri: string;
    accept: (p: PublishDiagnosticsParams) => boolean;
    resolve: (p: PublishDiagnosticsParams) => void;
    reject: (e: Error) => void;
  }> = [];
  const logs: string[] = [];
  const registrations: string[] = [];
  connection.onRequest(RegistrationRequest.type, (p) => {
    for (const r of p.registrations) registrations.push(r.method);
  });
  connection.onNotification(LogMessageNotification.type, (p) => {
    logs.push(p.message);
  });
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    seen.push(p);
    published.push(p);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.uri === p.uri && w.accept(p)) {
        waiters.splice(i, 1);
        w.resolve(p);
      }
    }
  });
  connection.listen();
  const init = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      textDocument: { publishDiagnostics: { versionSupport: true } },
      workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
    },
    initializationOptions: options,
  });
  await connection.sendNotification(InitializedNotification.type, {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`server exited (${code}) before diagnostics for ${w.uri}: ${stderr.join('')}`));
  });
  return {
    connection,
    process: child,
    capabilities: init.capabilities,
    logs,
    registrations,
    published,
    diagnostics(uri, accept = () => true) {
      const hit = [...seen].reverse().find((p) => p.uri === uri && accept(p));
      if (hit) {
        seen.splice(seen.indexOf(hit), 1);
        return Promise.resolve(hit);
      }
      if (child.exitCode !== null) return Promise.reject(new Error(`server exited (${child.exitCode}): ${stderr.join('')}`));
      return new Promise((resolve, reject) => {
        waiters.push({ uri, accept, resolve, reject });
      });
    },
    open(uri, text, version = 1) {
      void connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'atm-yaml', version, text } });
    },
    change(uri, version, changes) {
      void connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
    },
    close(uri) {
      void connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    },
    async stop() {
      if (child.exitCode === null) {
        await connection.sendRequest(ShutdownRequest.type);
        await connection.sendNotification(ExitNotification.type);
        await exited;
      }
      connection.dispose();
    },
  };
}

/** Splits fixture text at its `|` cursor. */
export function cursor(textWithCursor: string): { text: string; position: { line: number; character: number } } {
  const at = textWithCursor.indexOf('|');
  if (at < 0) throw new Error('fixture has no | cursor');
  const text = textWithCursor.slice(0, at) + textWithCursor.slice(at + 1);
  const before = text.slice(0, at).split('\n');
  return { text, position: { line: before.length - 1, character: before[before.length - 1].length } };
}
