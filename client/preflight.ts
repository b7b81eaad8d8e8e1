// Everything checked before a run starts, without 'vscode': the test exists and is valid, it
// resolves (env vars, templates), it stays within the user's caps, and which of its hosts are
// outside this machine and the private network (those need the user's confirmation).
import { dirname, resolve as resolvePath } from 'node:path';
import { parseSpecFile, resolveTest, type ParsedTest } from '../engine/format';
import type { Range } from '../engine/format/diagnostic';
import { capViolation, classifyHosts, envVarsIn, hostsOf, specHash, type Caps, type HostVerdict, type LoadShape, type Lookup } from './guards';

export interface PreflightInput {
  text: string;
  /** Absolute path of the spec file. */
  file: string;
  testName: string;
  env: Record<string, string | undefined>;
  caps: Caps;
  lookup: Lookup;
  /** Reads a file next to the spec (the env file); null when it does not exist. */
  readFile: (absolutePath: string) => string | null;
}

export type Preflight =
  | { ok: false; reason: string; kind: 'not-found' | 'invalid' | 'unresolved' | 'cap' }
  | {
      ok: true;
      test: ParsedTest;
      load: LoadShape;
      /** Hosts that are not loopback or private addresses. */
      remoteHosts: HostVerdict[];
      envVars: string[];
      /** Identifies this exact test text (a confirmation is remembered per hash). */
      hash: string;
      /** Values to redact from anything logged about this run. */
      secrets: string[];
    };

/** The text of a range of `text` (0-based lines and UTF-16 columns). */
export function sliceRange(text: string, range: Range): string {
  const lines = text.split('\n');
  const offset = (line: number, character: number): number => {
    let o = 0;
    for (let i = 0; i < line && i < lines.length; i++) o += lines[i].length + 1;
    return Math.min(text.length, o + character);
  };
  return text.slice(offset(range.start.line, range.start.character), offset(range.end.line, range.end.character));
}

/** The test whose document holds `line` (0-based), if any. */
export function testAtLine(tests: readonly ParsedTest[], line: number): ParsedTest | null {
  for (const t of tests) {
    // A document's range ends at the start of the next one's `---` line (exclusive).
    const beforeEnd = line < t.range.end.line || (line === t.range.end.line && t.range.end.character > 0);
    if (line >= t.range.start.line && beforeEnd) return t;
  }
  // The last line of a file that ends without a newline.
  const last = tests[tests.length - 1];
  if (last && line === last.range.end.line) return last;
  return null;
}

export async function preflight(input: PreflightInput): Promise<Preflight> {
  const parsed = parseSpecFile(input.text);
  const test = parsed.tests.find((t) => t.name === input.testName);
  if (!test) return { ok: false, kind: 'not-found', reason: `There is no test named "${input.testName}" in this file.` };
  const errors = test.diagnostics.filter((d) => d.severity === 'error');
  if (!test.spec || errors.length > 0) {
    const first = errors[0];
    const where = first ? ` (line ${first.range.start.line + 1}: ${first.message})` : '';
    return { ok: false, kind: 'invalid', reason: `"${input.testName}" has errors to fix before it can run${where}.` };
  }
  const spec = test.spec;
  const envPath = resolvePath(dirname(input.file), spec.env_file ?? '.env');
  const envFileText = input.readFile(envPath);
  if (spec.env_file && envFileText === null) {
    return { ok: false, kind: 'unresolved', reason: `"${input.testName}" reads env_file ${spec.env_file}, which does not exist.` };
  }
  let plan;
  try {
    plan = resolveTest(spec, {
      file: input.file,
      env: input.env,
      envFileText,
      // A flow's CSV, relative to the spec as the engine reads it.
      readDataFile: (relative) => input.readFile(resolvePath(dirname(input.file), relative)),
    });
  } catch (err) {
    return { ok: false, kind: 'unresolved', reason: `"${input.testName}" cannot run: ${err instanceof Error ? err.message : String(err)}` };
  }
  const load: LoadShape = {
    concurrency: plan.concurrency,
    requestsPerSecond: plan.requestsPerSecond,
    durationSeconds: plan.durationSeconds,
    totalRequests: plan.totalRequests,
  };
  const cap = capViolation(input.testName, load, input.caps);
  if (cap) return { ok: false, kind: 'cap', reason: cap };
  // A flow's URLs may hold captured values and data columns: the first row and a stand-in for
  // each capture are enough to learn which hosts the run will reach.
  const flow = plan.flow;
  const captures = new Map<string, string>();
  for (const step of flow?.steps ?? []) for (const c of step.captures) captures.set(c.name, 'captured');
  const data = new Map<string, string>();
  const firstRow = flow?.data?.rows[0];
  flow?.data?.columns.forEach((column, i) => data.set(column, firstRow?.[i] ?? ''));
  const urls = plan.endpoints.map((e) => e.url.render({ requestIndex: 0, captures, data }));
  const verdicts = await classifyHosts(hostsOf(urls), input.lookup);
  const documentText = sliceRange(input.text, test.range);
  return {
    ok: true,
    test,
    load,
    remoteHosts: verdicts.filter((v) => !v.local),
    envVars: envVarsIn(documentText),
    hash: specHash(input.testName, documentText),
    secrets: plan.secrets,
  };
}
