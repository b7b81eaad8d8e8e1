// `{{ ... }}` templates (SPEC.md "Templates"): scanning for the validator, compiling once for the
// engine. A compiled template whose parts are all known at resolve time (variables, env values)
// is static: render() returns one precomputed string. Built-ins make it dynamic: a part list.
import { randomInt, randomUUID } from 'node:crypto';
import type { CompiledTemplate, TemplateContext } from './plan';

export const BUILTINS = {
  $uuid: { args: 0, description: 'A random UUID v4, new for every request.' },
  $randomInt: { args: 2, description: 'A random integer between MIN and MAX inclusive: `{{$randomInt 1 100}}`.' },
  $timestamp: { args: 0, description: 'The current time in Unix seconds.' },
  $isoTimestamp: { args: 0, description: 'The current time as ISO-8601 (UTC).' },
  $requestIndex: { args: 0, description: 'The index of the request in the test, from 0.' },
} as const;
export type BuiltinName = keyof typeof BUILTINS;

export type TemplateExpr =
  | { kind: 'variable'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'builtin'; name: BuiltinName; args: number[] };

export interface TemplateToken {
  /** Offset of `{{` in the string. */
  start: number;
  /** Offset just after `}}`. */
  end: number;
  /** The text between the braces, as written. */
  inner: string;
  expr: TemplateExpr | null;
  /** Why `expr` is null, located by `errorStart`/`errorEnd` (offsets in the string). */
  error?: { code: 'template-invalid' | 'unknown-builtin' | 'builtin-arguments'; message: string; start: number; end: number };
}

export interface TemplateScan {
  tokens: TemplateToken[];
  /** A `{{` with no closing `}}` (offset of the `{{`). */
  unclosedAt: number | null;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER = /^-?\d+$/;
/** crypto.randomInt's limit on max - min. */
const RANDOM_INT_SPAN = 2 ** 48 - 1;

/** Finds every `{{ ... }}` in a string and parses what is inside. */
export function scanTemplates(text: string): TemplateScan {
  const tokens: TemplateToken[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    if (open < 0) return { tokens, unclosedAt: null };
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return { tokens, unclosedAt: open };
    const inner = text.slice(open + 2, close);
    tokens.push(parseExpr(inner, open, close + 2));
    from = close + 2;
  }
}

export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

function parseExpr(inner: string, start: number, end: number): TemplateToken {
  const lead = inner.length - inner.trimStart().length;
  const body = inner.trim();
  const bodyStart = start + 2 + lead;
  const fail = (code: NonNullable<TemplateToken['error']>['code'], message: string, s = start, e = end): TemplateToken => ({
    start,
    end,
    inner,
    expr: null,
    error: { code, message, start: s, end: e },
  });
  if (body === '') return fail('template-invalid', 'Empty template `{{}}`: write a variable name, `env:NAME` or a built-in such as `$uuid`.');
  if (body.startsWith('env:')) {
    const name = body.slice(4).trim();
    if (!ENV_NAME.test(name)) {
      return fail('template-invalid', `\`{{${body}}}\` is not a valid environment variable reference: write \`{{env:NAME}}\` with letters, digits and _.`);
    }
    return { start, end, inner, expr: { kind: 'env', name } };
  }
  if (body.startsWith('$')) {
    const words = body.split(/\s+/);
    const name = words[0]!;
    if (!Object.prototype.hasOwnProperty.call(BUILTINS, name)) {
      const known = Object.keys(BUILTINS);
      const suggestion = closest(name, known);
      return fail(
        'unknown-builtin',
        `Unknown built-in \`${name}\`${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} Built-ins: ${known.map((k) => `\`${k}\``).join(', ')}.`,
        bodyStart,
        bodyStart + name.length,
      );
    }
    const builtin = name as BuiltinName;
    const argWords = words.slice(1);
    const want = BUILTINS[builtin].args;
    if (argWords.length !== want) {
      return fail(
        'builtin-arguments',
        want === 0
          ? `\`${builtin}\` takes no arguments.`
          : `\`${builtin}\` takes ${want} whole numbers: \`{{${builtin} MIN MAX}}\`.`,
      );
    }
    const args: number[] = [];
    for (const w of argWords) {
      if (!INTEGER.test(w) || !Number.isSafeInteger(Number(w))) {
        return fail('builtin-arguments', `\`${builtin}\` takes whole numbers; \`${w}\` is not one: \`{{${builtin} MIN MAX}}\`.`);
      }
      args.push(Number(w));
    }
    if (builtin === '$randomInt' && args[0]! > args[1]!) {
      return fail('builtin-arguments', `\`$randomInt ${args[0]} ${args[1]}\`: MIN must not be greater than MAX.`);
    }
    if (builtin === '$randomInt' && args[1]! - args[0]! >= RANDOM_INT_SPAN) {
      return fail('builtin-arguments', `\`$randomInt ${args[0]} ${args[1]}\`: the range is too large; MAX - MIN must be below 2^48.`);
    }
    return { start, end, inner, expr: { kind: 'builtin', name: builtin, args } };
  }
  if (!VARIABLE_NAME.test(body)) {
    return fail('template-invalid', `\`{{${body}}}\` is not a template: write a variable name, \`env:NAME\` or a built-in such as \`$uuid\`.`);
  }
  return { start, end, inner, expr: { kind: 'variable', name: body } };
}

