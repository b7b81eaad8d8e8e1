// From a valid test to a run plan: env values (process env, then env_file), variables and
// templates compiled once, base_url joined, headers merged, auth applied, JSON bodies serialised,
// thresholds parsed, and the set of secret values collected for redaction.
import { SpecError } from './errors';
import { parseDotenv } from './dotenv';
import { parseCheck } from './flow';
import { flowScope, readData, toStep } from './resolveFlow';
import type { CompiledTemplate, ParsedCheck, ParsedThreshold, PlanEndpoint, PlanStep, RunPlan, TemplateContext } from './plan';
import { isSecretHeader, MIN_SECRET_LENGTH, redact, redactValue } from './redact';
import {
  compileParts,
  compileVariables,
  fromParts,
  mergeLiterals,
  TemplateError,
  type CompileScope,
  type TemplatePart,
} from './template';
import { parseThreshold } from './threshold';
import { scopedThresholds, scopeNames, testWideThresholds, type ThresholdSource } from './scopedThresholds';
import { DEFAULTS, type EndpointSpec, type HttpMethod, type RequestBody, type TestSpec } from './types';

export interface ResolveContext {
  /** The spec file (as given by the user; shown in results). */
  file: string;
  /** The process environment; it wins over env_file. */
  env: Record<string, string | undefined>;
  /**
   * The text of the test's env_file (default: `.env` beside the spec); null when there is none.
   * When undefined, `readEnvFile` is asked for it.
   */
  envFileText?: string | null;
  /** Reads a file relative to the spec; null when it does not exist. */
  readEnvFile?: (relativePath: string) => string | null;
  /** Replaces base_url (`atm run --demo`). */
  baseUrlOverride?: string;
  /** Reads a data file relative to the spec; null when it does not exist. Default: readEnvFile. */
  readDataFile?: (relativePath: string) => string | null;
}

/** The env_file text for a test: ctx.envFileText, else ctx.readEnvFile(env_file or `.env`). */
export function envFileFor(spec: Pick<TestSpec, 'env_file'>, ctx: Pick<ResolveContext, 'envFileText' | 'readEnvFile'>): {
  text: string | null;
  missing: string | null;
} {
  if (ctx.envFileText !== undefined) return { text: ctx.envFileText, missing: null };
  if (!ctx.readEnvFile) return { text: null, missing: null };
  const path = spec.env_file ?? '.env';
  const text = ctx.readEnvFile(path);
  return { text, missing: text === null && spec.env_file !== undefined ? spec.env_file : null };
}

/** A lookup that prefers the process environment over the env_file. */
export function envLookup(
  env: Record<string, string | undefined>,
  envFileText: string | null,
): (name: string) => string | undefined {
  const fromFile = envFileText ? parseDotenv(envFileText) : {};
  return (name) => env[name] ?? (Object.prototype.hasOwnProperty.call(fromFile, name) ? fromFile[name] : undefined);
}

const ABSOLUTE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export function joinUrl(base: string, url: string): string {
  if (ABSOLUTE.test(url)) return url;
  if (url === '') return base;
  if (url.startsWith('?') || url.startsWith('#')) return base + url;
  return `${base.replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`;
}

function renderParts(parts: readonly TemplatePart[], ctx: TemplateContext): string {
  let out = '';
  for (const p of parts) out += typeof p === 'string' ? p : p(ctx);
  return out;
}

/** Parts whose dynamic pieces are wrapped by `wrap` (e.g. URL-encoding, base64). */
function mapParts(parts: readonly TemplatePart[], wrap: (s: string) => string): TemplatePart[] {
  if (parts.every((p): p is string => typeof p === 'string')) return [wrap(parts.join(''))];
  return [(ctx: TemplateContext) => wrap(renderParts(parts, ctx))];
}

