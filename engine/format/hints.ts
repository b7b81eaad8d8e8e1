// Editor hints on top of the file's diagnostics: environment variables that are not set, secrets
// written into the file, and an open-model rate the concurrency cannot carry. The language server
// and `atm validate` both call validateText(), so they never disagree.
import { DIAGNOSTIC_CODES as C } from './codes';
import type { SpecDiagnostic } from './diagnostic';
import type { Locator } from './locate';
import { parseSpecFileIncremental } from './incremental';
import { compareDiagnostics, locatorOf, parseSpecFile, type ParsedFile, type ParsedTest } from './parse';
import { envFileFor, envLookup } from './resolve';
import { isSecretHeader } from './redact';
import { templatedStrings } from './semantic';
import { dataDiagnostics } from './flowSemantic';
import { scanTemplates } from './template';
import { scopedThresholds } from './scopedThresholds';
import { parseThreshold } from './threshold';
import { DEFAULTS } from './types';

export interface ValidateContext {
  /** The process environment. Without any context, env checks are skipped. */
  env?: Record<string, string | undefined>;
  /** The text of `.env` beside the spec (null: there is none). */
  envFileText?: string | null;
  /** Reads a file relative to the spec (for `env_file:`); null when it does not exist. */
  readEnvFile?: (relativePath: string) => string | null;
  /** Whether a file exists relative to the spec (for `baseline:`). Without it, not checked. */
  fileExists?: (relativePath: string) => boolean;
  /**
   * Whether the editor has a run pinned as baseline for this test name. Without it, a baseline
   * threshold in a test without `baseline:` gets the `no-baseline` hint.
   */
  hasPinnedBaseline?: (testName: string) => boolean;
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
  const envs = new Map<string, EnvView>();
  stats = { computed: 0, reused: 0 };
  for (const test of parsed.tests) {
    const loc = locatorOf(test);
    if (!loc || !isObj(test.value) || (test.doc && test.doc.errors.length > 0)) continue;
    out.push(...hintsFor(test, test.value, loc, ctx, envs), ...outsideHints(test.value, loc, ctx));
  }
  return out.sort(compareDiagnostics);
}

/** What the hints of one document saw of the environment: its env file and a lookup over both. */
interface EnvView {
  text: string | null;
  missing: string | null;
  lookup: (name: string) => string | undefined;
}

/**
 * Hints of a document, kept with its value: the incremental parse keeps the value of every
 * document the edit did not touch, so after an edit only the edited document's hints are
 * computed. They are reused while the environment reads the same for the names they looked up,
 * and moved with the document when lines above it were added or removed.
 */
interface KeptHints {
  /** The document's first line when they were computed. */
  line: number;
  withContext: boolean;
  envText: string | null;
  envMissing: string | null;
  /** Each environment variable looked up, and whether it was set. */
  looked: Map<string, boolean>;
  hints: SpecDiagnostic[];
}
const kept = new WeakMap<object, KeptHints>();

/** How many documents' hints the last validateParsed computed and reused (for tests and benchmarks). */
export interface HintStats {
  computed: number;
  reused: number;
}
let stats: HintStats = { computed: 0, reused: 0 };
export function lastHintStats(): HintStats {
  return stats;
}

function envViewFor(test: Obj, ctx: ValidateContext, envs: Map<string, EnvView>): EnvView {
  const key = typeof test.env_file === 'string' ? `f:${test.env_file}` : 'default';
  let view = envs.get(key);
  if (view === undefined) {
    const file = envFileFor(typeof test.env_file === 'string' ? { env_file: test.env_file } : {}, ctx);
    view = { text: file.text, missing: file.missing, lookup: envLookup(ctx.env ?? {}, file.text) };
    envs.set(key, view);
  }
  return view;
}

function hintsFor(parsedTest: ParsedTest, test: Obj, loc: Locator, ctx: ValidateContext | undefined, envs: Map<string, EnvView>): SpecDiagnostic[] {
  const env = ctx ? envViewFor(test, ctx, envs) : null;
  const line = parsedTest.range.start.line;
  const old = kept.get(test);
  if (
    old !== undefined &&
    old.withContext === (env !== null) &&
    (env === null || (old.envText === env.text && old.envMissing === env.missing && sameLookups(old.looked, env.lookup)))
  ) {
    stats.reused++;
    const d = line - old.line;
    return d === 0 ? old.hints : old.hints.map((h) => ({ ...h, range: { start: { line: h.range.start.line + d, character: h.range.start.character }, end: { line: h.range.end.line + d, character: h.range.end.character } } }));
  }
  stats.computed++;
  const looked = new Map<string, boolean>();
  const hints = computeHints(test, loc, ctx, env, looked);
  kept.set(test, { line, withContext: env !== null, envText: env?.text ?? null, envMissing: env?.missing ?? null, looked, hints });
  return hints;
}

