// Regenerates the two files made from schema.ts:
//   node --import tsx engine/format/write-schema.ts
// - schemas/atm.schema.json, the schema for other YAML tools;
// - engine/format/schemaValidator.generated.js, ajv's validation code for the schema, compiled
//   here rather than when the engine or the language server starts: ajv's compiler and its
//   output built at start-up took about 12 MiB of each process's memory, the code about 1.4 MiB.
// test/format/schema.test.ts fails when either committed copy differs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { atmSchema, schemaJsonText } from './schema';

export const SCHEMA_FILE = join(__dirname, '..', '..', 'schemas', 'atm.schema.json');
export const VALIDATOR_FILE = join(__dirname, 'schemaValidator.generated.js');

/** The options validate.ts relies on: every error, union types, and each error's data and schema. */
export const AJV_OPTIONS = { allErrors: true, strict: false, allowUnionTypes: true, verbose: true } as const;

/** The text of schemaValidator.generated.js. */
export function validatorText(): string {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
  const code = standaloneCode(ajv, ajv.compile(atmSchema));
  return `// Generated from engine/format/schema.ts by engine/format/write-schema.ts: do not edit.\n${code}\n`;
}

if (require.main === module) {
  mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
  writeFileSync(SCHEMA_FILE, schemaJsonText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  writeFileSync(VALIDATOR_FILE, validatorText());
  process.stdout.write(`wrote ${VALIDATOR_FILE}\n`);
}
