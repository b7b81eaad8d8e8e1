// `baseline:` and baseline thresholds in the editor: a hint when there is nothing to compare with,
// a warning when the named file is missing, nothing once a baseline is declared or pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateText, type ValidateContext } from '../../engine/format';
import { show } from './helpers';

const base = 'name: t\nurl: http://h/a\nthresholds:\n  - p95 < baseline + 10%\n  - p99 < 200ms\n';
const ctx: ValidateContext = { env: {}, readEnvFile: () => null };

void test('a baseline threshold without a baseline gets a hint at the threshold', () => {
  const diags = validateText(base, ctx).map(show);
  assert.deepEqual(diags, [
    '[3,4,3,24] hint no-baseline | This threshold compares with a baseline, and the test has none: add `baseline: PATH` (a result JSON), pin a run as baseline, or pass `atm run --baseline FILE`. Until then it reads `no baseline` and does not fail the run.',
  ]);
});

void test('per-endpoint baseline thresholds get the hint too', () => {
  const text = 'name: t\nbase_url: http://h\nendpoints:\n  - name: a\n    url: /a\n    thresholds: [ "rps > baseline - 5%" ]\n';
  assert.deepEqual(
    validateText(text, ctx).map((d) => `${d.code} ${d.range.start.line}`),
    ['no-baseline 5'],
  );
});

void test('no hint once the spec names a baseline or one is pinned', () => {
  assert.deepEqual(validateText(`${base}baseline: last.json\n`, { ...ctx, fileExists: () => true }), []);
  assert.deepEqual(validateText(base, { ...ctx, hasPinnedBaseline: (name) => name === 't' }), []);
});

void test('a baseline file that does not exist is a warning at its path', () => {
  const diags = validateText(`${base}baseline: missing.json\n`, { ...ctx, fileExists: (p) => p !== 'missing.json' }).map(show);
  assert.deepEqual(diags, [
    '[5,10,5,22] warning baseline-not-found | The baseline `missing.json` was not found next to this spec; baseline thresholds will read `no baseline` until it exists.',
  ]);
});

void test('a malformed baseline threshold is an error, not a hint', () => {
  const diags = validateText('name: t\nurl: http://h/a\nthresholds:\n  - p95 < baseline / 2\n', ctx);
  assert.deepEqual(
    diags.map((d) => `${d.severity} ${d.code}`),
    ['error invalid-threshold'],
  );
});
