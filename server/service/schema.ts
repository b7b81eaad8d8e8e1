// Reading atmSchema (the one definition of the format) by key path: what completion offers and
// what hover says both come from here, never from a copy of the schema.
import { atmSchema } from '../../engine/format';
import { ITEM, type PathSegment } from './lines';

export type Schema = { [key: string]: unknown };

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function rootSchema(): Schema {
  return atmSchema;
}

/** The schema of the value at `path` (keys and `[]`), or null when the format has nothing there. */
export function schemaAt(path: readonly PathSegment[]): Schema | null {
  let node: Schema | null = atmSchema;
  for (const seg of path) {
    if (!node) return null;
    if (seg === ITEM) {
      node = isSchema(node.items) ? node.items : null;
      continue;
    }
    const props = node.properties;
    if (isSchema(props) && isSchema(props[seg])) {
      node = props[seg];
    } else if (isSchema(node.additionalProperties)) {
      node = node.additionalProperties;
    } else {
      return null;
    }
  }
  return node;
}

export interface PropertyInfo {
  name: string;
  schema: Schema;
  required: boolean;
}

/**
 * The keys a mapping at this schema may hold. `siblingValues` (the keys already written, with
 * their scalar values) picks the if/then branch, so `auth` with `type: basic` offers username and
 * password, not token.
 */
export function propertiesOf(schema: Schema, siblingValues: ReadonlyMap<string, string> = new Map()): PropertyInfo[] {
  const props = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const forbidden = new Set<string>();
  if (Array.isArray(schema.allOf)) {
    for (const branch of schema.allOf) {
      if (!isSchema(branch) || !isSchema(branch.if) || !isSchema(branch.then)) continue;
      if (!conditionHolds(branch.if, siblingValues)) continue;
      const then = branch.then;
      if (Array.isArray(then.required)) for (const r of then.required) if (typeof r === 'string') required.add(r);
      if (isSchema(then.properties)) for (const [k, v] of Object.entries(then.properties)) if (v === false) forbidden.add(k);
    }
  }
  const out: PropertyInfo[] = [];
  for (const [name, value] of Object.entries(props)) {
    if (!isSchema(value) || forbidden.has(name)) continue;
    out.push({ name, schema: value, required: required.has(name) });
  }
  return out;
}

function conditionHolds(cond: Schema, values: ReadonlyMap<string, string>): boolean {
  if (Array.isArray(cond.required)) {
    for (const r of cond.required) if (typeof r === 'string' && !values.has(r)) return false;
  }
  if (isSchema(cond.properties)) {
    for (const [k, v] of Object.entries(cond.properties)) {
      if (!isSchema(v)) continue;
      const actual = values.get(k);
      if (actual === undefined) continue;
      if ('const' in v && String(v.const) !== actual) return false;
      if (Array.isArray(v.enum) && !v.enum.map(String).includes(actual)) return false;
    }
  }
  return true;
}

export function typesOf(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  return [];
}

export function enumOf(schema: Schema): unknown[] | null {
  return Array.isArray(schema.enum) ? schema.enum : null;
}

export function docOf(schema: Schema): string {
  if (typeof schema.markdownDescription === 'string') return schema.markdownDescription;
  if (typeof schema.description === 'string') return schema.description;
  return '';
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The valid key nearest to `key` at `path`, or null when none is close. */
export function nearestKey(path: readonly PathSegment[], key: string): string | null {
  const schema = schemaAt(path);
  if (!schema) return null;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const p of propertiesOf(schema)) {
    const d = editDistance(key.toLowerCase(), p.name.toLowerCase());
    if (d < bestDistance) {
      best = p.name;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}
