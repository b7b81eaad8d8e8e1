// The scaling floor: a bare node:net request loop on THREADS worker threads (no HTTP parsing, no
// metrics, no undici), each thread with its share of the connections, every connection sending
// its next body-less GET as soon as a response arrives (one 'data' event per response, which holds
// on loopback with one small response in flight per connection). What its requests per CPU-second
// lose from 1 to 2 threads is what Node threads and the target's worker processes cost each other
// on this machine, before any load generator's own work.
//
// Usage: node --import tsx bench/netLoop.ts URL CONNECTIONS SECONDS THREADS → one JSON line:
// {"requests":N,"errors":N,"cpu_seconds":S,"seconds":S}, CPU and time over the loop's own window
// (all threads of the process; thread start-up and connecting excluded).
import { Worker } from 'node:worker_threads';

const [url, connectionsArg, secondsArg, threadsArg] = process.argv.slice(2);
if (!url || !connectionsArg || !secondsArg || !threadsArg) {
  process.stderr.write('usage: netLoop URL CONNECTIONS SECONDS THREADS\n');
  process.exit(2);
}
const connections = Number(connectionsArg);
const seconds = Number(secondsArg);
const threads = Math.max(1, Math.min(Number(threadsArg), connections));

// Plain JavaScript, so that a thread needs no TypeScript loader.
const LOOP = `
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
    const worker = new Worker(LOOP, { eval: true, workerData: { url, connections: share } });
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
