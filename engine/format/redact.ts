// Secret redaction (SPEC.md "Secrets"): every stored, shown or logged text goes through redact().

/** Header names whose values are secrets (lower case). */
export const SECRET_HEADER_NAMES: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

/** Values shorter than this are not treated as secrets: redacting "1" or "on" would garble everything. */
export const MIN_SECRET_LENGTH = 3;

export const REDACTED = '***';

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER_NAMES.includes(name.toLowerCase());
}

const cache = new WeakMap<readonly string[], RegExp | null>();

function patternFor(secrets: readonly string[]): RegExp | null {
  const cached = cache.get(secrets);
  if (cached !== undefined) return cached;
  const unique = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  // Longest first, so a secret that contains another is replaced whole; one pass, so a
  // replacement is never matched again.
  const re = unique.length === 0 ? null : new RegExp(unique.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  cache.set(secrets, re);
  return re;
}

/** Replaces every occurrence of every secret in `text` by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  const re = patternFor(secrets);
  if (!re || text.length === 0) return text;
  re.lastIndex = 0;
  return text.replace(re, REDACTED);
}

/** redact() applied to every string (and object key) in a JSON-like value. */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redact(k, secrets)] = redactValue(v, secrets);
    return out;
  }
  return value;
}
