// Run history on disk: atomic writes, pruning to maxRuns, corrupt files skipped with a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as realFs from 'node:fs/promises';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore, type HistoryFs } from '../../client/history/store';
import { failedResult } from '../../client/format';
import type { RunResult } from '../../engine/format/result';

function result(id: string, completedAt: string, overrides: Partial<RunResult> = {}): RunResult {
  const base = failedResult({ runId: id, name: 'quickstart', file: 'examples/quickstart.atm.yaml', startedAt: new Date(completedAt), message: 'x' }, null);
  return { ...base, status: 'completed', passed: true, failure_reasons: [], error: undefined, completed_at: completedAt, ...overrides };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atm-history-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'runs');
}

void test('adds runs newest first and reads them back in full', async (t) => {
  const dir = await tempDir(t);
  const store = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: () => undefined });
  await store.add(result('a', '2026-01-01T10:00:00.000Z'));
  await store.add(result('b', '2026-01-01T11:00:00.000Z', { passed: false, failure_reasons: ['p95 < 1ms: was 3ms'] }));
  assert.deepEqual(store.list().map((r) => r.id), ['b', 'a']);
  const b = await store.get('b');
  assert.equal(b?.failure_reasons[0], 'p95 < 1ms: was 3ms');
  // A fresh store sees the same runs from disk.
  const again = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: () => undefined });
  assert.deepEqual((await again.load()).map((r) => [r.id, r.passed]), [['b', false], ['a', true]]);
});

void test('keeps only the newest maxRuns and deletes the files of the others', async (t) => {
  const dir = await tempDir(t);
  const store = new HistoryStore({ dir, fs: realFs, maxRuns: () => 3, warn: () => undefined });
  for (let i = 0; i < 5; i++) await store.add(result(`r${i}`, `2026-01-01T10:00:0${i}.000Z`));
  assert.deepEqual(store.list().map((r) => r.id), ['r4', 'r3', 'r2']);
  assert.equal((await readdir(dir)).length, 3);
});

void test('corrupt and foreign files are skipped with a warning; stale temp files are removed', async (t) => {
  const dir = await tempDir(t);
  const store = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: () => undefined });
  const good = await store.add(result('good', '2026-01-01T10:00:00.000Z'));
  await writeFile(join(dir, '000001767261600-broken.json'), '{ "id": "broken", ', 'utf8');
  await writeFile(join(dir, '000001767261601-notaresult.json'), '{ "hello": 1 }', 'utf8');
  await writeFile(join(dir, `.${good.fileName}.tmp-abc`), '{', 'utf8');
  await writeFile(join(dir, 'notes.txt'), 'not ours', 'utf8');
  const warnings: string[] = [];
  const fresh = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: (m) => warnings.push(m) });
  const runs = await fresh.load();
  assert.deepEqual(runs.map((r) => r.id), ['good']);
  assert.equal(warnings.length, 2);
  assert.match(warnings.join('\n'), /broken\.json/);
  assert.match(warnings.join('\n'), /notaresult\.json: not a run result/);
  assert.ok(!(await readdir(dir)).some((n) => n.includes('.tmp-')));
});

void test('a write that fails leaves neither a result nor a temp file behind', async (t) => {
  const dir = await tempDir(t);
  const failingRename: HistoryFs = {
    mkdir: (p, o) => realFs.mkdir(p, o),
    readdir: (p) => realFs.readdir(p),
    readFile: (p, e) => realFs.readFile(p, e),
    writeFile: (p, d, e) => realFs.writeFile(p, d, e),
    rename: async () => {
      throw new Error('EXDEV: rename failed');
    },
    unlink: (p) => realFs.unlink(p),
  };
  const store = new HistoryStore({ dir, fs: failingRename, maxRuns: () => 100, warn: () => undefined });
  await assert.rejects(store.add(result('x', '2026-01-01T10:00:00.000Z')), /EXDEV/);
  assert.deepEqual(await readdir(dir), []);
  assert.deepEqual(store.list(), []);
});

