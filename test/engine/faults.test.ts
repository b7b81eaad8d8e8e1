// Faults against real servers on 127.0.0.1: every run ends with a result and counts each
// failure under its stable key.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runPlan } from '../../engine/run';
import { endpoint, ok, plan, serve, type TestServer } from './helpers';

const fixtures = join(__dirname, '..', 'fixtures', 'engine');
const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function track(server: Promise<TestServer>): Promise<TestServer> {
  const s = await server;
  servers.push(s);
  return s;
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

void describe('faults', { timeout: 30_000 }, () => {
  void it('connection refused', async () => {
    const port = await closedPort();
    const result = await runPlan(plan({ concurrency: 2, totalRequests: 6, endpoints: [endpoint({ url: `http://127.0.0.1:${port}/` })] }));
    assert.equal(result.status, 'completed');
    assert.equal(result.metrics.failed_requests, 6);
    assert.deepEqual(result.metrics.errors_by_type, { connection_refused: 6 });
    assert.equal(result.passed, false);
    const sample = result.sampled_requests.find((s) => s.error_type === 'connection_refused');
    assert.ok(sample !== undefined && sample.error !== null && sample.error.includes('ECONNREFUSED'), JSON.stringify(result.sampled_requests));
  });

  void it('a host that does not resolve (.invalid never reaches a resolver)', async () => {
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 3, endpoints: [endpoint({ url: 'http://nothing.invalid/' })] }));
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.metrics.errors_by_type, { dns: 3 });
  });

  void it('a server that accepts and never answers: timeout', async () => {
    const server = await track(serve(() => undefined));
    const t0 = performance.now();
    const result = await runPlan(plan({ concurrency: 2, totalRequests: 2, timeoutMs: 300, endpoints: [endpoint({ url: `${server.url}/` })] }));
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.metrics.errors_by_type, { timeout: 2 });
    assert.ok(result.metrics.latency_ms.min >= 290, `latency ${result.metrics.latency_ms.min}`);
    assert.ok(performance.now() - t0 < 5000);
  });

  void it('a body that trickles past timeout_seconds: timeout (a deadline, not only an idle timer)', async () => {
    const server = await track(
      serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('x'), 30);
        res.on('close', () => clearInterval(timer));
      }),
    );
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 2, timeoutMs: 400, endpoints: [endpoint({ url: `${server.url}/` })] }));
    assert.deepEqual(result.metrics.errors_by_type, { timeout: 2 });
    assert.ok(result.metrics.bytes_received > 0);
  });

  void it('a body that stops: timeout', async () => {
    const server = await track(
      serve((_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('partial');
      }),
    );
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 1, timeoutMs: 300, endpoints: [endpoint({ url: `${server.url}/` })] }));
    assert.deepEqual(result.metrics.errors_by_type, { timeout: 1 });
  });

  void it('a reset in the middle of the body: connection_reset', async () => {
    const server = await track(
      serve((req, res) => {
        res.writeHead(200, { 'content-length': '100000' });
        res.write(Buffer.alloc(1000, 97), () => req.socket.destroy());
      }),
    );
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 3, endpoints: [endpoint({ url: `${server.url}/` })] }));
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.metrics.errors_by_type, { connection_reset: 3 });
  });

  void it('the server dying mid-run: the run ends with a result', async () => {
    const sockets = new Set<Socket>();
    let served = 0;
    const server = await track(
      serve((_req, res) => {
        served++;
        ok(res);
        if (served === 40) {
          server.server.close();
          for (const socket of sockets) socket.destroy();
        }
      }),
    );
    server.server.on('connection', (socket: Socket) => sockets.add(socket));
    const result = await runPlan(plan({ concurrency: 4, totalRequests: 400, endpoints: [endpoint({ url: `${server.url}/` })] }));
    assert.equal(result.status, 'completed');
    assert.equal(result.metrics.total_requests, 400);
    assert.ok(result.metrics.successful_requests >= 36 && result.metrics.successful_requests <= 40, String(result.metrics.successful_requests));
    assert.ok((result.metrics.errors_by_type.connection_refused ?? 0) > 0, JSON.stringify(result.metrics.errors_by_type));
    assert.equal(result.metrics.failed_requests, 400 - result.metrics.successful_requests);
  });

  void it('a 100 MB body is counted, not kept', async () => {
    const chunk = Buffer.alloc(64 * 1024, 120);
    const size = 100 * 1024 * 1024;
    const server = await track(
      serve((_req, res) => {
        res.writeHead(200, { 'content-length': String(size) });
        let sent = 0;
        const pump = (): void => {
          while (sent < size) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
      }),
    );
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const probe = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 2, timeoutMs: 20_000, endpoints: [endpoint({ url: `${server.url}/` })] }));
    clearInterval(probe);
    assert.equal(result.metrics.successful_requests, 2);
    assert.ok(result.metrics.bytes_received >= 2 * size, String(result.metrics.bytes_received));
    const sample = result.sampled_requests[0];
    assert.ok(sample.response_body !== null && sample.response_body.length <= 8192 + 20);
    assert.ok(sample.response_body.endsWith('...(truncated)'));
    assert.equal(sample.response_body_truncated, true);
    assert.ok(peak - before < 60 * 1024 * 1024, `RSS grew ${(peak - before) / 1048576} MB`);
  });

  void it('a response with 10,000 headers: body_too_large (over the 16 KiB header limit)', async () => {
    const sockets = new Set<Socket>();
    const raw = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        let head = 'HTTP/1.1 200 OK\r\n';
        for (let i = 0; i < 10_000; i++) head += `x-header-${i}: value\r\n`;
        socket.end(`${head}content-length: 2\r\n\r\nok`);
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((done) => { for (const s of sockets) s.destroy(); raw.close(() => done()); }) });
    const { port } = raw.address() as AddressInfo;
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 2, endpoints: [endpoint({ url: `http://127.0.0.1:${port}/` })] }));
    assert.equal(result.status, 'completed');
    assert.deepEqual(result.metrics.errors_by_type, { body_too_large: 2 });
  });

  void describe('a self-signed certificate', () => {
    const startTls = async (): Promise<string> => {
      const server = createHttpsServer(
        { key: readFileSync(join(fixtures, 'selfsigned-key.pem')), cert: readFileSync(join(fixtures, 'selfsigned-cert.pem')) },
        (_req, res) => ok(res, 'secure'),
      );
      const sockets = new Set<Socket>();
      server.on('connection', (s: Socket) => sockets.add(s));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push({ close: () => new Promise<void>((done) => { for (const s of sockets) s.destroy(); server.close(() => done()); }) });
      return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    };

    void it('is a tls error when verified', async () => {
      const url = await startTls();
      const result = await runPlan(plan({ concurrency: 1, totalRequests: 2, endpoints: [endpoint({ url })] }));
      assert.deepEqual(result.metrics.errors_by_type, { tls: 2 });
      assert.equal(result.insecure_tls, undefined);
    });

    void it('passes with insecure_tls, which the result shows', async () => {
      const url = await startTls();
      const result = await runPlan(plan({ concurrency: 1, totalRequests: 2, insecureTls: true, endpoints: [endpoint({ url })] }));
      assert.equal(result.metrics.successful_requests, 2);
      assert.equal(result.passed, true);
      assert.equal(result.insecure_tls, true);
    });
  });

  void it('an endpoint whose template renders an unusable URL fails that request, the run goes on', async () => {
    const server = await track(serve((_req, res) => ok(res)));
    const url = {
      isStatic: false,
      source: '{{x}}',
      render: (ctx: { requestIndex: number }) => (ctx.requestIndex % 2 === 0 ? `${server.url}/` : 'not a url'),
    };
    const result = await runPlan(plan({ concurrency: 1, totalRequests: 6, endpoints: [endpoint({ url })] }));
    assert.equal(result.status, 'completed');
    assert.equal(result.metrics.successful_requests, 3);
    assert.deepEqual(result.metrics.errors_by_type, { other: 3 });
  });

  void it('an invalid plan (no endpoints) ends as failed with a reason', async () => {
    const result = await runPlan(plan({ endpoints: [] }));
    assert.equal(result.status, 'failed');
    assert.equal(result.passed, false);
    assert.match(result.error ?? '', /no endpoints/);
  });
});

