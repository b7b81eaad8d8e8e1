// The `/metrics` endpoint of `atm run --prometheus [HOST:]PORT` and of editor runs with the
// setting atm.prometheus: serves an exporter's text while runs go and, once they have ended,
// until Prometheus has scraped the final numbers once (or a time limit), then closes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { PrometheusExporter } from './exporter';

export const DEFAULT_PROMETHEUS_HOST = '127.0.0.1';
/** After the runs, how long the endpoint waits for the scrape that reads the final numbers. */
export const FINAL_SCRAPE_WAIT_MS = 15_000;

export interface PrometheusAddress {
  host: string;
  /** 0: a free port, chosen when listening. */
  port: number;
}

/**
 * `[HOST:]PORT` (HOST an IP address, `[::1]` style for IPv6, or localhost; default 127.0.0.1), or
 * why not. The message says what is expected; the caller names the flag or setting.
 */
export function parsePrometheusAddress(raw: string): PrometheusAddress | string {
  const text = raw.trim();
  const expected = 'expected [HOST:]PORT, e.g. 9464, 127.0.0.1:9464 or 0.0.0.0:9464 for every interface';
  if (text === '') return `an address is needed: ${expected}`;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)|(.*:.*)):(\d+)$|^(\d+)$/.exec(text);
  if (match === null) return `'${raw}' is not an address: ${expected}`;
  const portText = match[4] ?? match[5];
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `port ${portText} is out of range: a port is a whole number from 0 to 65535`;
  const host = match[1] ?? match[2] ?? match[3] ?? DEFAULT_PROMETHEUS_HOST;
  if (match[3] !== undefined) return `'${raw}': write an IPv6 address in brackets, e.g. [::1]:${port}`;
  if (host !== 'localhost' && isIP(host) === 0) return `'${host}' is not an IP address of this machine: use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or another of its addresses`;
  return { host, port };
}

/** True when only this machine can reach the address. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The endpoint could not be opened; the message names `where` (a flag or setting) and the fix. */
export class MetricsServerError extends Error {}

function listenError(err: NodeJS.ErrnoException, address: PrometheusAddress, where: string): MetricsServerError {
  const at = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new MetricsServerError(`${where} ${at}: the port is in use; pick another port (${where} ${address.port === 9464 ? 9465 : 9464}) or stop what listens there`);
    case 'EADDRNOTAVAIL':
      return new MetricsServerError(`${where} ${at}: ${address.host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 (every interface) or one of its own addresses`);
    case 'EACCES':
      return new MetricsServerError(`${where} ${at}: this user may not listen on port ${address.port}; pick a port above 1023, e.g. 9464`);
    default:
      return new MetricsServerError(`${where} ${at}: cannot listen: ${err.message}`);
  }
}

export class MetricsServer {
  private finishing = false;
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    private readonly exporter: PrometheusExporter,
    /** Where Prometheus scrapes, e.g. http://127.0.0.1:9464/metrics. */
    readonly url: string,
    readonly address: PrometheusAddress,
  ) {}

  /** Listens on `address`; rejects with a MetricsServerError naming `where` when it cannot. */
  static start(exporter: PrometheusExporter, address: PrometheusAddress, where: string): Promise<MetricsServer> {
    return new Promise((resolve, reject) => {
      let metrics: MetricsServer | null = null;
      const server = createServer((req, res) => {
        if (metrics !== null) metrics.handle(req, res);
      });
      server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, address, where)));
      server.listen({ host: address.host, port: address.port }, () => {
        const bound = server.address();
        const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
        const host = address.host.includes(':') ? `[${address.host}]` : address.host;
        metrics = new MetricsServer(server, exporter, `http://${host}:${port}/metrics`, { host: address.host, port });
        resolve(metrics);
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('GET /metrics\n');
      return;
    }
    // Only a scrape begun after the runs ended has the final numbers.
    const final = this.finishing;
    this.exporter.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': this.exporter.contentType });
        res.end(req.method === 'HEAD' ? undefined : text, () => {
          if (final) this.scraped();
        });
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  }

  private scraped(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /**
   * Resolves once /metrics, asked for after this call (the runs have ended, so it has the final
   * numbers), has been read in full, or after `timeoutMs`; then the endpoint is closed.
   */
  async finish(timeoutMs: number = FINAL_SCRAPE_WAIT_MS): Promise<void> {
    this.finishing = true;
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (timer !== null) clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      timer = setTimeout(done, timeoutMs);
    });
    await this.close();
  }

  close(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
    return new Promise((resolve) => {
      // Idle keep-alive connections (Prometheus keeps one between scrapes) close now; one still
      // answering finishes its answer first, unless it takes longer than a moment.
      const force = setTimeout(() => this.server.closeAllConnections(), 1000);
      force.unref();
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
