// The compare view: the shown run (B) against another run of its test (A, usually the baseline).
// Tiles with B's value, A's, and the change coloured by direction (what "better" means depends on
// the metric: lower latency and error rate, higher throughput), the overlaid charts, the exact
// percentiles from both histograms, B's baseline thresholds judged against A, and per-endpoint deltas.
import type { CompareData, CompareMetric } from './compareData';
import { CompareCharts } from './compareCharts';
import { el, setAttr, setHidden, setText } from './dom';
import { formatCount, formatMs, formatPercent, formatRate, formatThresholdActual } from './format';
import { DataTable, type Cell } from './table';

interface TileDef {
  key: string;
  label: string;
  metric: string;
}

const TILES: TileDef[] = [
  { key: 'rps', label: 'Requests/s', metric: 'requests_per_second' },
  { key: 'p50', label: 'p50 latency', metric: 'latency_ms.p50' },
  { key: 'p95', label: 'p95 latency', metric: 'latency_ms.p95' },
  { key: 'p99', label: 'p99 latency', metric: 'latency_ms.p99' },
  { key: 'error-rate', label: 'Error rate', metric: 'error_rate' },
  { key: 'requests', label: 'Requests', metric: 'total_requests' },
];

/** The endpoint table's metrics, in column order after the name. */
const ENDPOINT_METRICS: ReadonlyArray<{ title: string; metric: string }> = [
  { title: 'req/s', metric: 'requests_per_second' },
  { title: 'p50', metric: 'latency_ms.p50' },
  { title: 'p95', metric: 'latency_ms.p95' },
  { title: 'p99', metric: 'latency_ms.p99' },
  { title: 'Error rate', metric: 'error_rate' },
];

/** A metric's value in its unit, as the tiles show it. */
export function formatValue(m: Pick<CompareMetric, 'unit'>, v: number | null): string {
  switch (m.unit) {
    case 'ms':
      return formatMs(v);
    case 'req/s':
      return formatRate(v);
    case 'fraction':
      return formatPercent(v);
    default:
      return formatCount(v);
  }
}

const MINUS = '\u2212';

function signed(n: number, text: string): string {
  if (n > 0) return `+${text}`;
  if (n < 0) return `${MINUS}${text}`;
  return text;
}

/** "+12.3 ms (+45.6%)": the change in the metric's unit, and relative when A is not 0. */
export function formatChange(m: CompareMetric): string {
  if (m.change === null) return '—';
  const size = Math.abs(m.change);
  let absolute: string;
  if (m.unit === 'fraction') {
    // An error rate's change reads in percentage points; its relative change follows.
    const pp = size * 100;
    absolute = `${pp >= 10 ? pp.toFixed(1) : pp.toFixed(2)} pp`;
  } else {
    absolute = formatValue(m, size);
  }
  const abs = signed(m.change, absolute);
  if (m.change_pct === null) return abs;
  const pct = Math.abs(m.change_pct);
  return `${abs} (${signed(m.change_pct, `${pct >= 100 ? pct.toFixed(0) : pct.toFixed(1)}%`)})`;
}

/** The tone of a change: better green, worse red, same muted; none when no direction is better. */
export function toneOf(m: CompareMetric | undefined): string {
  return m?.verdict ?? '';
}

