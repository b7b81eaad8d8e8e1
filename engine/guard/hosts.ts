// Which hosts a run targets and whether they are this machine or a private network: one
// definition for the extension's preflight and `atm mcp` alike.
import { isIP } from 'node:net';

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
