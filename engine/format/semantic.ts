// Checks the schema cannot express: fields that exclude each other, unique names, relative URLs
// without base_url, threshold grammar, templates that name nothing, ramp-up longer than the run.
// Written defensively: it also runs on documents with schema errors, so it checks every type.
import { DIAGNOSTIC_CODES as C } from './codes';
import type { Severity, SpecDiagnostic } from './diagnostic';
import type { Locator, Path } from './locate';
import { parseThreshold } from './threshold';
import { closest, scanTemplates } from './template';
import { flowDiagnostics } from './flowSemantic';
import { scopedThresholds, scopeNames } from './scopedThresholds';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ABSOLUTE_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export function isRelativeUrl(url: string): boolean {
  return !ABSOLUTE_URL.test(url) && !url.trimStart().startsWith('{{');
}

/** Every string a template may appear in, with its path (url, headers, body, auth, variables). */
export function templatedStrings(test: Obj): Array<{ path: Path; text: string }> {
  const out: Array<{ path: Path; text: string }> = [];
  const add = (path: Path, v: unknown): void => {
    if (typeof v === 'string') out.push({ path, text: v });
  };
  const deep = (path: Path, v: unknown, depth: number): void => {
    if (depth > 64) return;
    if (typeof v === 'string') out.push({ path, text: v });
    else if (Array.isArray(v)) v.forEach((x, i) => deep([...path, i], x, depth + 1));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) deep([...path, k], x, depth + 1);
  };
  add(['base_url'], test.base_url);
  if (isObj(test.variables)) for (const [k, v] of Object.entries(test.variables)) add(['variables', k], v);
  if (isObj(test.auth)) for (const k of ['token', 'key', 'username', 'password']) add(['auth', k], test.auth[k]);
  const request = (base: Path, r: Obj): void => {
    add([...base, 'url'], r.url);
    if (isObj(r.headers)) for (const [k, v] of Object.entries(r.headers)) add([...base, 'headers', k], v);
    if (r.body !== undefined) deep([...base, 'body'], r.body, 0);
  };
  request([], test);
  if (Array.isArray(test.endpoints)) test.endpoints.forEach((e, i) => isObj(e) && request(['endpoints', i], e));
  if (Array.isArray(test.steps)) test.steps.forEach((e, i) => isObj(e) && request(['steps', i], e));
  return out;
}