void test('the file on disk is the SPEC.md result JSON', async (t) => {
  const dir = await tempDir(t);
  const store = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: () => undefined });
  const r = result('json', '2026-01-01T10:00:00.000Z');
  const summary = await store.add(r);
  assert.deepEqual(JSON.parse(await readFile(join(dir, summary.fileName), 'utf8')), JSON.parse(JSON.stringify(r)));
});

void test('delete and clear remove runs and files', async (t) => {
  const dir = await tempDir(t);
  const store = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: () => undefined });
  await store.add(result('a', '2026-01-01T10:00:00.000Z'));
  await store.add(result('b', '2026-01-01T10:00:01.000Z'));
  assert.equal(await store.delete('a'), true);
  assert.equal(await store.delete('a'), false);
  assert.deepEqual(store.list().map((r) => r.id), ['b']);
  await store.clear();
  assert.deepEqual(store.list(), []);
  assert.deepEqual(await readdir(dir), []);
});

void test('pins one baseline per test, keeps it through pruning and across reloads, and unpins deleted runs', async (t) => {
  const dir = await tempDir(t);
  const store = new HistoryStore({ dir, fs: realFs, maxRuns: () => 2, warn: () => undefined });
  await store.add(result('old', '2026-01-01T10:00:00.000Z'));
  await store.add(result('other', '2026-01-01T10:00:01.000Z', { name: 'checkout' }));
  assert.equal(store.pinnedBaselinePath('examples/quickstart.atm.yaml', 'quickstart'), null);
  await store.pin('old');
  assert.equal(store.pinnedBaseline('examples/quickstart.atm.yaml', 'quickstart')?.id, 'old');
  assert.equal(store.pinnedBaseline('examples/quickstart.atm.yaml', 'checkout'), null);
  // The pinned run survives pruning: only unpinned runs count against maxRuns.
  for (let i = 0; i < 3; i++) await store.add(result(`n${i}`, `2026-01-01T11:00:0${i}.000Z`));
  assert.deepEqual(store.list().map((r) => r.id), ['n2', 'n1', 'old']);
  const path = store.pinnedBaselinePath('examples/quickstart.atm.yaml', 'quickstart');
  assert.ok(path);
  assert.equal((JSON.parse(await readFile(path, 'utf8')) as RunResult).id, 'old');
  // Pinning another run of the same test replaces the pin; a fresh store reads it back.
  await store.pin('n1');
  const again = new HistoryStore({ dir, fs: realFs, maxRuns: () => 2, warn: () => undefined });
  await again.load();
  assert.equal(again.pinnedBaseline('examples/quickstart.atm.yaml', 'quickstart')?.id, 'n1');
  assert.equal(again.isPinned('old'), false);
  // Deleting the pinned run removes the pin, on disk too.
  await again.delete('n1');
  assert.equal(again.pinnedBaseline('examples/quickstart.atm.yaml', 'quickstart'), null);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'baselines.json'), 'utf8')), []);
  await assert.rejects(again.pin('gone'), /no longer in the history/);
});

void test('a corrupt baselines.json is ignored with a warning and the runs still load', async (t) => {
  const dir = await tempDir(t);
  const store = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: () => undefined });
  await store.add(result('a', '2026-01-01T10:00:00.000Z'));
  await writeFile(join(dir, 'baselines.json'), '{"not": "a list"}', 'utf8');
  const warnings: string[] = [];
  const fresh = new HistoryStore({ dir, fs: realFs, maxRuns: () => 100, warn: (m) => warnings.push(m) });
  assert.deepEqual((await fresh.load()).map((r) => r.id), ['a']);
  assert.match(warnings.join('\n'), /baselines\.json.*not a list of pinned baselines/);
  assert.equal(fresh.pinnedBaseline('examples/quickstart.atm.yaml', 'quickstart'), null);
});
