// The warm-up before the measured window: every connection is opened first, nothing is sent
// while doing so, connecting stays out of latency, and a warm-up that cannot connect neither
// hangs the run nor hides the error.
import { strict as assert } from 'node:assert';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { runPlan, type RunOptions } from '../../engine/run';
import { endpoint, plan } from './helpers';

const RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok';

interface EventServer {
  port: number;
  /** Each accepted connection and each request, in the order the server saw them. */
  events: Array<{ kind: 'connect' | 'request'; at: number }>;
  close(): Promise<void>;
}

/** A raw TCP server that answers each request at once and records what it sees. */
function eventServer(): Promise<EventServer> {
  const events: EventServer['events'] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    events.push({ kind: 'connect', at: performance.now() });
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        pending = pending.slice(end + 4);
        events.push({ kind: 'request', at: performance.now() });
        socket.write(RESPONSE);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        events,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

type Lookup = NonNullable<RunOptions['lookup']>;
type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family: number) => void;

/** Resolves every name to 127.0.0.1, the n-th lookup after `delayMs(n)` ms (never, when null). */
function lookupAfter(delayMs: (call: number) => number | null): Lookup {
  let calls = 0;
  const lookup = (_hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const delay = delayMs(calls++);
    if (delay !== null) setTimeout(() => dnsLookup('127.0.0.1', options, callback), delay);
  };
  return lookup as unknown as Lookup;
}

/** Every lookup after `delayMs` (never, when null). */
const slowLookup = (delayMs: number | null): Lookup => lookupAfter(() => delayMs);
/** The first lookup answers at once, every later one after `delayMs`. */
const staggeredLookup = (delayMs: number): Lookup => lookupAfter((call) => (call === 0 ? 0 : delayMs));

/** Exactly `n` connections, and no request until `gapMs` after the first one was accepted. */
function assertConnectedFirst(server: EventServer, n: number, gapMs: number): void {
  const connects = server.events.filter((e) => e.kind === 'connect');
  const firstRequest = server.events.find((e) => e.kind === 'request');
  assert.equal(connects.length, n, 'the warmed connections carry the requests');
  assert.ok(firstRequest !== undefined);
  const gap = firstRequest.at - connects[0].at;
  assert.ok(gap >= gapMs, `a request ${gap.toFixed(1)} ms after the first connection, before the others were open`);
}

const servers: EventServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

void describe('warm-up', { timeout: 30_000 }, () => {
  // The first connection resolves at once, the others 300 ms later: a run that sent on a
  // connection before all were open would show a request in those 300 ms.
  void it('opens every connection before the first request, sending nothing while it does', async () => {
    const server = await eventServer();
    servers.push(server);
    const result = await runPlan(
      plan({ concurrency: 6, totalRequests: 60, endpoints: [endpoint({ url: `http://staggered.test:${server.port}/` })] }),
      { lookup: staggeredLookup(300) },
    );
    assert.equal(result.metrics.successful_requests, 60);
    assertConnectedFirst(server, 6, 250);
    assert.equal(server.events.filter((e) => e.kind === 'request').length, 60);
  });

  void it('open model: the same', async () => {
    const server = await eventServer();
    servers.push(server);
    const result = await runPlan(
      plan({ concurrency: 4, requestsPerSecond: 200, totalRequests: 20, endpoints: [endpoint({ url: `http://staggered.test:${server.port}/` })] }),
      { lookup: staggeredLookup(300) },
    );
    assert.equal(result.metrics.successful_requests, 20);
    assertConnectedFirst(server, 4, 250);
  });

  void it('connecting is not in latency nor in the run time', async () => {
    const server = await eventServer();
    servers.push(server);
    const result = await runPlan(
      plan({ concurrency: 3, totalRequests: 30, endpoints: [endpoint({ url: `http://slow-dns.test:${server.port}/` })] }),
      { lookup: slowLookup(400) },
    );
    assert.equal(result.metrics.successful_requests, 30);
    assert.ok(result.metrics.latency_ms.max < 300, `max latency ${result.metrics.latency_ms.max} ms includes the 400 ms connect`);
    assert.ok(result.metrics.duration_seconds < 0.3, `duration ${result.metrics.duration_seconds} s includes the 400 ms connect`);
  });

  void it('waits no longer than the timeout; a connect that never completes is a connect_timeout', async () => {
    const t0 = performance.now();
    const result = await runPlan(
      plan({ concurrency: 2, totalRequests: 2, timeoutMs: 400, endpoints: [endpoint({ url: 'http://never.test:9/' })] }),
      { lookup: slowLookup(null) },
    );
    const elapsed = performance.now() - t0;
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.metrics.errors_by_type, { connect_timeout: 2 });
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  });

  void it('a cancel during the warm-up ends the run at once with nothing sent', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t0 = performance.now();
    const result = await runPlan(
      plan({ concurrency: 2, totalRequests: 10, timeoutMs: 5000, endpoints: [endpoint({ url: 'http://never.test:9/' })] }),
      { lookup: slowLookup(null), signal: controller.signal },
    );
    assert.equal(result.status, 'cancelled');
    assert.equal(result.metrics.total_requests, 0);
    assert.ok(performance.now() - t0 < 2000);
  });
});
