// `npm run bench:lsp`: the language server over the real protocol (dist/server.js --stdio) on a
// generated 2,000-endpoint spec (about 12,000 lines).
//   - open: time from didOpen to the first publishDiagnostics (the worker still starting), and
//     for a 12,000-line file of 90 tests (worker warm): to the publish that has the first test's
//     error, and to the one that has the last test's (the whole file), median of 5 opens, with
//     the server's CPU time per open and the yaml parser's own floor on that text beside them;
//   - diagnostics: time from a didChange to the publishDiagnostics for that version, over 20
//     edits, with the debounce set to 0 through initializationOptions (so it is not counted);
//   - completion: round-trip latency of 100 requests at keys, enum values and templates.
// Goals: diagnostics median < 100 ms, completion p95 < 20 ms.
// Then, over the seeded random-edit run of the incremental parse's differential test (same seed,
// starts and edits), how each edit was read: from the same parse, items or top-level keys alone,
// documents alone, or with a whole document or file parsed again, and why.
// Then, in this process, the CPU time of validateText against the yaml library's parse alone
// (the floor any full validation of this text pays), and of validateTextIncremental after a
// one-character edit (what the server does per edit), so a miss can be placed.
import { readdirSync, readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, Parser } from 'yaml';
import { CompletionRequest } from 'vscode-languageserver-protocol/node';
import { validateText, validateTextIncremental, type ParsedFile } from '../engine/format';
import { lastIncrementalStats } from '../engine/format/incremental';
import { prng } from '../test/fixtures/prng';
import { corpus, generated, typingEdit, wildEdit } from '../test/fixtures/specEdits';
import { startServer } from '../test/server/lspClient';
import { percentile } from './stats';

const ENDPOINTS = 2000;
const MULTI_OPENS = 5;
const EDITS = 20;
const COMPLETIONS = 100;

function generate(): string {
  const out = [
    'name: Generated mix',
    'base_url: http://127.0.0.1:3000',
    'variables:',
    '  page_size: 20',
    'headers:',
    '  Accept: application/json',
    'distribution_strategy: weighted',
    'concurrency: 50',
    'total_requests: 100000',
    'thresholds:',
    '  - p95 < 200ms',
    '  - error_rate < 1%',
    'endpoints:',
  ];
  for (let i = 0; i < ENDPOINTS; i++) {
    out.push(
      `  - name: endpoint-${i}`,
      `    url: /items/${i}?limit={{page_size}}`,
      `    method: ${i % 5 === 0 ? 'POST' : 'GET'}`,
      '    headers:',
      '      X-Trace: "{{$requestIndex}}"',
      `    weight: ${1 + (i % 3)}`,
    );
  }
  return out.join('\n') + '\n';
}

/** `tests` tests of `endpoints` endpoints each; the first and the last have an error (weight 0). */
function generateMulti(tests: number, endpoints: number): string {
  const docs: string[] = [];
  for (let t = 0; t < tests; t++) {
    const out = [`name: Test ${t}`, 'base_url: http://127.0.0.1:3000', 'variables:', '  page_size: 20', 'distribution_strategy: weighted', 'concurrency: 10', 'total_requests: 1000', 'endpoints:'];
    for (let i = 0; i < endpoints; i++) {
      const broken = (t === 0 || t === tests - 1) && i === endpoints - 1;
      out.push(`  - name: endpoint-${i}`, `    url: /items/${i}?limit={{page_size}}`, `    method: ${i % 5 === 0 ? 'POST' : 'GET'}`, '    headers:', '      X-Trace: "{{$requestIndex}}"', `    weight: ${broken ? 0 : 1 + (i % 3)}`);
    }
    docs.push(out.join('\n') + '\n');
  }
  return docs.join('---\n');
}

