// Builds run plans by hand and starts throwaway servers on 127.0.0.1 for engine tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { CompiledTemplate, ParsedCheck, ParsedThreshold, PlanEndpoint, RunPlan, TemplateContext } from '../../engine/format/plan';

export function literal(text: string): CompiledTemplate {
  return { isStatic: true, source: text, render: () => text };
}

export function dynamic(source: string, render: (ctx: TemplateContext) => string): CompiledTemplate {
  return { isStatic: false, source, render };
}

export function threshold(expression: string, metric: ParsedThreshold['metric'], op: ParsedThreshold['op'], value: number): ParsedThreshold {
  return { expression, metric, op, value };
}

export interface EndpointInput {
  name?: string;
  url: string | CompiledTemplate;
  method?: PlanEndpoint['method'];
  headers?: Array<[string, string]>;
  body?: string | null;
  expectedStatus?: PlanEndpoint['expectedStatus'];
  weight?: number;
  thresholds?: ParsedThreshold[];
  checks?: ParsedCheck[];
}

export function endpoint(input: EndpointInput): PlanEndpoint {
  const url = typeof input.url === 'string' ? literal(input.url) : input.url;
  return {
    name: input.name ?? 'default',
    method: input.method ?? 'GET',
    displayUrl: url.source,
    url,
    headers: (input.headers ?? []).map(([k, v]) => [k, literal(v)]),
    body: input.body === undefined || input.body === null ? null : literal(input.body),
    expectedStatus: input.expectedStatus ?? null,
    weight: input.weight ?? 1,
    thresholds: input.thresholds ?? [],
    checks: input.checks ?? [],
  };
}

export function plan(overrides: Partial<RunPlan> & { endpoints: PlanEndpoint[] }): RunPlan {
  return {
    name: 'test',
    file: 'test.atm.yaml',
    model: overrides.requestsPerSecond ? 'open' : 'closed',
    concurrency: 2,
    totalRequests: overrides.durationSeconds ? null : 10,
    durationSeconds: null,
    requestsPerSecond: null,
    rampUpSeconds: 0,
    timeoutMs: 5000,
    insecureTls: false,
    workers: 1,
    distribution: 'round_robin',
    thresholds: [],
    flow: null,
    secrets: [],
    redactedSpec: { name: 'test' },
    baseline: null,
    ...overrides,
  };
}

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  /** Requests received so far. */
  readonly count: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 that tracks its sockets so close() never waits on keep-alive. */
export function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<TestServer> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const n = count++;
    handler(req, res, n);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        server,
        get count() {
          return count;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

export function ok(res: ServerResponse, body = 'ok', status = 200): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
