// Records the messages the results panel receives during real runs: the real engine
// (dist/engine.js, forked and spoken to over IPC exactly as the extension does) against the demo
// target on loopback. Writes test/fixtures/webview/recorded/*.json, which the panel's browser
// tests replay next to the hand-made hostile fixtures.
//
//   npm run build && node --import tsx scripts/record-webview-fixtures.ts
//
// The demo's port (random on each recording) is rewritten to 3000, the port the examples use, so a
// new recording differs from the old one only where the run did.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { EngineProcess } from '../client/engine/engineProcess';
import { runStartedInfo } from '../client/format';
import { ENGINE_PROTOCOL_VERSION, type RunParams } from '../engine/protocol';
import { startDemoServer } from '../engine/demo/server';
import { parseSpecFile } from '../engine/format';
import type { ExtensionMessage, RunInfo } from '../webview/protocol';
import { isExtensionMessage } from '../webview/protocol';
import { RECORDED_NAMES, RECORDED_PORT, RECORDED_SECRET, recordedPath, type RecordedFixture, type RecordedName } from '../test/fixtures/webview/recorded';

const ROOT = resolve(__dirname, '..');

interface Recording {
  name: RecordedName;
  /** What the run shows in the panel. */
  about: string;
  file: string;
  text: string;
  testName: string;
  /** Stop the run after this many progress updates (a cancelled run). */
  stopAfterUpdates?: number;
}

const RECORDINGS: Recording[] = [
  {
    name: 'quickstart',
    about: 'examples/quickstart.atm.yaml as shipped: 300 requests, done in well under a second',
    file: 'examples/quickstart.atm.yaml',
    text: readFileSync(join(ROOT, 'examples', 'quickstart.atm.yaml'), 'utf8'),
    testName: 'Quickstart - list items',
  },
  {
    name: 'passed',
    about: 'an open-model run of 5 s over three endpoints, every threshold holds; a token sent in a header and echoed back',
    file: 'api/recorded.atm.yaml',
    text: `name: Items API steady
base_url: http://127.0.0.1:${RECORDED_PORT}
headers:
  Authorization: "Bearer {{env:ATM_RECORD_TOKEN}}"
endpoints:
  - { name: list, url: "/items?limit=10", weight: 3 }
  - { name: one, url: /items/7, weight: 2 }
  - { name: echo, method: POST, url: /echo, body: { hello: world }, weight: 1 }
distribution_strategy: weighted
requests_per_second: 60
ramp_up_seconds: 2
duration_seconds: 5
concurrency: 20
thresholds:
  - p95 < 500ms
  - error_rate < 1%
  - dropped == 0
`,
    testName: 'Items API steady',
  },
  {
    name: 'failed-thresholds',
    about: 'a closed-model run of 4 s against a flaky and a slow endpoint; two thresholds fail',
    file: 'api/recorded.atm.yaml',
    text: `name: Flaky and slow
base_url: http://127.0.0.1:${RECORDED_PORT}
endpoints:
  - { name: flaky, url: "/flaky?rate=0.2" }
  - { name: slow, url: "/slow?ms=40" }
concurrency: 4
duration_seconds: 4
thresholds:
  - error_rate < 1%
  - p95 < 20ms
  - rps >= 1
  - p99 < 2s
`,
    testName: 'Flaky and slow',
  },
  {
    name: 'cancelled',
    about: 'a 60 s run stopped after its third second',
    file: 'api/recorded.atm.yaml',
    text: `name: Long soak
base_url: http://127.0.0.1:${RECORDED_PORT}
url: /slow?ms=25
concurrency: 4
duration_seconds: 60
thresholds:
  - p95 < 1s
`,
    testName: 'Long soak',
    stopAfterUpdates: 3,
  },
];

