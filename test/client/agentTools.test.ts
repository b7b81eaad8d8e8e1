// The language-model tools' pure part: their names (checked against package.json) and the
// confirmation text before a run.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hostWords, LM_TOOLS, loadWords, runConfirmation } from '../../client/agentTools/describe';

interface Manifest {
  contributes: { languageModelTools: { name: string; inputSchema: { required?: string[] } }[]; mcpServerDefinitionProviders: { id: string }[] };
  engines: { vscode: string };
}
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as Manifest;

void describe('language-model tools', () => {
  void it('are the MCP tools prefixed atm_, each contributed in package.json', () => {
    const names = Object.keys(LM_TOOLS).sort();
    assert.deepEqual(names, manifest.contributes.languageModelTools.map((t) => t.name).sort());
    for (const [lm, mcp] of Object.entries(LM_TOOLS)) assert.equal(lm, `atm_${mcp}`);
    const run = manifest.contributes.languageModelTools.find((t) => t.name === 'atm_run_test');
    assert.deepEqual(run?.inputSchema.required, ['path']);
    assert.deepEqual(
      manifest.contributes.mcpServerDefinitionProviders.map((p) => p.id),
      ['atm.mcp'],
    );
    assert.equal(manifest.engines.vscode, '^1.101.0');
  });

  void it('confirm a run naming the hosts and the load', () => {
    const remote = [{ host: 'api.local', addresses: ['203.0.113.9'], local: false }];
    const open = { concurrency: 20, requestsPerSecond: 200, durationSeconds: 30, totalRequests: null };
    const c = runConfirmation('checkout', remote, open);
    assert.match(c.message, /^Run 'checkout' against api\.local: 200 req\/s for 30 s\? api\.local is outside this machine and your private network/);

    const local = [
      { host: '127.0.0.1', addresses: ['127.0.0.1'], local: true },
      { host: '10.0.0.2', addresses: ['10.0.0.2'], local: true },
    ];
    const closed = { concurrency: 10, requestsPerSecond: null, durationSeconds: null, totalRequests: 300 };
    assert.equal(runConfirmation('list', local, closed).message, "Run 'list' against 127.0.0.1 and 10.0.0.2: 10 connections as fast as it answers for 300 requests?");
  });

  void it('say load and hosts in few words', () => {
    assert.equal(loadWords({ concurrency: 1, requestsPerSecond: null, durationSeconds: 2.5, totalRequests: null }), '1 connection as fast as it answers for 2.5 s');
    assert.equal(loadWords({ concurrency: 4, requestsPerSecond: 50, durationSeconds: null, totalRequests: 1 }), '50 req/s for 1 request');
    assert.equal(hostWords([]), 'its target');
    assert.equal(hostWords(['a', 'b', 'c']), 'a, b and c');
  });
});
