// Child processes of the bench: every one is registered so that a failure, Ctrl-C or a hung tool
// never leaves a load generator or a target running, and every run has a hard time limit.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited after graceMs. */
export async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface RunOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallMs: number;
  pid: number | undefined;
}

/** Runs a command to its end (or kills it after timeoutMs) and collects its output. */
export async function run(cmd: string, args: string[], timeoutMs: number, options: SpawnOptions = {}): Promise<RunOutput> {
  const started = process.hrtime.bigint();
  const child = track(spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    // Keep memory bounded even if a tool turns chatty.
    if (stdout.length < 4_000_000) stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 200_000) stderr += d;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise<RunOutput>((resolve) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: stderr + String(err), timedOut, wallMs: 0, pid: child.pid });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, stdout, stderr, timedOut, wallMs, pid: child.pid });
    });
  });
}

export function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
