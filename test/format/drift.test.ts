// The TypeScript types (types.ts) and the JSON Schema (schema.ts) describe the same format. The
// tables below are checked by the compiler against the types (every key, and whether it is
// required) and by the test against the schema, so a change to one without the other fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atmSchema } from '../../engine/format';
import type {
  ApiKeyAuth,
  AuthSpec,
  BasicAuth,
  BearerAuth,
  DataOrder,
  DataSpec,
  DistributionStrategy,
  StepSpec,
  EndpointSpec,
  HttpMethod,
  TestSpec,
} from '../../engine/format/types';

type RequiredKeys<T> = { [K in keyof T]-?: Record<never, never> extends Pick<T, K> ? never : K }[keyof T];
/** Every key of T, marked as the type declares it. */
type KeyTable<T> = { [K in keyof T]-?: K extends RequiredKeys<T> ? 'required' : 'optional' };

const TEST_KEYS: KeyTable<TestSpec> = {
  name: 'required',
  description: 'optional',
  base_url: 'optional',
  env_file: 'optional',
  variables: 'optional',
  auth: 'optional',
  headers: 'optional',
  url: 'optional',
  method: 'optional',
  body: 'optional',
  expected_status_codes: 'optional',
  endpoints: 'optional',
  distribution_strategy: 'optional',
  concurrency: 'optional',
  total_requests: 'optional',
  duration_seconds: 'optional',
  requests_per_second: 'optional',
  ramp_up_seconds: 'optional',
  timeout_seconds: 'optional',
  insecure_tls: 'optional',
  follow_redirects: 'optional',
  workers: 'optional',
  thresholds: 'optional',
  baseline: 'optional',
  steps: 'optional',
  data: 'optional',
  iterations: 'optional',
  iterations_per_second: 'optional',
  checks: 'optional',
};

const ENDPOINT_KEYS: KeyTable<EndpointSpec> = {
  name: 'required',
  url: 'required',
  method: 'optional',
  headers: 'optional',
  body: 'optional',
  expected_status_codes: 'optional',
  weight: 'optional',
  follow_redirects: 'optional',
  thresholds: 'optional',
  checks: 'optional',
};

const STEP_KEYS: KeyTable<StepSpec> = {
  name: 'required',
  url: 'required',
  method: 'optional',
  headers: 'optional',
  body: 'optional',
  expected_status_codes: 'optional',
  thresholds: 'optional',
  capture: 'optional',
  checks: 'optional',
  think_time: 'optional',
};

const DATA_KEYS: KeyTable<DataSpec> = { file: 'required', order: 'optional' };
const DATA_ORDERS: Record<DataOrder, true> = { sequential: true, random: true };

const AUTH_KEYS: { bearer: KeyTable<BearerAuth>; api_key: KeyTable<ApiKeyAuth>; basic: KeyTable<BasicAuth> } = {
  bearer: { type: 'required', token: 'required' },
  api_key: { type: 'required', key: 'required', header: 'optional', in: 'optional', name: 'optional' },
  basic: { type: 'required', username: 'required', password: 'required' },
};

const METHODS: Record<HttpMethod, true> = { GET: true, POST: true, PUT: true, PATCH: true, DELETE: true, HEAD: true, OPTIONS: true };
const STRATEGIES: Record<DistributionStrategy, true> = { round_robin: true, weighted: true, sequential: true };
const AUTH_TYPES: Record<AuthSpec['type'], true> = { bearer: true, api_key: true, basic: true };
const API_KEY_IN: Record<NonNullable<ApiKeyAuth['in']>, true> = { header: true, query: true };

type S = { properties?: Record<string, S>; required?: string[]; items?: S; enum?: string[]; allOf?: S[]; if?: S; then?: S; const?: string } & Record<string, unknown>;
const schema = atmSchema as S;
const props = (s: S | undefined): Record<string, S> => s?.properties ?? {};

function checkTable(label: string, table: Record<string, 'required' | 'optional'>, s: S): void {
  assert.deepEqual(Object.keys(props(s)).sort(), Object.keys(table).sort(), `${label}: keys differ between types.ts and schema.ts`);
  const required = Object.keys(table).filter((k) => table[k] === 'required').sort();
  assert.deepEqual([...(s.required ?? [])].sort(), required, `${label}: required keys differ`);
}

void test('TestSpec and the test schema have the same keys and requiredness', () => {
  checkTable('test', TEST_KEYS, schema);
});

void test('EndpointSpec and the endpoint schema have the same keys and requiredness', () => {
  checkTable('endpoint', ENDPOINT_KEYS, props(schema).endpoints!.items!);
});

void test('StepSpec and DataSpec agree with the step and data schemas', () => {
  checkTable('step', STEP_KEYS, props(schema).steps!.items!);
  checkTable('data', DATA_KEYS, props(schema).data!);
  assert.deepEqual([...props(props(schema).data!).order!.enum!].sort(), Object.keys(DATA_ORDERS).sort());
  assert.deepEqual([...props(props(schema).steps!.items!).method!.enum!].sort(), Object.keys(METHODS).sort());
});

void test('each auth type has the same fields in the types and in the schema', () => {
  const auth = props(schema).auth!;
  const all = new Set(Object.values(AUTH_KEYS).flatMap((t) => Object.keys(t)));
  assert.deepEqual(Object.keys(props(auth)).sort(), [...all].sort(), 'auth: the union of fields differs');
  assert.deepEqual(auth.required, ['type']);
  for (const [type, table] of Object.entries(AUTH_KEYS) as Array<[string, Record<string, 'required' | 'optional'>]>) {
    const branch = auth.allOf!.find((b) => props(b.if).type?.const === type);
    assert.ok(branch?.then, `auth: no branch for type ${type}`);
    const required = Object.keys(table).filter((k) => table[k] === 'required' && k !== 'type').sort();
    assert.deepEqual([...(branch.then.required ?? [])].sort(), required, `auth ${type}: required fields differ`);
    const rejected = Object.keys(props(branch.then)).sort();
    const others = [...all].filter((k) => !(k in table)).sort();
    assert.deepEqual(rejected, others, `auth ${type}: the fields it rejects should be exactly the other types' fields`);
  }
});

void test('enums agree', () => {
  const sorted = (o: object): string[] => Object.keys(o).sort();
  assert.deepEqual([...props(schema).method!.enum!].sort(), sorted(METHODS));
  assert.deepEqual([...props(props(schema).endpoints!.items!).method!.enum!].sort(), sorted(METHODS));
  assert.deepEqual([...props(schema).distribution_strategy!.enum!].sort(), sorted(STRATEGIES));
  assert.deepEqual([...props(props(schema).auth!).type!.enum!].sort(), sorted(AUTH_TYPES));
  assert.deepEqual([...props(props(schema).auth!).in!.enum!].sort(), sorted(API_KEY_IN));
});

void test('the drift check itself catches a schema key the types lack', () => {
  const tampered: S = { ...schema, properties: { ...props(schema), extra_key: { type: 'string' } } };
  assert.throws(() => checkTable('test', TEST_KEYS, tampered), /keys differ/);
  const optionalName: S = { ...schema, required: [] };
  assert.throws(() => checkTable('test', TEST_KEYS, optionalName), /required keys differ/);
});
