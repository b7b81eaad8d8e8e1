// The language-model tools (atm_*) and the MCP server definition for the editor's agent mode.
// Runs go through the same RunController as the lens, so they show in the panel and the history.
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { lookup as dnsLookup } from 'node:dns/promises';
import { parseSpecFile } from '../../engine/format';
import type { RunResult } from '../../engine/format/result';
import { classifyHosts, hostsOf } from '../../engine/guard/hosts';
import { compareRuns } from '../../engine/mcp/compare';
import { AgentTools, summarize } from '../../engine/mcp/tools';
import { planTest } from '../../engine/run/load';
import type { HistoryStore } from '../history/store';
import { preflight } from '../preflight';
import type { RunController } from '../runController';
import { runConfirmation, type LmToolName } from './describe';

export interface AgentToolsDeps {
  context: vscode.ExtensionContext;
  runs: RunController;
  history: HistoryStore;
}

const UNTRUSTED = 'ATM does not run load tests in Restricted Mode: trust this workspace to run it.';

function result(value: unknown): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(JSON.stringify(value, null, 2))]);
}

function roots(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** The MCP tools' own logic, bounded to the workspace folders and the user's caps. */
function toolsFor(runs: RunController): AgentTools {
  const folders = roots();
  if (folders.length === 0) throw new Error('Open a folder first: ATM tools read specs inside the workspace folders.');
  return new AgentTools({ roots: folders, allowHosts: [], caps: runs.caps() });
}

interface RunInput {
  path: string;
  test?: string;
}

interface RunTarget {
  file: string;
  text: string;
  testName: string;
}

function target(runs: RunController, input: RunInput): RunTarget {
  const file = toolsFor(runs).specPath(input.path);
  const text = readFileSync(file, 'utf8');
  const tests = parseSpecFile(text).tests;
  if (input.test !== undefined) return { file, text, testName: input.test };
  if (tests.length !== 1 || tests[0].name === null) {
    throw new Error(`${input.path} holds ${tests.length} tests: name one with test (${tests.map((t) => t.name ?? `#${t.index + 1}`).join(', ')}).`);
  }
  return { file, text, testName: tests[0].name };
}

const lookup = async (host: string): Promise<string[]> => (await dnsLookup(host, { all: true })).map((a) => a.address);

/** The confirmation before a run: its hosts and its load, or why it cannot run. */
async function confirmation(runs: RunController, input: RunInput): Promise<{ title: string; message: string }> {
  const t = target(runs, input);
  const check = await preflight({
    text: t.text,
    file: t.file,
    testName: t.testName,
    env: process.env,
    caps: runs.caps(),
    lookup,
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    },
  });
  if (!check.ok) throw new Error(check.reason);
  const planned = planTest(check.test, { file: t.file, env: process.env });
  const urls = planned.ok ? planned.plan.endpoints.map((e) => e.url.render({ requestIndex: 0 })) : [];
  const hosts = await classifyHosts(hostsOf(urls), lookup);
  return runConfirmation(t.testName, hosts, check.load);
}

async function storedRun(history: HistoryStore, id: string): Promise<RunResult> {
  await history.load();
  const run = await history.get(id);
  if (run === null) throw new Error(`No run with id ${id} in the history; atm_list_runs gives the ids.`);
  return run;
}

export function registerAgentTools(deps: AgentToolsDeps): vscode.Disposable[] {
  const { runs, history } = deps;
  const tools: { [K in LmToolName]: vscode.LanguageModelTool<never> } = {
    atm_validate_spec: {
      invoke: (options: vscode.LanguageModelToolInvocationOptions<{ path?: string; text?: string }>) => result(toolsFor(runs).validateSpec(options.input)),
    },
    atm_list_tests: {
      invoke: (options: vscode.LanguageModelToolInvocationOptions<{ path: string }>) => result(toolsFor(runs).listTests(options.input)),
    },
    atm_run_test: {
      prepareInvocation: async (options: vscode.LanguageModelToolInvocationPrepareOptions<RunInput>) => {
        // Nothing to confirm when the run would be refused anyway; invoke says why.
        if (!vscode.workspace.isTrusted) return { invocationMessage: UNTRUSTED };
        try {
          const c = await confirmation(runs, options.input);
          return { invocationMessage: `Running '${target(runs, options.input).testName}'`, confirmationMessages: { title: c.title, message: c.message } };
        } catch (err) {
          return { invocationMessage: err instanceof Error ? err.message : String(err) };
        }
      },
      invoke: async (options: vscode.LanguageModelToolInvocationOptions<RunInput>) => {
        if (!vscode.workspace.isTrusted) throw new Error(UNTRUSTED);
        // The same checks as the confirmation: a refusal is the tool's error, not a dialog.
        await confirmation(runs, options.input);
        const t = target(runs, options.input);
        const run = await runs.run({ uri: vscode.Uri.file(t.file), testName: t.testName }, { confirmed: true });
        if (run === null) throw new Error(`'${t.testName}' did not run; the editor shows why.`);
        return result(summarize(run, null));
      },
    },
    atm_get_run: {
      invoke: async (options: vscode.LanguageModelToolInvocationOptions<{ id: string }>) => result(await storedRun(history, options.input.id)),
    },
    atm_list_runs: {
      invoke: async (options: vscode.LanguageModelToolInvocationOptions<{ test?: string; limit?: number }>) => {
        const listed = await history.load();
        const runsOut = listed
          .filter((r) => options.input.test === undefined || r.name === options.input.test)
          .slice(0, options.input.limit ?? 20)
          .map((r) => ({ id: r.id, name: r.name, file: r.file, status: r.status, passed: r.passed, started_at: r.startedAt, requests_per_second: r.requestsPerSecond, p95_ms: r.p95 }));
        return result({ runs: runsOut });
      },
    },
    atm_compare_runs: {
      invoke: async (options: vscode.LanguageModelToolInvocationOptions<{ a: string; b: string }>) =>
        result(compareRuns(await storedRun(history, options.input.a), await storedRun(history, options.input.b))),
    },
    atm_cancel_run: {
      invoke: (options: vscode.LanguageModelToolInvocationOptions<{ id: string }>) => {
        if (!runs.stop(options.input.id)) {
          const going = runs.activeRunIds();
          throw new Error(`No run with id ${options.input.id} is going${going.length > 0 ? ` (going: ${going.join(', ')})` : ''}.`);
        }
        return result({ id: options.input.id, cancelled: true });
      },
    },
  };
  const disposables = (Object.keys(tools) as LmToolName[]).map((name) => vscode.lm.registerTool(name, tools[name]));
  disposables.push(registerMcpServer(deps));
  return disposables;
}

/** `atm mcp` for the editor's agent mode, bounded to the workspace folders and the user's caps. */
function registerMcpServer(deps: AgentToolsDeps): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.McpServerDefinitionProvider = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: () => {
      const folders = roots();
      // Untrusted: no server, so agents cannot run load tests from this folder.
      if (!vscode.workspace.isTrusted || folders.length === 0) return [];
      const caps = deps.runs.caps();
      const cli = vscode.Uri.joinPath(deps.context.extensionUri, 'dist', 'cli.js').fsPath;
      const args = [cli, 'mcp', ...folders.flatMap((f) => ['--root', f])];
      args.push('--max-concurrency', String(caps.maxConcurrency), '--max-rps', String(caps.maxRequestsPerSecond), '--max-duration', String(caps.maxDurationSeconds));
      // The editor's own Node: in the desktop app that is Electron, which runs as Node with this variable.
      const server = new vscode.McpStdioServerDefinition('API Test Machine', process.execPath, args, { ELECTRON_RUN_AS_NODE: '1' }, ATM_VERSION);
      server.cwd = vscode.Uri.file(folders[0]);
      return [server];
    },
  };
  return vscode.Disposable.from(
    changed,
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
    vscode.lm.registerMcpServerDefinitionProvider('atm.mcp', provider),
  );
}

declare const ATM_VERSION: string;
