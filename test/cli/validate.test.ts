// `atm validate` as users run it: the bundled CLI in a child process.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
let dir = '';

before(() => {
  if (!existsSync(cli)) execFileSync(process.execPath, ['esbuild.mjs', 'cli'], { cwd: root, stdio: 'inherit' });
  dir = mkdtempSync(join(tmpdir(), 'atm-validate-'));
});

function run(args: string[], env: Record<string, string> = {}, input?: string) {
  const r = spawnSync(process.execPath, [cli, 'validate', ...args], {
    cwd: dir,
    ...(input !== undefined ? { input } : {}),
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

void test('a clean file: no output, exit 0', () => {
  writeFileSync(join(dir, 'ok.atm.yaml'), 'name: ok\nurl: http://127.0.0.1:3000/items\n');
  assert.deepEqual(run(['ok.atm.yaml']), { code: 0, stdout: '', stderr: '' });
});

void test('errors print FILE:LINE:COL (1-based) and exit 2', () => {
  writeFileSync(join(dir, 'bad.atm.yaml'), 'name: bad\nurl: http://127.0.0.1:3000/items\nconcurency: 5\nthresholds:\n  - p95 < 200xs\n');
  const r = run(['bad.atm.yaml']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stdout,
    'bad.atm.yaml:3:1: error: Unknown key `concurency`; did you mean `concurrency`?\n' +
      'bad.atm.yaml:5:14: error: `xs` is not a unit for `p95`; use `ms` (the default) or `s`.\n',
  );
});

void test('warnings and hints are printed but do not fail; .env beside the spec counts', () => {
  writeFileSync(join(dir, 'warn.atm.yaml'), 'name: w\nurl: http://h/a\nheaders:\n  X-K: "{{env:ATM_TEST_UNSET}}"\n  Authorization: Bearer literal\n');
  const r = run(['warn.atm.yaml']);
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    'warn.atm.yaml:4:9: warning: Environment variable `ATM_TEST_UNSET` is not set in the environment or in .env; a run will fail until it is.\n' +
      'warn.atm.yaml:5:18: hint: The `Authorization` header is written into the file; prefer `"{{env:NAME}}"` so the secret stays out of version control.\n',
  );
  assert.doesNotMatch(run(['warn.atm.yaml'], { ATM_TEST_UNSET: 'x' }).stdout, /ATM_TEST_UNSET/);
  writeFileSync(join(dir, '.env'), 'ATM_TEST_UNSET=from-dotenv\n');
  try {
    assert.doesNotMatch(run(['warn.atm.yaml']).stdout, /ATM_TEST_UNSET/);
  } finally {
    rmSync(join(dir, '.env'));
  }
});

void test('several files, one unreadable: every file reported, exit 2', () => {
  writeFileSync(join(dir, 'ok2.atm.yaml'), 'name: ok\nurl: http://127.0.0.1:3000/items\n');
  const r = run(['ok2.atm.yaml', 'missing.atm.yaml']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, 'missing.atm.yaml:1:1: error: cannot read the file: no such file.\n');
});

void test('positions are right after a BOM and with CRLF line ends', () => {
  writeFileSync(join(dir, 'crlf.atm.yaml'), '\uFEFFname: c\r\nurl: http://h/a\r\nmethod: get\r\n');
  const r = run(['crlf.atm.yaml']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, 'crlf.atm.yaml:3:9: error: `method` must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; did you mean `GET`?\n');
});

void test('- reads the spec from standard input', () => {
  const r = run(['-'], {}, 'name: s\nurl: http://h/a\nconcurrency: 0\n');
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '-:3:14: error: `concurrency` must be at least 1.\n');
});

void test('usage errors exit 2 with a message on stderr', () => {
  const none = run([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no file given/);
  const flag = run(['--frobnicate']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown option '--frobnicate'/);
  const help = run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit 0 when no file has errors/);
});

void test('baselines: a missing baseline: file is a warning, a baseline threshold without one a hint, a malformed one an error', () => {
  const text = (extra: string) => `name: b\nurl: http://127.0.0.1:3000/items\nthresholds:\n  - p95 < baseline + 10%\n${extra}`;
  writeFileSync(join(dir, 'nobase.atm.yaml'), text(''));
  const hint = run(['nobase.atm.yaml']);
  assert.equal(hint.code, 0);
  assert.match(hint.stdout, /^nobase\.atm\.yaml:4:5: hint: This threshold compares with a baseline, and the test has none/);

  writeFileSync(join(dir, 'missing.atm.yaml'), text('baseline: results/last.json\n'));
  const missing = run(['missing.atm.yaml']);
  assert.equal(missing.code, 0);
  assert.equal(missing.stdout, 'missing.atm.yaml:5:11: warning: The baseline `results/last.json` was not found next to this spec; baseline thresholds will read `no baseline` until it exists.\n');

  writeFileSync(join(dir, 'last.json'), '{}');
  writeFileSync(join(dir, 'present.atm.yaml'), text('baseline: last.json\n'));
  assert.deepEqual(run(['present.atm.yaml']), { code: 0, stdout: '', stderr: '' });

  writeFileSync(join(dir, 'malformed.atm.yaml'), 'name: m\nurl: http://127.0.0.1:3000/items\nthresholds:\n  - p95 < baseline * 1.2ms\n');
  const malformed = run(['malformed.atm.yaml']);
  assert.equal(malformed.code, 2);
  assert.equal(malformed.stdout, 'malformed.atm.yaml:4:25: error: A factor has no unit: write `baseline * 1.2` (1.2 is 20% more).\n');
});
