// The command table is the one definition; package.json must contribute exactly what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, MENUS, contributedCommands, paletteMenu, RUNS_VIEW_ID } from '../../client/commandTable';
import { RUN_ALL_TESTS_COMMAND, RUN_TEST_COMMAND, SHOW_PROBLEMS_COMMAND } from '../../server/protocol';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: unknown[];
    menus: Record<string, Array<{ command: string; when?: string; group?: string }>>;
    views: Record<string, Array<{ id: string; name: string }>>;
    configuration: { properties: Record<string, { scope?: string; default?: unknown }> };
  };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;

void test('contributes.commands is exactly the command table', () => {
  assert.deepEqual(manifest.contributes.commands, contributedCommands());
});

void test('the palette shows each command only where the table says', () => {
  assert.deepEqual(manifest.contributes.menus.commandPalette, paletteMenu());
  const hidden = manifest.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command);
  assert.deepEqual(hidden, ['atm.history.open', 'atm.history.openSpec', 'atm.history.exportJson', 'atm.history.pinBaseline', 'atm.history.unpinBaseline', 'atm.history.exportHtml', 'atm.history.delete']);
});

void test('the other menus are exactly the table', () => {
  for (const [menu, entries] of Object.entries(MENUS)) {
    assert.deepEqual(manifest.contributes.menus[menu], entries, menu);
  }
  const known = new Set(['commandPalette', ...Object.keys(MENUS)]);
  assert.deepEqual(Object.keys(manifest.contributes.menus).filter((m) => !known.has(m)), []);
});

void test('the editor title has the run button on atm-yaml files', () => {
  const run = manifest.contributes.menus['editor/title'].find((m) => m.command === 'atm.runTest');
  assert.ok(run, 'atm.runTest in editor/title');
  assert.match(run.when ?? '', /resourceLangId == atm-yaml/);
  assert.equal(run.group, 'navigation');
});

void test('every command id is unique and in the ATM namespace', () => {
  const ids = COMMANDS.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^atm\./);
});

void test('activation is on the language, a workspace holding specs, the view and the panel only, never *', () => {
  // A workspace with specs activates, so the Testing view lists them before one is opened.
  assert.deepEqual(manifest.activationEvents, ['onLanguage:atm-yaml', 'workspaceContains:**/*.atm.yaml', 'workspaceContains:**/*.atm.yml', `onView:${RUNS_VIEW_ID}`, 'onWebviewPanel:atm.results']);
});

void test('settings that change what runs are restricted in untrusted workspaces and caps are user-scope', () => {
  const { untrustedWorkspaces } = manifest.capabilities;
  assert.equal(untrustedWorkspaces.supported, 'limited');
  const caps = ['atm.maxConcurrency', 'atm.maxRequestsPerSecond', 'atm.maxDurationSeconds'];
  for (const key of ['atm.nodePath', ...caps]) {
    assert.ok(untrustedWorkspaces.restrictedConfigurations.includes(key), key);
    assert.ok(manifest.contributes.configuration.properties[key], `${key} is contributed`);
  }
  for (const key of caps) assert.equal(manifest.contributes.configuration.properties[key].scope, 'application', key);
  assert.equal(manifest.contributes.configuration.properties['atm.history.maxRuns'].default, 100);
});

const CLIENT = join(__dirname, '..', '..', 'client');

function clientSources(): Array<{ file: string; text: string }> {
  return (readdirSync(CLIENT, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: f, text: readFileSync(join(CLIENT, f), 'utf8') }));
}

function quoted(value: string): RegExp {
  return new RegExp(`(['"\`])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`, 'g');
}

void test('the commands the language server invokes are registered under the protocol constants', () => {
  const ids: string[] = COMMANDS.map((c) => c.id);
  assert.ok(ids.includes(RUN_TEST_COMMAND), RUN_TEST_COMMAND);
  assert.ok(ids.includes(RUN_ALL_TESTS_COMMAND), RUN_ALL_TESTS_COMMAND);
});

void test('the client names the protocol commands only through server/protocol.ts', () => {
  const sources = clientSources();
  assert.ok(sources.length > 5, `client sources found: ${sources.length}`);
  const literals: string[] = [];
  for (const { file, text } of sources) {
    for (const name of [RUN_TEST_COMMAND, RUN_ALL_TESTS_COMMAND, SHOW_PROBLEMS_COMMAND]) {
      for (const m of text.matchAll(quoted(name))) literals.push(`client/${file}: ${m[0]}`);
    }
  }
  assert.deepEqual(literals, [], 'use RUN_TEST_COMMAND, RUN_ALL_TESTS_COMMAND, SHOW_PROBLEMS_COMMAND');
});

void test('outside the command table, a command id in the client is checked against it', () => {
  const unchecked: string[] = [];
  for (const { file, text } of clientSources()) {
    if (file === 'commandTable.ts') continue;
    for (const { id } of COMMANDS) {
      for (const m of text.matchAll(quoted(id))) {
        const after = text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 22);
        // The handlers of commands.ts are a Record<CommandId, Handler>: its keys are checked.
        const handlerKey = file === 'commands.ts' && after.startsWith(':');
        if (!handlerKey && !after.startsWith(' satisfies CommandId')) unchecked.push(`client/${file}: ${m[0]}`);
      }
    }
  }
  assert.deepEqual(unchecked, [], "write `'atm.x' satisfies CommandId` so a typo fails the typecheck");
});
