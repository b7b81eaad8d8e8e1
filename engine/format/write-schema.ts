// Regenerates schemas/atm.schema.json from schema.ts:
//   node --import tsx engine/format/write-schema.ts
// test/format/schema-file.test.ts fails when the committed copy differs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { schemaJsonText } from './schema';

export const SCHEMA_FILE = join(__dirname, '..', '..', 'schemas', 'atm.schema.json');

if (require.main === module) {
  mkdirSync(dirname(SCHEMA_FILE), { recursive: true });
  writeFileSync(SCHEMA_FILE, schemaJsonText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