export class CompareView {
  readonly element: HTMLElement;
  private readonly against = el('span', { className: 'compare-against', testid: 'compare-against' });
  private readonly verdict = el('span', { className: 'compare-verdict', testid: 'compare-verdict' });
  private readonly backButton = el('vscode-button', { testid: 'compare-back', text: 'Back to this run', attrs: { appearance: 'secondary' } });
  private readonly tiles = new Map<string, { value: HTMLElement; was: HTMLElement; delta: HTMLElement; box: HTMLElement }>();
  private readonly charts = new CompareCharts();
  private readonly percentiles = new DataTable({
    ariaLabel: 'Percentiles compared',
    rowTestId: 'compare-percentile-row',
    columns: [
      { title: 'Percentile', width: 'auto', fit: { maxPx: 120 } },
      { title: 'A', width: '1fr', align: 'right', fit: { maxPx: 140 } },
      { title: 'B', width: '1fr', align: 'right', fit: { maxPx: 140 } },
      { title: 'Change', width: '1.6fr', align: 'right', fit: { maxPx: 220 } },
    ],
  });
  private readonly percentilesEmpty = el('p', { className: 'empty', text: 'One of the runs has no latency histogram: the percentiles cannot be compared exactly.' });
  private readonly thresholds = new DataTable({
    ariaLabel: 'Baseline thresholds',
    rowTestId: 'compare-threshold-row',
    columns: [
      { title: 'Threshold', width: '2fr', fit: { maxPx: 260 } },
      { title: 'Endpoint', width: '1fr', fit: { maxPx: 160 } },
      { title: 'Actual', width: '1fr', align: 'right', fit: { maxPx: 140 } },
      { title: 'Baseline', width: '1fr', align: 'right', fit: { maxPx: 140 } },
      { title: 'Result', width: 'auto', align: 'center', fit: { maxPx: 80 } },
    ],
  });
  private readonly thresholdsTitle = el('h2', { text: 'Baseline thresholds' });
  private readonly endpoints = new DataTable({
    ariaLabel: 'Endpoints compared',
    rowTestId: 'compare-endpoint-row',
    columns: [
      { title: 'Endpoint', width: '1.4fr', fit: { maxPx: 220 } },
      ...ENDPOINT_METRICS.map((c) => ({ title: c.title, width: '1fr', align: 'right' as const, fit: { maxPx: 200 } })),
    ],
  });
  private readonly endpointsTitle = el('h2', { text: 'Endpoints' });
  private readonly endpointsNote = el('p', { className: 'muted', text: 'Each cell: this run’s value and its change from the other run. Hover for both values.' });
  private shown: CompareData | null = null;

  constructor(onBack: () => void) {
    this.backButton.addEventListener('click', () => onBack());
    const bar = el('div', { className: 'compare-bar' }, el('div', { className: 'compare-what' }, this.against, this.verdict), this.backButton);
    const tiles = el('section', { className: 'tiles compare-tiles', attrs: { 'aria-label': 'Summary compared' } });
    for (const def of TILES) {
      const value = el('div', { className: 'tile-value', testid: `compare-value-${def.key}` });
      const was = el('div', { className: 'tile-sub', testid: `compare-was-${def.key}` });
      const delta = el('div', { className: 'tile-delta', testid: `compare-delta-${def.key}` });
      const box = el('div', { className: 'tile', testid: `compare-tile-${def.key}` }, el('div', { className: 'tile-label', text: def.label }), value, delta, was);
      this.tiles.set(def.key, { value, was, delta, box });
      tiles.appendChild(box);
    }
    this.element = el(
      'section',
      { className: 'compare-view stack', testid: 'compare-view', attrs: { 'aria-label': 'Runs compared' } },
      bar,
      tiles,
      this.charts.element,
      el('h2', { text: 'Percentiles (exact, from both histograms)' }),
      this.percentiles.element,
      this.percentilesEmpty,
      this.thresholdsTitle,
      this.thresholds.element,
      this.endpointsTitle,
      this.endpointsNote,
      this.endpoints.element,
    );
  }

  render(data: CompareData | null): void {
    if (data === this.shown) return;
    this.shown = data;
    this.charts.show(data);
    if (data === null) return;
    setText(this.against, `${data.b.label.charAt(0).toUpperCase()}${data.b.label.slice(1)} (B) against ${data.a.label} (A)`);
    const judged = data.thresholds.filter((t) => t.no_baseline !== true).length;
    const failed = data.thresholds.filter((t) => t.no_baseline !== true && !t.passed).length;
    setText(
      this.verdict,
      judged === 0 ? 'No baseline thresholds in this test.' : failed === 0 ? `All ${judged} baseline threshold${judged === 1 ? '' : 's'} held against A.` : `${failed} of ${judged} baseline threshold${judged === 1 ? '' : 's'} failed against A.`,
    );
    setAttr(this.verdict, 'data-tone', judged === 0 ? null : failed === 0 ? 'pass' : 'fail');
    this.renderTiles(data);
    this.renderPercentiles(data);
    this.renderThresholds(data);
    this.renderEndpoints(data);
  }

