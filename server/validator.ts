// Parsing off the connection's thread: a large spec takes the yaml parser a few hundred
// milliseconds, and completion or hover must not wait behind it. One worker (this same bundle,
// started with `workerData.atmValidator`) runs the jobs that need the parse (diagnostics, lenses,
// symbols) in order. It keeps each open document's last parse and reads the next version from it
// (parseSpecFileIncremental: only what the edit touched is parsed again), so a lens request after
// a validation of the same text costs no parse at all. A job that runs past its time limit ends
// the worker, which is replaced (and starts without parses).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { CodeLens, Diagnostic, DocumentSymbol } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseSpecFileIncremental, type ParsedFile } from '../engine/format';
import type { TestItemsResult } from './protocol';
import { codeLenses, documentSymbols, testItems, validateDocument, type ServiceContext } from './service';

export interface JobResults {
  diagnostics: Diagnostic[];
  codeLens: CodeLens[];
  symbols: DocumentSymbol[];
  testItems: TestItemsResult;
}
export type JobKind = keyof JobResults;

export interface ValidationJob {
  id: number;
  kind: JobKind;
  uri: string;
  text: string;
  /** For diagnostics: the tests of this document with a pinned baseline. */
  pinnedBaselines?: string[];
}
export type ValidationReply = { id: number; result: JobResults[JobKind] } | { id: number; error: string };
/** Diagnostics of a file's first tests, ahead of the job's reply (see PROGRESSIVE_MIN_CHARS). */
export interface PartialDiagnostics {
  id: number;
  partial: Diagnostic[];
}
type WorkerReply = ValidationReply | PartialDiagnostics;

/**
 * A file read from scratch (just opened, or after the worker restarted) at least this large gets
 * its first tests' diagnostics published as soon as they are read, then all of them; smaller
 * files take a few milliseconds and get one publish.
 */
export const PROGRESSIVE_MIN_CHARS = 64 * 1024;
/** Drops the kept parse of a closed document. */
export interface ForgetMessage {
  forget: string;
}
export type WorkerMessage = ValidationJob | ForgetMessage;

