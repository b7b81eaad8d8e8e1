// The extension forks dist/server.js with --node-ipc: the same server over Node's IPC channel.
import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import { test } from 'node:test';
import {
  createProtocolConnection,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { SERVER } from './lspClient';

void test('over --node-ipc: initialize, diagnostics, shutdown', async () => {
  const child = fork(SERVER, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  const uri = 'file:///ipc/test.atm.yaml';
  const published = new Promise<PublishDiagnosticsParams>((resolve) => {
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      if (p.uri === uri) resolve(p);
    });
  });
  connection.listen();
  const init = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
    initializationOptions: { validationDelayMs: 0 },
  });
  assert.ok(init.capabilities.codeLensProvider);
  await connection.sendNotification(InitializedNotification.type, {});
  await connection.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'atm-yaml', version: 1, text: 'name: t\nurl: http://127.0.0.1/\nconcurency: 2\n' },
  });
  const p = await published;
  assert.deepEqual(p.diagnostics.map((d) => [d.code, d.range.start.line]), [['unknown-key', 2]]);
  await connection.sendRequest(ShutdownRequest.type);
  await connection.sendNotification(ExitNotification.type);
  assert.equal(await exited, 0);
  connection.dispose();
});
