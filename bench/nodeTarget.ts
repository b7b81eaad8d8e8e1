// A Node HTTP target for the cases nginx cannot serve without modules: a fixed delay, a stall of
// the whole process, and recording arrival times to look for bursts. Runs in its own process
// (forked by bench/targets.ts) so that its event loop never competes with the load generator's.
import { createServer, type Socket, type AddressInfo } from 'node:net';
import { percentile } from './stats';
import type { TargetOptions, TargetReply, TargetStats, TargetRequest } from './targetProtocol';

const MAX_RECORDED = 2_000_000;

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function parseOptions(): TargetOptions {
  const raw = process.argv[2];
  if (!raw) throw new Error('nodeTarget: options argument missing');
  return JSON.parse(raw) as TargetOptions;
}

const options = parseOptions();
// A raw TCP server with one prebuilt response: node:http spends a few hundred microseconds
// building the first response on a socket, which would blur the fixed delay this target promises.
// The bench only sends body-less GETs, so a request ends at its blank line.
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello', 'latin1');
const arrivals = new Float64Array(MAX_RECORDED);
const holds = new Float64Array(MAX_RECORDED);
// From answering a request to the next request arriving on the same connection: the client's
// turnaround (loopback both ways plus its own work between a response and the next request).
const turnarounds = new Float64Array(MAX_RECORDED);
let turnaroundCount = 0;
const lastAnswer = new WeakMap<Socket, number>();
let arrivalCount = 0;
let holdCount = 0;
let firstArrival = -1;
let stalled = false;

function answer(socket: Socket, arrivedAt: number): void {
  if (socket.destroyed) return;
  socket.write(RESPONSE);
  const t = now();
  lastAnswer.set(socket, t);
  if (holdCount < MAX_RECORDED) holds[holdCount++] = t - arrivedAt;
}

// setTimeout alone fires up to a millisecond early or late; sleeping a little less and finishing on
// setImmediate turns brings the delay within a few microseconds without blocking other requests.
function answerAfter(socket: Socket, arrivedAt: number, delayMs: number): void {
  const finish = (): void => {
    if (now() - arrivedAt >= delayMs) answer(socket, arrivedAt);
    else setImmediate(finish);
  };
  setTimeout(finish, Math.max(0, delayMs - 1.5));
}

// A stall freezes the whole process, as a GC pause or a blocked event loop does: nothing is read
// or answered until it ends, and every request that arrived meanwhile is answered late.
function freeze(ms: number): void {
  const end = now() + ms;
  while (now() < end) {
    // busy on purpose
  }
}

function onRequest(socket: Socket, arrivedAt: number): void {
  if (arrivalCount < MAX_RECORDED) arrivals[arrivalCount++] = arrivedAt;
  const answeredAt = lastAnswer.get(socket);
  if (answeredAt !== undefined && turnaroundCount < MAX_RECORDED) turnarounds[turnaroundCount++] = arrivedAt - answeredAt;
  if (firstArrival < 0) {
    firstArrival = arrivedAt;
    if (options.mode === 'stall') {
      setTimeout(() => {
        stalled = true;
        freeze(options.stallMs ?? 1000);
      }, options.stallAfterMs ?? 2500);
    }
  }
  if (options.mode === 'delay') answerAfter(socket, arrivedAt, options.delayMs ?? 20);
  else answer(socket, arrivedAt);
}

function onConnection(socket: Socket): void {
  socket.setNoDelay(true);
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    const arrivedAt = now();
    pending += chunk.toString('latin1');
    let end = pending.indexOf('\r\n\r\n');
    while (end >= 0) {
      pending = pending.slice(end + 4);
      onRequest(socket, arrivedAt);
      end = pending.indexOf('\r\n\r\n');
    }
    if (pending.length > 65536) socket.destroy();
  });
  socket.on('error', () => socket.destroy());
}

function stats(): TargetStats {
  const hold = holds.slice(0, holdCount).sort();
  const turnaround = turnarounds.slice(0, turnaroundCount).sort();
  const arr = arrivals.slice(0, arrivalCount);
  // Arrivals per 10 ms bucket, leaving out the first and last (partial) buckets.
  const bucketMs = 10;
  const buckets: number[] = [];
  if (arr.length > 1) {
    const start = arr[0] ?? 0;
    const n = Math.floor(((arr[arr.length - 1] ?? start) - start) / bucketMs) + 1;
    const counts = new Array<number>(n).fill(0);
    for (const t of arr) counts[Math.floor((t - start) / bucketMs)]++;
    buckets.push(...counts.slice(1, -1));
  }
  const mean = buckets.reduce((a, b) => a + b, 0) / Math.max(1, buckets.length);
  const variance = buckets.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, buckets.length);
  const gaps = new Float64Array(Math.max(0, arr.length - 1));
  let maxGapAt = 0;
  let maxGap = -1;
  for (let i = 1; i < arr.length; i++) {
    const gap = (arr[i] ?? 0) - (arr[i - 1] ?? 0);
    gaps[i - 1] = gap;
    if (gap > maxGap) {
      maxGap = gap;
      maxGapAt = ((arr[i] ?? 0) - (arr[0] ?? 0)) / 1000;
    }
  }
  gaps.sort();
  const warmup = new Array<number>(20).fill(0);
  for (const t of arr) {
    const k = Math.floor((t - (arr[0] ?? 0)) / 100);
    if (k < 20) warmup[k]++;
  }
  return {
    requests: arrivalCount,
    warmup_per_100ms: warmup,
    stalled,
    hold_ms: { p50: percentile(hold, 0.5), p99: percentile(hold, 0.99), max: percentile(hold, 1) },
    turnaround_ms: { p50: percentile(turnaround, 0.5), p99: percentile(turnaround, 0.99), max: percentile(turnaround, 1) },
    arrivals_per_10ms: {
      buckets: buckets.length,
      mean,
      stddev: Math.sqrt(variance),
      min: buckets.length ? Math.min(...buckets) : 0,
      p50: percentile(Float64Array.from(buckets).sort(), 0.5),
      max: buckets.length ? Math.max(...buckets) : 0,
    },
    gap_ms: { p50: percentile(gaps, 0.5), p99: percentile(gaps, 0.99), max: percentile(gaps, 1) },
    max_gap_at_s: maxGapAt,
  };
}

const server = createServer(onConnection);
server.listen(0, '127.0.0.1', () => {
  const reply: TargetReply = { type: 'listening', port: (server.address() as AddressInfo).port };
  process.send?.(reply);
});

process.on('message', (message: TargetRequest) => {
  if (message.type === 'stats') {
    const reply: TargetReply = { type: 'stats', stats: stats() };
    process.send?.(reply);
  }
});
// The bench owns this process: when it goes, so does the target.
process.on('disconnect', () => process.exit(0));
