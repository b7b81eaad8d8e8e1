// One engine process (dist/engine.js) per run, spoken to over Node IPC with the messages of
// engine/protocol.ts. No 'vscode': tests drive it with a real forked process.
import { fork, type ChildProcess } from 'node:child_process';
import {
  CancellationTokenSource,
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  ResponseError,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  ENGINE_PROTOCOL_VERSION,
  HelloRequest,
  LogNotification,
  ProgressNotification,
  RunRequest,
  SampleNotification,
  TerminateNotification,
  type HelloResult,
  type LogLevel,
  type RunParams,
  type SampleParams,
} from '../../engine/protocol';
import type { ProgressUpdate, RunResult } from '../../engine/format/result';
import { FINAL_SCRAPE_WAIT_MS } from '../../engine/prometheus/server';

export interface EngineOptions {
  /** Absolute path of dist/engine.js. */
  enginePath: string;
  /** The Node executable (the `atm.nodePath` setting, or the extension host's own). */
  execPath: string;
  env?: NodeJS.ProcessEnv;
  log: (level: LogLevel, message: string) => void;
  /** How long the engine may take to answer hello. */
  helloTimeoutMs?: number;
}

export interface RunHandlers {
  onProgress?: (update: ProgressUpdate) => void;
  onSample?: (sample: SampleParams) => void;
}

/** The engine process ended before it answered the run. */
export class EngineExitedError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'EngineExitedError';
  }
}

/** How a stop escalates: cancel the request, then ask the engine to end, then kill it. */
export interface StopTimings {
  terminateAfterMs: number;
  killAfterMs: number;
}

export const DEFAULT_STOP: StopTimings = { terminateAfterMs: 5000, killAfterMs: 2000 };

export class EngineProcess {
  /**
   * An engine that ran with live metrics (RunParams.prometheus) and, disposed, still serves the
   * final numbers until they are scraped (a bounded wait); the next engine ends it first, so
   * that the port is free.
   */
  private static lingering: EngineProcess | null = null;
  private exited = false;
  private servesMetrics = false;
  private exitWaiters: Array<(err: EngineExitedError) => void> = [];
  private stderrTail = '';
  private readonly timers = new Set<NodeJS.Timeout>();
  private cancelSource: CancellationTokenSource | null = null;
  hello: HelloResult | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: MessageConnection,
    private readonly options: EngineOptions,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isAlive(): boolean {
    return !this.exited;
  }

