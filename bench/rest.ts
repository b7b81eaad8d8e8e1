// The `rest` section of `npm run bench`: the resident memory of the extension's engine process
// (dist/engine.js, forked with an IPC channel as client/engine/engineProcess.ts does) when started
// and at rest after a run, beside the floor on this machine: a bare `node`, and a bundle of just
// undici and hdr-histogram-js (built here with esbuild, as the engine is) measured the same way:
// loaded, then after the same requests through undici with every latency in an HDR histogram
// (what any engine built on them keeps, before its own code).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as esbuild from 'esbuild';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { ENGINE_PROTOCOL_VERSION, HelloRequest, RunRequest } from '../engine/protocol';
import { ROOT } from './loadgens';
import { stop, track } from './proc';
import { fmt, median, table } from './stats';
import type { Target } from './targets';

/** Resident set size now (not the peak), MiB. */
function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every step of the section is bounded: a hung engine or client fails its round instead of the bench. */
const LIMIT_MS = 120_000;
async function within<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${LIMIT_MS / 1000} s`)), LIMIT_MS)));
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RestRound {
  bare_node_mb: number | null;
  /** The undici + hdr-histogram-js bundle once loaded. */
  node_undici_hdr_mb: number | null;
  /** The same bundle at rest after the same requests as the engine's run. */
  node_undici_hdr_at_rest_mb: number | null;
  engine_started_mb: number | null;
  /** One second after the run's result came back. */
  engine_after_run_mb: number | null;
  /** `settleSeconds` after the run's result: what the process keeps while it waits for the next run. */
  engine_at_rest_mb: number | null;
  run_requests: number | null;
  failure: string | null;
}

export interface RestReport {
  requests: number;
  connections: number;
  settle_seconds: number;
  rounds: RestRound[];
  median: Omit<RestRound, 'failure' | 'run_requests'>;
}

// The floor client: undici's Client (one per connection, as the engine's slots) and one HDR
// histogram, sending `total` GETs over `connections`, reading each body; then idle. Prints its RSS
// once loaded and `settle` seconds after the last response, as the engine is measured.
const FLOOR_CLIENT = `
const { Client } = require('undici');
const hdr = require('hdr-histogram-js');
const { readFileSync } = require('node:fs');
const rss = () => Number(/VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  const [url, total, connections, settle] = process.argv.slice(2);
  const histogram = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60e6, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  await sleep(1000);
  const loaded = rss();
  if (Number(total) === 0) return void process.stdout.write(JSON.stringify({ loaded }) + '\\n');
  let issued = 0;
  const clients = Array.from({ length: Number(connections) }, () => new Client(url));
  await Promise.all(clients.map(async (client) => {
    while (issued < Number(total)) {
      issued++;
      const t = performance.now();
      const res = await client.request({ path: new URL(url).pathname, method: 'GET' });
      for await (const chunk of res.body) void chunk;
      histogram.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
    }
  }));
  await Promise.all(clients.map((client) => client.close()));
  await sleep(Number(settle) * 1000);
  process.stdout.write(JSON.stringify({ loaded, rest: rss(), requests: histogram.totalCount }) + '\\n');
}
main().catch((err) => { process.stderr.write(String(err) + '\\n'); process.exit(1); });
`;

async function buildFloor(work: string): Promise<string> {
  const out = join(work, 'rest-floor.js');
  await esbuild.build({ stdin: { contents: FLOOR_CLIENT, resolveDir: ROOT }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'error' });
  return out;
}

async function nodeRun(args: string[]): Promise<string> {
  const child = track(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  try {
    const code = await within(`node ${args[0]}`, new Promise<number | null>((resolve) => child.once('exit', resolve)));
    if (code !== 0) throw new Error(`exit ${code}`);
  } finally {
    await stop(child);
  }
  return out.trim();
}

async function floors(script: string, target: Target, requests: number, connections: number, settleSeconds: number): Promise<Pick<RestRound, 'bare_node_mb' | 'node_undici_hdr_mb' | 'node_undici_hdr_at_rest_mb'>> {
  const bare = await nodeRun(['-e', `setTimeout(() => process.stdout.write(String(Number(/VmRSS:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024)), 1000)`]);
  const loaded = JSON.parse(await nodeRun([script, target.url, String(requests), String(connections), String(settleSeconds)])) as { loaded: number; rest: number };
  return { bare_node_mb: Number(bare), node_undici_hdr_mb: loaded.loaded, node_undici_hdr_at_rest_mb: loaded.rest };
}

async function engineRound(target: Target, work: string, requests: number, connections: number, settleSeconds: number): Promise<Omit<RestRound, 'bare_node_mb' | 'node_undici_hdr_mb' | 'node_undici_hdr_at_rest_mb'>> {
  const specFile = join(work, `rest-${randomUUID()}.atm.yaml`);
  writeFileSync(specFile, [`name: rest`, `url: ${target.url}`, `concurrency: ${connections}`, `total_requests: ${requests}`, 'timeout_seconds: 10', ''].join('\n'));
  // As the extension starts it (client/engine/engineProcess.ts): no extra Node options.
  const child: ChildProcess = track(fork(join(ROOT, 'dist', 'engine.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] }));
  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.listen();
  try {
    await within('the engine\'s handshake', connection.sendRequest(HelloRequest, { protocolVersion: ENGINE_PROTOCOL_VERSION }));
    await sleep(1000);
    const pid = child.pid ?? 0;
    const started = rssMiB(pid);
    const result = await within('the engine\'s run', connection.sendRequest(RunRequest, { runId: randomUUID(), file: specFile, testName: 'rest' }));
    await sleep(1000);
    const after = rssMiB(pid);
    await sleep((settleSeconds - 1) * 1000);
    const rest = rssMiB(pid);
    return {
      engine_started_mb: started,
      engine_after_run_mb: after,
      engine_at_rest_mb: rest,
      run_requests: result.metrics.total_requests,
      failure: result.status === 'completed' ? null : `run ${result.status}: ${result.error ?? ''}`,
    };
  } catch (err) {
    return { engine_started_mb: null, engine_after_run_mb: null, engine_at_rest_mb: null, run_requests: null, failure: err instanceof Error ? err.message : String(err) };
  } finally {
    connection.dispose();
    await stop(child);
  }
}

export async function restSection(
  o: { rounds: number },
  target: Target,
  work: string,
  io: { say(text?: string): void; note(text: string): void },
  requests = 20_000,
  connections = 50,
  settleSeconds = 10,
): Promise<RestReport> {
  io.say(`\n== Resident memory of the engine process (dist/engine.js, forked as the extension does): when started, and at rest after a ${requests}-request run at ${connections} connections (goal: under 80 MiB at rest)`);
  const rounds: RestRound[] = [];
  const script = await buildFloor(work);
  for (let r = 1; r <= o.rounds; r++) {
    io.note(`round ${r}/${o.rounds}: bare node, the undici + hdr-histogram-js client, the engine process`);
    let floor: Pick<RestRound, 'bare_node_mb' | 'node_undici_hdr_mb' | 'node_undici_hdr_at_rest_mb'>;
    try {
      floor = await floors(script, target, requests, connections, settleSeconds);
    } catch (err) {
      floor = { bare_node_mb: null, node_undici_hdr_mb: null, node_undici_hdr_at_rest_mb: null };
      io.say(`  round ${r}: the floor client failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    rounds.push({ ...floor, ...(await engineRound(target, work, requests, connections, settleSeconds)) });
  }
  const m = (pick: (x: RestRound) => number | null): number | null => median(rounds.map(pick).filter((v): v is number => v !== null));
  const report: RestReport = {
    requests,
    connections,
    settle_seconds: settleSeconds,
    rounds,
    median: {
      bare_node_mb: m((x) => x.bare_node_mb),
      node_undici_hdr_mb: m((x) => x.node_undici_hdr_mb),
      node_undici_hdr_at_rest_mb: m((x) => x.node_undici_hdr_at_rest_mb),
      engine_started_mb: m((x) => x.engine_started_mb),
      engine_after_run_mb: m((x) => x.engine_after_run_mb),
      engine_at_rest_mb: m((x) => x.engine_at_rest_mb),
    },
  };
  const row = (label: string, x: Omit<RestRound, 'failure' | 'run_requests'>): string[] => [
    label,
    fmt(x.bare_node_mb, 1),
    fmt(x.node_undici_hdr_mb, 1),
    fmt(x.node_undici_hdr_at_rest_mb, 1),
    fmt(x.engine_started_mb, 1),
    fmt(x.engine_after_run_mb, 1),
    fmt(x.engine_at_rest_mb, 1),
  ];
  io.say(
    table(
      ['round', 'bare node', 'undici + hdr loaded', `undici + hdr at rest`, 'engine started', 'engine 1 s after run', `engine at rest (${settleSeconds} s after)`],
      [...rounds.map((x, i) => row(String(i + 1), x)), row('median', report.median)],
    ),
  );
  io.say(
    `(RSS in MiB from /proc/PID/status. "undici + hdr": a bundle of only undici and hdr-histogram-js, once loaded and ${settleSeconds} s after the same ${requests} requests` +
      ` over ${connections} undici Clients with every latency in an HDR histogram: the floor for an engine built on them. At rest is measured as the engine is: ${settleSeconds} s after the last response)`,
  );
  for (const [i, x] of rounds.entries()) if (x.failure !== null) io.say(`  round ${i + 1}: ${x.failure}`);
  return report;
}
