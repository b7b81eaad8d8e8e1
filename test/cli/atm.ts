// Runs the bundled CLI (node dist/cli.js; build with `node esbuild.mjs cli`) as a child process,
// without blocking this one: the test servers the runs load live in it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** How long the process took, from spawn to close. */
  ms: number;
}

export interface AtmOptions {
  cwd?: string;
  /** Written to its standard input, which is then closed (empty without it). */
  input?: string;
  /** Called with all of standard error so far on each chunk; `signal` signals the child. */
  onStderr?: (text: string, signal: (s: NodeJS.Signals) => void) => void;
  /** Kills the child after this long, for tests in which a hang would be the bug. */
  killAfterMs?: number;
}

export function atm(args: string[], options: AtmOptions = {}): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, (s) => child.kill(s));
    });
    const guard = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}
