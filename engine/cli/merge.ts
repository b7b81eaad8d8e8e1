// `atm merge PART.json... [--from-logs -] [--json OUT]` (SPEC.md): the shards of one distributed
// run merged exactly, thresholds judged again; exits like `atm run`.
import { readFileSync } from 'node:fs';
import type { RunResult } from '../format/result';
import { mergeShardResults, MergeError } from '../run/shardMerge';
import { EXIT } from './exit';
import { summary } from './run';
import { writeJsonAtomic } from './write';
import { partsFromLogs } from './shards';

const USAGE = 'Usage: atm merge PART.json... [--from-logs -|FILE] [--json OUT]';

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
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json' || arg === '--from-logs') {
      const v = args[++i];
      if (v === undefined || v === '') return usage(`${arg} needs ${arg === '--json' ? 'a file name' : "a file name or '-' (standard input)"}`);
      if (arg === '--json') json = v;
      else logs.push(v);
    } else if (arg === '--junit') {
      return usage('--junit is not supported by this version of atm merge; use --json');
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
  if (json !== null) {
    try {
      writeJsonAtomic(json, merged);
    } catch (err) {
      process.stderr.write(`atm merge: cannot write ${json}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.RUN_FAILED;
    }
  }
  if (merged.status !== 'completed') return EXIT.RUN_FAILED;
  return merged.passed ? EXIT.OK : EXIT.THRESHOLD_FAILED;
}

function usage(message: string): number {
  process.stderr.write(`atm merge: ${message}\n${USAGE}\n`);
  return EXIT.USAGE;
}
