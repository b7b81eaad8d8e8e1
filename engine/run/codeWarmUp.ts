// Warming the engine's code before the measured window. A fresh process runs its hot path
// (undici's client and parser, request building, metrics) unoptimised for its first few thousand
// requests: an open-model run at 10k req/s then falls behind in its first second, and a short
// closed-model run at low concurrency adds that slow code to every latency. So before t0 the
// engine sends a short burst of the test's own requests to a throwaway HTTP server of its own on
// 127.0.0.1, inside this process, and discards what it measured. Nothing reaches the target.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { CompiledTemplate, PlanEndpoint, RunPlan } from '../format/plan';

/** Requests in the warm-up burst: enough for V8 to optimise the hot path. */
export const CODE_WARM_UP_REQUESTS = 3000;
/** The longest the burst may take; it stops there, warm or not. */
export const CODE_WARM_UP_MAX_MS = 500;
const WARM_UP_CONCURRENCY = 16;
const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

type RunFn = (plan: RunPlan, signal: AbortSignal) => Promise<{ metrics: { total_requests: number } }>;

/**
 * A minimal HTTP/1.1 responder: one prebuilt 200 per request, reading each request's head and its
 * Content-Length body. Anything it cannot follow (chunked bodies) ends the connection, which only
 * costs the burst a few requests.
 */
function serve(socket: Socket): void {
  let pending: Buffer = Buffer.alloc(0);
  let bodyLeft = 0;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let answers = 0;
    for (;;) {
      if (bodyLeft > 0) {
        const take = Math.min(bodyLeft, pending.length);
        bodyLeft -= take;
        pending = pending.subarray(take);
        if (bodyLeft > 0) break;
        answers++;
        continue;
      }
      const end = pending.indexOf(HEAD_END);
      if (end < 0) break;
      const head = pending.toString('latin1', 0, end);
      pending = pending.subarray(end + 4);
      if (/\r\ntransfer-encoding:/i.test(head)) {
        socket.destroy();
        return;
      }
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      bodyLeft = length === null ? 0 : Number(length[1]);
      if (bodyLeft === 0) answers++;
    }
    if (answers > 0) socket.write(answers === 1 ? RESPONSE : Buffer.concat(new Array<Buffer>(answers).fill(RESPONSE)));
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The same URL with its origin replaced by the warm-up server's. */
function retarget(url: CompiledTemplate, origin: string): CompiledTemplate {
  const move = (text: string): string => {
    try {
      const u = new URL(text);
      return origin + u.pathname + u.search;
    } catch {
      return text;
    }
  };
  if (url.isStatic) {
    const fixed = move(url.render({ requestIndex: 0 }));
    return { isStatic: true, source: url.source, render: () => fixed };
  }
  return { isStatic: false, source: url.source, render: (ctx) => move(url.render(ctx)) };
}

/** The warm-up plan: the test's endpoints and distribution, aimed at `origin`, closed model, no verdict. */
export function warmUpPlan(plan: RunPlan, origin: string): RunPlan {
  const endpoints: PlanEndpoint[] = plan.endpoints.map((e) => ({
    ...e,
    url: retarget(e.url, origin),
    headers: e.headers.filter(([name]) => name.toLowerCase() !== 'host'),
    expectedStatus: null,
    thresholds: [],
    checks: [],
  }));
  return {
    ...plan,
    name: `${plan.name} (warm-up)`,
    model: 'closed',
    concurrency: Math.min(WARM_UP_CONCURRENCY, Math.max(1, plan.concurrency)),
    totalRequests: CODE_WARM_UP_REQUESTS,
    durationSeconds: null,
    requestsPerSecond: null,
    rampUpSeconds: 0,
    timeoutMs: Math.min(plan.timeoutMs, 2000),
    insecureTls: false,
    workers: 1,
    endpoints,
    // A flow warms as its steps in turn; steps that need a capture cannot render and are skipped.
    flow: null,
    thresholds: [],
  };
}

/**
 * Runs the warm-up burst through `run` (the engine's own run, without its own code warm-up) and
 * resolves when it is over: after CODE_WARM_UP_REQUESTS, CODE_WARM_UP_MAX_MS, or `stop`
 * aborting, with the number of requests it sent. Never throws: a warm-up that cannot start is
 * skipped (0).
 */
export async function warmCode(plan: RunPlan, run: RunFn, stop: AbortSignal): Promise<number> {
  if (stop.aborted) return 0;
  const server = createServer(serve);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const timer = setTimeout(abort, CODE_WARM_UP_MAX_MS);
  stop.addEventListener('abort', abort, { once: true });
  try {
    const port = await listen(server);
    const result = await run(warmUpPlan(plan, `http://127.0.0.1:${port}`), controller.signal);
    return result.metrics.total_requests;
  } catch {
    // The burst only makes the code faster; the run goes on without it.
    return 0;
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', abort);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