/** Reads files beside a `file:` document (for `env_file`) exactly as `atm validate` does; other schemes have no files. */
export function contextFor(uri: string, pinnedBaselines?: readonly string[]): ServiceContext {
  let dir: string | null = null;
  try {
    if (uri.startsWith('file:')) dir = path.dirname(fileURLToPath(uri));
  } catch {
    dir = null;
  }
  return {
    env: process.env,
    pinnedBaselines,
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

/** Documents whose parse is kept; more than this (documents never closed) and the oldest goes. */
const KEPT_PARSES = 32;
const parses = new Map<string, ParsedFile>();

/** The parse of `text`, from the document's previous parse when there is one. */
function parsedFor(uri: string, text: string, onPartial?: (partial: ParsedFile) => void): ParsedFile {
  const previous = parses.get(uri) ?? null;
  parses.delete(uri);
  const parsed = parseSpecFileIncremental(text, previous, onPartial);
  parses.set(uri, parsed);
  if (parses.size > KEPT_PARSES) parses.delete(parses.keys().next().value as string);
  return parsed;
}

export function forgetParse(uri: string): void {
  parses.delete(uri);
}

function compute(job: ValidationJob, onPartial?: (diagnostics: Diagnostic[]) => void): JobResults[JobKind] {
  const doc = TextDocument.create(job.uri, 'atm-yaml', 0, job.text);
  const progressive = job.kind === 'diagnostics' && onPartial !== undefined && job.text.length >= PROGRESSIVE_MIN_CHARS;
  const ctx = contextFor(job.uri, job.pinnedBaselines);
  const parsed = parsedFor(job.uri, job.text, progressive ? (partial) => onPartial(validateDocument(doc, ctx, partial)) : undefined);
  switch (job.kind) {
    case 'diagnostics':
      return validateDocument(doc, ctx, parsed);
    case 'codeLens':
      return codeLenses(doc, parsed);
    case 'symbols':
      return documentSymbols(doc, parsed);
    case 'testItems':
      return testItems(doc, parsed);
  }
}

/** Runs a job; `onPartial` receives a large file's first diagnostics ahead of the result. */
export function runJob(job: ValidationJob, onPartial?: (diagnostics: Diagnostic[]) => void): ValidationReply {
  try {
    return { id: job.id, result: compute(job, onPartial) };
  } catch (error) {
    // The kept parse may be half-updated: start the next version from scratch.
    forgetParse(job.uri);
    return { id: job.id, error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) };
  }
}

/** The worker side: answers each job on the port. */
export function serveValidation(port: MessagePort): void {
  port.on('message', (message: WorkerMessage) => {
    if ('forget' in message) forgetParse(message.forget);
    else {
      const partial = (diagnostics: Diagnostic[]): void => {
        const reply: PartialDiagnostics = { id: message.id, partial: diagnostics };
        port.postMessage(reply);
      };
      port.postMessage(runJob(message, partial));
    }
  });
}

export const WORKER_FLAG = 'atmValidator';

export class Validator {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: JobResults[JobKind]) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; onPartial?: (diagnostics: Diagnostic[]) => void }
  >();
  private disposed = false;

  constructor(
    private readonly script: string | null,
    private readonly log: (message: string) => void,
    private readonly timeLimitMs = 20_000,
  ) {}

  /**
   * The `kind` result for `text`; rejects on an internal error or when the time limit passes.
   * For diagnostics of a large file read from scratch, `onPartial` first gets those of its first
   * tests (and later ones while it is read), before the promise resolves with all of them.
   */
  run<K extends JobKind>(kind: K, uri: string, text: string, pinnedBaselines?: string[], onPartial?: (diagnostics: Diagnostic[]) => void): Promise<JobResults[K]> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const job: ValidationJob = { id, kind, uri, text, ...(pinnedBaselines ? { pinnedBaselines } : {}) };
    if (!worker) {
      const reply = runJob(job, onPartial);
      return 'error' in reply ? Promise.reject(new Error(reply.error)) : Promise.resolve(reply.result as JobResults[K]);
    }
    return new Promise<JobResults[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${kind} of ${uri} took longer than ${this.timeLimitMs} ms and was stopped`));
        this.restart();
      }, this.timeLimitMs);
      // The worker answers job `id` with the result of its kind.
      this.waiting.set(id, { resolve: (r) => resolve(r as JobResults[K]), reject, timer, onPartial });
      worker.postMessage(job);
    });
  }

  /** Drops the kept parse of a document (on close). */
  forget(uri: string): void {
    if (this.worker) {
      const message: ForgetMessage = { forget: uri };
      this.worker.postMessage(message);
    } else forgetParse(uri);
  }

  /** Starts the worker ahead of the first job (loading the bundle takes a moment). */
  warm(): void {
    this.ensureWorker();
  }

  dispose(): void {
    this.disposed = true;
    this.failAll(new Error('the validator stopped'));
    void this.worker?.terminate();
    this.worker = null;
  }

  private ensureWorker(): Worker | null {
    if (this.worker || this.disposed || this.script === null) return this.worker;
    try {
      const worker = new Worker(this.script, { workerData: { [WORKER_FLAG]: true } });
      worker.unref();
      worker.on('message', (reply: WorkerReply) => {
        const w = this.waiting.get(reply.id);
        if (!w) return;
        if ('partial' in reply) {
          w.onPartial?.(reply.partial);
          return;
        }
        this.waiting.delete(reply.id);
        clearTimeout(w.timer);
        if ('error' in reply) w.reject(new Error(reply.error));
        else w.resolve(reply.result);
      });
      worker.on('error', (error) => {
        this.log(`atm: validation worker failed: ${error instanceof Error ? error.message : String(error)}`);
        this.failAll(error instanceof Error ? error : new Error(String(error)));
        if (this.worker === worker) this.worker = null;
      });
      worker.on('exit', () => {
        if (this.worker === worker) this.worker = null;
        this.failAll(new Error('the validation worker exited'));
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.log(`atm: cannot start a validation worker, validating in the server thread: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  private restart(): void {
    const old = this.worker;
    this.worker = null;
    this.failAll(new Error('the validation worker was restarted'));
    void old?.terminate();
  }

  private failAll(error: Error): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      this.waiting.delete(id);
      w.reject(error);
    }
  }
}