void describe('cancel', { timeout: 30_000 }, () => {
  void it('once: stops scheduling and returns the partial result', async () => {
    const server = await track(serve((_req, res) => setTimeout(() => ok(res), 20)));
    const controller = new AbortController();
    let completedAtCancel = 0;
    const t0 = performance.now();
    const result = await runPlan(plan({ concurrency: 4, durationSeconds: 60, totalRequests: null, endpoints: [endpoint({ url: `${server.url}/` })] }), {
      signal: controller.signal,
      onProgress: (update) => {
        if (!controller.signal.aborted) {
          completedAtCancel = update.summary.total_requests;
          controller.abort();
        }
      },
    });
    assert.equal(result.status, 'cancelled');
    assert.equal(result.passed, false);
    assert.ok(result.failure_reasons.includes('run cancelled'));
    assert.ok(result.metrics.total_requests >= completedAtCancel && completedAtCancel > 0);
    assert.ok(performance.now() - t0 < 10_000);
    assert.ok(result.timeline.length >= 1);
  });

  void it('with requests that never answer: gives them up after the drain time', async () => {
    const server = await track(serve(() => undefined));
    const controller = new AbortController();
    const running = runPlan(plan({ concurrency: 3, totalRequests: 100, timeoutMs: 60_000, endpoints: [endpoint({ url: `${server.url}/` })] }), {
      signal: controller.signal,
      drainMs: 200,
      onLog: (_level, message) => {
        if (message.startsWith('run started')) setTimeout(() => controller.abort(), 100);
      },
    });
    const result = await running;
    assert.equal(result.status, 'cancelled');
    assert.equal(result.metrics.total_requests, 0);
  });
});
