// The HTTP side of a run: undici clients driven through `dispatch()` with one reusable handler
// object per connection slot, so the hot path allocates no closures, promises or header objects
// of its own. Each slot owns its own keep-alive connection (an undici Client with one
// connection) per origin: `concurrency` slots are `concurrency` connections, and a slot never
// has more than one request on the wire.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildConnector, Client, type Dispatcher } from 'undici';
import { setFlagsFromString } from 'node:v8';
import type { PlanEndpoint, TemplateContext } from '../format/plan';
import { isRedirectStatus, locationOf, nextHop, requestBytes, type RedirectHop } from './redirect';

// undici parses responses with llhttp compiled to WebAssembly, on its first connection. V8 runs it
// on its baseline compiler (Liftoff) at once and recompiles it with its optimising compiler in
// the background a moment later: that recompilation alone raises the process's resident memory
// by about 35 MiB for a moment (an engine's peak went from about 121 to 96 MiB without it). With
// Liftoff's code alone a 60,000-request run used the same CPU (2.79 s against 2.83 s, medians of
// four alternated runs against nginx): the parser is a small part of a request's cost.
// Set before any connection, so before undici compiles the module.
setFlagsFromString('--liftoff-only');

/** A request ready to send. Static endpoints build it once and reuse it for every request. */
export interface PreparedRequest {
  origin: string;
  /** Passed to dispatch() as is; undici only reads it. */
  options: Dispatcher.DispatchOptions;
  /** Bytes the request puts on the wire (request line, headers, body). */
  bytesSent: number;
  /** For samples (redacted when a sample is taken). */
  url: string;
  headers: Array<[string, string]>;
  body: string | null;
  /** Redirects to follow (0: a 3xx is the response). */
  followRedirects: number;
  /** Lower-case names of the headers never sent to another origin. */
  originBound: readonly string[];
}

export interface ConnectionSettings {
  timeoutMs: number;
  insecureTls: boolean;
  /** Replaces DNS resolution (tests). */
  lookup?: typeof dnsLookup;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Names under `.invalid` never resolve (RFC 6761 §6.4): answer at once, without asking a resolver.
 */
function safeLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'invalid' || host.endsWith('.invalid')) {
    const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    err.code = 'ENOTFOUND';
    err.syscall = 'getaddrinfo';
    process.nextTick(callback, err, '', 0);
    return;
  }
  dnsLookup(hostname, options, callback);
}

/** Renders an endpoint for one request (or once, when every part of it is static). */
export function prepareRequest(endpoint: PlanEndpoint, ctx: TemplateContext, timeoutMs: number): PreparedRequest {
  const url = new URL(endpoint.url.render(ctx));
  const path = `${url.pathname}${url.search}`;
  const headers: Array<[string, string]> = [];
  const flat: string[] = [];
  for (const [name, template] of endpoint.headers) {
    const value = template.render(ctx);
    headers.push([name, value]);
    flat.push(name, value);
  }
  const body = endpoint.body === null ? null : endpoint.body.render(ctx);
  const bodyBuffer = body === null || body.length === 0 ? null : Buffer.from(body);
  const bodyBytes = bodyBuffer === null ? 0 : bodyBuffer.length;
  return {
    origin: url.origin,
    options: {
      path,
      method: endpoint.method,
      headers: flat,
      body: bodyBuffer,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    },
    bytesSent: requestBytes(endpoint.method, path, url.host, headers, bodyBytes),
    url: url.href,
    headers,
    body,
    followRedirects: endpoint.followRedirects ?? 0,
    originBound: endpoint.originBoundHeaders ?? NO_HEADERS,
  };
}

const NO_HEADERS: readonly string[] = [];

export function isStaticEndpoint(endpoint: PlanEndpoint): boolean {
  return endpoint.url.isStatic && endpoint.headers.every(([, v]) => v.isStatic) && (endpoint.body === null || endpoint.body.isStatic);
}

/** What undici's client passes to its connector for `origin`. */
function connectOptions(origin: string): buildConnector.Options {
  const url = new URL(origin);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host: url.host, hostname, protocol: url.protocol, port: url.port, localAddress: null };
}

/** Connections with bytes to read that undici's parser has not been given yet, in arrival order. */
const unread: Array<() => void> = [];
let unreadScheduled = false;

function parseUnread(): void {
  unreadScheduled = false;
  // A parse may send the next request, but a response to it arrives in a later turn of the loop.
  let i = 0;
  try {
    for (; i < unread.length; i++) unread[i]();
  } finally {
    // Should a parse throw, the connections after it are still parsed, on the next turn.
    unread.splice(0, i + 1);
    if (unread.length > 0 && !unreadScheduled) {
      unreadScheduled = true;
      setImmediate(parseUnread);
    }
  }
}