  private renderTiles(data: CompareData): void {
    const byMetric = new Map(data.overall.map((m) => [m.metric, m]));
    for (const def of TILES) {
      const tile = this.tiles.get(def.key);
      const m = byMetric.get(def.metric);
      if (tile === undefined) continue;
      setText(tile.value, m === undefined ? '—' : formatValue(m, m.b));
      setText(tile.was, m === undefined ? '' : `A: ${formatValue(m, m.a)}`);
      setText(tile.delta, m === undefined ? '' : formatChange(m));
      setAttr(tile.box, 'data-verdict', toneOf(m) || null);
      setAttr(tile.delta, 'title', m === undefined ? null : deltaTitle(m));
    }
  }

  private renderPercentiles(data: CompareData): void {
    const rows = data.distribution ?? [];
    this.percentiles.setRows(
      rows,
      (p) => String(p.percentile),
      (p): Cell[] => {
        const m: CompareMetric = { metric: `p${p.percentile}`, unit: 'ms', a: p.a_ms, b: p.b_ms, change: p.change_ms, change_pct: p.change_pct, better: 'lower', verdict: verdictOf(p.a_ms, p.b_ms) };
        return [{ text: `p${p.percentile}` }, { text: formatMs(p.a_ms) }, { text: formatMs(p.b_ms) }, { text: formatChange(m), tone: toneOf(m) }];
      },
    );
    setHidden(this.percentiles.element, rows.length === 0);
    setHidden(this.percentilesEmpty, rows.length > 0);
  }

  private renderThresholds(data: CompareData): void {
    this.thresholds.setRows(
      data.thresholds,
      (t, i) => `${i}\u0000${t.expression}\u0000${t.endpoint ?? ''}`,
      (t) => [
        { text: t.expression, title: t.expression },
        { text: t.endpoint ?? 'all', title: t.endpoint ?? 'all endpoints' },
        { text: formatThresholdActual(t.expression, t.actual) },
        { text: t.baseline === undefined || t.baseline === null ? 'none' : formatThresholdActual(t.expression, t.baseline) },
        t.no_baseline === true
          ? { text: '–', title: `no baseline: A has no value for this threshold's metric${t.endpoint === null ? '' : ` on ${t.endpoint}`}` }
          : { text: t.passed ? '✓' : '✗', tone: t.passed ? 'pass' : 'fail', title: t.passed ? 'passed' : 'failed' },
      ],
      (t) => (t.passed ? '' : 'fail'),
    );
    const any = data.thresholds.length > 0;
    setHidden(this.thresholds.element, !any);
    setHidden(this.thresholdsTitle, !any);
  }

  private renderEndpoints(data: CompareData): void {
    this.endpoints.setRows(
      data.endpoints,
      (e) => e.name,
      (e): Cell[] => {
        const byMetric = new Map(e.metrics.map((m) => [m.metric, m]));
        const label = e.only_in === 'a' ? `${e.name} (only in A)` : e.only_in === 'b' ? `${e.name} (only in B)` : e.name;
        return [
          { text: label, title: label },
          ...ENDPOINT_METRICS.map((c): Cell => {
            const m = byMetric.get(c.metric);
            if (m === undefined) return { text: '—' };
            const value = formatValue(m, m.b ?? m.a);
            const change = m.change_pct !== null ? ` (${signed(m.change_pct, `${Math.abs(m.change_pct) >= 100 ? Math.abs(m.change_pct).toFixed(0) : Math.abs(m.change_pct).toFixed(1)}%`)})` : '';
            return { text: `${value}${change}`, tone: toneOf(m), title: deltaTitle(m) };
          }),
        ];
      },
    );
    const any = data.endpoints.length > 0;
    setHidden(this.endpoints.element, !any);
    setHidden(this.endpointsTitle, !any);
    setHidden(this.endpointsNote, !any);
  }
}

/** Lower latency is better; within 1% of A it is the same (as engine/compare judges). */
function verdictOf(a: number | null, b: number | null): CompareMetric['verdict'] {
  if (a === null || b === null) return null;
  if (Math.abs(b - a) <= Math.max(Math.abs(a) * 0.01, 1e-9)) return 'same';
  return b < a ? 'better' : 'worse';
}

function deltaTitle(m: CompareMetric): string {
  const dir = m.verdict === 'better' ? ' · better' : m.verdict === 'worse' ? ' · worse' : m.verdict === 'same' ? ' · about the same' : '';
  return `A ${formatValue(m, m.a)} → B ${formatValue(m, m.b)}${m.change === null ? '' : ` · ${formatChange(m)}`}${dir}`;
}
