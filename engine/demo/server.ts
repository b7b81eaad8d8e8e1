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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

interface Order {
  id: number;
  user: string;
  item_id: number;
  quantity: number;
  status: 'created';
}

/** Sessions and orders the demo keeps; the oldest go first beyond this. */
const MAX_KEPT = 10_000;

function keep<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_KEPT) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  map.set(key, value);
}

function parseJsonObject(body: string | null): Record<string, unknown> | null {
  if (body === null) return null;
  try {
    const v: unknown = JSON.parse(body === '' ? '{}' : body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
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
  // The journey: POST /login gives a token; /orders needs it as `Authorization: Bearer TOKEN`.
  const sessions = new Map<string, string>();
  const orders = new Map<number, Order>();
  let sessionCount = 0;
  let nextOrderId = 1;
  const userOf = (req: IncomingMessage): string | undefined => {
    const auth = req.headers.authorization ?? '';
    return auth.startsWith('Bearer ') ? sessions.get(auth.slice(7)) : undefined;
  };

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
    if (path === '/login') {
      if (method !== 'POST') {
        send(res, 405, { error: 'method not allowed' });
        return;
      }
      readBody(req, (body) => {
        const fields = parseJsonObject(body);
        const user = fields?.user;
        const password = fields?.password;
        // Any user; a password of at least 4 characters (so a test can also see a refusal).
        if (typeof user !== 'string' || user === '' || typeof password !== 'string' || password.length < 4) {
          send(res, 401, { error: 'user and a password of at least 4 characters are required' });
          return;
        }
        const token = `demo-${Buffer.from(user).toString('base64url')}-${(sessionCount++).toString(36)}-${Date.now().toString(36)}`;
        keep(sessions, token, user);
        send(res, 200, { access_token: token, token_type: 'Bearer', user });
      });
      return;
    }
    if (path === '/orders' || /^\/orders\/\d+$/.test(path)) {
      const user = userOf(req);
      if (user === undefined) {
        send(res, 401, { error: 'log in first: POST /login, then send Authorization: Bearer TOKEN' }, { 'www-authenticate': 'Bearer' });
        return;
      }
      if (path === '/orders' && method === 'POST') {
        readBody(req, (body) => {
          const fields = parseJsonObject(body);
          const itemId = Number(fields?.item_id);
          const quantity = fields?.quantity === undefined ? 1 : Number(fields.quantity);
          if (!Number.isInteger(itemId) || !items.has(itemId) || !Number.isInteger(quantity) || quantity < 1) {
            send(res, 400, { error: 'item_id (an existing item) and a positive whole quantity are required' });
            return;
          }
          const order: Order = { id: nextOrderId++, user, item_id: itemId, quantity, status: 'created' };
          keep(orders, order.id, order);
          send(res, 201, order, { location: `/orders/${order.id}` });
        });
        return;
      }
      if (method !== 'GET') {
        send(res, 405, { error: 'method not allowed' });
        return;
      }
      if (path === '/orders') {
        const mine = [...orders.values()].filter((o) => o.user === user).slice(-20);
        send(res, 200, { orders: mine, user });
        return;
      }
      const order = orders.get(Number(path.slice('/orders/'.length)));
      if (order === undefined || order.user !== user) send(res, 404, { error: 'no such order' });
      else send(res, 200, order);
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
