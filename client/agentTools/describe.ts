// The pure part of the language-model tools (no 'vscode'): their names and the text of the
// confirmation a person sees before a tool starts a run.
import type { HostVerdict, LoadShape } from '../guards';

/** The language-model tools: the `atm mcp` tools, prefixed `atm_` (package.json languageModelTools). */
export const LM_TOOLS = {
  atm_validate_spec: 'validate_spec',
  atm_list_tests: 'list_tests',
  atm_run_test: 'run_test',
  atm_get_run: 'get_run',
  atm_list_runs: 'list_runs',
  atm_compare_runs: 'compare_runs',
  atm_cancel_run: 'cancel_run',
} as const;

export type LmToolName = keyof typeof LM_TOOLS;

function seconds(n: number): string {
  return `${Number.isInteger(n) ? n : n.toFixed(1)} s`;
}

/** "200 req/s for 30 s", "10 connections for 300 requests": the load in a few words. */
export function loadWords(load: LoadShape): string {
  const rate = load.requestsPerSecond !== null ? `${load.requestsPerSecond} req/s` : `${load.concurrency} connection${load.concurrency === 1 ? '' : 's'} as fast as it answers`;
  const size = load.durationSeconds !== null ? `for ${seconds(load.durationSeconds)}` : `for ${load.totalRequests ?? 0} request${load.totalRequests === 1 ? '' : 's'}`;
  return `${rate} ${size}`;
}

/** "api.local", "a, b and c" — the hosts a run targets. */
export function hostWords(hosts: readonly string[]): string {
  if (hosts.length === 0) return 'its target';
  if (hosts.length === 1) return hosts[0];
  return `${hosts.slice(0, -1).join(', ')} and ${hosts[hosts.length - 1]}`;
}

export interface RunConfirmation {
  title: string;
  /** "Run 'checkout' against api.local: 200 req/s for 30 s?" */
  message: string;
}

export function runConfirmation(testName: string, hosts: readonly HostVerdict[], load: LoadShape): RunConfirmation {
  const remote = hosts.filter((h) => !h.local).map((h) => h.host);
  const question = `Run '${testName}' against ${hostWords(hosts.map((h) => h.host))}: ${loadWords(load)}?`;
  const warning = remote.length > 0 ? ` ${hostWords(remote)} ${remote.length === 1 ? 'is' : 'are'} outside this machine and your private network: only load test systems you own or may test.` : '';
  return { title: 'Run a load test', message: `${question}${warning}` };
}
