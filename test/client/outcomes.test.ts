// Inline outcomes: which line each threshold result lands on, and what it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeText, placeOutcomes } from '../../client/outcomes';
import type { ThresholdResult } from '../../engine/format/result';

const t = (expression: string, endpoint: string | null, actual: number | null, passed: boolean, extra: Partial<ThresholdResult> = {}): ThresholdResult => ({ expression, endpoint, actual, passed, ...extra });

void test('the text: passed, failed against a baseline, no baseline, no data', () => {
  assert.equal(outcomeText(t('p95 < 10ms', null, 8.4, true)), '✓ 8.4 ms');
  assert.equal(outcomeText(t('p95 < baseline + 10%', null, 231.4, false, { baseline: 198, limit: 217.8 })), '✗ 231.4 ms (baseline 198 ms, +16.9%)');
  assert.equal(outcomeText(t('rps > baseline - 5%', null, 90, true, { baseline: 100, limit: 95 })), '✓ 90 req/s (baseline 100 req/s, −10.0%)');
  assert.equal(outcomeText(t('error_rate <= baseline + 0.5%', null, 0.02, false, { baseline: 0.01 })), '✗ 2% (baseline 1%, +1.00 pp)');
  assert.equal(outcomeText(t('p95 < baseline + 10%', null, 5, true, { baseline: null, limit: null, no_baseline: true })), '– no baseline');
  assert.equal(outcomeText(t('p95 < 10ms', null, null, false)), '✗ no data');
});

void test('places test-wide and per-endpoint thresholds on their own lines, even with the same expression', () => {
  const lines = [
    'name: shop', //                       0
    'url: http://127.0.0.1/',
    'endpoints:',
    '  - name: list',
    '    path: /items',
    '    thresholds:', //                  5
    '      - p95 < 50ms',
    '  - name: item',
    '    path: /items/1',
    '    thresholds:',
    '      - "p95 < 50ms"  # stricter', // 10
    'thresholds:',
    '  - p95 < 50ms',
    '  - error_rate < 1%',
    '---',
    'name: other', //                     15
    'thresholds:',
    '  - p95 < 50ms',
  ];
  const placed = placeOutcomes(lines, 0, 14, [
    t('p95 < 50ms', null, 12, true),
    t('error_rate < 1%', null, 0.5, false),
    t('p95 < 50ms', 'list', 20, true),
    t('p95 < 50ms', 'item', 70, false),
  ]);
  assert.deepEqual(placed.map((o) => [o.line, o.text]), [
    [6, '✓ 20 ms'],
    [10, '✗ 70 ms'],
    [12, '✓ 12 ms'],
    [13, '✗ 50%'],
  ]);
  // A threshold whose text changed since the run gets nothing; the other test's lines are not searched.
  assert.deepEqual(placeOutcomes(lines, 0, 14, [t('p99 < 50ms', null, 1, true), t('p95 < 50ms', 'gone', 1, true)]), []);
});

void test('a by-name threshold lands on its line whether the test\'s thresholds come before or after the steps', () => {
  const steps = [
    'steps:',
    '  - name: login',
    '    url: /login',
    '  - url: /orders',
    '    thresholds:', //                 a step's own thresholds before its name
    '      - p95 < 300ms',
    '    name: orders',
  ];
  const byName = [
    'thresholds:',
    '  - p95 < 300ms',
    '  - login: p95 < 300ms',
    '  - orders: [error_rate < 1%, "p99 < 500ms"]',
    '  - login:',
    '      - error_rate < 1%  # no errors at all',
  ];
  const results = [
    t('p95 < 300ms', 'login', 120, true),
    t('error_rate < 1%', 'login', 0.02, false),
    t('p95 < 300ms', 'orders', 400, false),
    t('error_rate < 1%', 'orders', 0, true),
    t('p99 < 500ms', 'orders', 450, true),
    t('p95 < 300ms', null, 200, true),
  ];
  // Lines relative to the test's first line (`name: shop`), which is at line 2 of the document.
  const place = (body: string[]) => {
    const lines = ['# orders', '', 'name: shop', 'base_url: http://127.0.0.1', ...body, '---', 'name: next', 'thresholds:', '  - login: p95 < 300ms'];
    return placeOutcomes(lines, 2, 4 + body.length, results).map((o) => [lines[o.line].trim(), o.threshold.endpoint, o.text]);
  };
  const expected = [
    ['- p95 < 300ms', 'orders', '✗ 400 ms'],
    ['- p95 < 300ms', null, '✓ 200 ms'],
    ['- login: p95 < 300ms', 'login', '✓ 120 ms'],
    ['- orders: [error_rate < 1%, "p99 < 500ms"]', 'orders', '✓ 0%'],
    ['- orders: [error_rate < 1%, "p99 < 500ms"]', 'orders', '✓ 450 ms'],
    ['- error_rate < 1%  # no errors at all', 'login', '✗ 2%'],
  ];
  const after = place([...steps, ...byName]);
  assert.deepEqual(after, expected);
  const before = place([...byName, ...steps]);
  assert.deepEqual(new Set(before.map((o) => JSON.stringify(o))), new Set(expected.map((o) => JSON.stringify(o))));
  assert.equal(before.length, expected.length);
});
