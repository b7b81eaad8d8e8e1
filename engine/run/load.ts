// From spec text to a run plan, for the engine process and the CLI alike: parse, pick the test,
// read its env file (relative to the spec), resolve. Problems come back as diagnostics.
import { readFileSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { parseSpecFile, resolveTest, SpecError, type ParsedTest } from '../format';
import type { SpecDiagnostic } from '../format/diagnostic';
import type { RunPlan } from '../format/plan';

export interface PlanRequest {
  /** Absolute (or cwd-relative) path of the spec: env_file is read relative to it. */
  file: string;
  /** Shown in the result's `file`. Default: `file`. */
  displayFile?: string;
  env: Record<string, string | undefined>;
  baseUrlOverride?: string;
}

export type PlanOutcome = { ok: true; plan: RunPlan } | { ok: false; message: string; diagnostics: SpecDiagnostic[] };

export function testErrors(test: ParsedTest): SpecDiagnostic[] {
  return test.diagnostics.filter((d) => d.severity === 'error');
}

/** Reads a file relative to the spec; null when it does not exist. */
function envFileReader(file: string): (relativePath: string) => string | null {
  const dir = dirname(resolvePath(file));
  return (relativePath) => {
    try {
      return readFileSync(resolvePath(dir, relativePath), 'utf8');
    } catch {
      return null;
    }
  };
}

/** The plan of one parsed test, or why it cannot run. */
export function planTest(test: ParsedTest, request: PlanRequest): PlanOutcome {
  const errors = testErrors(test);
  if (test.spec === null || errors.length > 0) {
    return { ok: false, message: `test '${test.name ?? `#${test.index + 1}`}' is not valid`, diagnostics: errors };
  }
  try {
    const plan = resolveTest(test.spec, {
      file: request.displayFile ?? request.file,
      env: request.env,
      readEnvFile: envFileReader(request.file),
      baseUrlOverride: request.baseUrlOverride,
    });
    return { ok: true, plan };
  } catch (err) {
    if (err instanceof SpecError) {
      const diagnostics = err.diagnostics ?? [{ range: test.keyRange, severity: 'error' as const, message: err.message, code: err.code }];
      return { ok: false, message: err.message, diagnostics };
    }
    throw err;
  }
}

export { parseSpecFile };
