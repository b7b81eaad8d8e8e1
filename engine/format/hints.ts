// Editor hints on top of the file's diagnostics: environment variables that are not set, secrets
// written into the file, and an open-model rate the concurrency cannot carry. The language server
// and `atm validate` both call validateText(), so they never disagree.
import { DIAGNOSTIC_CODES as C } from './codes';
import type { SpecDiagnostic } from './diagnostic';
import type { Locator } from './locate';
import { parseSpecFileIncremental } from './incremental';
import { compareDiagnostics, locatorOf, parseSpecFile, type ParsedFile } from './parse';
import { envFileFor, envLookup } from './resolve';
import { isSecretHeader } from './redact';
import { templatedStrings } from './semantic';
import { dataDiagnostics } from './flowSemantic';
import { scanTemplates } from './template';
import { DEFAULTS } from './types';

export interface ValidateContext {
  /** The process environment. Without any context, env checks are skipped. */
  env?: Record<string, string | undefined>;
  /** The text of `.env` beside the spec (null: there is none). */
  envFileText?: string | null;
  /** Reads a file relative to the spec (for `env_file:`); null when it does not exist. */
  readEnvFile?: (relativePath: string) => string | null;
  /** Reads a data file (`data.file`) relative to the spec; null when it does not exist. Default: readEnvFile. */
  readDataFile?: (relativePath: string) => string | null;
}

type Obj = Record<string, unknown>;
/** Variable names that suggest a credential. */
const SECRET_NAME = /token|secret|passw(or)?d|api[_-]?key|credential/i;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * In the open model, `concurrency / requests_per_second` is the time (seconds) a request may take
 * before new arrivals find every slot busy and are dropped. We warn when that budget is below
 * min(timeout_seconds, 1 s): then a server answering within the timeout, even in one second,
 * already causes drops.
 */
export const CONCURRENCY_BUDGET_CAP_SECONDS = 1;

/** The environment variable a quick fix proposes for a secret written into the file. */
const AUTH_ENV_NAMES: Record<string, string> = { token: 'API_TOKEN', key: 'API_KEY', password: 'API_PASSWORD' };
const HEADER_ENV_NAMES: Record<string, string> = {
  authorization: 'API_TOKEN',
  'proxy-authorization': 'PROXY_TOKEN',
  cookie: 'SESSION_COOKIE',
  'set-cookie': 'SESSION_COOKIE',
  'x-api-key': 'API_KEY',
};
function envNameFor(name: string): string {
  const upper = name.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
  return /^[A-Z_]/.test(upper) ? upper : `V_${upper}`;
}

export function validateText(text: string, ctx?: ValidateContext): SpecDiagnostic[] {
  return validateParsed(parseSpecFile(text), ctx);
}

/**
 * validateText after an edit: the same diagnostics, from a parse that reuses `previous` (the
 * `parsed` of the previous call for this file, or null; it is consumed, see
 * parseSpecFileIncremental). Keep the returned `parsed` for the next call.
 */
export function validateTextIncremental(text: string, previous: ParsedFile | null, ctx?: ValidateContext): { parsed: ParsedFile; diagnostics: SpecDiagnostic[] } {
  const parsed = parseSpecFileIncremental(text, previous);
  return { parsed, diagnostics: validateParsed(parsed, ctx) };
}

/** The diagnostics of a parsed file: its own (syntax, schema, semantics) and the editor hints. */
export function validateParsed(parsed: ParsedFile, ctx?: ValidateContext): SpecDiagnostic[] {
  const out = parsed.diagnostics.slice();
  for (const test of parsed.tests) {
    const loc = locatorOf(test);
    if (!loc || !isObj(test.value) || (test.doc && test.doc.errors.length > 0)) continue;
    out.push(...hintDiagnostics(test.value, loc, ctx));
  }
  return out.sort(compareDiagnostics);
}