export function resolveTest(spec: TestSpec, ctx: ResolveContext): RunPlan {
  const testLabel = `Test "${spec.name}"`;
  const secrets = new Set<string>();
  const addSecret = (v: string | undefined | null): void => {
    if (v && v.length >= MIN_SECRET_LENGTH) secrets.add(v);
  };

  const envFile = envFileFor(spec, ctx);
  if (envFile.missing !== null) {
    throw new SpecError(`${testLabel}: env_file \`${envFile.missing}\` was not found next to ${ctx.file}. Create it or remove \`env_file\`.`);
  }
  const env = envLookup(ctx.env, envFile.text);
  const baseScope: Omit<CompileScope, 'variables'> = {
    env,
    onEnvValue: (_name, value) => addSecret(value),
  };

  const fail = (err: unknown): never => {
    if (err instanceof TemplateError) throw new SpecError(`${testLabel}: ${err.message}`, undefined, err.code);
    throw err;
  };

  const isFlow = spec.steps !== undefined && spec.steps.length > 0;
  const flow = isFlow ? flowScope(spec, readData(spec, ctx.readDataFile ?? ctx.readEnvFile, testLabel, ctx.file), testLabel) : null;
  let scope: CompileScope;
  try {
    scope = { ...baseScope, variables: compileVariables(spec.variables, baseScope), ...(flow ? { perIteration: flow.perIteration } : {}) };
  } catch (err) {
    return fail(err);
  }
  const compile = (text: string, where: string): TemplatePart[] => {
    try {
      return compileParts(text, scope, where);
    } catch (err) {
      return fail(err);
    }
  };
  const isStaticParts = (parts: readonly TemplatePart[]): parts is string[] => parts.every((p) => typeof p === 'string');

  // base_url
  const baseSource = ctx.baseUrlOverride ?? spec.base_url;
  let base: string | null = null;
  if (baseSource !== undefined) {
    const parts = compile(baseSource, 'base_url');
    if (!isStaticParts(parts)) throw new SpecError(`${testLabel}: base_url cannot use built-ins such as {{$uuid}}; use a fixed URL.`);
    base = parts.join('');
  }

  // auth
  const auth = spec.auth;
  const authHeaders: Array<[string, TemplatePart[], string]> = [];
  let authQuery: { name: string; parts: TemplatePart[] } | null = null;
  if (auth) {
    switch (auth.type) {
      case 'bearer': {
        const token = compile(auth.token, 'auth.token');
        if (isStaticParts(token)) addSecret(token.join(''));
        authHeaders.push(['Authorization', mergeLiterals(['Bearer ', ...token]), `Bearer ${auth.token}`]);
        break;
      }
      case 'api_key': {
        const key = compile(auth.key, 'auth.key');
        if (isStaticParts(key)) addSecret(key.join(''));
        if ((auth.in ?? 'header') === 'query') authQuery = { name: auth.name ?? 'api_key', parts: key };
        else authHeaders.push([auth.header ?? 'X-API-Key', key, auth.key]);
        break;
      }
      case 'basic': {
        const user = compile(auth.username, 'auth.username');
        const password = compile(auth.password, 'auth.password');
        if (isStaticParts(password)) addSecret(password.join(''));
        const encoded = mapParts(mergeLiterals([...user, ':', ...password]), (s) => Buffer.from(s, 'utf8').toString('base64'));
        if (isStaticParts(encoded)) addSecret(encoded.join(''));
        authHeaders.push(['Authorization', mergeLiterals(['Basic ', ...encoded]), `Basic base64(${auth.username}:${auth.password})`]);
        break;
      }
    }
  }

  const thresholdsOf = (list: string[] | undefined, where: string): ParsedThreshold[] =>
    (list ?? []).map((expr, i) => {
      const r = parseThreshold(expr);
      if (!r.ok) throw new SpecError(`${testLabel}: ${where}[${i}] \`${expr}\`: ${r.message}`);
      return r.threshold;
    });

  const fromSources = (sources: readonly ThresholdSource[]): ParsedThreshold[] =>
    sources.map(({ expression, where }) => {
      const r = parseThreshold(expression);
      if (!r.ok) throw new SpecError(`${testLabel}: ${where} \`${expression}\`: ${r.message}`);
      return r.threshold;
    });
  // `- login: p95 < 300ms` in the test's thresholds: thresholds of the step or endpoint `login`.
  const scoped = scopedThresholds(spec.thresholds);
  const thresholdScope = scoped.length > 0 ? scopeNames(spec) : null;
  for (const s of scoped) {
    if (thresholdScope === null || !thresholdScope.names.includes(s.name)) {
      throw new SpecError(`${testLabel}: ${s.where}: no step or endpoint of this test is named \`${s.name}\``);
    }
  }
  const scopedFor = (name: string): ThresholdSource[] => scoped.filter((s) => s.name === name).flatMap((s) => s.expressions);

  const checksOf = (list: string[] | undefined, where: string): ParsedCheck[] =>
    (list ?? []).map((expr, i) => {
      const r = parseCheck(expr);
      if (!r.ok) throw new SpecError(`${testLabel}: ${where}[${i}] \`${expr}\`: ${r.message}`);
      return r.value;
    });

  const buildEndpoint = (e: EndpointSpec, where: string, method: HttpMethod, named = true): PlanEndpoint => {
    // URL: relative ones keep base_url's path.
    let urlParts = compile(e.url, `${where}url`);
    const head = typeof urlParts[0] === 'string' ? urlParts[0] : '';
    if (!ABSOLUTE.test(head)) {
      if (base === null) {
        throw new SpecError(`${testLabel}: ${where}url \`${e.url}\` is relative but there is no base_url. Add \`base_url: http://host:port\` or write a full URL.`);
      }
      urlParts =
        head === ''
          ? mergeLiterals([`${base.replace(/\/+$/, '')}/`, ...urlParts])
          : mergeLiterals([joinUrl(base, head), ...urlParts.slice(1)]);
    }
    if (authQuery) {
      const hasQuery = urlParts.some((p) => typeof p === 'string' && p.includes('?'));
      urlParts = mergeLiterals([
        ...urlParts,
        `${hasQuery ? '&' : '?'}${encodeURIComponent(authQuery.name)}=`,
        ...mapParts(authQuery.parts, encodeURIComponent),
      ]);
    }

    // Headers: test, then auth, then endpoint; names compare case-insensitively, later wins.
    const headers = new Map<string, [string, TemplatePart[], string]>();
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers.set(name.toLowerCase(), [name, compile(String(value), `headers.${name}`), String(value)]);
    for (const [name, parts, source] of authHeaders) headers.set(name.toLowerCase(), [name, parts, source]);
    if (e.headers !== spec.headers) {
      for (const [name, value] of Object.entries(e.headers ?? {})) {
        headers.set(name.toLowerCase(), [name, compile(String(value), `${where}headers.${name}`), String(value)]);
      }
    }

    // Body: strings as written; mappings and sequences as JSON.
    let body: CompiledTemplate | null = null;
    if (e.body !== undefined && e.body !== null) {
      if (typeof e.body === 'string') {
        body = fromParts(compile(e.body, `${where}body`), e.body);
      } else {
        body = fromParts(jsonParts(e.body, (s, path) => compile(s, `${where}body${path}`)), JSON.stringify(e.body));
        if (!headers.has('content-type')) headers.set('content-type', ['Content-Type', ['application/json'], 'application/json']);
      }
    }

    for (const [, [name, parts]] of headers) {
      if (isSecretHeader(name) && isStaticParts(parts)) {
        const v = parts.join('');
        addSecret(v);
        // "Bearer abc": the credential alone is secret too.
        const space = v.indexOf(' ');
        if (space > 0) addSecret(v.slice(space + 1));
      }
    }
    // `source` is shown as written, so a literal secret in it is masked too.
    const known = [...secrets];
    const headerList: PlanEndpoint['headers'] = [];
    for (const [, [name, parts, source]] of headers) headerList.push([name, fromParts(parts, redact(source, known))]);

    const expected = e.expected_status_codes ?? spec.expected_status_codes;
    const originBound = new Set<string>();
    for (const [key, [name]] of headers) if (isSecretHeader(name)) originBound.add(key);
    for (const [name] of authHeaders) originBound.add(name.toLowerCase());
    return {
      name: e.name,
      method,
      displayUrl: e.url,
      url: fromParts(urlParts, e.url),
      headers: headerList,
      body,
      expectedStatus: expected && expected.length > 0 ? expected.slice() : null,
      weight: e.weight ?? DEFAULTS.weight,
      thresholds: [...thresholdsOf(e.thresholds, `${where}thresholds`), ...(named ? fromSources(scopedFor(e.name)) : [])],
      followRedirects: e.follow_redirects ?? spec.follow_redirects ?? DEFAULTS.follow_redirects,
      originBoundHeaders: [...originBound],
      checks: checksOf(e.checks, `${where}checks`),
    };
  };

  let endpoints: PlanEndpoint[];
  let steps: PlanStep[] = [];
  if (spec.steps && spec.steps.length > 0) {
    steps = spec.steps.map((s, i) => toStep(buildEndpoint(s, `steps[${i}].`, s.method ?? DEFAULTS.method), s, `steps[${i}].`, testLabel));
    endpoints = steps;
  } else if (spec.endpoints && spec.endpoints.length > 0) {
    endpoints = spec.endpoints.map((e, i) => buildEndpoint(e, `endpoints[${i}].`, e.method ?? DEFAULTS.method));
  } else if (spec.url !== undefined) {
    const single: EndpointSpec = {
      name: spec.name || 'default',
      url: spec.url,
      headers: spec.headers,
      ...(spec.body !== undefined ? { body: spec.body } : {}),
      ...(spec.expected_status_codes ? { expected_status_codes: spec.expected_status_codes } : {}),
      ...(spec.checks ? { checks: spec.checks } : {}),
    };
    endpoints = [buildEndpoint(single, '', spec.method ?? DEFAULTS.method, false)];
  } else {
    throw new SpecError(`${testLabel}: it has no \`url\`, \`endpoints\` or \`steps\`; add one.`);
  }

  const duration = spec.duration_seconds ?? null;
  const secretList = [...secrets].sort((a, b) => b.length - a.length);
  const asWritten: Record<string, unknown> = { ...spec };
  if (ctx.baseUrlOverride !== undefined) asWritten.base_url = ctx.baseUrlOverride;
  return {
    name: spec.name,
    file: ctx.file,
    model: (flow ? spec.iterations_per_second : spec.requests_per_second) !== undefined ? 'open' : 'closed',
    concurrency: spec.concurrency ?? DEFAULTS.concurrency,
    totalRequests: duration === null && !flow ? (spec.total_requests ?? DEFAULTS.total_requests) : null,
    durationSeconds: duration,
    requestsPerSecond: flow ? null : (spec.requests_per_second ?? null),
    rampUpSeconds: spec.ramp_up_seconds ?? DEFAULTS.ramp_up_seconds,
    timeoutMs: (spec.timeout_seconds ?? DEFAULTS.timeout_seconds) * 1000,
    insecureTls: spec.insecure_tls ?? DEFAULTS.insecure_tls,
    workers: spec.workers ?? DEFAULTS.workers,
    distribution: spec.distribution_strategy ?? DEFAULTS.distribution_strategy,
    endpoints,
    flow: flow
      ? {
          steps,
          iterations: duration === null ? (spec.iterations ?? DEFAULTS.iterations) : null,
          iterationsPerSecond: spec.iterations_per_second ?? null,
          data: flow.data,
          secretCaptures: flow.secretCaptures,
        }
      : null,
    thresholds: fromSources(testWideThresholds(spec.thresholds)),
    secrets: secretList,
    redactedSpec: redactValue(asWritten, secretList) as Record<string, unknown>,
    baseline: spec.baseline ?? null,
  };
}

/** A JSON body as parts: strings with built-ins stay dynamic and are JSON-escaped when rendered. */
function jsonParts(value: RequestBody | unknown, compileString: (s: string, path: string) => TemplatePart[], path = ''): TemplatePart[] {
  if (typeof value === 'string') {
    return mapParts(compileString(value, path), (s) => JSON.stringify(s));
  }
  if (Array.isArray(value)) {
    const out: TemplatePart[] = ['['];
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      out.push(...jsonParts(v, compileString, `${path}[${i}]`));
    });
    out.push(']');
    return mergeLiterals(out);
  }
  if (value !== null && typeof value === 'object') {
    const out: TemplatePart[] = ['{'];
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(`${JSON.stringify(k)}:`, ...jsonParts(v, compileString, `${path}.${k}`));
    }
    out.push('}');
    return mergeLiterals(out);
  }
  return [JSON.stringify(value ?? null)];
}
