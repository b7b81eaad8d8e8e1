// What the agent tools do, apart from any protocol: validate, list, run, read, compare and cancel,
// with the safety rails (roots, hosts, caps, one run at a time). engine/mcp/server.ts exposes them.
import { randomUUID } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { validateText } from '../format';
import type { SpecDiagnostic } from '../format/diagnostic';
import type { ProgressUpdate, RunResult } from '../format/result';
import { classifyHosts, hostsOf, type Lookup } from '../guard/hosts';
import { runPlan } from '../run';
import { parseSpecFile, planTest } from '../run/load';
import { compareRuns, type RunComparison } from './compare';
import type { McpOptions } from './options';
import { isRunId, RunStore } from './store';

/** A refusal or bad input: the message is for the agent and names the fix. */
export class ToolError extends Error {}

export interface DiagnosticRow {
  line: number;
  column: number;
  end_line: number;
  end_column: number;
  severity: string;
  message: string;
  code: string | null;
}

export interface RunSummary {
  id: string;
  name: string;
  file: string;
  status: string;
  verdict: 'passed' | 'failed' | 'cancelled' | 'error';
  passed: boolean;
  failure_reasons: string[];
  model: string;
  target_rps: number | null;
  metrics: {
    total_requests: number;
    successful_requests: number;
    failed_requests: number;
    dropped_requests: number;
    requests_per_second: number;
    duration_seconds: number;
    error_rate: number;
    p50_ms: number;
    p95_ms: number;
    p99_ms: number;
    max_ms: number;
  };
  endpoints: { name: string; method: string; total_requests: number; requests_per_second: number; error_rate: number; p50_ms: number; p95_ms: number; p99_ms: number }[];
  stored_at: string | null;
}

export interface ToolsHost {
  /** Resolves a host name; default the system resolver. */
  lookup?: Lookup;
  env?: Record<string, string | undefined>;
}

function rows(diagnostics: readonly SpecDiagnostic[]): DiagnosticRow[] {
  return diagnostics.map((d) => ({
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    end_line: d.range.end.line + 1,
    end_column: d.range.end.character + 1,
    severity: d.severity,
    message: d.message,
    code: d.code ?? null,
  }));
}

export function summarize(result: RunResult, storedAt: string | null): RunSummary {
  const m = result.metrics;
  const verdict = result.status === 'cancelled' ? 'cancelled' : result.status === 'failed' ? 'error' : result.passed ? 'passed' : 'failed';
  return {
    id: result.id,
    name: result.name,
    file: result.file,
    status: result.status,
    verdict,
    passed: result.passed,
    failure_reasons: result.failure_reasons,
    model: result.model,
    target_rps: result.target_rps,
    metrics: {
      total_requests: m.total_requests,
      successful_requests: m.successful_requests,
      failed_requests: m.failed_requests,
      dropped_requests: m.dropped_requests,
      requests_per_second: m.requests_per_second,
      duration_seconds: m.duration_seconds,
      error_rate: m.error_rate,
      p50_ms: m.latency_ms.p50,
      p95_ms: m.latency_ms.p95,
      p99_ms: m.latency_ms.p99,
      max_ms: m.latency_ms.max,
    },
    endpoints: result.endpoint_metrics.map((e) => ({
      name: e.name,
      method: e.method,
      total_requests: e.total_requests,
      requests_per_second: e.requests_per_second,
      error_rate: e.error_rate,
      p50_ms: e.latency_ms.p50,
      p95_ms: e.latency_ms.p95,
      p99_ms: e.latency_ms.p99,
    })),
    stored_at: storedAt,
  };
}

/** Names under .invalid never resolve (RFC 6761): answer without asking a resolver. */
async function systemLookup(host: string): Promise<string[]> {
  if (host === 'invalid' || host.endsWith('.invalid')) return [];
  const answers = await dns.lookup(host, { all: true });
  return answers.map((a) => a.address);
}

interface ActiveRun {
  id: string;
  controller: AbortController;
}

export class AgentTools {
  private readonly store: RunStore;
  private active: ActiveRun | null = null;
  private readonly lookup: Lookup;
  private readonly env: Record<string, string | undefined>;

  constructor(
    readonly options: McpOptions,
    host: ToolsHost = {},
  ) {
    this.store = new RunStore(options.roots[0]);
    this.lookup = host.lookup ?? systemLookup;
    this.env = host.env ?? process.env;
  }

  get runsDir(): string {
    return this.store.dir;
  }