/** The closest candidate by edit distance, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return best !== null && bestDistance <= limit ? best : null;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      // adjacent transposition counts as one edit ("concurrnecy")
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev[j - 2] ?? 0) + 1);
      cur.push(v);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Compilation

/** A part of a compiled template: literal text, or a function of the request context. */
export type TemplatePart = string | ((ctx: TemplateContext) => string);

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface CompileScope {
  /** Variable name → its compiled parts (already expanded). */
  variables: ReadonlyMap<string, readonly TemplatePart[]>;
  /** Returns the environment value, or undefined when it is not set. */
  env(name: string): string | undefined;
  /** Called with every env value substituted, so it can be redacted. */
  onEnvValue?(name: string, value: string): void;
  /** Flows: a name that is no variable but is known per iteration (a capture, `data.COLUMN`). */
  perIteration?(name: string): TemplatePart | undefined;
}

export function builtinPart(name: BuiltinName, args: readonly number[]): TemplatePart {
  switch (name) {
    case '$uuid':
      return () => randomUUID();
    case '$randomInt': {
      const [min, max] = args as [number, number];
      // crypto.randomInt wants max exclusive and a span below 2^48.
      return () => String(randomInt(min, max + 1));
    }
    case '$timestamp':
      return () => String(Math.floor(Date.now() / 1000));
    case '$isoTimestamp':
      return () => new Date().toISOString();
    case '$requestIndex':
      return (ctx) => String(ctx.requestIndex);
  }
}

/** Compiles a string to parts; env values and variables are substituted now, built-ins later. */
export function compileParts(text: string, scope: CompileScope, where: string): TemplatePart[] {
  const scan = scanTemplates(text);
  if (scan.unclosedAt !== null) {
    throw new TemplateError(`${where}: \`{{\` at offset ${scan.unclosedAt} has no closing \`}}\`.`, 'template-unclosed');
  }
  const parts: TemplatePart[] = [];
  let at = 0;
  for (const token of scan.tokens) {
    if (token.start > at) parts.push(text.slice(at, token.start));
    at = token.end;
    const expr = token.expr;
    if (!expr) throw new TemplateError(`${where}: ${token.error?.message ?? 'invalid template'}`, token.error?.code ?? 'template-invalid');
    switch (expr.kind) {
      case 'env': {
        const value = scope.env(expr.name);
        if (value === undefined) {
          throw new TemplateError(
            `${where}: environment variable ${expr.name} is not set. Set it in the environment or add \`${expr.name}=...\` to the env_file (default .env beside the spec).`,
            'env-not-set',
          );
        }
        scope.onEnvValue?.(expr.name, value);
        parts.push(value);
        break;
      }
      case 'variable': {
        const value = scope.variables.get(expr.name);
        const late = value ? undefined : scope.perIteration?.(expr.name);
        if (late) {
          parts.push(late);
          break;
        }
        if (!value) {
          throw new TemplateError(`${where}: unknown variable \`${expr.name}\`; define it under \`variables:\`.`, 'unknown-variable');
        }
        parts.push(...value);
        break;
      }
      case 'builtin':
        parts.push(builtinPart(expr.name, expr.args));
        break;
    }
  }
  if (at < text.length) parts.push(text.slice(at));
  return mergeLiterals(parts);
}

export function mergeLiterals(parts: readonly TemplatePart[]): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p;
    else if (p !== '') out.push(p);
  }
  return out;
}

/** Wraps parts as a CompiledTemplate; `source` is what the user wrote (no env values). */
export function fromParts(parts: readonly TemplatePart[], source: string): CompiledTemplate {
  const merged = mergeLiterals(parts);
  if (merged.every((p): p is string => typeof p === 'string')) {
    const value = merged.join('');
    return { isStatic: true, source, render: () => value };
  }
  const frozen = merged.slice();
  return {
    isStatic: false,
    source,
    render(ctx: TemplateContext): string {
      let out = '';
      for (const p of frozen) out += typeof p === 'string' ? p : p(ctx);
      return out;
    },
  };
}

export function compileTemplate(text: string, scope: CompileScope, where: string): CompiledTemplate {
  return fromParts(compileParts(text, scope, where), text);
}

/** A template that always renders `value` (e.g. a header the resolver computes). */
export function staticTemplate(value: string, source = value): CompiledTemplate {
  return { isStatic: true, source, render: () => value };
}

/**
 * Compiles `variables:` in dependency order so a variable may use others and env; a cycle is a
 * TemplateError naming the chain.
 */
export function compileVariables(
  variables: Record<string, string | number | boolean> | undefined,
  scope: Omit<CompileScope, 'variables'>,
): Map<string, TemplatePart[]> {
  const done = new Map<string, TemplatePart[]>();
  if (!variables) return done;
  const visiting: string[] = [];
  const visit = (name: string): TemplatePart[] => {
    const ready = done.get(name);
    if (ready) return ready;
    if (visiting.includes(name)) {
      const chain = [...visiting.slice(visiting.indexOf(name)), name].join(' → ');
      throw new TemplateError(`variables: cycle ${chain}; a variable cannot depend on itself.`, 'variable-cycle');
    }
    visiting.push(name);
    const raw = variables[name];
    let parts: TemplatePart[];
    if (typeof raw !== 'string') {
      parts = [String(raw)];
    } else {
      // Resolve the variables this one uses first (only the ones it names).
      const lazy = new Map<string, TemplatePart[]>();
      for (const t of scanTemplates(raw).tokens) {
        if (t.expr?.kind === 'variable' && Object.prototype.hasOwnProperty.call(variables, t.expr.name)) {
          lazy.set(t.expr.name, visit(t.expr.name));
        }
      }
      parts = compileParts(raw, { ...scope, variables: lazy }, `variables.${name}`);
    }
    visiting.pop();
    done.set(name, parts);
    return parts;
  };
  for (const name of Object.keys(variables)) visit(name);
  return done;
}