/**
 * Stamps every 'readable' of `socket` at once and hands it to undici's parser later in the same
 * turn of the event loop, once every connection that became readable in that turn has been
 * stamped. Responses that arrive together are then each timed from their arrival, not from when
 * the parser got round to them after the others. Any other event (end, error, close) first
 * gives the parser what is waiting, so bytes are parsed in the order they came, as before.
 */
function stampThenParse(socket: Socket, onReadable: (first: boolean) => void): Socket {
  const emit = socket.emit as (this: Socket, event: string | symbol, ...args: unknown[]) => boolean;
  let waiting = false;
  const parse = (): void => {
    if (!waiting) return;
    waiting = false;
    emit.call(socket, 'readable');
  };
  socket.emit = function emitStamped(this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'readable') {
      onReadable(!waiting);
      if (!waiting) {
        waiting = true;
        unread.push(parse);
        if (!unreadScheduled) {
          unreadScheduled = true;
          setImmediate(parseUnread);
        }
      }
      return true;
    }
    parse();
    return emit.call(this, event, ...args);
  } as Socket['emit'];
  return socket;
}

/**
 * How long after the request deadline undici's own connect timeout fires. The engine's deadline
 * sweep ends a request still waiting for its connection at the deadline (RequestSlot.abort);
 * undici's timer only backs it up, and would otherwise start earlier for a connection opened
 * by the warm-up and end a request before its time.
 */
const CONNECT_BACKSTOP_MS = 1000;

/**
 * undici's connector with one connection opened ahead of the first request: `warm()` connects
 * without sending anything, and the client's first connect takes that connection, or waits for
 * it while it is still opening. A warm-up that failed is forgotten: the first request connects
 * again and reports what it finds, as it would have without a warm-up.
 */
class WarmConnector {
  private socket: Socket | null = null;
  private opening = false;
  private closed = false;
  private waiter: buildConnector.Callback | null = null;

  constructor(
    private readonly base: buildConnector.connector,
    /**
     * Called whenever a connection this connector made has bytes to read, before undici parses
     * them; `first` when nothing read earlier is still waiting for the parser.
     */
    private readonly onReadable: (first: boolean) => void,
  ) {}

  private watch(socket: Socket): Socket {
    return stampThenParse(socket, this.onReadable);
  }

  readonly connect = (options: buildConnector.Options, callback: buildConnector.Callback): void => {
    if (this.opening) {
      this.waiter = callback;
      return;
    }
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      if (!socket.destroyed && socket.writable && !socket.readableEnded) {
        // Never synchronously: undici's client is in the middle of its own resume loop.
        process.nextTick(callback, null, socket);
        return;
      }
      socket.destroy();
    }
    this.base(options, (err, opened) => {
      if (err !== null || opened === null) callback(err ?? new Error('connect failed'), null);
      else callback(null, this.watch(opened));
    });
  };

  /** Opens the connection; resolves true when it is open, false when it failed (never rejects). */
  warm(origin: string): Promise<boolean> {
    if (this.opening || this.socket !== null || this.closed) return Promise.resolve(this.socket !== null);
    this.opening = true;
    return new Promise((resolve) => {
      this.base(connectOptions(origin), (err, socket) => {
        this.opening = false;
        const waiter = this.waiter;
        this.waiter = null;
        if (err !== null || socket === null) {
          // A request already waiting for this connection fails with it.
          if (waiter !== null) waiter(err ?? new Error('connect failed'), null);
          resolve(false);
          return;
        }
        this.watch(socket);
        if (waiter !== null) waiter(null, socket);
        else if (this.closed) socket.destroy();
        else this.socket = socket;
        resolve(true);
      });
    });
  }

  /** Closes a connection no request took; one still opening is closed when it opens. */
  close(): void {
    this.closed = true;
    this.waiter = null;
    this.socket?.destroy();
    this.socket = null;
  }
}

/** What a slot reports to. Called at most once per request, for success and failure alike. */
export interface SlotOwner {
  /** At the response headers: should this response's body be kept for a sample? */
  wantsBody(slot: RequestSlot): boolean;
  onSlotDone(slot: RequestSlot): void;
}

