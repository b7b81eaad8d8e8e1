// `atm mcp`: the agent tools over the Model Context Protocol. Each tool takes a zod-checked input
// and answers with structured content; refusals come back as tool errors with a clear message.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ProgressUpdate } from '../format/result';
import { formatSummary } from './formatSummary';
import { AgentTools, ToolError } from './tools';
import type { McpOptions } from './options';

declare const ATM_VERSION: string;
const VERSION = typeof ATM_VERSION === 'string' ? ATM_VERSION : '0.0.0';

function ok(value: object): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value as Record<string, unknown> };
}

function failure(err: unknown): CallToolResult {
  const message = err instanceof ToolError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Runs a tool body; any refusal or failure becomes an error result, never an exception. */
async function guarded(body: () => object | Promise<object>): Promise<CallToolResult> {
  try {
    return ok(await body());
  } catch (err) {
    return failure(err);
  }
}

const diagnostic = z.object({
  line: z.number(),
  column: z.number(),
  end_line: z.number(),
  end_column: z.number(),
  severity: z.string(),
  message: z.string(),
  code: z.string().nullable(),
});

const summaryShape = {
  id: z.string(),
  name: z.string(),
  file: z.string(),
  status: z.string(),
  verdict: z.enum(['passed', 'failed', 'cancelled', 'error']),
  passed: z.boolean(),
  failure_reasons: z.array(z.string()),
  model: z.string(),
  target_rps: z.number().nullable(),
  metrics: z.looseObject({ total_requests: z.number(), requests_per_second: z.number(), error_rate: z.number(), p95_ms: z.number() }),
  endpoints: z.array(z.looseObject({ name: z.string() })),
  stored_at: z.string().nullable(),
};

const metricRow = z.object({ metric: z.string(), a: z.number().nullable(), b: z.number().nullable(), change: z.number().nullable(), change_ratio: z.number().nullable() });
const runId = z.string().min(1).max(64).describe('A run id, as run_test and list_runs give it.');

export function createMcpServer(options: McpOptions, tools = new AgentTools(options)): McpServer {
  const server = new McpServer({ name: 'api-test-machine', version: VERSION });

  server.registerTool(
    'validate_spec',
    {
      description: 'Checks a .atm.yaml load test spec (a file inside the root, or its text) and returns every diagnostic with its 1-based line and column.',
      inputSchema: {
        path: z.string().optional().describe('A spec file, relative to the root or absolute inside it.'),
        text: z.string().max(1_000_000).optional().describe('The spec text itself, instead of path.'),
      },
      outputSchema: { file: z.string().nullable(), valid: z.boolean(), errors: z.number(), diagnostics: z.array(diagnostic) },
      annotations: { readOnlyHint: true },
    },
    (input) => guarded(() => tools.validateSpec(input)),
  );

  server.registerTool(
    'list_tests',
    {
      description: 'Lists the tests of a spec file with their line and whether each is valid.',
      inputSchema: { path: z.string().describe('A spec file, relative to the root or absolute inside it.') },
      outputSchema: {
        file: z.string(),
        tests: z.array(z.object({ name: z.string().nullable(), line: z.number(), valid: z.boolean(), errors: z.array(diagnostic) })),
      },
      annotations: { readOnlyHint: true },
    },
    (input) => guarded(() => tools.listTests(input)),
  );

  server.registerTool(
    'run_test',
    {
      description:
        'Runs one load test of a spec file against its target and returns the verdict, failure reasons, key metrics, per-endpoint rows and the run id. Sends progress notifications while it runs. One run at a time; only loopback and private hosts unless allowed; the caps apply.',
      inputSchema: {
        path: z.string().describe('A spec file, relative to the root or absolute inside it.'),
        test: z.string().optional().describe('The test name; may be left out when the file holds one test.'),
        max_seconds: z.number().int().positive().optional().describe('Stop the run after this many seconds (at most --max-duration).'),
      },
      outputSchema: summaryShape,
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (input, extra) =>
      guarded(() => {
        const token = extra._meta?.progressToken;
        const onProgress =
          token === undefined
            ? undefined
            : (u: ProgressUpdate): void => {
                const s = u.summary;
                const message = `run ${u.runId} ${u.name}: ${u.elapsed_seconds.toFixed(0)} s, ${s.total_requests} requests, ${u.point.rps.toFixed(1)} req/s, p95 ${s.latency_ms.p95.toFixed(1)} ms, ${s.failed_requests} errors`;
                const progress = u.progress !== null ? Math.round(u.progress * 1000) / 10 : u.elapsed_seconds;
                extra
                  .sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, ...(u.progress !== null ? { total: 100 } : {}), message } })
                  .catch(() => undefined);
              };
        return tools.runTest(input, { onProgress, signal: extra.signal });
      }),
  );

  server.registerTool(
    'get_run',
    {
      description: 'The full stored result of a run (secrets redacted, sampled bodies truncated), as `atm run --json` writes it.',
      inputSchema: { id: runId },
      outputSchema: z.looseObject({ id: z.string(), name: z.string(), status: z.string(), passed: z.boolean(), metrics: z.looseObject({}) }),
      annotations: { readOnlyHint: true },
    },
    (input) => guarded(() => tools.getRun(input)),
  );

  server.registerTool(
    'list_runs',
    {
      description: 'Stored runs, newest first.',
      inputSchema: {
        test: z.string().optional().describe('Only runs of the test with this name.'),
        limit: z.number().int().min(1).max(1000).optional().describe('At most this many (default 20).'),
      },
      outputSchema: { runs: z.array(z.looseObject({ id: z.string(), name: z.string(), status: z.string(), passed: z.boolean(), started_at: z.string() })) },
      annotations: { readOnlyHint: true },
    },
    (input) => guarded(() => tools.listRuns(input)),
  );

  server.registerTool(
    'compare_runs',
    {
      description:
        'Two stored runs side by side: every key metric of a and b, the change and the change ratio, overall and per endpoint; ' +
        'and `comparison`, what `atm compare a b` reports: exact percentile distributions from both histograms and the baseline thresholds of b judged against a.',
      inputSchema: { a: runId, b: runId },
      outputSchema: {
        a: z.looseObject({ id: z.string() }),
        b: z.looseObject({ id: z.string() }),
        metrics: z.array(metricRow),
        endpoints: z.array(z.object({ name: z.string(), metrics: z.array(metricRow) })),
        comparison: z.looseObject({ name: z.string(), passed: z.boolean() }),
      },
      annotations: { readOnlyHint: true },
    },
    (input) => guarded(() => tools.compareRuns(input)),
  );

  server.registerTool(
    'cancel_run',
    {
      description: 'Stops the run that is going; its partial result is stored with status cancelled and returned by the run_test call.',
      inputSchema: { id: runId },
      outputSchema: { id: z.string(), cancelled: z.boolean() },
    },
    (input) => guarded(() => tools.cancelRun(input)),
  );

  server.registerResource(
    'runs',
    new ResourceTemplate('atm://runs/{id}', {
      list: () => ({
        resources: tools.recentRuns().map((r) => ({
          uri: `atm://runs/${r.id}`,
          name: `${r.name} ${r.started_at}`,
          description: `${r.status}${r.status === 'completed' ? (r.passed ? ', passed' : ', failed') : ''}`,
          mimeType: 'application/json',
        })),
      }),
    }),
    { description: 'Stored run results (result JSON).', mimeType: 'application/json' },
    (uri, variables) => {
      const id = Array.isArray(variables.id) ? variables.id[0] : variables.id;
      const result = tools.getRun({ id });
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(result, null, 2) }] };
    },
  );

  server.registerResource('format', 'atm://format', { description: 'A summary of the .atm.yaml spec format.', mimeType: 'text/markdown' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/markdown', text: formatSummary() }],
  }));

  return server;
}