export function hintDiagnostics(test: Obj, loc: Locator, ctx?: ValidateContext): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];

  // the data file of a flow
  const readData = ctx?.readDataFile ?? ctx?.readEnvFile;
  if (readData) out.push(...dataDiagnostics(test, loc, readData));

  // env vars
  if (ctx) {
    const envFileSpec = typeof test.env_file === 'string' ? { env_file: test.env_file } : {};
    const file = envFileFor(envFileSpec, ctx);
    if (file.missing !== null) {
      out.push({
        range: loc.valueRange(['env_file']),
        severity: 'warning',
        code: C.envFileNotFound,
        message: `env_file \`${file.missing}\` was not found next to this spec.`,
        data: { path: file.missing },
      });
    }
    const env = envLookup(ctx.env ?? {}, file.text);
    const where = typeof test.env_file === 'string' ? test.env_file : '.env';
    for (const { path, text } of templatedStrings(test)) {
      if (!text.includes('{{')) continue;
      for (const t of scanTemplates(text).tokens) {
        if (t.expr?.kind !== 'env' || env(t.expr.name) !== undefined) continue;
        out.push({
          range: loc.stringRange(path, t.start, t.end),
          severity: 'warning',
          code: C.envNotSet,
          message: `Environment variable \`${t.expr.name}\` is not set in the environment or in ${where}; a run will fail until it is.`,
          data: { name: t.expr.name },
        });
      }
    }
  }

  // secrets written into the file
  const literal = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && !v.includes('{{');
  if (isObj(test.auth)) {
    for (const field of ['token', 'key', 'password']) {
      if (!literal(test.auth[field])) continue;
      out.push({
        range: loc.valueRange(['auth', field]),
        severity: 'hint',
        code: C.hardcodedSecret,
        message: `\`auth.${field}\` is written into the file; prefer \`"{{env:NAME}}"\` so the secret stays out of version control.`,
        data: { field: `auth.${field}`, envName: AUTH_ENV_NAMES[field] },
      });
    }
  }
  if (isObj(test.variables)) {
    for (const [name, v] of Object.entries(test.variables)) {
      if (!SECRET_NAME.test(name) || !literal(v)) continue;
      out.push({
        range: loc.valueRange(['variables', name]),
        severity: 'hint',
        code: C.hardcodedSecret,
        message: `The variable \`${name}\` looks like a secret written into the file; prefer \`"{{env:NAME}}"\` so it stays out of version control.`,
        data: { field: `variables.${name}`, variable: name, envName: envNameFor(name) },
      });
    }
  }
  const headerSecrets = (base: (string | number)[], headers: unknown): void => {
    if (!isObj(headers)) return;
    for (const [name, v] of Object.entries(headers)) {
      if (!isSecretHeader(name) || !literal(v)) continue;
      out.push({
        range: loc.valueRange([...base, 'headers', name]),
        severity: 'hint',
        code: C.hardcodedSecret,
        message: `The \`${name}\` header is written into the file; prefer \`"{{env:NAME}}"\` so the secret stays out of version control.`,
        data: { field: [...base, 'headers', name].join('.'), header: name, envName: HEADER_ENV_NAMES[name.toLowerCase()] ?? envNameFor(name) },
      });
    }
  };
  headerSecrets([], test.headers);
  if (Array.isArray(test.endpoints)) test.endpoints.forEach((e, i) => isObj(e) && headerSecrets(['endpoints', i], e.headers));

  // open model: can concurrency carry the rate?
  const rate = test.requests_per_second;
  if (typeof rate === 'number' && rate > 0) {
    const concurrency = typeof test.concurrency === 'number' ? test.concurrency : DEFAULTS.concurrency;
    const timeout = typeof test.timeout_seconds === 'number' ? test.timeout_seconds : DEFAULTS.timeout_seconds;
    const window = Math.min(timeout, CONCURRENCY_BUDGET_CAP_SECONDS);
    const budgetMs = (concurrency / rate) * 1000;
    if (budgetMs < window * 1000) {
      const needed = Math.ceil(rate * window);
      out.push({
        range: test.concurrency !== undefined ? loc.valueRange(['concurrency']) : loc.keyRange(['requests_per_second']),
        severity: 'warning',
        code: C.concurrencyTooLow,
        message:
          `At ${rate} requests/s, \`concurrency: ${concurrency}\` leaves ${round(budgetMs)} ms per request before new requests are dropped ` +
          `(timeout ${timeout} s); raise \`concurrency\` to at least ${needed}.`,
        data: { concurrency, rate, timeout, needed },
      });
    }
  }
  return out;
}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : n.toFixed(1);
}
