// The engine process (dist/engine.js), forked by the extension with an IPC channel. Speaks
// engine/protocol.ts over vscode-jsonrpc; never writes to its console; exits with its parent.
import { readFile } from 'node:fs/promises';
import { CancellationToken, createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError } from 'vscode-jsonrpc/node';
import {
  ENGINE_PROTOCOL_VERSION,
  EngineErrorCodes,
  HelloRequest,
  LogNotification,
  ProgressNotification,
  RunRequest,
  SampleNotification,
  TerminateNotification,
  type RunParams,
} from './protocol';
import { redact } from './format';
import type { RunResult } from './format/result';
import { runWithWorkers } from './run';
import { chooseBaseline } from './compare';
import { parseSpecFile, planTest } from './run/load';
import type { LiveMetrics } from './prometheus';

declare const ATM_VERSION: string;

/** After a cancel, how long the run may take to hand back its partial result before the process ends. */
const CANCEL_GRACE_MS = 5000;

if (typeof process.send !== 'function') {
  process.stderr.write('dist/engine.js runs as a child process with an IPC channel (child_process.fork).\n');
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
let running = false;

function exitNow(code: number): never {
  process.exit(code);
}

// A bug must not leave a half-working engine behind: report it to the parent, then end.
process.on('uncaughtException', (err) => {
  connection
    .sendNotification(LogNotification, { level: 'error', message: `engine crashed: ${err.stack ?? err.message}` })
    .catch(notifyFailure)
    .finally(() => exitNow(1));
  setTimeout(() => exitNow(1), 500).unref();
});

/** After a run with live metrics: until Prometheus has read the final numbers (or 15 s). */
let finalScrape: Promise<void> | null = null;
/** The endpoint of the latest run with live metrics, closed when the next run opens its own. */
let lastLive: LiveMetrics | null = null;

// The parent went away (closed the channel, crashed, was killed): never outlive it, except for
// the bounded wait for the final scrape of a run's metrics.
function parentGone(): void {
  if (finalScrape === null) exitNow(0);
  void finalScrape.finally(() => exitNow(0));
}
process.on('disconnect', parentGone);
connection.onClose(parentGone);
connection.onNotification(TerminateNotification, () => exitNow(0));

function notifyFailure(err: unknown): void {
  // A failed notification means the channel is gone; 'disconnect' ends the process.
  void err;
}

connection.onRequest(HelloRequest, () => ({
  protocolVersion: ENGINE_PROTOCOL_VERSION,
  engineVersion: typeof ATM_VERSION === 'string' ? ATM_VERSION : '0.0.0',
  nodeVersion: process.version,
}));

function formatDiagnostics(file: string, diagnostics: ReadonlyArray<{ range: { start: { line: number; character: number } }; message: string }>): string {
  return diagnostics.map((d) => `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`).join('\n');
}

async function run(params: RunParams, token: CancellationToken): Promise<RunResult> {
  let text: string;
  try {
    text = params.text ?? (await readFile(params.file, 'utf8'));
  } catch (err) {
    throw new ResponseError(EngineErrorCodes.SPEC_INVALID, `cannot read ${params.file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = parseSpecFile(text);
  const test = parsed.tests.find((t) => t.name === params.testName);
  if (test === undefined) {
    const names = parsed.tests.map((t) => t.name).filter((n): n is string => n !== null);
    throw new ResponseError(EngineErrorCodes.TEST_NOT_FOUND, `no test named '${params.testName}' in ${params.file}; tests: ${names.join(', ') || '(none)'}`, { names });
  }
  const env: Record<string, string | undefined> = params.env ?? process.env;
  const outcome = planTest(test, { file: params.file, displayFile: params.displayFile, env, baseUrlOverride: params.baseUrlOverride });
  if (!outcome.ok) {
    const shown = params.displayFile ?? params.file;
    throw new ResponseError(EngineErrorCodes.SPEC_INVALID, `${outcome.message}\n${formatDiagnostics(shown, outcome.diagnostics)}`.trim(), {
      diagnostics: outcome.diagnostics,
    });
  }
  const plan = outcome.plan;
  const baseline = chooseBaseline(plan.name, params.file, plan.baseline, params.baselineFile ?? null);
  if (baseline.error !== null) {
    connection.sendNotification(LogNotification, { level: 'warn', message: `${baseline.error}; running without a baseline`, runId: params.runId }).catch(notifyFailure);
  }
  let live: LiveMetrics | null = null;
  if (lastLive !== null) {
    await lastLive.server.close();
    lastLive = null;
  }
  if (params.prometheus !== undefined && params.prometheus.trim() !== '') {
    // Loaded only when asked for: most runs do without prom-client.
    const { startLiveMetrics } = await import('./prometheus/index.js');
    const started = await startLiveMetrics(params.prometheus, 'the setting atm.prometheus.address');
    if (typeof started === 'string') throw new ResponseError(EngineErrorCodes.PROMETHEUS_UNAVAILABLE, started);
    live = started;
    lastLive = started;
    connection.sendNotification(LogNotification, { level: 'info', message: `Prometheus metrics on ${live.server.url}`, runId: params.runId }).catch(notifyFailure);
  }
  const controller = new AbortController();
  let grace: NodeJS.Timeout | null = null;
  const cancelling = token.onCancellationRequested(() => {
    if (controller.signal.aborted) exitNow(0);
    controller.abort();
    // The second stage when the partial result does not come in time.
    grace = setTimeout(() => exitNow(0), CANCEL_GRACE_MS);
  });
  const runId = params.runId;
  try {
    return await runWithWorkers(plan, {
      source: { text, testIndex: test.index, file: params.file, displayFile: params.displayFile, env, baseUrlOverride: params.baseUrlOverride },
      runId,
      signal: controller.signal,
      sampleBodyBytes: params.sampleBodyBytes,
      baseline: baseline.result,
      ...(baseline.source !== null ? { baselineSource: baseline.source } : {}),
      ...(baseline.error !== null ? { baselineError: baseline.error } : {}),
      ...(live !== null ? { onRunnerPart: live.track(plan) } : {}),
      onProgress: (update) => {
        connection.sendNotification(ProgressNotification, update).catch(notifyFailure);
      },
      onSample: (sample) => {
        connection.sendNotification(SampleNotification, { runId, sample }).catch(notifyFailure);
      },
      onLog: (level, message) => {
        connection.sendNotification(LogNotification, { level, message: redact(message, plan.secrets), runId }).catch(notifyFailure);
      },
    });
  } finally {
    // The partial result came in time: the engine stays up for the next run.
    cancelling.dispose();
    if (grace !== null) clearTimeout(grace);
    if (live !== null) finalScrape = live.server.finish();
  }
}

connection.onRequest(RunRequest, async (params, token) => {
  if (running) throw new ResponseError(EngineErrorCodes.BUSY, 'the engine is already running a test');
  running = true;
  try {
    return await run(params, token);
  } finally {
    running = false;
  }
});

connection.listen();