  /** The absolute path of a spec inside a root (symbolic links followed), or a refusal. */
  specPath(path: string): string {
    if (path.trim() === '') throw new ToolError('path is empty: give the path of a .atm.yaml file inside the root.');
    const root = this.options.roots[0];
    const absolute = isAbsolute(path) ? resolve(path) : resolve(root, path);
    let real: string;
    try {
      real = realpathSync(absolute);
    } catch {
      throw new ToolError(`${path}: no such file (paths are relative to ${root}).`);
    }
    const inside = this.options.roots.some((r) => {
      let realRoot = r;
      try {
        realRoot = realpathSync(r);
      } catch {
        // a root that vanished still bounds by its name
      }
      const rel = relative(realRoot, real);
      return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
    });
    if (!inside) throw new ToolError(`${path} is outside the allowed roots (${this.options.roots.join(', ')}); start atm mcp with --root to allow another directory.`);
    return real;
  }

  private read(path: string): { file: string; text: string } {
    const file = this.specPath(path);
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (err) {
      throw new ToolError(`cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  validateSpec(input: { path?: string; text?: string }): { file: string | null; valid: boolean; errors: number; diagnostics: DiagnosticRow[] } {
    if ((input.path === undefined) === (input.text === undefined)) throw new ToolError('give exactly one of path (a spec file inside the root) or text (the spec itself).');
    const source = input.path !== undefined ? this.read(input.path) : { file: null, text: input.text ?? '' };
    const dir = source.file !== null ? dirname(source.file) : this.options.roots[0];
    const diagnostics = validateText(source.text, {
      env: this.env,
      readEnvFile: (rel) => {
        try {
          return readFileSync(resolve(dir, rel), 'utf8');
        } catch {
          return null;
        }
      },
    });
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    return { file: source.file, valid: errors === 0, errors, diagnostics: rows(diagnostics) };
  }

  listTests(input: { path: string }): { file: string; tests: { name: string | null; line: number; valid: boolean; errors: DiagnosticRow[] }[] } {
    const { file, text } = this.read(input.path);
    const parsed = parseSpecFile(text);
    return {
      file,
      tests: parsed.tests.map((t) => {
        const errors = t.diagnostics.filter((d) => d.severity === 'error');
        return { name: t.name, line: t.keyRange.start.line + 1, valid: t.spec !== null && errors.length === 0, errors: rows(errors) };
      }),
    };
  }

  get activeRunId(): string | null {
    return this.active?.id ?? null;
  }

  async runTest(
    input: { path: string; test?: string; max_seconds?: number },
    hooks: { onProgress?: (update: ProgressUpdate) => void; signal?: AbortSignal } = {},
  ): Promise<RunSummary> {
    if (this.active !== null) throw new ToolError(`a run is already going (id ${this.active.id}): wait for it or call cancel_run with that id; one run at a time.`);
    // Claimed before the first await, so two calls can never both start.
    const active: ActiveRun = { id: randomUUID(), controller: new AbortController() };
    this.active = active;
    try {
      return await this.runClaimed(active, input, hooks);
    } finally {
      this.active = null;
    }
  }

  private async runClaimed(
    active: ActiveRun,
    input: { path: string; test?: string; max_seconds?: number },
    hooks: { onProgress?: (update: ProgressUpdate) => void; signal?: AbortSignal },
  ): Promise<RunSummary> {
    const { caps } = this.options;
    const { file, text } = this.read(input.path);
    const parsed = parseSpecFile(text);
    const names = parsed.tests.map((t) => t.name ?? `#${t.index + 1}`);
    let test = parsed.tests[0];
    if (input.test !== undefined) {
      const found = parsed.tests.find((t) => t.name === input.test);
      if (found === undefined) throw new ToolError(`no test named '${input.test}' in ${input.path}. Tests: ${names.length > 0 ? names.join(', ') : '(none)'}.`);
      test = found;
    } else if (parsed.tests.length !== 1) {
      throw new ToolError(parsed.tests.length === 0 ? `${input.path} holds no test.` : `${input.path} holds ${parsed.tests.length} tests: name one with test (${names.join(', ')}).`);
    }
    const outcome = planTest(test, { file, displayFile: relative(this.options.roots[0], file) || file, env: this.env });
    if (!outcome.ok) {
      const first = outcome.diagnostics[0];
      const where = first !== undefined ? ` (line ${first.range.start.line + 1}: ${first.message})` : '';
      throw new ToolError(`${outcome.message}${where}; call validate_spec for every diagnostic.`);
    }
    const plan = outcome.plan;
    if (plan.concurrency > caps.maxConcurrency) throw new ToolError(`'${plan.name}' asks for concurrency ${plan.concurrency}, above the ${caps.maxConcurrency} allowed (--max-concurrency).`);
    if (plan.requestsPerSecond !== null && plan.requestsPerSecond > caps.maxRequestsPerSecond) {
      throw new ToolError(`'${plan.name}' asks for ${plan.requestsPerSecond} requests per second, above the ${caps.maxRequestsPerSecond} allowed (--max-rps).`);
    }
    if (input.max_seconds !== undefined && input.max_seconds > caps.maxDurationSeconds) {
      throw new ToolError(`max_seconds ${input.max_seconds} is above the ${caps.maxDurationSeconds} s allowed (--max-duration).`);
    }
    const limit = input.max_seconds ?? caps.maxDurationSeconds;
    if (plan.durationSeconds !== null && plan.durationSeconds > limit) {
      const which = input.max_seconds !== undefined ? 'max_seconds' : 'allowed (--max-duration)';
      throw new ToolError(`'${plan.name}' runs for ${plan.durationSeconds} s, above the ${limit} s ${which}.`);
    }
    const hosts = hostsOf(plan.endpoints.map((e) => e.url.render({ requestIndex: 0 })));
    const verdicts = await classifyHosts(hosts, this.lookup);
    const refused = verdicts.filter((v) => !v.local && !this.options.allowHosts.includes(v.host.replace(/^\[|\]$/g, '')));
    if (refused.length > 0) {
      const list = refused.map((v) => v.host).join(', ');
      throw new ToolError(`'${plan.name}' targets ${list}, which is not loopback or a private address; start atm mcp with --allow-host ${refused[0].host} to allow it.`);
    }

    const onAbort = (): void => active.controller.abort();
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    // A run without a duration (total_requests) is still bounded in time by the limit.
    const bound = setTimeout(onAbort, (plan.durationSeconds === null ? limit : limit + 15) * 1000);
    try {
      const result = await runPlan(plan, { runId: active.id, signal: active.controller.signal, onProgress: hooks.onProgress });
      if (result.status === 'cancelled' && !hooks.signal?.aborted && !this.cancelled.has(active.id)) {
        result.failure_reasons.push(`stopped after ${limit} s (${input.max_seconds !== undefined ? 'max_seconds' : '--max-duration'})`);
      }
      this.cancelled.delete(active.id);
      const storedAt = this.store.save(result);
      return summarize(result, storedAt);
    } finally {
      clearTimeout(bound);
      hooks.signal?.removeEventListener('abort', onAbort);
    }
  }

  private readonly cancelled = new Set<string>();

  cancelRun(input: { id: string }): { id: string; cancelled: boolean } {
    if (this.active !== null && this.active.id === input.id) {
      this.cancelled.add(input.id);
      this.active.controller.abort();
      return { id: input.id, cancelled: true };
    }
    if (this.store.get(input.id) !== null) throw new ToolError(`run ${input.id} has already finished; nothing to cancel.`);
    throw new ToolError(`no run with id ${input.id}${this.active !== null ? ` (the run going now is ${this.active.id})` : ' (no run is going)'}.`);
  }

  getRun(input: { id: string }): RunResult {
    if (!isRunId(input.id)) throw new ToolError(`'${input.id}' is not a run id; list_runs gives the ids.`);
    const result = this.store.get(input.id);
    if (result === null) throw new ToolError(`no stored run with id ${input.id}; list_runs gives the ids.`);
    return result;
  }

  listRuns(input: { test?: string; limit?: number }): { runs: { id: string; name: string; file: string; status: string; passed: boolean; started_at: string; requests_per_second: number; p95_ms: number; error_rate: number }[] } {
    const limit = input.limit ?? 20;
    const runs = this.store
      .list()
      .filter((r) => input.test === undefined || r.name === input.test)
      .slice(0, limit)
      .map((r) => ({
        id: r.id,
        name: r.name,
        file: r.file,
        status: r.status,
        passed: r.passed,
        started_at: r.started_at,
        requests_per_second: r.metrics.requests_per_second,
        p95_ms: r.metrics.latency_ms.p95,
        error_rate: r.metrics.error_rate,
      }));
    return { runs };
  }

  compareRuns(input: { a: string; b: string }): RunComparison {
    return compareRuns(this.getRun({ id: input.a }), this.getRun({ id: input.b }));
  }

  recentRuns(limit = 50): RunResult[] {
    return this.store.list().slice(0, limit);
  }
}