export function semanticDiagnostics(test: Obj, loc: Locator): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const push = (severity: Severity, code: string, message: string, range = loc.headRange(), data?: Obj): void => {
    out.push({ range, severity, code, message, ...(data ? { data } : {}) });
  };
  const has = (k: string): boolean => test[k] !== undefined && test[k] !== null;

  // exactly one of url, endpoints, steps
  const shapes = ['url', 'endpoints', 'steps'].filter(has);
  if (shapes.length > 1) {
    const [a, b] = shapes;
    if (a === 'url' && b === 'endpoints' && shapes.length === 2) push('error', C.urlAndEndpoints, 'Use either `url` or `endpoints`, not both.', loc.keyRange(['url']));
    else push('error', C.urlAndEndpoints, `Use one of \`url\`, \`endpoints\` or \`steps\`, not both \`${a}\` and \`${b}\`.`, loc.keyRange([a!]));
  } else if (shapes.length === 0) {
    push('error', C.missingUrl, 'This test has no `url`, `endpoints` or `steps`: add `url: /path` for one request, `endpoints:` for several, or `steps:` for a flow.');
  }
  if (has('steps') && !has('url') && !has('endpoints')) {
    for (const k of ['method', 'body']) {
      if (!has(k)) continue;
      push('warning', C.ignoredWithEndpoints, `\`${k}\` belongs to a single \`url\` and is not used with \`steps\`; set it on each step instead.`, loc.keyRange([k]), { key: k });
    }
  }
  if (has('endpoints') && !has('url')) {
    for (const k of ['method', 'body']) {
      if (!has(k)) continue;
      push(
        'warning',
        C.ignoredWithEndpoints,
        `\`${k}\` belongs to a single \`url\` and is not used with \`endpoints\`; set it on each endpoint instead.`,
        loc.keyRange([k]),
        { key: k },
      );
    }
  }
  if (has('total_requests') && has('duration_seconds')) {
    push('error', C.requestsAndDuration, 'Use either `total_requests` or `duration_seconds`, not both.', loc.keyRange(['duration_seconds']));
  }

  // ramp-up shorter than the run
  if (typeof test.ramp_up_seconds === 'number' && typeof test.duration_seconds === 'number' && test.ramp_up_seconds >= test.duration_seconds && test.ramp_up_seconds > 0) {
    push(
      'error',
      C.rampUpTooLong,
      `\`ramp_up_seconds\` (${test.ramp_up_seconds}) must be shorter than \`duration_seconds\` (${test.duration_seconds}).`,
      loc.valueRange(['ramp_up_seconds']),
    );
  }

  // endpoints: unique names, weights only with weighted
  if (Array.isArray(test.endpoints)) {
    const names = new Map<string, number>();
    const weighted = test.distribution_strategy === 'weighted';
    test.endpoints.forEach((e, i) => {
      if (!isObj(e)) return;
      if (typeof e.name === 'string') {
        const first = names.get(e.name);
        if (first !== undefined) {
          push(
            'error',
            C.duplicateEndpointName,
            `Endpoint name \`${e.name}\` is already used by \`endpoints[${first}]\`; names must be unique within a test.`,
            loc.valueRange(['endpoints', i, 'name']),
            { name: e.name },
          );
        } else names.set(e.name, i);
      }
      if (e.weight !== undefined && !weighted) {
        push(
          'hint',
          C.weightWithoutWeighted,
          '`weight` is only used with `distribution_strategy: weighted`.',
          loc.keyRange(['endpoints', i, 'weight']),
          { suggestion: 'weighted' },
        );
      }
    });
  }

  // URLs
  const hasBase = typeof test.base_url === 'string' && test.base_url.length > 0;
  if (typeof test.base_url === 'string' && !test.base_url.includes('{{')) {
    if (!/^https?:\/\//i.test(test.base_url)) {
      push('error', C.invalidValue, '`base_url` must be an absolute http:// or https:// URL, e.g. `http://127.0.0.1:3000`.', loc.valueRange(['base_url']));
    }
  }
  const checkUrl = (path: Path, url: unknown): void => {
    if (typeof url !== 'string' || url === '') return;
    if (ABSOLUTE_URL.test(url) && !/^https?:\/\//i.test(url)) {
      push('error', C.invalidValue, `\`${url.split(':')[0]}:\` URLs are not supported: use http:// or https://.`, loc.valueRange(path));
    } else if (isRelativeUrl(url) && !hasBase) {
      push(
        'error',
        C.relativeUrlWithoutBase,
        `\`${url}\` is relative but the test has no \`base_url\`: add \`base_url: http://host:port\` or write a full URL.`,
        loc.valueRange(path),
      );
    }
  };
  checkUrl(['url'], test.url);
  if (Array.isArray(test.endpoints)) test.endpoints.forEach((e, i) => isObj(e) && checkUrl(['endpoints', i, 'url'], e.url));
  if (Array.isArray(test.steps)) test.steps.forEach((e, i) => isObj(e) && checkUrl(['steps', i, 'url'], e.url));

  // thresholds
  const checkThresholds = (path: Path, list: unknown): void => {
    if (!Array.isArray(list)) return;
    list.forEach((t, i) => {
      if (typeof t !== 'string') return;
      const r = parseThreshold(t);
      if (!r.ok) push('error', C.invalidThreshold, r.message, loc.stringRange([...path, i], r.start, r.end), { expression: t });
    });
  };
  checkThresholds(['thresholds'], test.thresholds);
  out.push(...scopedThresholdDiagnostics(test, loc));
  if (Array.isArray(test.endpoints)) test.endpoints.forEach((e, i) => isObj(e) && checkThresholds(['endpoints', i, 'thresholds'], e.thresholds));
  if (Array.isArray(test.steps)) test.steps.forEach((e, i) => isObj(e) && checkThresholds(['steps', i, 'thresholds'], e.thresholds));
  if (!Array.isArray(test.steps) && Array.isArray(test.thresholds)) {
    test.thresholds.forEach((t, i) => {
      if (typeof t === 'string' && parseThreshold(t).ok && /^\s*iteration_duration\b/.test(t)) {
        push('error', C.flowOnly, '`iteration_duration` is measured over the iterations of a flow: it needs `steps:`.', loc.valueRange(['thresholds', i]));
      }
    });
  }
  out.push(...flowDiagnostics(test, loc));

  // templates
  const variables = isObj(test.variables) ? test.variables : {};
  const variableNames = Object.keys(variables);
  // In a flow, names in steps, headers and auth may be captures or data columns: flowSemantic checks them.
  const flowChecked = (path: Path): boolean => Array.isArray(test.steps) && (path[0] === 'steps' || path[0] === 'headers' || path[0] === 'auth');
  for (const { path, text } of templatedStrings(test)) {
    if (!text.includes('{{')) continue;
    const scan = scanTemplates(text);
    for (const token of scan.tokens) {
      if (token.error) {
        push('error', token.error.code, token.error.message, loc.stringRange(path, token.error.start, token.error.end));
      } else if (token.expr?.kind === 'variable' && !Object.prototype.hasOwnProperty.call(variables, token.expr.name) && !flowChecked(path)) {
        const name = token.expr.name;
        const suggestion = closest(name, variableNames);
        push(
          'error',
          C.unknownVariable,
          suggestion
            ? `Unknown variable \`${name}\`; did you mean \`${suggestion}\`?`
            : `Unknown variable \`${name}\`: define it under \`variables:\`, or write \`{{env:${name}}}\` for an environment variable.`,
          loc.stringRange(path, token.start, token.end),
          { name, suggestion },
        );
      }
    }
    if (scan.unclosedAt !== null) {
      push('error', C.templateUnclosed, '`{{` has no closing `}}`.', loc.stringRange(path, scan.unclosedAt, text.length));
    }
  }

  // variable cycles
  const deps = new Map<string, string[]>();
  for (const [name, v] of Object.entries(variables)) {
    if (typeof v !== 'string') continue;
    deps.set(
      name,
      scanTemplates(v)
        .tokens.map((t) => (t.expr?.kind === 'variable' ? t.expr.name : null))
        .filter((n): n is string => n !== null && Object.prototype.hasOwnProperty.call(variables, n)),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (name: string, stack: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        push('error', C.variableCycle, `Variable \`${name}\` depends on itself: ${cycle.join(' → ')}.`, loc.valueRange(['variables', name]), { cycle });
      }
      return;
    }
    state.set(name, 'visiting');
    for (const d of deps.get(name) ?? []) visit(d, [...stack, name]);
    state.set(name, 'done');
  };
  for (const name of deps.keys()) visit(name, []);

  return out;
}

