// Guard rails before a run, as pure functions (no 'vscode'): which hosts a run targets and whether
// they are this machine or a private network, how much load it asks for, and the user's caps.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

export interface LoadShape {
  concurrency: number;
  requestsPerSecond: number | null;
  durationSeconds: number | null;
  totalRequests: number | null;
}

export interface Caps {
  maxConcurrency: number;
  maxRequestsPerSecond: number;
  maxDurationSeconds: number;
}

/** The setting behind each cap, named in the refusal so the user knows what to change. */
export const CAP_SETTINGS: Record<keyof Caps, string> = {
  maxConcurrency: 'atm.maxConcurrency',
  maxRequestsPerSecond: 'atm.maxRequestsPerSecond',
  maxDurationSeconds: 'atm.maxDurationSeconds',
};

/** Why a run is beyond the user's caps, or null when it is within them. */
export function capViolation(name: string, load: LoadShape, caps: Caps): string | null {
  if (load.concurrency > caps.maxConcurrency) {
    return `"${name}" asks for concurrency ${load.concurrency}, above the ${caps.maxConcurrency} allowed by the setting ${CAP_SETTINGS.maxConcurrency}.`;
  }
  if (load.requestsPerSecond !== null && load.requestsPerSecond > caps.maxRequestsPerSecond) {
    return `"${name}" asks for ${load.requestsPerSecond} requests per second, above the ${caps.maxRequestsPerSecond} allowed by the setting ${CAP_SETTINGS.maxRequestsPerSecond}.`;
  }
  if (load.durationSeconds !== null && load.durationSeconds > caps.maxDurationSeconds) {
    return `"${name}" runs for ${load.durationSeconds} s, above the ${caps.maxDurationSeconds} s allowed by the setting ${CAP_SETTINGS.maxDurationSeconds}.`;
  }
  return null;
}

/** "200 req/s (open model), 20 connections, for 30 s" — for the confirmation dialog. */
export function describeLoad(load: LoadShape): string {
  const rate = load.requestsPerSecond !== null ? `${load.requestsPerSecond} req/s (fixed arrival rate)` : 'as fast as the server answers';
  const size = load.durationSeconds !== null ? `for ${load.durationSeconds} s` : `${load.totalRequests ?? 0} requests in total`;
  return `${rate}, ${load.concurrency} connection${load.concurrency === 1 ? '' : 's'}, ${size}`;
}

function ipv4Parts(ip: string): number[] | null {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255) ? parts : null;
}

/** True for loopback, private (RFC 1918 / ULA), link-local and unspecified addresses. */
export function isLocalAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  const kind = isIP(ip);
  if (kind === 4) {
    const [a, b] = ipv4Parts(ip) ?? [-1, -1];
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (kind === 6) {
    if (ip === '::1' || ip === '::') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
    if (mapped) return isLocalAddress(mapped[1]);
    const first = parseInt(ip.split(':')[0] || '0', 16);
    return (first & 0xfe00) === 0xfc00 /* fc00::/7 */ || (first & 0xffc0) === 0xfe80 /* fe80::/10 */;
  }
  return false;
}

export type Lookup = (hostname: string) => Promise<string[]>;

export interface HostVerdict {
  host: string;
  addresses: string[];
  /** Every address is loopback or private (a name that does not resolve counts as remote). */
  local: boolean;
}

/** Resolves each host name and tells which are this machine or a private network. */
export async function classifyHosts(hosts: readonly string[], lookup: Lookup): Promise<HostVerdict[]> {
  const unique = [...new Set(hosts.map((h) => h.toLowerCase()))];
  return Promise.all(
    unique.map(async (host): Promise<HostVerdict> => {
      const bare = host.replace(/^\[|\]$/g, '');
      if (isIP(bare)) return { host, addresses: [bare], local: isLocalAddress(bare) };
      let addresses: string[] = [];
      try {
        addresses = await lookup(bare);
      } catch {
        addresses = [];
      }
      return { host, addresses, local: addresses.length > 0 && addresses.every(isLocalAddress) };
    }),
  );
}

/** Host names of absolute http(s) URLs; anything else is ignored. */
export function hostsOf(urls: readonly string[]): string[] {
  const hosts: string[] = [];
  for (const url of urls) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') hosts.push(parsed.hostname);
    } catch {
      // not an absolute URL: nothing to check
    }
  }
  return [...new Set(hosts)];
}

/** The `{{env:NAME}}` variables a spec text sends, in order of first use. */
export function envVarsIn(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\{\{\s*env:\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) {
    if (!names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

/** Identifies a confirmed spec: the same text of the same test never asks twice. */
export function specHash(testName: string, documentText: string): string {
  return createHash('sha256').update(testName).update('\0').update(documentText).digest('hex');
}
