// Runs started by `atm mcp`, stored as the same result JSON `atm run --json` writes, one file per
// run under ROOT/.atm/runs/ID.json, so a person can open them too.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../format/result';
import { writeJsonAtomic } from '../cli/write';

/** Run ids are UUIDs; anything that could name another file is refused before touching the disk. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}

export class RunStore {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, '.atm', 'runs');
  }

  save(result: RunResult): string {
    mkdirSync(this.dir, { recursive: true });
    const target = join(this.dir, `${result.id}.json`);
    writeJsonAtomic(target, result);
    return target;
  }

  /** The stored result, or null when there is none with this id (or it is not a result). */
  get(id: string): RunResult | null {
    if (!isRunId(id)) return null;
    try {
      const value: unknown = JSON.parse(readFileSync(join(this.dir, `${id}.json`), 'utf8'));
      return isResult(value) ? value : null;
    } catch {
      return null;
    }
  }

  /** Stored results, newest first. */
  list(): RunResult[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const results: RunResult[] = [];
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const result = this.get(name.slice(0, -'.json'.length));
      if (result !== null) results.push(result);
    }
    return results.sort((a, b) => b.started_at.localeCompare(a.started_at));
  }
}

function isResult(value: unknown): value is RunResult {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.name === 'string' && typeof v.started_at === 'string' && typeof v.metrics === 'object' && v.metrics !== null;
}
