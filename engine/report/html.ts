// `atm run --html OUT.html` and "Export HTML Report…": one self-contained HTML file per run (or
// per `atm run` of several tests). No script at all: charts are SVG drawn here, the stylesheet
// is inline and allowed by its hash under a Content-Security-Policy with `default-src 'none'`,
// so the file loads nothing from anywhere. Untrusted text (names, URLs, headers, bodies) is
// escaped and shown as text; secret headers are masked again in case a result came from
// elsewhere.
import { createHash } from 'node:crypto';
import { isSecretHeader } from '../format/redact';
import type { EndpointMetrics, LatencySummary, Metrics, RunResult, SampledRequest, ThresholdResult } from '../format/result';
import { percentileCurve } from '../compare/compare';
import { formatThresholdValue } from './junit';
import { lineChart } from './svg';
import { escapeAttr, escapeText as esc } from './xml';

export interface HtmlReportOptions {
  /**
   * The baselines the runs were compared with (matched by test name and by `baseline_run`): the
   * tiles then show the change and the percentile chart overlays the baseline's curve.
   */
  baselines?: readonly RunResult[];
  /** Shown in the footer; default: now. */
  generatedAt?: Date;
  /** Shown in the footer, e.g. the extension's version. */
  generator?: string;
}

/** Bytes of a sampled body shown in the report (the result may keep more). */
const BODY_BYTES = 4096;
const MAX_SAMPLES = 40;

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --card: #f6f8fa; --border: #d1d9e0; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700;
  --c0: #0969da; --c1: #bf8700; --c2: #cf222e; --c3: #8250df; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --card: #161b22; --border: #30363d; --ok: #3fb950; --bad: #f85149; --warn: #d29922;
  --c0: #4493f8; --c1: #e3b341; --c2: #f85149; --c3: #ab7df8; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1100px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--border); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #fff; background: var(--muted); margin-right: 8px; }
