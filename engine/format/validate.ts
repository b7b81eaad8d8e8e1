// Schema validation of one test: ajv's code for the schema (generated ahead of time by
// write-schema.ts) and a translation of each ajv error into one sentence at the node it is about
// (the unknown key, the missing field's parent, the bad value).
import type { ErrorObject } from 'ajv';
import { LOAD_LIMITS } from './schema';
import validateTest from './schemaValidator.generated';
import { DIAGNOSTIC_CODES as C } from './codes';
import type { SpecDiagnostic } from './diagnostic';
import type { Locator, Path } from './locate';
import { closest } from './template';


const AUTH_FIELDS: Record<string, string[]> = {
  bearer: ['token'],
  api_key: ['key', 'in', 'header', 'name'],
  basic: ['username', 'password'],
};

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (`key: value` lines)',
  array: 'a list',
  null: 'empty',
};

/** `['endpoints', 0, 'url']` → `endpoints[0].url`. */
export function pathLabel(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

function decodePointer(pointer: string, value: unknown): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cur: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const i = Number(seg);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function authType(value: unknown): string | null {
  if (!value || typeof value !== 'object') return null;
  const auth = (value as Record<string, unknown>).auth;
  if (!auth || typeof auth !== 'object') return null;
  const t = (auth as Record<string, unknown>).type;
  return typeof t === 'string' ? t : null;
}

export function schemaDiagnostics(value: unknown, loc: Locator): SpecDiagnostic[] {
  if (validateTest(value)) return [];
  const out: SpecDiagnostic[] = [];
  const seen = new Set<string>();
  for (const err of validateTest.errors ?? []) {
    const d = translate(err, value, loc);
    if (!d) continue;
    const key = `${d.range.start.line}:${d.range.start.character}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

/** Where to point for "this object lacks X": its key, or for a list item its first key. */
function objectAnchor(path: Path, loc: Locator) {
  if (path.length === 0) return loc.headRange();
  if (typeof path[path.length - 1] === 'number') {
    const { node } = loc.find(path);
    const first = node && 'items' in node && Array.isArray(node.items) ? node.items[0] : undefined;
    const key = first && typeof first === 'object' && 'key' in first ? (first as { key: unknown }).key : undefined;
    if (key && typeof key === 'object' && 'range' in key && Array.isArray((key as { range: unknown }).range)) {
      const r = (key as { range: [number, number, number] }).range;
      return loc.range(r[0], r[1]);
    }
    return loc.valueRange(path);
  }
  return loc.keyRange(path);
}

function translate(err: ErrorObject, value: unknown, loc: Locator): SpecDiagnostic | null {
  const path = decodePointer(err.instancePath, value);
  const label = pathLabel(path);
  const error = (code: string, message: string, range = loc.valueRange(path), data?: Record<string, unknown>): SpecDiagnostic => ({
    range,
    severity: 'error',
    message,
    code,
    ...(data ? { data } : {}),
  });
  const params = err.params as Record<string, unknown>;

  switch (err.keyword) {
    case 'if':
      // The failing `then` branch reports its own errors.
      return null;
    case 'propertyNames': {
      const name = String(params.propertyName);
      return error(
        C.invalidValue,
        `\`${name}\` is not a capture name: use letters, digits and _ (not a digit first), e.g. \`${name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1')}\`.`,
        loc.keyRange([...path, name]),
        { name },
      );
    }
    case 'required': {
      const missing = String(params.missingProperty);
      if (path.length === 0 && missing === 'name') {
        return error(C.missingName, 'This test has no `name`: add `name: ...` (required, unique within the file).', loc.headRange(), { field: 'name' });
      }
      const anchor = objectAnchor(path, loc);
      if (label === 'auth' && err.schemaPath.includes('/allOf/')) {
        const t = authType(value);
        return error(C.missingField, `\`auth\` with \`type: ${t}\` needs \`${missing}\`.`, anchor, { field: missing, parent: label });
      }
      const where = path.length === 0 ? 'This test' : typeof path[path.length - 1] === 'number' ? `The entry \`${label}\`` : `\`${label}\``;
      // A missing name (test or endpoint) has its own code: the quick fix adds one.
      const code = missing === 'name' ? C.missingName : C.missingField;
      return error(code, `${where} is missing \`${missing}\` (required).`, anchor, { field: missing, parent: label });
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const props = (err.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
      const allowed = Object.keys(props);
      const suggestion = closest(key, allowed);
      const where = path.length === 0 ? '' : ` in \`${label}\``;
      if ((key === 'capture' || key === 'think_time') && (path.length === 0 || path[0] === 'endpoints')) {
        return error(
          C.unknownKey,
          `\`${key}\` belongs to a step of a flow (\`steps:\`), not to ${path.length === 0 ? 'a single-request test' : 'an endpoint'}: endpoints are independent requests and have no later step to pass a value to.`,
          loc.keyRange([...path, key]),
          { key, suggestion: null },
        );
      }
      const message = suggestion
        ? `Unknown key \`${key}\`${where}; did you mean \`${suggestion}\`?`
        : `Unknown key \`${key}\`${where}. Known keys: ${allowed.join(', ')}.`;
      return error(C.unknownKey, message, loc.keyRange([...path, key]), { key, suggestion });
    }
    case 'false schema': {
      const field = String(path[path.length - 1]);
      const t = authType(value) ?? '?';
      const takes = AUTH_FIELDS[t] ?? [];
      return error(
        C.authFieldMismatch,
        `\`${field}\` does not apply to \`type: ${t}\` auth (it takes ${takes.map((f) => `\`${f}\``).join(', ')}).`,
        loc.keyRange(path),
        { key: field, authType: t },
      );
    }
    case 'type': {
      const types = (Array.isArray(params.type) ? params.type : [params.type]).map(String);
      const want = types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      if (path.length === 0) {
        return error(C.notAMapping, 'A test must be a mapping of fields, e.g. `name: My test` and `url: /items`.', loc.valueRange(path));
      }
      const got = err.data;
      if (path[path.length - 1] === 'think_time' && typeof got === 'number') {
        return error(C.invalidType, `\`${label}\` needs a unit: \`${got}ms\` or \`${got}s\`.`);
      }
      if (types.includes('string') && (typeof got === 'number' || typeof got === 'boolean')) {
        return error(C.invalidType, `\`${label}\` must be a string: quote it (\`"${String(got)}"\`).`);
      }
      return error(C.invalidType, `\`${label}\` must be ${want}${got === null ? ', not empty' : `, not \`${show(got)}\``}.`);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const got = String(err.data);
      const suggestion = closest(got, allowed);
      return error(
        C.invalidValue,
        `\`${label}\` must be one of ${allowed.join(', ')}${suggestion ? `; did you mean \`${suggestion}\`?` : `, not \`${show(err.data)}\`.`}`,
        loc.valueRange(path),
        { allowed, suggestion },
      );
    }
    case 'minimum':
      return error(C.outOfRange, `\`${label}\` must be at least ${String(params.limit)}.`);
    case 'exclusiveMinimum':
      return error(C.outOfRange, `\`${label}\` must be greater than ${String(params.limit)}.`);
    case 'maximum': {
      const field = path[path.length - 1];
      const limit = typeof field === 'string' && Object.hasOwn(LOAD_LIMITS, field) ? LOAD_LIMITS[field as keyof typeof LOAD_LIMITS] : null;
      if (limit !== null) {
        return error(
          C.outOfRange,
          `\`${label}\` is ${show(err.data)}, above the limit of ${limit.note}: use at most ${String(limit.max)}.`,
          loc.valueRange(path),
          { limit: limit.max },
        );
      }
      return error(C.outOfRange, `\`${label}\` must be at most ${String(params.limit)}.`);
    }
    case 'maxProperties':
    case 'minProperties':
      // Only a scoped threshold (`- login: p95 < 300ms`) limits its keys.
      return error(
        C.invalidValue,
        err.keyword === 'maxProperties'
          ? `\`${label}\` names more than one step or endpoint: write one \`NAME: expression\` per item (\`- login: p95 < 300ms\`).`
          : `\`${label}\` is empty: write an expression (\`p95 < 200ms\`) or \`NAME: expression\` for a step or endpoint.`,
        // At the second name, where the item should have ended.
        err.keyword === 'maxProperties' && isObject(err.data) && Object.keys(err.data).length > 1 ? loc.keyRange([...path, Object.keys(err.data)[1]]) : loc.valueRange(path),
      );
    case 'minLength':
      return error(C.invalidValue, `\`${label}\` must not be empty.`);
    case 'minItems':
      return error(C.invalidValue, `\`${label}\` must have at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}.`);
    case 'pattern':
      if (path.includes('expected_status_codes')) {
        return error(C.invalidValue, `\`${label}\` must be a status code (200) or a class ("2xx"), not \`${show(err.data)}\`.`);
      }
      if (label === 'workers') {
        return error(C.invalidValue, `\`workers\` must be \`auto\` or a whole number of threads from 1, not \`${show(err.data)}\`.`);
      }
      if (path[path.length - 1] === 'think_time') {
        return error(C.invalidValue, `\`${label}\` must be a duration with a unit, such as \`200ms\` or \`1.5s\`, not \`${show(err.data)}\`.`);
      }
      // A capture name's pattern: reported once, by the `propertyNames` case.
      if ((err as { propertyName?: string }).propertyName !== undefined) return null;
      return error(C.invalidValue, `\`${label}\` is not in the expected form.`);
    default:
      return error(C.invalidValue, `\`${label || 'test'}\` ${err.message ?? 'is invalid'}.`);
  }
}
