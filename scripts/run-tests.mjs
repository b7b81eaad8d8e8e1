// Runs node's test runner over the test files of the given areas (folders under test/), since
// Node 20's `--test` does not expand globs. Usage: node scripts/run-tests.mjs [area...]
// Extra flags after `--` go to node (e.g. `-- --test-name-pattern=redact`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const DEFAULT_AREAS = ['format', 'grammar', 'engine', 'cli', 'server', 'client', 'webview', 'bench'];
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const areas = (dash === -1 ? argv : argv.slice(0, dash));
const extra = dash === -1 ? [] : argv.slice(dash + 1);

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (entry.endsWith('.test.ts') || entry.endsWith('.test.mjs')) out.push(path);
  }
  return out;
}

const files = (areas.length ? areas : DEFAULT_AREAS).flatMap((area) => testFiles(join('test', area)));
if (files.length === 0) {
  console.error(`No test files under test/{${(areas.length ? areas : DEFAULT_AREAS).join(',')}}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