.verdict.passed { background: var(--ok); } .verdict.failed { background: var(--bad); } .verdict.cancelled { background: var(--warn); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.tile { background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px; }
.tile .k { color: var(--muted); font-size: 12px; } .tile .v { font-size: 20px; font-weight: 600; } .tile .d { font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 8px; }
figcaption { font-weight: 600; margin: 0 0 4px 4px; } svg { width: 100%; height: auto; display: block; }
svg .grid { stroke: var(--border); stroke-width: 1; } svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .tick, svg .legend, svg .label { fill: var(--muted); font-size: 11px; } svg .line { fill: none; stroke-width: 2; }
svg .c0 { stroke: var(--c0); fill: var(--c0); } svg .c1 { stroke: var(--c1); fill: var(--c1); } svg .c2 { stroke: var(--c2); fill: var(--c2); } svg .c3 { stroke: var(--c3); fill: var(--c3); }
svg .line.c0, svg .line.c1, svg .line.c2, svg .line.c3 { fill: none; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { color: var(--muted); font-weight: 600; } td.n, th.n { text-align: right; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .skip { color: var(--muted); }
ul.reasons { margin: 6px 0; padding-left: 20px; } ul.reasons li { color: var(--bad); }
details { background: var(--card); border: 1px solid var(--border); border-radius: 6px; padding: 6px 10px; margin: 6px 0; }
summary { cursor: pointer; } pre { white-space: pre-wrap; word-break: break-all; margin: 6px 0; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
footer { color: var(--muted); margin-top: 32px; font-size: 12px; }
section.run + section.run { margin-top: 48px; border-top: 3px solid var(--border); padding-top: 16px; }
`;

const n1 = (n: number): string => (Math.round(n * 10) / 10).toString();
const msText = (n: number): string => `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ms`;
const pct = (f: number): string => `${Math.round(f * 10000) / 100}%`;

/** A tile; with a baseline, its change below the value, coloured by whether it is better. */
function tile(key: string, value: string, testId: string, change?: { now: number; before: number; better: 'lower' | 'higher'; points?: boolean }): string {
  let sub = '';
  if (change !== undefined) {
    const d = change.now - change.before;
    const text = change.points
      ? `${d >= 0 ? '+' : ''}${Math.round(d * 10000) / 100} pp`
      : change.before === 0
        ? change.now === 0
          ? '±0%'
          : 'new'
        : `${d >= 0 ? '+' : ''}${Math.round((d / change.before) * 1000) / 10}%`;
    const same = Math.abs(d) <= Math.abs(change.before) * 0.01;
    const cls = same ? 'skip' : (d < 0) === (change.better === 'lower') ? 'ok' : 'bad';
    sub = `<div class="d ${cls}" data-testid="${testId}-change">${esc(text)} vs baseline</div>`;
  }
  return `<div class="tile" data-testid="${testId}"><div class="k">${esc(key)}</div><div class="v">${esc(value)}</div>${sub}</div>`;
}

function verdictOf(r: RunResult): { label: string; cls: string } {
  if (r.status !== 'completed') return { label: r.status, cls: r.status === 'cancelled' ? 'cancelled' : 'failed' };
  return r.passed ? { label: 'passed', cls: 'passed' } : { label: 'failed', cls: 'failed' };
}

function thresholdRows(list: readonly ThresholdResult[]): string {
  // A baseline column only when some threshold was compared with (or missed) a baseline.
  const withBaseline = list.some((t) => (t.baseline !== undefined && t.baseline !== null) || t.no_baseline === true);
  const rows = list.map((t) => {
    const state = t.no_baseline === true ? ['skip', '–', 'no baseline'] : t.passed ? ['ok', '✓', 'passed'] : ['bad', '✗', 'failed'];
    const v = (x: number | null | undefined): string => (x === null || x === undefined ? '' : formatThresholdValue(t.expression, x));
    return (
      `<tr data-testid="threshold"><td class="${state[0]}">${state[1]} ${state[2]}</td><td>${esc(t.endpoint ?? 'whole test')}</td><td><code>${esc(t.expression)}</code></td>` +
      `<td class="n">${t.actual === null ? 'no data' : v(t.actual)}</td><td class="n">${v(t.limit)}</td>${withBaseline ? `<td class="n">${v(t.baseline)}</td>` : ''}</tr>`
    );
  });
  const extra = withBaseline ? '<th class="n">baseline</th>' : '';
  return `<table><thead><tr><th>outcome</th><th>scope</th><th>threshold</th><th class="n">actual</th><th class="n">limit</th>${extra}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function latencyRow(label: string, l: LatencySummary): string {
  const keys: Array<keyof LatencySummary> = ['min', 'mean', 'p50', 'p75', 'p90', 'p95', 'p99', 'p99_9', 'max'];
  return `<tr><th>${esc(label)}</th>${keys.map((k) => `<td class="n">${msText(l[k])}</td>`).join('')}</tr>`;
}

function latencyTable(m: Metrics): string {
  return (
    '<table><thead><tr><th></th><th class="n">min</th><th class="n">mean</th><th class="n">p50</th><th class="n">p75</th><th class="n">p90</th><th class="n">p95</th><th class="n">p99</th><th class="n">p99.9</th><th class="n">max</th></tr></thead><tbody>' +
    latencyRow('latency', m.latency_ms) +
    latencyRow('service time', m.service_time_ms) +
    latencyRow('time to first byte', m.ttfb_ms) +
    '</tbody></table>'
  );
}

function endpointsTable(list: readonly EndpointMetrics[]): string {
  const rows = list.map(
    (e) =>
      `<tr data-testid="endpoint"><td>${esc(e.name)}</td><td>${esc(e.method)}</td><td>${esc(e.url)}</td><td class="n">${e.total_requests}</td><td class="n">${n1(e.requests_per_second)}</td>` +
      `<td class="n">${msText(e.latency_ms.p50)}</td><td class="n">${msText(e.latency_ms.p95)}</td><td class="n">${msText(e.latency_ms.p99)}</td><td class="n">${pct(e.error_rate)}</td></tr>`,
  );
  return `<table><thead><tr><th>endpoint</th><th>method</th><th>url</th><th class="n">requests</th><th class="n">req/s</th><th class="n">p50</th><th class="n">p95</th><th class="n">p99</th><th class="n">errors</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function countsTable(title: string, record: Record<string, number | undefined>, testId: string): string {
  const entries = Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
  if (entries.length === 0) return `<p data-testid="${testId}">${esc(title)}: none</p>`;
  return `<table data-testid="${testId}"><thead><tr><th>${esc(title)}</th><th class="n">count</th></tr></thead><tbody>${entries.map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${v}</td></tr>`).join('')}</tbody></table>`;
}

function headersText(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${isSecretHeader(k) ? '***' : v}`)
    .join('\n');
}

function bodyText(body: string | null): string {
  if (body === null || body === '') return '(empty)';
  return body.length > BODY_BYTES ? `${body.slice(0, BODY_BYTES)}\n…(${body.length - BODY_BYTES} more characters in the result JSON)` : body;
}

function sample(s: SampledRequest): string {
  const status = s.error !== null ? `${s.error_type ?? 'error'}: ${s.error}` : String(s.status);
  return (
    `<details data-testid="sample"><summary>${esc(s.method)} ${esc(s.url)} → ${esc(status)} in ${msText(s.latency_ms)} <span class="skip">(${esc(s.endpoint)})</span></summary>` +
    `<h3>Request</h3><pre>${esc(headersText(s.request_headers))}</pre>${s.request_body !== null ? `<pre>${esc(bodyText(s.request_body))}</pre>` : ''}` +
    `<h3>Response</h3><pre>${esc(headersText(s.response_headers))}</pre><pre>${esc(bodyText(s.response_body))}</pre></details>`
  );
}

/** Latency by percentile from the histogram, on the usual log axis: x = -log10(1 - p). */
function percentileChart(r: RunResult, baseline: RunResult | null): string {
  const curve = (base64: string): Array<[number, number]> => {
    try {
      return percentileCurve(base64).map((p) => [p.x, p.ms]);
    } catch {
      // A result from elsewhere with a corrupt histogram: no curve.
      return [];
    }
  };
  const series = [{ name: baseline ? 'this run (ms)' : 'latency (ms)', colour: 'c3', points: curve(r.histogram) }];
  if (baseline) series.push({ name: 'baseline (ms)', colour: 'c1', points: curve(baseline.histogram) });
  return lineChart({
    title: baseline ? 'Latency by percentile, against the baseline' : 'Latency by percentile',
    testId: 'chart-percentiles',
    series,
    xLabel: 'percentile',
    yLabel: 'ms',
    xMin: Math.log10(2),
    xMax: 4,
    xTicks: [
      [Math.log10(2), '50%'],
      [1, '90%'],
      [2, '99%'],
      [3, '99.9%'],
      [4, '99.99%'],
    ],
  });
}

function runSection(r: RunResult, baseline: RunResult | null): string {
  const m = r.metrics;
  const b = baseline?.metrics;
  const v = verdictOf(r);
  const tl = r.timeline;
  const meta = [
    esc(r.file),
    `started ${esc(r.started_at)}`,
    `${n1(m.duration_seconds)} s`,
    `${esc(r.model)} model${r.target_rps !== null ? `, target ${r.target_rps} req/s` : ''}`,
  ];
  if (r.insecure_tls === true) meta.push('TLS certificates not verified');
  let baselineNote = '';
  if (r.baseline_run != null) baselineNote = `<p class="meta" data-testid="baseline">Compared with baseline run ${esc(r.baseline_run)}${r.baseline_source != null ? ` (${esc(r.baseline_source)})` : ''}.</p>`;
  if (r.baseline_error !== undefined) baselineNote += `<p class="meta bad" data-testid="baseline-error">Baseline not used: ${esc(r.baseline_error)}</p>`;
  const reasons = r.failure_reasons.length > 0 ? `<ul class="reasons" data-testid="reasons">${r.failure_reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : '';
  const samples = r.sampled_requests.slice(0, MAX_SAMPLES);
  return (
    `<section class="run" data-testid="run">` +
    `<h1><span class="verdict ${v.cls}" data-testid="verdict">${esc(v.label)}</span>${esc(r.name)}</h1>` +
    `<p class="meta">${meta.join(' · ')}</p>${baselineNote}${r.error !== undefined ? `<p class="bad">${esc(r.error)}</p>` : ''}${reasons}` +
    `<div class="tiles">` +
    tile('requests', String(m.total_requests), 'tile-requests') +
    tile('requests / s', n1(m.requests_per_second), 'tile-rps', b && { now: m.requests_per_second, before: b.requests_per_second, better: 'higher' }) +
    tile('p50', msText(m.latency_ms.p50), 'tile-p50', b && { now: m.latency_ms.p50, before: b.latency_ms.p50, better: 'lower' }) +
    tile('p95', msText(m.latency_ms.p95), 'tile-p95', b && { now: m.latency_ms.p95, before: b.latency_ms.p95, better: 'lower' }) +
    tile('p99', msText(m.latency_ms.p99), 'tile-p99', b && { now: m.latency_ms.p99, before: b.latency_ms.p99, better: 'lower' }) +
    tile('error rate', pct(m.error_rate), 'tile-errors', b && { now: m.error_rate, before: b.error_rate, better: 'lower', points: true }) +
    tile('dropped', String(m.dropped_requests), 'tile-dropped') +
    `</div>` +
    `<h2>Charts</h2><div class="charts">` +
    lineChart({ title: 'Requests per second', testId: 'chart-rps', series: [{ name: 'req/s', colour: 'c0', points: tl.map((p) => [p.t, p.rps]) }, { name: 'errors/s', colour: 'c2', points: tl.map((p) => [p.t, p.errors]) }], xLabel: 'seconds', yLabel: 'per second', xMin: 0 }) +
    lineChart({
      title: 'Latency over time',
      testId: 'chart-latency',
      series: [
        { name: 'p50', colour: 'c0', points: tl.map((p) => [p.t, p.p50]) },
        { name: 'p95', colour: 'c1', points: tl.map((p) => [p.t, p.p95]) },
        { name: 'p99', colour: 'c2', points: tl.map((p) => [p.t, p.p99]) },
      ],
      xLabel: 'seconds',
      yLabel: 'ms',
      xMin: 0,
    }) +
    percentileChart(r, baseline) +
    `</div>` +
    `<h2>Thresholds</h2>${r.thresholds.length > 0 ? thresholdRows(r.thresholds) : '<p>No thresholds: the test passes when every request succeeds.</p>'}` +
    `<h2>Latency</h2>${latencyTable(m)}` +
    `<p>${m.successful_requests} succeeded, ${m.failed_requests} failed, ${m.dropped_requests} dropped; ${m.bytes_received} bytes received, ${m.bytes_sent} sent.</p>` +
    (r.endpoint_metrics.length > 1 ? `<h2>Endpoints</h2>${endpointsTable(r.endpoint_metrics)}` : '') +
    `<h2>Status codes and errors</h2>${countsTable('status', m.status_code_counts, 'status-codes')}${countsTable('error', m.errors_by_type, 'errors')}` +
    `<h2>Sampled requests</h2>${samples.length > 0 ? samples.map(sample).join('') : '<p>No samples.</p>'}` +
    (r.sampled_requests.length > samples.length ? `<p class="meta">${r.sampled_requests.length - samples.length} more in the result JSON.</p>` : '') +
    `<details><summary>The spec as run (secrets redacted)</summary><pre data-testid="spec">${esc(JSON.stringify(r.spec, null, 2))}</pre></details>` +
    `</section>`
  );
}

/** The Content-Security-Policy of a report: nothing loads, only its own stylesheet applies. */
export function reportCsp(): string {
  const hash = createHash('sha256').update(STYLE, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** The HTML report of one run, or of the runs of one `atm run`. Pure: the caller writes it. */
export function renderHtmlReport(results: RunResult | readonly RunResult[], options: HtmlReportOptions = {}): string {
  const list = Array.isArray(results) ? (results as readonly RunResult[]) : [results as RunResult];
  const title = list.length === 1 ? `${list[0].name}: ${verdictOf(list[0]).label}` : `${list.length} load tests`;
  const generated = (options.generatedAt ?? new Date()).toISOString();
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttr(reportCsp())}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">` +
    `<title>${esc(title)} · API Test Machine</title><style>${STYLE}</style></head>` +
    `<body><main>${list.map((r) => runSection(r, options.baselines?.find((x) => x.id === r.baseline_run && x.name === r.name) ?? null)).join('\n')}` +
    `<footer>API Test Machine load test report${options.generator ? ` (${esc(options.generator)})` : ''}, generated ${esc(generated)}.</footer>` +
    `</main></body></html>\n`
  );
}