/** What the extension tells the panel when a run starts. */
function runInfo(runId: string, r: Recording, startedAt: Date): RunInfo {
  const spec = parseSpecFile(r.text).tests.find((t) => t.name === r.testName)?.spec as Record<string, unknown> | undefined;
  if (spec === undefined) throw new Error(`${r.name}: no test named "${r.testName}"`);
  return runStartedInfo(spec, { runId, name: r.testName, file: r.file, startedAt });
}

async function record(r: Recording, demoUrl: string): Promise<{ messages: ExtensionMessage[]; engineVersion: string }> {
  const logs: string[] = [];
  const engine = await EngineProcess.start({
    enginePath: join(ROOT, 'dist', 'engine.js'),
    execPath: process.execPath,
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  const runId = `recorded-${r.name}`;
  const messages: ExtensionMessage[] = [{ type: 'runStarted', run: runInfo(runId, r, new Date()) }];
  let updates = 0;
  try {
    const params: RunParams = {
      runId,
      file: join(ROOT, r.file),
      text: r.text,
      testName: r.testName,
      baseUrlOverride: demoUrl,
      env: { ATM_RECORD_TOKEN: RECORDED_SECRET },
      displayFile: r.file,
    };
    const result = await engine.run(params, {
      onProgress: (update) => {
        messages.push({ type: 'progress', update });
        updates++;
        if (r.stopAfterUpdates !== undefined && updates === r.stopAfterUpdates) {
          messages.push({ type: 'stopping', runId });
          engine.stop();
        }
      },
      onSample: (s) => messages.push({ type: 'sample', runId: s.runId, sample: s.sample }),
    });
    messages.push({ type: 'result', result });
    return { messages, engineVersion: engine.hello?.engineVersion ?? '?' };
  } catch (err) {
    throw new Error(`${r.name}: ${err instanceof Error ? err.message : String(err)}\n${logs.join('\n')}`);
  } finally {
    engine.dispose();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !RECORDINGS.some((r) => r.name === n));
  if (unknown.length > 0) throw new Error(`No recording named ${unknown.join(', ')}; there are ${RECORDED_NAMES.join(', ')}`);
  for (const r of RECORDINGS) {
    if (only.length > 0 && !only.includes(r.name)) continue;
    // A fresh demo per recording: its counters (/flaky) and items start from the seed each time.
    const demo = await startDemoServer({ host: '127.0.0.1', port: 0 });
    try {
      const { messages, engineVersion } = await record(r, demo.url);
      const fixture: RecordedFixture = {
        recorded: { date: new Date().toISOString().slice(0, 10), engine_version: engineVersion, engine_protocol: ENGINE_PROTOCOL_VERSION },
        about: r.about,
        spec: r.text,
        messages,
      };
      const text = JSON.stringify(fixture, null, 1).replaceAll(`127.0.0.1:${demo.port}`, `127.0.0.1:${RECORDED_PORT}`);
      const replayed = (JSON.parse(text) as RecordedFixture).messages;
      const bad = replayed.findIndex((m) => !isExtensionMessage(m));
      if (bad !== -1) throw new Error(`${r.name}: message ${bad} (${replayed[bad].type}) is not a valid panel message`);
      if (text.includes(RECORDED_SECRET)) throw new Error(`${r.name}: the token reached the recording unredacted`);
      if (text.includes(ROOT)) throw new Error(`${r.name}: the recording holds a path of this machine (${ROOT})`);
      const path = recordedPath(r.name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${text}\n`);
      const result = replayed[replayed.length - 1];
      const summary = result.type === 'result' ? `${result.result.status}, passed ${result.result.passed}, ${result.result.metrics.total_requests} requests in ${result.result.metrics.duration_seconds} s, ${result.result.timeline.length} timeline points` : '?';
      const count = (t: ExtensionMessage['type']): number => replayed.filter((m) => m.type === t).length;
      console.log(`${r.name}: ${count('progress')} progress, ${count('sample')} samples, result ${summary} -> ${path}`);
    } finally {
      await demo.close();
    }
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
