// The floor for any Node HTTP client: a bare node:net loop with no HTTP parsing, no metrics and no
// undici, each connection sending its next body-less GET as soon as the previous response arrived.
// The latency section runs it beside the engine and wrk, so that what Node itself costs on this
// machine can be told apart from what the engine adds. It only understands the Node target's one
// fixed response (one 'data' event per response, which holds on loopback with one request in
// flight per connection).
//
// Usage: node --import tsx bench/netClient.ts URL CONNECTIONS SECONDS  → one JSON line on stdout.
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile } from './stats';

const [url, connectionsArg, secondsArg] = process.argv.slice(2);
if (!url || !connectionsArg || !secondsArg) {
  process.stderr.write('usage: netClient URL CONNECTIONS SECONDS\n');
  process.exit(2);
}
const target = new URL(url);
const connections = Number(connectionsArg);
const seconds = Number(secondsArg);
const REQUEST = Buffer.from(`GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n\r\n`, 'latin1');
const latencies: number[] = [];
let errors = 0;
let open = connections;
let endAt = Number.POSITIVE_INFINITY;
let connected = 0;

function report(): void {
  const sorted = latencies.sort((a, b) => a - b);
  // No responses: NaN, which JSON writes as null.
  process.stdout.write(`${JSON.stringify({ requests: sorted.length, errors, p50_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99) })}\n`);
}

function closed(): void {
  if (--open === 0) report();
}

const starters: Array<() => void> = [];
for (let i = 0; i < connections; i++) {
  const socket = connect(Number(target.port), target.hostname);
  socket.setNoDelay(true);
  let sentAt = 0;
  const send = (): void => {
    sentAt = performance.now();
    socket.write(REQUEST);
  };
  starters.push(send);
  socket.once('connect', () => {
    // Every connection starts together, once all are open, as the engine's do.
    if (++connected === connections) {
      endAt = performance.now() + seconds * 1000;
      for (const start of starters) start();
    }
  });
  socket.on('data', () => {
    const now = performance.now();
    latencies.push(now - sentAt);
    if (now < endAt) send();
    else socket.end();
  });
  socket.on('error', () => {
    errors++;
  });
  socket.on('close', closed);
}