export class RequestSlot {
  // Per request; reset by send().
  endpointIndex = 0;
  requestIndex = 0;
  prepared: PreparedRequest | null = null;
  /** performance.now() milliseconds. */
  dueAt = 0;
  sentAt = 0;
  headersAt = 0;
  endedAt = 0;
  /**
   * When this slot's connection last had bytes to read, stamped before undici parses them: a
   * response is timed from its arrival, not from when the parser got round to it.
   */
  private readAt = 0;
  /** When the bytes the parser is now reading started to arrive (the first of them). */
  private firstReadAt = 0;
  private readonly stampRead = (first: boolean): void => {
    this.readAt = performance.now();
    if (first) this.firstReadAt = this.readAt;
  };
  status = 0;
  bytesReceived = 0;
  /** Redirects followed by this request (follow_redirects). */
  redirects = 0;
  /** Bytes the redirects' requests put on the wire (the first request's are in `prepared`). */
  redirectBytesSent = 0;
  /** The request of the chain now in progress (url, method, body), and whether it left the first origin. */
  private hop = { url: '', method: '', body: null as string | null, crossed: false };
  /** Set at a 3xx to follow: sent when its response body has been read. */
  private pendingHop: RedirectHop | null = null;
  error: Error | null = null;
  /** Set when a stop aborted the request: it is not counted. */
  discarded = false;
  busy = false;
  capture = false;
  captured: Buffer[] | null = null;
  capturedBytes = 0;
  truncated = false;
  /** How much of the body to keep when it is kept: the sample size, or more when checks or captures read it. */
  bodyLimit = 0;
  responseHeaders: Buffer[] | null = null;
  /** Set by the owner: continues this slot's loop later (bound once, no per-request closure). */
  resume: () => void = () => undefined;
  /** Set while the request is on a connection. */
  private abortFn: ((err?: Error) => void) | null = null;

  private clientOrigin = '';
  /** The origin the request in progress was dispatched to. */
  private requestOrigin = '';
  private client: Client | null = null;
  private readonly clients = new Map<string, Client>();
  private readonly connectors = new Map<string, WarmConnector>();

  constructor(
    readonly id: number,
    private readonly owner: SlotOwner,
    private readonly settings: ConnectionSettings,
    private readonly sampleBodyBytes: number,
  ) {}

  private clientFor(origin: string): Client {
    if (origin === this.clientOrigin && this.client !== null) return this.client;
    let client = this.clients.get(origin);
    if (client === undefined) {
      const { timeoutMs, insecureTls } = this.settings;
      const connector = new WarmConnector(
        buildConnector({
          timeout: timeoutMs + CONNECT_BACKSTOP_MS,
          rejectUnauthorized: !insecureTls,
          lookup: this.settings.lookup ?? safeLookup,
        }),
        this.stampRead,
      );
      this.connectors.set(origin, connector);
      client = new Client(origin, {
        // One request on the wire at a time all the same: a slot sends its next request only
        // after the last one completed. Above 1, undici writes that next request at once
        // instead of waiting a turn of the event loop per request (its idle-socket check).
        pipelining: 2,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        keepAliveTimeout: 10_000,
        connect: connector.connect,
      });
      this.clients.set(origin, client);
    }
    this.clientOrigin = origin;
    this.client = client;
    return client;
  }

  /**
   * Opens this slot's connection to `origin` without sending a request. Resolves when it is open
   * or failed (never rejects); the slot's first request to `origin` then uses it.
   */
  warm(origin: string): Promise<boolean> {
    this.clientFor(origin);
    const connector = this.connectors.get(origin);
    return connector === undefined ? Promise.resolve(false) : connector.warm(origin);
  }

  /** Starts a request. `dueAt` is when it was due (open model) or now (closed model). */
  send(prepared: PreparedRequest, endpointIndex: number, requestIndex: number, dueAt: number, now: number): void {
    this.prepared = prepared;
    this.endpointIndex = endpointIndex;
    this.requestIndex = requestIndex;
    this.dueAt = dueAt;
    this.sentAt = now;
    this.headersAt = 0;
    this.status = 0;
    this.bytesReceived = 0;
    this.error = null;
    this.discarded = false;
    this.capture = false;
    this.captured = null;
    this.capturedBytes = 0;
    this.truncated = false;
    this.bodyLimit = this.sampleBodyBytes;
    this.responseHeaders = null;
    this.abortFn = null;
    this.redirects = 0;
    this.redirectBytesSent = 0;
    this.pendingHop = null;
    if (prepared.followRedirects > 0) {
      this.hop.url = prepared.url;
      this.hop.method = prepared.options.method;
      this.hop.body = prepared.body;
      this.hop.crossed = false;
    }
    this.busy = true;
    this.requestOrigin = prepared.origin;
    this.clientFor(prepared.origin).dispatch(prepared.options, this);
  }

