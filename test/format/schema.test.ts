import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { atmSchema, DEFAULTS } from '../../engine/format';
import { schemaJsonText } from '../../engine/format/schema';
import { VALIDATOR_FILE, validatorText } from '../../engine/format/write-schema';

type S = Record<string, unknown> & { properties?: Record<string, S>; items?: S; additionalProperties?: S | boolean };

/** Every field schema: properties, list items and map values, with a readable path. */
function fields(s: S, path: string, out: Array<[string, S]> = []): Array<[string, S]> {
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    out.push([`${path}${k}`, v]);
    fields(v, `${path}${k}.`, out);
  }
  if (s.items && typeof s.items === 'object') {
    out.push([`${path}[]`, s.items]);
    fields(s.items, `${path}[].`, out);
  }
  if (s.additionalProperties && typeof s.additionalProperties === 'object') {
    out.push([`${path}*`, s.additionalProperties]);
    fields(s.additionalProperties, `${path}*.`, out);
  }
  return out;
}

const all = fields(atmSchema as S, '');

void test('every field has description, markdownDescription and examples', () => {
  assert.ok(all.length > 40, `only ${all.length} fields found`);
  for (const [path, s] of all) {
    assert.equal(typeof s.description, 'string', `${path}: description`);
    assert.ok((s.description as string).length > 10, `${path}: description too short`);
    assert.equal(typeof s.markdownDescription, 'string', `${path}: markdownDescription`);
    assert.ok(Array.isArray(s.examples) && s.examples.length > 0, `${path}: examples`);
  }
});

void test('defaults in the schema match DEFAULTS and are mentioned in the description', () => {
  const top = (atmSchema as S).properties!;
  const endpoint = top.endpoints!.items!.properties!;
  const expected: Array<[S, unknown]> = [
    [top.method!, DEFAULTS.method],
    [top.concurrency!, DEFAULTS.concurrency],
    [top.total_requests!, DEFAULTS.total_requests],
    [top.timeout_seconds!, DEFAULTS.timeout_seconds],
    [top.distribution_strategy!, DEFAULTS.distribution_strategy],
    [top.insecure_tls!, DEFAULTS.insecure_tls],
    [top.ramp_up_seconds!, DEFAULTS.ramp_up_seconds],
    [top.workers!, DEFAULTS.workers],
    [endpoint.weight!, DEFAULTS.weight],
    [endpoint.method!, DEFAULTS.method],
    [top.auth!.properties!.in!, 'header'],
    [top.auth!.properties!.header!, 'X-API-Key'],
    [top.auth!.properties!.name!, 'api_key'],
  ];
  for (const [s, value] of expected) {
    assert.equal(s.default, value);
    assert.ok(String(s.description).includes(String(value)), `${String(s.description)} should mention ${String(value)}`);
  }
});

void test('every object with properties rejects unknown keys', () => {
  for (const [path, s] of [['(test)', atmSchema as S] as [string, S], ...all]) {
    if (s.properties) assert.equal(s.additionalProperties, false, `${path}: additionalProperties`);
  }
});

void test('every example is valid for its own field', () => {
  const ajv = new Ajv({ strict: false, allowUnionTypes: true });
  for (const [path, s] of [['(test)', atmSchema as S] as [string, S], ...all]) {
    const { $schema: _s, $id: _i, ...rest } = s;
    const validate = ajv.compile(rest);
    for (const ex of s.examples as unknown[]) assert.ok(validate(ex), `${path}: example ${JSON.stringify(ex)} is invalid: ${ajv.errorsText(validate.errors)}`);
  }
});

void test('schemas/atm.schema.json is the generated copy (regenerate: node --import tsx engine/format/write-schema.ts)', () => {
  const file = readFileSync(join(__dirname, '..', '..', 'schemas', 'atm.schema.json'), 'utf8');
  assert.equal(file, schemaJsonText());
});

void test('engine/format/schemaValidator.generated.js is the generated code (regenerate: node --import tsx engine/format/write-schema.ts)', () => {
  const file = readFileSync(VALIDATOR_FILE, 'utf8');
  assert.equal(file, validatorText());
});
