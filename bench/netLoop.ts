// The scaling floors: a bare request loop on THREADS worker threads, each thread with its share of
// the connections, every connection sending its next body-less GET as soon as its response is in.
// Two loops:
// - `net`: node:net sockets, no HTTP parsing, no metrics, no undici (one 'data' event per
//   response, which holds on loopback with one small response in flight per connection). What
//   its requests per CPU-second lose from 1 to 2 threads is what Node threads and the target's
//   worker processes cost each other on this machine, before any load generator's own work.
// - `undici`: one undici Client per connection driven through dispatch() with a bare handler: the
//   library the engine is built on, alone, without the engine's timing, histograms or checks.
//   It sends for WARM_UP_S before its window opens, so that its code is optimised like the
//   engine's after its code warm-up.
//
// Usage: node --import tsx bench/netLoop.ts URL CONNECTIONS SECONDS THREADS [net|undici] → one
// JSON line: {"requests":N,"errors":N,"cpu_seconds":S,"seconds":S}, CPU and time over the loop's
// own window (all threads of the process; thread start-up, connecting and warm-up excluded).
import { Worker } from 'node:worker_threads';

const [url, connectionsArg, secondsArg, threadsArg, kindArg = 'net'] = process.argv.slice(2);
if (!url || !connectionsArg || !secondsArg || !threadsArg || (kindArg !== 'net' && kindArg !== 'undici')) {
  process.stderr.write('usage: netLoop URL CONNECTIONS SECONDS THREADS [net|undici]\n');
  process.exit(2);
}
const connections = Number(connectionsArg);
const seconds = Number(secondsArg);
const threads = Math.max(1, Math.min(Number(threadsArg), connections));
const WARM_UP_S = 1;

// Plain JavaScript, so that a thread needs no TypeScript loader. Both post 'ready' when their
// window may open, count from the 'start' message, and post 'done' when every connection closed.
const NET_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const { connect } = require('node:net');
const { url, connections } = workerData;
const target = new URL(url);
const REQUEST = Buffer.from('GET ' + target.pathname + ' HTTP/1.1\\r\\nHost: ' + target.host + '\\r\\n\\r\\n', 'latin1');
let requests = 0, errors = 0, open = connections, connected = 0, endAt = Infinity;
const sockets = [];
for (let i = 0; i < connections; i++) {
  const socket = connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  sockets.push(socket);
  socket.once('connect', () => { if (++connected === connections) parentPort.postMessage({ type: 'ready' }); });
  socket.on('data', () => {
    requests++;
    if (performance.now() < endAt) socket.write(REQUEST); else socket.end();
  });
  socket.on('error', () => { errors++; });
  socket.on('close', () => { if (--open === 0) parentPort.postMessage({ type: 'done', requests, errors }); });
}
parentPort.on('message', (m) => {
  endAt = performance.now() + m.seconds * 1000;
  for (const socket of sockets) socket.write(REQUEST);
});
`;

const UNDICI_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
const { Client } = require(${JSON.stringify(require.resolve('undici'))});
const { url, connections, warmUpMs } = workerData;
const target = new URL(url);
const options = { path: target.pathname, method: 'GET', headers: ['host', target.host] };
let requests = 0, errors = 0, open = connections, counting = false, endAt = Infinity;
function connection() {
  const client = new Client(target.origin, { pipelining: 1, headersTimeout: 10000, bodyTimeout: 10000, keepAliveTimeout: 10000 });
  const handler = {
    onConnect() {}, onUpgrade() {}, onHeaders() { return true; }, onData() { return true; },
    onError() { errors++; finish(); },
    onComplete() {
      if (counting) requests++;
      if (performance.now() < endAt) client.dispatch(options, handler); else finish();
    },
  };
  const finish = () => { client.close().catch(() => {}); if (--open === 0) parentPort.postMessage({ type: 'done', requests, errors }); };
  client.dispatch(options, handler);
}
for (let i = 0; i < connections; i++) connection();
setTimeout(() => parentPort.postMessage({ type: 'ready' }), warmUpMs);
parentPort.on('message', (m) => { counting = true; endAt = performance.now() + m.seconds * 1000; });
`;

interface Done {
  type: 'done';
  requests: number;
  errors: number;
}

async function main(): Promise<void> {
  const workers: Worker[] = [];
  const ready: Array<Promise<void>> = [];
  const done: Array<Promise<Done>> = [];
  for (let t = 0; t < threads; t++) {
    const share = Math.floor(connections / threads) + (t < connections % threads ? 1 : 0);
    const loop = kindArg === 'undici' ? UNDICI_LOOP : NET_LOOP;
    const worker = new Worker(loop, { eval: true, workerData: { url, connections: share, warmUpMs: WARM_UP_S * 1000 } });
    workers.push(worker);
    ready.push(new Promise((resolve) => worker.on('message', (m: { type: string }) => m.type === 'ready' && resolve())));
    done.push(
      new Promise((resolve, reject) => {
        worker.on('message', (m: Done) => m.type === 'done' && resolve(m));
        worker.once('error', reject);
      }),
    );
  }
  await Promise.all(ready);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const worker of workers) worker.postMessage({ seconds });
  const results = await Promise.all(done);
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  const requests = results.reduce((a, r) => a + r.requests, 0);
  const errors = results.reduce((a, r) => a + r.errors, 0);
  process.stdout.write(`${JSON.stringify({ requests, errors, cpu_seconds: (cpu.user + cpu.system) / 1e6, seconds: wall })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`netLoop: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
