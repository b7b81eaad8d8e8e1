// Every load-shape number has an upper bound, and going over it is an error that names the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateText } from '../../engine/format';
import { LOAD_LIMITS, atmSchema } from '../../engine/format/schema';
import { show } from './helpers';

const ctx = { env: {}, readEnvFile: (): string | null => null };
const base = 'name: t\nurl: http://127.0.0.1:1/a\n';

const errorsOf = (text: string): string[] =>
  validateText(text, ctx)
    .filter((d) => d.severity === 'error')
    .map(show);

void test('the values a new user mistypes are errors naming the limit, at the value', () => {
  const cases: Array<[string, string]> = [
    ['concurrency: 1000000000\ntotal_requests: 20\n', '`concurrency` is 1000000000, above the limit of 100,000 connections: use at most 100000.'],
    ['requests_per_second: 1000000000\n', '`requests_per_second` is 1000000000, above the limit of 1,000,000 requests per second: use at most 1000000.'],
    ['duration_seconds: 1000000000000\n', '`duration_seconds` is 1000000000000, above the limit of 604,800 s, 7 days: use at most 604800.'],
    ['timeout_seconds: 3601\n', '`timeout_seconds` is 3601, above the limit of 3,600 s, 1 hour: use at most 3600.'],
    ['total_requests: 1000000001\n', '`total_requests` is 1000000001, above the limit of 1,000,000,000 requests: use at most 1000000000.'],
    ['duration_seconds: 10\nramp_up_seconds: 604801\n', '`ramp_up_seconds` is 604801, above the limit of 604,800 s, 7 days: use at most 604800.'],
  ];
  for (const [extra, message] of cases) {
    const errors = errorsOf(base + extra);
    assert.ok(
      errors.some((e) => e.includes(`error out-of-range | ${message}`)),
      `${extra.trim()}: ${JSON.stringify(errors)}`,
    );
  }
  // The range is the value, on its own line.
  const [concurrency] = errorsOf(`${base}concurrency: 1000000000\n`);
  assert.match(concurrency, /^\[2,13,2,23\] error out-of-range/);
});

void test('the limits themselves are valid, and each bounded field carries its maximum in the schema', () => {
  const props = atmSchema.properties as Record<string, { maximum?: number; description: string }>;
  for (const [field, limit] of Object.entries(LOAD_LIMITS)) {
    if (field === 'follow_redirects') continue;
    assert.equal(props[field].maximum, limit.max, field);
    assert.ok(props[field].description.includes(limit.max.toLocaleString('en-US')), `${field}: the description names the limit`);
  }
  const atLimits = [
    `concurrency: ${LOAD_LIMITS.concurrency.max}`,
    `requests_per_second: ${LOAD_LIMITS.requests_per_second.max}`,
    `duration_seconds: ${LOAD_LIMITS.duration_seconds.max}`,
    `ramp_up_seconds: ${LOAD_LIMITS.duration_seconds.max - 1}`,
    `timeout_seconds: ${LOAD_LIMITS.timeout_seconds.max}`,
  ].join('\n');
  assert.deepEqual(errorsOf(`${base}${atLimits}\n`), []);
  assert.deepEqual(errorsOf(`${base}total_requests: ${LOAD_LIMITS.total_requests.max}\n`), []);
});
