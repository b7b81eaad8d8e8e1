// The entry of a worker thread (workers.ts): rebuilds the plan from the spec text, runs its share
// with the single-thread runner and posts raw parts, logs and samples to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { MainMessage, WorkerData, WorkerMessage } from './workers';
import { arrivalsOf, threadPlan } from './workers';
import { parseSpecFile, planTest } from './load';
import { runPlan } from './run';

const port = parentPort;
const data = workerData as WorkerData;

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

async function main(): Promise<void> {
  if (port === null) throw new Error('worker.ts runs only as a worker thread');
  const { source, index, count } = data;
  const test = parseSpecFile(source.text).tests[source.testIndex];
  if (test === undefined) throw new Error(`the spec has no test #${source.testIndex + 1}`);
  const outcome = planTest(test, { file: source.file, displayFile: source.displayFile, env: source.env, baseUrlOverride: source.baseUrlOverride });
  if (!outcome.ok) throw new Error(outcome.message);
  const plan = threadPlan(outcome.plan, index, count, data.shard);
  const controller = new AbortController();
  let startResolve: ((at: number) => void) | null = null;
  const start = new Promise<number>((resolve) => (startResolve = resolve));
  port.on('message', (message: MainMessage) => {
    if (message.type === 'start') startResolve?.(message.at);
    else controller.abort();
  });
  await runPlan(plan, {
    runId: data.runId,
    signal: controller.signal,
    sampleBodyBytes: data.sampleBodyBytes,
    drainMs: data.drainMs,
    warmCode: data.warmCode,
    partsEverySecond: data.progress,
    arrivals: arrivalsOf(index, count, data.shard),
    startAt: () => {
      post({ type: 'ready' });
      return start;
    },
    onPart: (part, final) => post({ type: 'part', part, final }),
    onLog: (level, message) => post({ type: 'log', level, message: `worker ${index + 1}: ${message}` }),
    onSample: (sample) => post({ type: 'sample', sample }),
  });
  port.close();
}

main().catch((err: unknown) => {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  port?.close();
});