function sameLookups(looked: ReadonlyMap<string, boolean>, lookup: (name: string) => string | undefined): boolean {
  for (const [name, set] of looked) if ((lookup(name) !== undefined) !== set) return false;
  return true;
}

export function hintDiagnostics(test: Obj, loc: Locator, ctx?: ValidateContext): SpecDiagnostic[] {
  return [...computeHints(test, loc, ctx, ctx ? envViewFor(test, ctx, new Map()) : null, new Map()), ...outsideHints(test, loc, ctx)];
}

/**
 * Hints that depend on what lies outside the text (a flow's data file, the baseline file, the run
 * pinned in the editor): computed on every validation, never kept with the document's value.
 */
function outsideHints(test: Obj, loc: Locator, ctx: ValidateContext | undefined): SpecDiagnostic[] {
  const readData = ctx?.readDataFile ?? ctx?.readEnvFile;
  return [...(readData ? dataDiagnostics(test, loc, readData) : []), ...baselineHints(test, loc, ctx)];
}

function computeHints(test: Obj, loc: Locator, ctx: ValidateContext | undefined, file: EnvView | null, looked: Map<string, boolean>): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];


  // env vars
  if (ctx && file) {
    if (file.missing !== null) {
      out.push({
        range: loc.valueRange(['env_file']),
        severity: 'warning',
        code: C.envFileNotFound,
        message: `env_file \`${file.missing}\` was not found next to this spec.`,
        data: { path: file.missing },
      });
    }
    const where = typeof test.env_file === 'string' ? test.env_file : '.env';
    for (const { path, text } of templatedStrings(test)) {
      if (!text.includes('{{')) continue;
      for (const t of scanTemplates(text).tokens) {
        if (t.expr?.kind !== 'env') continue;
        const set = file.lookup(t.expr.name) !== undefined;
        looked.set(t.expr.name, set);
        if (set) continue;
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

/** Baseline thresholds with nothing to compare with, and a `baseline:` file that is not there. */
export function baselineHints(test: Obj, loc: Locator, ctx?: ValidateContext): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const declared = typeof test.baseline === 'string' && test.baseline.length > 0;
  if (declared && ctx?.fileExists !== undefined && !ctx.fileExists(test.baseline as string)) {
    out.push({
      range: loc.valueRange(['baseline']),
      severity: 'warning',
      code: C.baselineNotFound,
      message: `The baseline \`${String(test.baseline)}\` was not found next to this spec; baseline thresholds will read \`no baseline\` until it exists.`,
      data: { path: test.baseline },
    });
  }
  const pinned = typeof test.name === 'string' && ctx?.hasPinnedBaseline?.(test.name) === true;
  if (declared || pinned) return out;
  const check = (path: (string | number)[], list: unknown): void => {
    if (!Array.isArray(list)) return;
    list.forEach((t, i) => hint([...path, i], t));
  };
  const hint = (path: readonly (string | number)[], t: unknown): void => {
    if (typeof t !== 'string') return;
    const r = parseThreshold(t);
    if (!r.ok || r.threshold.baseline === undefined) return;
    out.push({
      range: loc.valueRange(path),
      severity: 'hint',
      code: C.noBaseline,
      message:
        'This threshold compares with a baseline, and the test has none: add `baseline: PATH` (a result JSON), pin a run as baseline, ' +
        'or pass `atm run --baseline FILE`. Until then it reads `no baseline` and does not fail the run.',
      data: { expression: t },
    });
  };
  check(['thresholds'], test.thresholds);
  for (const s of scopedThresholds(test.thresholds)) for (const e of s.expressions) hint(e.path, e.expression);
  if (Array.isArray(test.endpoints)) test.endpoints.forEach((e, i) => isObj(e) && check(['endpoints', i, 'thresholds'], e.thresholds));
  return out;
}

function round(n: number): string {
  return n >= 10 ? String(Math.round(n)) : n.toFixed(1);
}