/** CPU time of every thread of process `pid` so far (Linux schedstat, in ns), in ms; NaN elsewhere. */
function serverCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Median CPU time of the yaml library's Parser (with its Lexer) over `text`, tokens only. */
function yamlFloorMs(text: string): number {
  const runs: number[] = [];
  for (let r = 0; r < 8; r++) {
    const c = process.cpuUsage();
    let n = 0;
    for (const token of new Parser().parse(`${text}# floor ${r}\n`)) if (token.type === 'document') n++;
    const d = process.cpuUsage(c);
    if (n === 0) throw new Error('the floor parse read no documents');
    runs.push((d.user + d.system) / 1000);
  }
  runs.sort((a, b) => a - b);
  return percentile(runs, 0.5);
}

function ms(ns: bigint): number {
  return Number(ns) / 1e6;
}

async function main(): Promise<void> {
  // As the language server does (server/main.ts): the yaml parser reads process.env per token,
  // and a plain copy makes that cheap, so in-process figures match the server's.
  process.env = { ...process.env };
  const text = generate();
  const lineCount = text.split('\n').length - 1;
  const server = await startServer({ validationDelayMs: 0 });
  const uri = 'file:///bench/generated.atm.yaml';
  try {
    let t0 = process.hrtime.bigint();
    server.open(uri, text, 1);
    const first = await server.diagnostics(uri, (p) => p.version === 1);
    const openMs = ms(process.hrtime.bigint() - t0);
    if (first.diagnostics.length > 0) throw new Error(`the generated spec should be clean: ${JSON.stringify(first.diagnostics.slice(0, 3))}`);

    // A file of many tests: the first test's diagnostics are published before the whole file's.
    // Opened MULTI_OPENS times (each a new document read from scratch); medians are reported,
    // with the server's CPU time for each open (all its threads), which load elsewhere on the
    // machine inflates less than wall time.
    const multi = generateMulti(90, 22);
    const multiLines = multi.split('\n').length - 1;
    const lastTestLine = multi.slice(0, multi.lastIndexOf('---\n')).split('\n').length;
    const firstRuns: number[] = [];
    const wholeRuns: number[] = [];
    const cpuRuns: number[] = [];
    let firstHadLast = false;
    for (let k = 0; k < MULTI_OPENS; k++) {
      const multiUri = `file:///bench/many-tests-${k}.atm.yaml`;
      const text = `${multi}# open ${k}\n`;
      const cpu0 = serverCpuMs(server.process.pid);
      t0 = process.hrtime.bigint();
      server.open(multiUri, text, 1);
      const firstTest = await server.diagnostics(multiUri, (p) => p.version === 1 && p.diagnostics.some((d) => d.severity === 1 && d.range.start.line < 200));
      firstRuns.push(ms(process.hrtime.bigint() - t0));
      const wholeFile = await server.diagnostics(multiUri, (p) => p.version === 1 && p.diagnostics.some((d) => d.severity === 1 && d.range.start.line >= lastTestLine));
      wholeRuns.push(ms(process.hrtime.bigint() - t0));
      cpuRuns.push(serverCpuMs(server.process.pid) - cpu0);
      firstHadLast ||= firstTest.diagnostics.some((d) => d.range.start.line >= lastTestLine);
      if (wholeFile.diagnostics.filter((d) => d.severity === 1).length !== 2) throw new Error(`expected two errors: ${JSON.stringify(wholeFile.diagnostics)}`);
      server.close(multiUri);
    }
    const median = (runs: number[]): number => percentile([...runs].sort((a, b) => a - b), 0.5);
    const multiFirstMs = median(firstRuns);
    const multiWholeMs = median(wholeRuns);
    const multiCpuMs = median(cpuRuns);
    // The floor: the yaml library's Lexer and Parser alone over the same text, in this process.
    const floorMs = yamlFloorMs(multi);

    // Edits: change one endpoint's weight (alternately valid and invalid, so diagnostics change).
    const diagTimes: number[] = [];
    let version = 1;
    const HEADER_LINES = 13;
    for (let k = 0; k < EDITS + 3; k++) {
      const endpoint = (Math.floor(k / 2) * 97) % ENDPOINTS; // break one, then restore it
      const line = HEADER_LINES + endpoint * 6 + 5;
      const value = k % 2 === 0 ? '0' : String(1 + (endpoint % 3));
      version++;
      const v = version;
      t0 = process.hrtime.bigint();
      server.change(uri, v, [{ range: { start: { line, character: 12 }, end: { line, character: 13 } }, text: value }]);
      const published = await server.diagnostics(uri, (p) => p.version === v);
      const elapsed = ms(process.hrtime.bigint() - t0);
      const expectError = value === '0';
      if (expectError !== published.diagnostics.some((d) => d.severity === 1)) throw new Error(`edit ${k}: unexpected diagnostics ${JSON.stringify(published.diagnostics)}`);
      if (k >= 3) diagTimes.push(elapsed); // the first three warm the JIT
    }

    // Completion: a key position inside an endpoint, an enum value, a template, cycling.
    const completionTimes: number[] = [];
    for (let k = 0; k < COMPLETIONS + 10; k++) {
      const endpoint = (k * 131) % ENDPOINTS;
      const base = HEADER_LINES + endpoint * 6;
      const kind = k % 3;
      const position =
        kind === 0
          ? { line: base + 3, character: 4 } // `    |headers:` → endpoint keys
          : kind === 1
            ? { line: base + 2, character: 12 } // `    method: |` → methods
            : { line: base + 1, character: 4 + `url: /items/${endpoint}?limit={{`.length }; // inside {{
      t0 = process.hrtime.bigint();
      const result = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
      const elapsed = ms(process.hrtime.bigint() - t0);
      const items = Array.isArray(result) ? result : (result?.items ?? []);
      if (items.length === 0) throw new Error(`no completion at ${JSON.stringify(position)}`);
      if (k >= 10) completionTimes.push(elapsed);
    }

    diagTimes.sort((a, b) => a - b);
    completionTimes.sort((a, b) => a - b);
    const diagMedian = percentile(diagTimes, 0.5);
    const compP95 = percentile(completionTimes, 0.95);
    const f = (n: number): string => n.toFixed(1);
    process.stdout.write(
      [
        `spec: ${ENDPOINTS} endpoints, ${lineCount} lines, ${(text.length / 1024).toFixed(0)} KiB; debounce 0 ms (initializationOptions.validationDelayMs)`,
        `open → first diagnostics: ${f(openMs)} ms (the worker starting meanwhile)`,
        `open, ${multiLines} lines in 90 tests (median of ${MULTI_OPENS} opens): first test's diagnostics ${f(multiFirstMs)} ms [goal < 100 ms] ${multiFirstMs < 100 ? 'MET' : 'MISSED'}, whole file ${f(multiWholeMs)} ms [goal < 250 ms] ${multiWholeMs < 250 ? 'MET' : 'MISSED'}${firstHadLast ? ' (one publish: no partial)' : ''}; server CPU for the open ${f(multiCpuMs)} ms; floor: yaml Lexer+Parser alone over this text ${f(floorMs)} ms CPU`,
        `diagnostics after an edit (${diagTimes.length} edits): median ${f(diagMedian)} ms, p95 ${f(percentile(diagTimes, 0.95))} ms, min ${f(diagTimes[0])} ms, max ${f(diagTimes[diagTimes.length - 1])} ms  [goal: median < 100 ms] ${diagMedian < 100 ? 'MET' : 'MISSED'}`,
        `completion (${completionTimes.length} requests): p50 ${f(percentile(completionTimes, 0.5))} ms, p95 ${f(compP95)} ms, max ${f(completionTimes[completionTimes.length - 1])} ms  [goal: p95 < 20 ms] ${compP95 < 20 ? 'MET' : 'MISSED'}`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
  }

  // Where the diagnostics time goes: CPU time (less sensitive to other load than wall time).
  // A different text each run: parseSpecFile remembers the last text it parsed.
  let run = 0;
  const cpu = (fn: (text: string) => unknown): number => {
    const runs: number[] = [];
    for (let r = 0; r < 8; r++) {
      const variant = `${text}# run ${++run}\n`;
      const c = process.cpuUsage();
      fn(variant);
      const d = process.cpuUsage(c);
      runs.push((d.user + d.system) / 1000);
    }
    runs.sort((a, b) => a - b);
    return percentile(runs, 0.5);
  };
  const yamlOnly = cpu((t) => parseAllDocuments(t, { lineCounter: new LineCounter(), uniqueKeys: true, prettyErrors: false, version: '1.2' }));
  const full = cpu((t) => validateText(t, { env: {} }));
  // The same edits as above, each from the previous version's parse.
  let previous: ParsedFile | null = validateTextIncremental(text, null, { env: {} }).parsed;
  let current = text;
  const incrementalRuns: number[] = [];
  for (let k = 0; k < 16; k++) {
    const endpoint = (Math.floor(k / 2) * 97) % ENDPOINTS;
    const lines = current.split('\n');
    const at = 13 + endpoint * 6 + 5;
    lines[at] = `    weight: ${k % 2 === 0 ? '0' : String(1 + (endpoint % 3))}`;
    current = lines.join('\n');
    const c = process.cpuUsage();
    previous = validateTextIncremental(current, previous, { env: {} }).parsed;
    const d = process.cpuUsage(c);
    incrementalRuns.push((d.user + d.system) / 1000);
  }
  incrementalRuns.sort((a, b) => a - b);
  const incremental = percentile(incrementalRuns, 0.5);
  process.stdout.write(fallbackCounts());
  process.stdout.write(
    `in-process CPU time (median of 8): validateText ${full.toFixed(1)} ms, of which yaml parseAllDocuments alone ${yamlOnly.toFixed(1)} ms (${((100 * yamlOnly) / full).toFixed(0)}%)\n` +
      `in-process CPU time after a one-character edit (median of 16): validateTextIncremental ${incremental.toFixed(1)} ms\n`,
  );
}

/** The differential test's random-edit run (test/format/incremental.test.ts), counted by kind of edit. */
function fallbackCounts(): string {
  const rnd = prng(20240611);
  const starts = [...corpus(), ...Array.from({ length: 10 }, (_, i) => generated(4 + ((i * 7) % 30), 1 + (i % 4), rnd))];
  interface Tally {
    edits: number;
    same: number;
    spliced: number;
    other: number;
    /** `reason` for a document parsed whole, `reason (file)` for the whole file. */
    reasons: Map<string, number>;
  }
  const tally = (): Tally => ({ edits: 0, same: 0, spliced: 0, other: 0, reasons: new Map() });
  const typing = tally();
  const wild = tally();
  for (let round = 0; round < 80; round++) {
    let text = starts[round % starts.length];
    let previous: ParsedFile | null = validateTextIncremental(text, null, { env: {} }).parsed;
    const wildShare = round % 4 === 0 ? 0.5 : 0.1;
    for (let step = 0; step < 25; step++) {
      const isWild = rnd() < wildShare;
      const t = isWild ? wild : typing;
      text = isWild ? wildEdit(text, rnd) : typingEdit(text, rnd);
      previous = validateTextIncremental(text, previous, { env: {} }).parsed;
      const s = lastIncrementalStats();
      t.edits++;
      if (s.mode === 'same') t.same++;
      else if (s.fallback !== null) {
        const key = s.mode === 'whole' ? `${s.fallback} (file)` : s.fallback;
        t.reasons.set(key, (t.reasons.get(key) ?? 0) + 1);
      } else if (s.splicedDocuments > 0) t.spliced++;
      else t.other++;
    }
  }
  const line = (label: string, t: Tally): string => {
    const pct = (n: number): string => `${n} (${((100 * n) / t.edits).toFixed(1)}%)`;
    const reasons = [...t.reasons.entries()].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${pct(n)}`);
    return `  ${label} (${t.edits}): items or top-level keys alone ${pct(t.spliced)}, no change ${pct(t.same)}${t.other > 0 ? `, other ${pct(t.other)}` : ''}; parsed whole: ${reasons.join(', ') || 'never'}\n`;
  };
  return `random-edit run of the differential test (seed 20240611); "(file)": the whole file, otherwise the edited test:\n${line('typing edits', typing)}${line('wild edits', wild)}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:lsp failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
