// Shards on the command line: `--shard K/N` and `--start-at ISO` for `atm run`, and the marked
// line a shard prints so that `atm merge --from-logs -` can find its result in a stream of pod logs.
import type { RunResult } from '../format/result';
import type { Shard } from '../run/workers';

/** Starts the line that carries a shard's result as one line of JSON (anything before it, e.g. a log prefix, is ignored). */
export const PART_MARKER = '@@atm-part@@ ';

export function parseShard(text: string | undefined): Shard | string {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (match === null) return `--shard needs K/N (0-based K below N, e.g. 0/3), not '${text ?? ''}'`;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 10_000) return `--shard ${text ?? ''}: N must be from 1 to 10000`;
  if (index >= count) return `--shard ${text ?? ''}: K counts from 0 and must be below N (the last of ${count} shards is ${count - 1}/${count})`;
  return { index, count };
}

/** An ISO-8601 time with a zone (Z or ±hh:mm), as epoch milliseconds. */
export function parseStartAt(text: string | undefined): number | string {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    return `--start-at needs an ISO-8601 time with a zone, e.g. 2030-01-01T12:00:00Z, not '${text ?? ''}'`;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? `--start-at: '${text}' is not a valid time` : at;
}

export function partLine(result: RunResult): string {
  return `${PART_MARKER}${JSON.stringify(result)}\n`;
}

/** The results carried by marked lines of a log stream; `problems` says which marked lines could not be read. */
export function partsFromLogs(text: string): { results: RunResult[]; problems: string[] } {
  const results: RunResult[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const at = line.indexOf(PART_MARKER);
    if (at < 0) return;
    try {
      results.push(JSON.parse(line.slice(at + PART_MARKER.length)) as RunResult);
    } catch (err) {
      problems.push(`line ${i + 1}: the marked result is not complete JSON (${err instanceof Error ? err.message : String(err)})`);
    }
  });
  return { results, problems };
}
