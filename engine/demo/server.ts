// The demo target: a small deterministic HTTP API on loopback for `atm run --demo`,
// `atm demo-server` and tests. Everything is computed, nothing random, so runs repeat.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface DemoServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Item {
  id: number;
  name: string;
  [key: string]: unknown;
}

/** Longest /slow delay, so a typo cannot park connections for hours. */
const MAX_SLOW_MS = 30_000;
const MAX_BODY = 1 << 20;

function seedItems(): Map<number, Item> {
  const items = new Map<number, Item>();
  for (let id = 1; id <= 100; id++) items.set(id, { id, name: `item-${id}`, price: (id * 7) % 100 });
  return items;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, done: (body: string | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('end', () => done(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
  req.on('error', () => done(null));
}

export function createDemoHandler(): (req: IncomingMessage, res: ServerResponse) => void {
  const items = seedItems();
  let nextId = 101;
  let flakyCount = 0;

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo.local');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';

    if (path === '/health' || path === '/') {
      send(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/items') {
      if (method === 'GET') {
        const limit = Math.max(0, Math.min(100, Number(url.searchParams.get('limit') ?? 20) || 0));
        const list = [...items.values()].slice(0, limit);
        send(res, 200, { items: list, total: items.size });
        return;
      }
      if (method === 'POST') {
        readBody(req, (body) => {
          let parsed: unknown = {};
          try {
            parsed = body === null || body === '' ? {} : JSON.parse(body);
          } catch {
            send(res, 400, { error: 'body is not JSON' });
            return;
          }
          const fields = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
          const id = nextId++;
          const item: Item = { ...fields, id, name: typeof fields.name === 'string' ? fields.name : `item-${id}` };
          // Bounded: the demo keeps the seed and the latest creations only.
          if (items.size < 10_000) items.set(id, item);
          send(res, 201, item);
        });
        return;
      }
      send(res, 405, { error: 'method not allowed' });
      return;
    }
    const itemMatch = /^\/items\/(\d+)$/.exec(path);
    if (itemMatch !== null) {
      const item = items.get(Number(itemMatch[1]));
      if (item === undefined) send(res, 404, { error: 'not found' });
      else send(res, 200, item);
      return;
    }
    if (path === '/slow') {
      const ms = Math.max(0, Math.min(MAX_SLOW_MS, Number(url.searchParams.get('ms') ?? 100) || 0));
      const timer = setTimeout(() => send(res, 200, { slept_ms: ms }), ms);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (path === '/flaky') {
      // Deterministic: with rate r, every request whose counter crosses a multiple of 1/r fails.
      const rate = Math.max(0, Math.min(1, Number(url.searchParams.get('rate') ?? 0.1) || 0));
      const n = flakyCount++;
      const fails = Math.floor((n + 1) * rate) > Math.floor(n * rate);
      if (fails) send(res, 503, { error: 'flaky failure', request: n });
      else send(res, 200, { ok: true, request: n });
      return;
    }
    if (path === '/echo') {
      readBody(req, (body) => send(res, 200, { method, url: req.url ?? '/', headers: req.headers, body }));
      return;
    }
    send(res, 404, { error: 'not found', path });
  };
}

export function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer({ keepAliveTimeout: 30_000 }, createDemoHandler());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
