// Child processes of the bench: every one is registered so that a failure, Ctrl-C or a hung tool
// never leaves a load generator or a target running, and every run has a hard time limit.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills a child and, when it leads its own process group (run() starts them so), the group. */
function killHard(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Kills every child still running and removes the usage reports. */
export function killAll(): void {
  for (const child of children) killHard(child);
  children.clear();
  if (usageDir) rmSync(usageDir, { recursive: true, force: true });
  usageDir = null;
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
  /** CPU time (user + system) and peak RSS of the command, from GNU time, when available. */
  usage: { cpu_seconds: number; max_rss_mb: number } | null;
}

const GNU_TIME = '/usr/bin/time';
let usageCounter = 0;
let usageDir: string | null = null;

function usagePath(): string {
  usageDir ??= mkdtempSync(join(tmpdir(), 'atm-bench-usage-'));
  return join(usageDir, `${++usageCounter}.txt`);
}


/** Runs a command to its end (or kills it after timeoutMs) and collects its output. */
export async function run(cmd: string, args: string[], timeoutMs: number, options: SpawnOptions = {}): Promise<RunOutput> {
  const started = process.hrtime.bigint();
  // GNU time reports what the command itself used, whatever it is written in.
  const usageFile = existsSync(GNU_TIME) ? usagePath() : null;
  const [file, argv] = usageFile ? [GNU_TIME, ['-o', usageFile, '-f', '%U %S %M', cmd, ...args]] : [cmd, args];
  // Its own session and process group: a timeout or Ctrl-C ends the command and not only the
  // wrapper, and with the kernel's autogroup scheduling each session gets its own fair share.
  const child = track(spawn(file, argv, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
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
    killHard(child);
  }, timeoutMs);
  const readUsage = (): RunOutput['usage'] => {
    if (!usageFile || !existsSync(usageFile)) return null;
    const text = readFileSync(usageFile, 'utf8');
    rmSync(usageFile, { force: true });
    // The last line: GNU time puts "Command exited with non-zero status N" before it.
    const m = /([\d.]+) ([\d.]+) (\d+)\s*$/.exec(text);
    return m ? { cpu_seconds: Number(m[1]) + Number(m[2]), max_rss_mb: Number(m[3]) / 1024 } : null;
  };
  return new Promise<RunOutput>((resolve) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: stderr + String(err), timedOut, wallMs: 0, pid: child.pid, usage: null });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, signal, stdout, stderr, timedOut, wallMs, pid: child.pid, usage: readUsage() });
    });
  });
}

export function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
