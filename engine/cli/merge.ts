// `atm merge PART.json... [--from-logs -] [--json OUT] [--junit OUT.xml]` (SPEC.md): the shards of
// one distributed run merged exactly, thresholds judged again; writes what `atm run` would have
// written for the whole run and exits like it.
import { readFileSync } from 'node:fs';
import type { RunResult } from '../format/result';
import { mergeShardResults, MergeError } from '../run/shardMerge';
import { EXIT } from './exit';
import { summary } from './run';
import { writeJsonAtomic, writeTextAtomic } from './write';
import { renderJUnit } from '../report/junit';
import { partsFromLogs } from './shards';

const USAGE = 'Usage: atm merge PART.json... [--from-logs -|FILE] [--json OUT] [--junit OUT.xml]';

function isResult(value: unknown): value is RunResult {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { id?: unknown }).id === 'string' && 'metrics' in value;
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}

export async function mergeCommand(args: string[]): Promise<number> {
  const files: string[] = [];
  const logs: string[] = [];
  let json: string | null = null;
  let junit: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json' || arg === '--junit' || arg === '--from-logs') {
      const v = args[++i];
      if (v === undefined || v === '' || (arg !== '--from-logs' && v.startsWith('--'))) {
        return usage(`${arg} needs ${arg === '--from-logs' ? "a file name or '-' (standard input)" : 'a file name'}`);
      }
      if (arg === '--json') json = v;
      else if (arg === '--junit') junit = v;
      else logs.push(v);
    } else if (arg.startsWith('-')) {
      return usage(`unknown option '${arg}'`);
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0 && logs.length === 0) return usage('give the shard results: PART.json files, or --from-logs -');

  const results: RunResult[] = [];
  for (const file of files) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      process.stderr.write(`atm merge: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.USAGE;
    }
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) {
      if (!isResult(item)) {
        process.stderr.write(`atm merge: ${file} is not an atm result (write one with atm run FILE --shard K/N --json OUT)\n`);
        return EXIT.USAGE;
      }
      results.push(item);
    }
  }
  for (const source of logs) {
    let text: string;
    try {
      text = source === '-' ? await readAll(process.stdin) : readFileSync(source, 'utf8');
    } catch (err) {
      process.stderr.write(`atm merge: cannot read ${source === '-' ? 'standard input' : source}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.USAGE;
    }
    const found = partsFromLogs(text);
    const where = source === '-' ? 'standard input' : source;
    for (const problem of found.problems) process.stderr.write(`atm merge: ${where}: ${problem}\n`);
    if (found.problems.length > 0) return EXIT.USAGE;
    if (found.results.length === 0) {
      process.stderr.write(`atm merge: no shard results in ${where}: each shard prints one line starting with its marker (atm run --shard K/N)\n`);
      return EXIT.USAGE;
    }
    results.push(...found.results);
  }

  let merged: RunResult;
  try {
    merged = mergeShardResults(results);
  } catch (err) {
    if (err instanceof MergeError) {
      process.stderr.write(`atm merge: ${err.message}\n`);
      return EXIT.USAGE;
    }
    throw err;
  }
  process.stdout.write(summary(merged));
  // The same files `atm run --json/--junit` writes for one run, of the merged result.
  const outputs: Array<[path: string | null, write: (path: string) => void]> = [
    [json, (path) => writeJsonAtomic(path, merged)],
    [junit, (path) => writeTextAtomic(path, renderJUnit([merged], { file: merged.file }))],
  ];
  let writeFailed = false;
  for (const [path, write] of outputs) {
    if (path === null) continue;
    try {
      write(path);
    } catch (err) {
      process.stderr.write(`atm merge: cannot write ${path}: ${err instanceof Error ? err.message : String(err)}\n`);
      writeFailed = true;
    }
  }
  if (writeFailed) return EXIT.RUN_FAILED;
  if (merged.status !== 'completed') return EXIT.RUN_FAILED;
  return merged.passed ? EXIT.OK : EXIT.THRESHOLD_FAILED;
}

function usage(message: string): number {
  process.stderr.write(`atm merge: ${message}\n${USAGE}\n`);
  return EXIT.USAGE;
}
