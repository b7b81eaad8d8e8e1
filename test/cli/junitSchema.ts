// The JUnit XML schema check shared by the report tests: test/fixtures/junit/junit.xsd (the
// format CI test viewers read), validated by libxml2 (xmllint-wasm).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

export const JUNIT_XSD = readFileSync(join(__dirname, '..', 'fixtures', 'junit', 'junit.xsd'), 'utf8');

export async function assertValidJUnit(xml: string): Promise<void> {
  const check = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: JUNIT_XSD }] });
  assert.ok(check.valid, `JUnit XML does not match the schema:\n${check.rawOutput}\n${xml}`);
}
