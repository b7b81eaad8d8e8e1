// Run history on disk: one SPEC.md result JSON per finished run, written atomically (temp file +
// rename) so a crash never leaves half a file, keeping only the newest `maxRuns`. No 'vscode':
// the file system is injected, so tests can fake failures. One run per test (name + spec file) may
// be pinned as its baseline: the pins live in `baselines.json` beside the runs, and pruning keeps
// pinned runs.
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunResult, RunStatus } from '../../engine/format/result';

/** The part of node:fs/promises the store uses. */
export interface HistoryFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, encoding: 'utf8'): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** What the ATM Runs view shows of a run, without reading the whole result again. */
export interface RunSummary {
  id: string;
  name: string;
  file: string;
  status: RunStatus;
  passed: boolean;
  startedAt: string;
  completedAt: string;
  requestsPerSecond: number;
  p95: number;
  failureReasons: string[];
  /** The file holding the result, inside the store's folder. */
  fileName: string;
}

const STATUSES: readonly RunStatus[] = ['completed', 'cancelled', 'failed'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the fields the extension relies on; a file that lacks them is corrupt. */
export function asRunResult(value: unknown): RunResult | null {
  if (!isRecord(value)) return null;
  const { id, name, file, status, passed, metrics, started_at, completed_at } = value;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof file !== 'string') return null;
  if (typeof status !== 'string' || !STATUSES.includes(status as RunStatus)) return null;
  if (typeof passed !== 'boolean' || typeof started_at !== 'string' || typeof completed_at !== 'string') return null;
  if (!isRecord(metrics) || typeof metrics.requests_per_second !== 'number' || !isRecord(metrics.latency_ms)) return null;
  if (typeof metrics.latency_ms.p95 !== 'number') return null;
  return value as unknown as RunResult;
}

export function summarize(result: RunResult, fileName: string): RunSummary {
  return {
    id: result.id,
    name: result.name,
    file: result.file,
    status: result.status,
    passed: result.passed,
    startedAt: result.started_at,
    completedAt: result.completed_at,
    requestsPerSecond: result.metrics.requests_per_second,
    p95: result.metrics.latency_ms.p95,
    failureReasons: Array.isArray(result.failure_reasons) ? result.failure_reasons : [],
    fileName,
  };
}

/** Sorts by name = by completion time; the id keeps names unique. */
export function fileNameFor(result: RunResult): string {
  const time = (Date.parse(result.completed_at) || Date.now()).toString().padStart(15, '0');
  const id = result.id.replace(/[^A-Za-z0-9-]/g, '_');
  return `${time}-${id}.json`;
}

const RESULT_FILE = /^\d{15}-[A-Za-z0-9_-]+\.json$/;
/** The pins: `[{ file, name, runId }]`. Its name cannot match RESULT_FILE. */
export const BASELINES_FILE = 'baselines.json';

/** A run pinned as the baseline of its test (name + spec file, as the result records them). */
export interface BaselinePin {
  file: string;
  name: string;
  runId: string;
}

const pinKey = (file: string, name: string): string => `${file}\0${name}`;

function asPins(value: unknown): BaselinePin[] | null {
  if (!Array.isArray(value)) return null;
  const pins: BaselinePin[] = [];
  for (const v of value) {
    if (!isRecord(v) || typeof v.file !== 'string' || typeof v.name !== 'string' || typeof v.runId !== 'string') return null;
    pins.push({ file: v.file, name: v.name, runId: v.runId });
  }
  return pins;
}

export interface HistoryStoreOptions {
  dir: string;
  fs: HistoryFs;
  maxRuns: () => number;
  warn: (message: string) => void;
}

