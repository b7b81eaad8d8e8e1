// Files written through a temporary file beside them and a rename, so readers (CI report viewers,
// a later `atm compare`, an agent reading a stored run) never see half a file. Used by the CLI's
// outputs and by `atm mcp`'s run store; node:fs only, so the extension may bundle it.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export function writeTextAtomic(path: string, text: string): void {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, target);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing to clean up
    }
    throw err;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
