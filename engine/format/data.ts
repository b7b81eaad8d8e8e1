// The CSV feeder of a flow (`data: {file: users.csv}`): read with a real CSV parser (quoted
// fields, embedded commas and newlines, a UTF-8 BOM), header row first. Pure: the caller passes
// the file's text.
import { parse } from 'csv-parse/sync';

export type CsvParse = { ok: true; columns: string[]; rows: string[][] } | { ok: false; message: string };

/** Rows beyond this are an error: the feeder is held in memory by every engine. */
export const MAX_DATA_ROWS = 1_000_000;

export function parseCsv(text: string): CsvParse {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, message: `not valid CSV: ${message}` };
  }
  if (records.length === 0) return { ok: false, message: 'the file is empty; the first row names the columns.' };
  const columns = records[0]!.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') return { ok: false, message: 'the header row has an empty column name.' };
    if (seen.has(c)) return { ok: false, message: `the header row names column \`${c}\` twice.` };
    seen.add(c);
  }
  const rows = records.slice(1);
  if (rows.length === 0) return { ok: false, message: 'the file has a header row but no data rows.' };
  if (rows.length > MAX_DATA_ROWS) return { ok: false, message: `the file has ${rows.length} rows; at most ${MAX_DATA_ROWS} are supported.` };
  return { ok: true, columns, rows };
}
