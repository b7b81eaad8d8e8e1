// A dotenv parser: `NAME=value` lines, `#` comments, `export ` prefixes, single quotes (literal),
// double quotes (\n \r \t \" \\ escapes, may span lines), unquoted values with trailing ` # comments`.

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*/;

export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let at = 0;
  while (at < src.length) {
    let nl = src.indexOf('\n', at);
    if (nl < 0) nl = src.length;
    const line = src.slice(at, nl);
    const m = LINE.exec(line);
    if (!m || line.trimStart().startsWith('#')) {
      at = nl + 1;
      continue;
    }
    const name = m[1]!;
    const restStart = at + m[0].length;
    const quote = src[restStart];
    if (quote === '"' || quote === "'" || quote === '`') {
      const close = findClose(src, restStart + 1, quote);
      if (close >= 0) {
        const raw = src.slice(restStart + 1, close);
        out[name] = quote === '"' ? unescape(raw) : raw;
        const after = src.indexOf('\n', close);
        at = after < 0 ? src.length : after + 1;
        continue;
      }
    }
    let value = src.slice(restStart, nl).replace(/\r$/, '');
    const hash = value.search(/\s#/);
    if (hash >= 0) value = value.slice(0, hash);
    out[name] = value.trim();
    at = nl + 1;
  }
  return out;
}

function findClose(src: string, from: number, quote: string): number {
  for (let i = from; i < src.length; i++) {
    if (quote === '"' && src[i] === '\\') {
      i++;
      continue;
    }
    if (src[i] === quote) return i;
  }
  return -1;
}

function unescape(raw: string): string {
  return raw.replace(/\\([nrt"\\$])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c));
}
