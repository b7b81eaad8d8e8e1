// Following a redirect (follow_redirects): the next request of a chain, built from the 3xx
// response, the request that got it and the prepared request the chain started from. Secrets
// never leave the origin the spec addressed: once a chain has left it, the origin-bound headers
// (Authorization, Cookie, X-Api-Key, the auth header, ...) are dropped for the rest of the chain.
import type { Dispatcher } from 'undici';
import type { PreparedRequest } from './http';

/** The statuses that redirect (with a Location); 300 and 304 do not. */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The Location header of a raw header list (name, value, name, value, ...), or null. */
export function locationOf(rawHeaders: readonly Buffer[]): string | null {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    // "location", compared without building a string for every header.
    if (name.length === 8 && name.toString('latin1').toLowerCase() === 'location') return rawHeaders[i + 1].toString('latin1');
  }
  return null;
}

/** One hop of a chain: what to send next and where. */
export interface RedirectHop {
  url: URL;
  method: string;
  body: string | null;
  /** True once the chain has left the origin of the first request. */
  crossed: boolean;
  options: Dispatcher.DispatchOptions;
  bytesSent: number;
}

/** Bytes a request puts on the wire as undici writes it: request line, host, connection, the headers, content-length, blank line, body. */
export function requestBytes(method: string, path: string, host: string, headers: ReadonlyArray<readonly [string, string]>, bodyBytes: number): number {
  let bytes = method.length + 1 + Buffer.byteLength(path) + 11 + 8 + Buffer.byteLength(host) + 24;
  for (const [name, value] of headers) bytes += name.length + 2 + Buffer.byteLength(value) + 2;
  if (bodyBytes > 0) bytes += 18 + String(bodyBytes).length;
  return bytes + 2 + bodyBytes;
}

const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'transfer-encoding']);

/**
 * The request that follows `status` + `location`, or null when the Location cannot be followed
 * (not an http(s) URL): the 3xx is then the response.
 */
export function nextHop(
  prepared: PreparedRequest,
  current: { url: string; method: string; body: string | null; crossed: boolean },
  status: number,
  location: string,
): RedirectHop | null {
  let url: URL;
  try {
    url = new URL(location, current.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  // As browsers and fetch do: 303 always, and 301/302 after a POST, continue as GET without a body.
  const toGet = (status === 303 && current.method !== 'HEAD') || ((status === 301 || status === 302) && current.method === 'POST');
  const method = toGet ? 'GET' : current.method;
  const body = toGet ? null : current.body;
  const crossed = current.crossed || url.origin !== prepared.origin;
  const headers: Array<[string, string]> = [];
  const flat: string[] = [];
  for (const [name, value] of prepared.headers) {
    const key = name.toLowerCase();
    if (crossed && prepared.originBound.includes(key)) continue;
    if (body === null && BODY_HEADERS.has(key)) continue;
    headers.push([name, value]);
    flat.push(name, value);
  }
  const path = `${url.pathname}${url.search}`;
  const bodyBuffer = body === null || body.length === 0 ? null : Buffer.from(body);
  const bodyBytes = bodyBuffer === null ? 0 : bodyBuffer.length;
  const timeouts = prepared.options;
  return {
    url,
    method,
    body,
    crossed,
    options: {
      path,
      method: method as Dispatcher.HttpMethod,
      headers: flat,
      body: bodyBuffer,
      headersTimeout: timeouts.headersTimeout,
      bodyTimeout: timeouts.bodyTimeout,
    },
    bytesSent: requestBytes(method, path, url.host, headers, bodyBytes),
  };
}