export class HistoryStore {
  /** Newest first. */
  private runs: RunSummary[] = [];
  /** Pinned baselines by pinKey(file, name). */
  private pins = new Map<string, BaselinePin>();
  private loaded = false;
  /** Serializes writes so pruning never races an add. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: HistoryStoreOptions) {}

  list(): readonly RunSummary[] {
    return this.runs;
  }

  /** Reads every result file; corrupt ones are skipped with a warning, stale temp files removed. */
  async load(): Promise<readonly RunSummary[]> {
    const { fs, dir, warn } = this.options;
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      names = [];
    }
    const runs: RunSummary[] = [];
    for (const name of names) {
      if (name.includes('.tmp-')) {
        await fs.unlink(join(dir, name)).catch(() => undefined);
        continue;
      }
      if (!RESULT_FILE.test(name)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await fs.readFile(join(dir, name), 'utf8'));
      } catch (err) {
        warn(`Skipped run history file ${name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const result = asRunResult(parsed);
      if (!result) {
        warn(`Skipped run history file ${name}: not a run result`);
        continue;
      }
      runs.push(summarize(result, name));
    }
    runs.sort((a, b) => (a.fileName < b.fileName ? 1 : a.fileName > b.fileName ? -1 : 0));
    this.runs = runs;
    this.pins = new Map();
    if (names.includes(BASELINES_FILE)) {
      let pins: BaselinePin[] | null = null;
      try {
        pins = asPins(JSON.parse(await fs.readFile(join(dir, BASELINES_FILE), 'utf8')));
      } catch {
        pins = null;
      }
      if (!pins) warn(`Ignored ${BASELINES_FILE} in the run history: not a list of pinned baselines`);
      // A pin whose run is gone pins nothing.
      for (const pin of pins ?? []) if (runs.some((r) => r.id === pin.runId)) this.pins.set(pinKey(pin.file, pin.name), pin);
    }
    this.loaded = true;
    return this.runs;
  }

  /** The run pinned as baseline of this test, if any. */
  pinnedBaseline(file: string, name: string): RunSummary | null {
    const pin = this.pins.get(pinKey(file, name));
    return (pin && this.runs.find((r) => r.id === pin.runId)) ?? null;
  }

  /** Every pin, for the language server's hints. */
  pinnedList(): BaselinePin[] {
    return [...this.pins.values()];
  }

  isPinned(runId: string): boolean {
    for (const pin of this.pins.values()) if (pin.runId === runId) return true;
    return false;
  }

  /** The path of the result file of the run pinned for this test (what the engine reads), or null. */
  pinnedBaselinePath(file: string, name: string): string | null {
    const run = this.pinnedBaseline(file, name);
    return run ? join(this.options.dir, run.fileName) : null;
  }

  /** Pins a run as the baseline of its test, replacing the one pinned before. */
  pin(runId: string): Promise<RunSummary> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      const run = this.runs.find((r) => r.id === runId);
      if (!run) throw new Error('this run is no longer in the history');
      const before = new Map(this.pins);
      this.pins.set(pinKey(run.file, run.name), { file: run.file, name: run.name, runId });
      await this.savePins().catch((err: unknown) => {
        this.pins = before;
        throw err;
      });
      return run;
    });
  }

  /** Unpins the baseline of a test; false when none was pinned. */
  unpin(file: string, name: string): Promise<boolean> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      if (!this.pins.delete(pinKey(file, name))) return false;
      await this.savePins();
      return true;
    });
  }

  private async savePins(): Promise<void> {
    const { fs, dir } = this.options;
    await fs.mkdir(dir, { recursive: true });
    const temp = join(dir, `.${BASELINES_FILE}.tmp-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(temp, `${JSON.stringify([...this.pins.values()], null, 2)}\n`, 'utf8');
    try {
      await fs.rename(temp, join(dir, BASELINES_FILE));
    } catch (err) {
      await fs.unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  /** Drops the pins of runs that left the history. */
  private async dropPinsOf(ids: ReadonlySet<string>): Promise<void> {
    let changed = false;
    for (const [key, pin] of this.pins) {
      if (ids.has(pin.runId)) {
        this.pins.delete(key);
        changed = true;
      }
    }
    if (changed) await this.savePins();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.load();
  }

  /** Stores a finished run and drops the oldest beyond `maxRuns`. */
  add(result: RunResult): Promise<RunSummary> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      const { fs, dir } = this.options;
      await fs.mkdir(dir, { recursive: true });
      const fileName = fileNameFor(result);
      const target = join(dir, fileName);
      const temp = join(dir, `.${fileName}.tmp-${randomBytes(6).toString('hex')}`);
      await fs.writeFile(temp, `${JSON.stringify(result, null, 2)}\n`, 'utf8');
      try {
        await fs.rename(temp, target);
      } catch (err) {
        await fs.unlink(temp).catch(() => undefined);
        throw err;
      }
      const summary = summarize(result, fileName);
      this.runs = [summary, ...this.runs.filter((r) => r.id !== result.id)];
      this.runs.sort((a, b) => (a.fileName < b.fileName ? 1 : a.fileName > b.fileName ? -1 : 0));
      await this.prune();
      return summary;
    });
  }

  private async prune(): Promise<void> {
    const max = Math.max(1, Math.floor(this.options.maxRuns()));
    // Pinned baselines stay whatever their age: they do not count against maxRuns.
    const unpinned = this.runs.filter((r) => !this.isPinned(r.id));
    const extra = new Set(unpinned.slice(max).map((r) => r.id));
    for (const run of this.runs) {
      if (extra.has(run.id)) await this.options.fs.unlink(join(this.options.dir, run.fileName)).catch(() => undefined);
    }
    this.runs = this.runs.filter((r) => !extra.has(r.id));
  }

  /** The full result of a run, or null when it is gone or corrupt. */
  async get(id: string): Promise<RunResult | null> {
    await this.ensureLoaded();
    const run = this.runs.find((r) => r.id === id);
    if (!run) return null;
    try {
      return asRunResult(JSON.parse(await this.options.fs.readFile(join(this.options.dir, run.fileName), 'utf8')));
    } catch (err) {
      this.options.warn(`Could not read run ${run.fileName}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  delete(id: string): Promise<boolean> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      const run = this.runs.find((r) => r.id === id);
      if (!run) return false;
      await this.options.fs.unlink(join(this.options.dir, run.fileName)).catch(() => undefined);
      this.runs = this.runs.filter((r) => r.id !== id);
      await this.dropPinsOf(new Set([id]));
      return true;
    });
  }

  clear(): Promise<void> {
    return this.enqueue(async () => {
      await this.ensureLoaded();
      for (const run of this.runs) {
        await this.options.fs.unlink(join(this.options.dir, run.fileName)).catch(() => undefined);
      }
      this.runs = [];
      await this.dropPinsOf(new Set(this.pins.size ? [...this.pins.values()].map((p) => p.runId) : []));
    });
  }
}