  /** True while the request is on a connection (it can be aborted there). */
  get connected(): boolean {
    return this.abortFn !== null;
  }

  /**
   * Ends the request now with `err`. On a connection, undici aborts it. Still waiting for its
   * connection (connecting, resolving the name, or waiting for the warm-up's connection), it has
   * no abort of its own: the slot's client for that origin is destroyed, which fails the request
   * at once and drops the connection attempt, and the next request to the origin gets a fresh
   * client. The handler object is reused, so nothing of the abandoned request can call back later.
   */
  abort(err: Error): void {
    if (!this.busy) return;
    if (this.abortFn !== null) {
      this.abortFn(err);
      return;
    }
    this.dropClient(this.requestOrigin, err);
    // destroy() fails the queued request synchronously; should it not have, end it here.
    this.finish(err);
  }

  private dropClient(origin: string, err: Error): void {
    const client = this.clients.get(origin);
    this.clients.delete(origin);
    this.connectors.get(origin)?.close();
    this.connectors.delete(origin);
    if (this.clientOrigin === origin) {
      this.client = null;
      this.clientOrigin = '';
    }
    client?.destroy(err).catch(() => undefined);
  }

  private finish(err: Error | null): void {
    if (!this.busy) return;
    this.busy = false;
    this.abortFn = null;
    this.endedAt = err === null && this.readAt >= this.sentAt ? this.readAt : performance.now();
    this.error = err;
    this.owner.onSlotDone(this);
  }

  // undici's DispatchHandler (the raw-headers form: no header objects are built).
  onConnect(abort: (err?: Error) => void): void {
    if (!this.busy) {
      // A request this slot already gave up on reached a connection: drop it.
      abort(new Error('abandoned'));
      return;
    }
    this.abortFn = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    if (statusCode < 200 || !this.busy) return true;
    const prepared = this.prepared;
    if (prepared !== null && this.redirects < prepared.followRedirects && isRedirectStatus(statusCode)) {
      const location = locationOf(rawHeaders);
      const hop = location === null ? null : nextHop(prepared, this.hop, statusCode, location);
      if (hop !== null) {
        // Read this response to its end (the connection is kept), then send the next hop.
        this.pendingHop = hop;
        let bytes = 17 + statusText.length;
        for (let i = 0; i < rawHeaders.length; i++) bytes += rawHeaders[i].length + 2;
        this.bytesReceived += bytes;
        return true;
      }
    }
    this.headersAt = this.firstReadAt >= this.sentAt ? this.firstReadAt : performance.now();
    this.status = statusCode;
    let bytes = 17 + statusText.length;
    for (let i = 0; i < rawHeaders.length; i++) bytes += rawHeaders[i].length + 2;
    this.bytesReceived += bytes;
    if (this.owner.wantsBody(this)) {
      this.capture = true;
      this.captured = [];
      this.responseHeaders = rawHeaders;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytesReceived += chunk.length;
    if (this.capture && this.captured !== null) {
      const room = this.bodyLimit - this.capturedBytes;
      if (room > 0) {
        const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
        // No copy: undici hands over views of the bytes read from the socket, which nothing
        // writes to again (the parser works on its own copy), as it does for rawHeaders.
        this.captured.push(piece);
        this.capturedBytes += piece.length;
        if (chunk.length > room) this.truncated = true;
      } else if (chunk.length > 0) {
        this.truncated = true;
      }
    }
    return true;
  }

  onComplete(_trailers: string[] | null): void {
    if (this.pendingHop !== null && this.busy) {
      this.follow(this.pendingHop);
      return;
    }
    this.finish(null);
  }

  /** Sends the next request of a redirect chain; the chain keeps the first request's times. */
  private follow(hop: RedirectHop): void {
    this.pendingHop = null;
    this.redirects++;
    this.redirectBytesSent += hop.bytesSent;
    this.hop.url = hop.url.href;
    this.hop.method = hop.method;
    this.hop.body = hop.body;
    this.hop.crossed = hop.crossed;
    this.abortFn = null;
    this.requestOrigin = hop.url.origin;
    this.clientFor(hop.url.origin).dispatch(hop.options, this);
  }

  onError(err: Error): void {
    this.finish(err);
  }

  /** Closes this slot's connections without waiting for them. */
  async destroy(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    for (const connector of this.connectors.values()) connector.close();
    this.connectors.clear();
    this.client = null;
    this.clientOrigin = '';
    await Promise.all(clients.map((client) => client.destroy().catch(() => undefined)));
  }
}