  /** Forks the engine and checks it speaks our protocol. */
  static async start(options: EngineOptions): Promise<EngineProcess> {
    const previous = EngineProcess.lingering;
    EngineProcess.lingering = null;
    if (previous !== null && !previous.exited) {
      previous.child.kill('SIGKILL');
      await previous.whenExited();
    }
    const child = fork(options.enginePath, [], {
      execPath: options.execPath,
      // The extension host's own flags (inspector ports and the like) must not reach the engine.
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Electron's Node (desktop VS Code) runs plain Node code only with ELECTRON_RUN_AS_NODE.
      env: { ...(options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'json',
    });
    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const engine = new EngineProcess(child, connection, options);
    engine.wire();
    connection.listen();
    const timeout = options.helloTimeoutMs ?? 15000;
    try {
      const hello = await engine.withExit(
        withTimeout(connection.sendRequest(HelloRequest, { protocolVersion: ENGINE_PROTOCOL_VERSION }), timeout, `The engine did not answer within ${timeout / 1000} s`),
      );
      if (hello.protocolVersion !== ENGINE_PROTOCOL_VERSION) {
        throw new Error(`The engine speaks protocol ${hello.protocolVersion}, the extension ${ENGINE_PROTOCOL_VERSION}: rebuild or reinstall the extension.`);
      }
      engine.hello = hello;
      options.log('info', `Engine ${hello.engineVersion} on Node ${hello.nodeVersion} (pid ${child.pid ?? '?'})`);
      return engine;
    } catch (err) {
      engine.dispose();
      throw err;
    }
  }

  private wire(): void {
    const { child, options } = this;
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => options.log('debug', `engine stdout: ${chunk.trimEnd()}`));
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
      options.log('warn', `engine stderr: ${chunk.trimEnd()}`);
    });
    child.on('error', (err) => options.log('error', `engine process: ${err.message}`));
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
      const how = signal ? `was killed (${signal})` : `exited with code ${code ?? '?'}`;
      const err = new EngineExitedError(`The engine process ${how}${tail ? `: ${tail}` : ''}`, code, signal);
      const waiters = this.exitWaiters;
      this.exitWaiters = [];
      for (const w of waiters) w(err);
      this.connection.dispose();
    });
    this.connection.onNotification(LogNotification, (p) => options.log(p.level, p.message));
    // A closed or broken pipe shows up as the exit above; the connection's own errors are logged.
    this.connection.onError(([err]) => options.log('debug', `engine connection: ${err.message}`));
  }

  /** Races `work` against the process exiting. */
  private withExit<T>(work: Promise<T>): Promise<T> {
    if (this.exited) return Promise.reject(new EngineExitedError('The engine process is not running', null, null));
    return new Promise<T>((resolve, reject) => {
      const onExit = (err: EngineExitedError): void => reject(err);
      this.exitWaiters.push(onExit);
      work.then(
        (v) => {
          this.exitWaiters = this.exitWaiters.filter((w) => w !== onExit);
          resolve(v);
        },
        (e: unknown) => {
          this.exitWaiters = this.exitWaiters.filter((w) => w !== onExit);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** Runs one test. Rejects with EngineExitedError if the process dies, or the engine's ResponseError. */
  run(params: RunParams, handlers: RunHandlers = {}): Promise<RunResult> {
    const progress = this.connection.onNotification(ProgressNotification, (u) => {
      if (u.runId === params.runId) handlers.onProgress?.(u);
    });
    const sample = this.connection.onNotification(SampleNotification, (s) => {
      if (s.runId === params.runId) handlers.onSample?.(s);
    });
    this.cancelSource = new CancellationTokenSource();
    if (params.prometheus !== undefined && params.prometheus.trim() !== '') this.servesMetrics = true;
    const done = this.withExit(this.connection.sendRequest(RunRequest, params, this.cancelSource.token));
    return done.finally(() => {
      progress.dispose();
      sample.dispose();
      this.cancelSource?.dispose();
      this.cancelSource = null;
    });
  }

  /**
   * Stops the current run: cancels the request (the engine answers with the partial result),
   * then, if it has not, asks the engine to end, then kills it.
   */
  stop(timings: StopTimings = DEFAULT_STOP): void {
    if (this.exited) return;
    this.cancelSource?.cancel();
    this.later(timings.terminateAfterMs, () => {
      this.options.log('warn', 'The engine did not stop in time; terminating it');
      this.connection.sendNotification(TerminateNotification).catch(() => undefined);
      this.later(timings.killAfterMs, () => {
        this.options.log('warn', 'The engine did not exit; killing it');
        this.child.kill('SIGKILL');
      });
    });
  }

  private later(ms: number, fn: () => void): void {
    if (this.exited) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.exited) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /**
   * Ends the process now (window closing, extension deactivating). An engine that served live
   * metrics is let go instead: it exits once Prometheus has read the final numbers, and is killed
   * if it has not after that wait, or when the next engine starts.
   */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!this.exited && this.servesMetrics && this.child.connected) {
      this.child.disconnect();
      EngineProcess.lingering = this;
      const kill = setTimeout(() => {
        if (!this.exited) this.child.kill('SIGKILL');
      }, FINAL_SCRAPE_WAIT_MS + 2000);
      kill.unref();
      this.child.once('exit', () => clearTimeout(kill));
    } else if (!this.exited) {
      this.child.kill('SIGKILL');
    }
    this.connection.dispose();
  }

  /** Resolves when the process has exited (at once if it already has). */
  whenExited(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    work.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** A message for the user from whatever a run rejected with. */
export function describeEngineError(err: unknown): string {
  if (err instanceof ResponseError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export { ResponseError };
