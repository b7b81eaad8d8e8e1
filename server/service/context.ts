// What every service function shares: the lines of a document (cached per version) and the
// environment the editor hints use. No file system here: the connection passes a reader in.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { BUILTINS as SPEC_BUILTINS, parseDotenv } from '../../engine/format';
import { splitLines, topLevelKeys, documentBounds } from './lines';

export interface ServiceContext {
  /** The process environment seen by runs started from the editor. */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a file relative to the document (for `env_file`); null when absent or unreadable. */
  readFile?: (relativePath: string) => string | null;
  /** Names of the tests of this document that have a run pinned as baseline in the editor. */
  pinnedBaselines?: readonly string[];
}

export const EMPTY_CONTEXT: ServiceContext = { env: {} };

const linesCache = new WeakMap<TextDocument, { version: number; lines: string[] }>();

export function linesOf(doc: TextDocument): string[] {
  const hit = linesCache.get(doc);
  if (hit && hit.version === doc.version) return hit.lines;
  const lines = splitLines(doc.getText());
  linesCache.set(doc, { version: doc.version, lines });
  return lines;
}

/** The `env_file` of the test around `line` (as written), or `.env` by default. */
export function envFileOf(lines: readonly string[], line: number): { path: string; explicit: boolean } {
  const { start, end } = documentBounds(lines, line);
  for (const k of topLevelKeys(lines, start, end)) {
    if (k.entry.key === 'env_file' && k.entry.value) return { path: k.entry.value.replace(/^["']|["']$/g, ''), explicit: true };
  }
  return { path: '.env', explicit: false };
}

/** Names a dotenv file defines (only the names: values are never shown). */
export function envFileNames(text: string | null): string[] {
  return text ? Object.keys(parseDotenv(text)) : [];
}

export interface EnvLookup {
  /** Where a name is set, or null when it is not. */
  where(name: string): 'environment' | 'env_file' | null;
  names(): Array<{ name: string; where: 'environment' | 'env_file' }>;
  envFile: string;
}

export function envLookup(ctx: ServiceContext, lines: readonly string[], line: number): EnvLookup {
  const file = envFileOf(lines, line);
  let fileText: string | null = null;
  try {
    fileText = ctx.readFile ? ctx.readFile(file.path) : null;
  } catch {
    fileText = null;
  }
  const fromFile = new Set(envFileNames(fileText));
  return {
    envFile: file.path,
    where(name) {
      if (ctx.env[name] !== undefined) return 'environment';
      if (fromFile.has(name)) return 'env_file';
      return null;
    },
    names() {
      const out: Array<{ name: string; where: 'environment' | 'env_file' }> = [];
      for (const n of fromFile) out.push({ name: n, where: 'env_file' });
      for (const n of Object.keys(ctx.env)) if (!fromFile.has(n) && ctx.env[n] !== undefined) out.push({ name: n, where: 'environment' });
      return out;
    },
  };
}

export interface Builtin {
  name: string;
  /** Snippet text after `{{`. */
  snippet: string;
  doc: string;
}

/** The built-in templates, from the spec module's table; arguments become snippet tab stops. */
export const BUILTINS: readonly Builtin[] = Object.entries(SPEC_BUILTINS).map(([name, b]) => {
  const args = Array.from({ length: b.args }, (_, i) => ` \${${i + 1}:${i === 0 ? '1' : '100'}}`).join('');
  return { name, snippet: `\\${name}${args}`, doc: b.description };
});