/**
 * `- NAME: expression(s)` in the test's `thresholds`: NAME must be a step (or endpoint) of the
 * test, and each expression reads as a threshold, exactly as in that step's own `thresholds`.
 */
function scopedThresholdDiagnostics(test: Obj, loc: Locator): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  const scoped = scopedThresholds(test.thresholds);
  if (scoped.length === 0) return out;
  const scope = scopeNames(test);
  for (const s of scoped) {
    if (scope === null) {
      out.push({
        range: loc.keyRange(s.path),
        severity: 'error',
        code: C.unknownThresholdScope,
        message: `\`${s.name}: ...\` puts thresholds on a step or endpoint by name, and this test has neither \`steps\` nor \`endpoints\`: write the expression alone (\`- ${s.expressions[0]?.expression ?? 'p95 < 200ms'}\`).`,
        data: { name: s.name, names: [] },
      });
      continue;
    }
    if (!scope.names.includes(s.name)) {
      const suggestion = closest(s.name, scope.names);
      const list = scope.names.length > 0 ? scope.names.map((n) => `\`${n}\``).join(', ') : 'none yet';
      out.push({
        range: loc.keyRange(s.path),
        severity: 'error',
        code: C.unknownThresholdScope,
        message: `No ${scope.kind} of this test is named \`${s.name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} Its ${scope.kind}s: ${list}.`,
        data: { name: s.name, suggestion, names: scope.names },
      });
    }
    for (const e of s.expressions) {
      const r = parseThreshold(e.expression);
      if (!r.ok) out.push({ range: loc.stringRange(e.path, r.start, r.end), severity: 'error', code: C.invalidThreshold, message: r.message, data: { expression: e.expression } });
    }
  }
  return out;
}
