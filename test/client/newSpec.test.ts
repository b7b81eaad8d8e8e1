// The scaffolded spec must be valid as written: a new user's first file shows no problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecFile, validateText } from '../../engine/format';
import { NEW_SPEC_TEXT } from '../../client/newSpec';

void test('the new spec validates without errors or warnings and holds one named test', () => {
  const problems = validateText(NEW_SPEC_TEXT, { env: {} }).filter((d) => d.severity === 'error' || d.severity === 'warning');
  assert.deepEqual(problems, []);
  const parsed = parseSpecFile(NEW_SPEC_TEXT);
  assert.equal(parsed.tests.length, 1);
  assert.equal(parsed.tests[0].name, 'My API under load');
  assert.ok(parsed.tests[0].spec, 'the test resolves to a spec');
});
