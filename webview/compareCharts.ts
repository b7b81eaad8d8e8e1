// The compare view's charts: two runs overlaid on one uPlot canvas each. The latency-by-percentile
// chart is the HdrHistogram plot (x = -log10(1 - p), so p50, p90, p99, p99.9 and p99.99 are evenly
// spaced); the timelines put both runs on seconds since their own start. A canvas says nothing to a
// screen reader, so the percentile chart carries its points as a visually hidden table.
import uPlot from 'uplot';
import type { CompareData, CurvePoint } from './compareData';
import { axisTime, compact, legendValue, readPalette, resizeCharts, TIME_STEPS, withAlpha, type Palette } from './charts';
import { el } from './dom';
import { formatDuration, formatMs } from './format';

const CHART_HEIGHT = 190;

/** The percentile axis' ticks: x = -log10(1 - p/100). */
export const PERCENTILE_TICKS: ReadonlyArray<{ x: number; label: string }> = [
  { x: Math.log10(2), label: '50%' },
  { x: 1, label: '90%' },
  { x: 2, label: '99%' },
  { x: 3, label: '99.9%' },
  { x: 4, label: '99.99%' },
];

/** The percentile a point of the log axis stands for, as the tooltip and the hidden table say it. */
export function percentileLabel(x: number): string {
  const p = 100 * (1 - 10 ** -x);
  const digits = p < 90 ? 0 : Math.min(4, Math.max(1, Math.ceil(x) - 1));
  return `p${+p.toFixed(digits)}`;
}

type Series = ReadonlyArray<{ x: number; y: number }>;

/** Both series on one x axis (the union of their x values), null where a run has no point. */
export function align(a: Series, b: Series): uPlot.AlignedData {
  const key = (x: number): number => Math.round(x * 1e6) / 1e6;
  const xs = [...new Set([...a.map((p) => key(p.x)), ...b.map((p) => key(p.x))])].sort((m, n) => m - n);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ya = new Array<number | null>(xs.length).fill(null);
  const yb = new Array<number | null>(xs.length).fill(null);
  for (const p of a) ya[index.get(key(p.x)) ?? 0] = p.y;
  for (const p of b) yb[index.get(key(p.x)) ?? 0] = p.y;
  return [xs, ya, yb];
}

interface ChartSpec {
  title: string;
  testid: string;
  unit: string;
  /** The two series' points, A first. */
  points: (d: CompareData) => [Series, Series];
  percentileAxis?: boolean;
}

const SPECS: ChartSpec[] = [
  {
    title: 'Latency by percentile',
    testid: 'compare-percentile-chart',
    unit: 'ms',
    points: (d) => [curve(d.a.curve), curve(d.b.curve)],
    percentileAxis: true,
  },
  {
    title: 'Requests per second',
    testid: 'compare-rps-chart',
    unit: 'req/s',
    points: (d) => [d.a.timeline.map((p) => ({ x: p.t, y: p.rps })), d.b.timeline.map((p) => ({ x: p.t, y: p.rps }))],
  },
  {
    title: 'p95 latency over time',
    testid: 'compare-p95-chart',
    unit: 'ms',
    points: (d) => [d.a.timeline.map((p) => ({ x: p.t, y: p.p95 })), d.b.timeline.map((p) => ({ x: p.t, y: p.p95 }))],
  },
];

function curve(points: CurvePoint[]): Series {
  return points.map((p) => ({ x: p.x, y: p.ms }));
}

interface LiveChart {
  spec: ChartSpec;
  host: HTMLElement;
  note: HTMLElement;
  plot: uPlot | null;
}

export class CompareCharts {
  readonly element: HTMLElement;
  private readonly charts: LiveChart[] = [];
  private readonly table = el('table', { testid: 'compare-percentile-points' });
  private data: CompareData | null = null;
  private palette: Palette | null = null;

  constructor() {
    this.element = el('div', { className: 'compare-charts' });
    for (const spec of SPECS) {
      const host = el('div', { className: 'chart-host' });
      const note = el('p', { className: 'charts-note', text: 'Neither run has points to draw here.' });
      note.hidden = true;
      const box = el('section', { className: 'chart', testid: spec.testid, attrs: { 'aria-label': spec.title } }, el('h3', { text: spec.title }), host, note);
      // A table sizes to its content whatever its width: the hiding box is a div around it.
      if (spec.percentileAxis) box.appendChild(el('div', { className: 'visually-hidden' }, this.table));
      this.element.appendChild(box);
      this.charts.push({ spec, host, note, plot: null });
    }
    const resize = new ResizeObserver(() => this.resize());
    for (const c of this.charts) resize.observe(c.host);
    new MutationObserver(() => {
      this.palette = null;
      this.rebuild();
    }).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  }

  show(data: CompareData | null): void {
    if (data === this.data) return;
    this.data = data;
    this.renderTable();
    this.rebuild();
  }

  private renderTable(): void {
    const d = this.data;
    if (d === null) {
      this.table.replaceChildren();
      return;
    }
    const head = el('tr', {}, el('th', { text: 'Percentile' }), el('th', { text: d.a.label }), el('th', { text: d.b.label }));
    const [xs, ya, yb] = align(curve(d.a.curve), curve(d.b.curve));
    const rows = Array.from(xs, (x, i) =>
      el('tr', {}, el('td', { text: percentileLabel(x) }), el('td', { text: formatMs(ya[i]) }), el('td', { text: formatMs(yb[i]) })),
    );
    this.table.replaceChildren(el('caption', { text: `Latency by percentile: ${d.a.label} and ${d.b.label}` }), el('thead', {}, head), el('tbody', {}, ...rows));
  }

  private rebuild(): void {
    for (const c of this.charts) {
      c.plot?.destroy();
      c.plot = null;
      this.create(c);
    }
  }

  private create(c: LiveChart): void {
    const d = this.data;
    if (d === null) return;
    const [a, b] = c.spec.points(d);
    const empty = a.length === 0 && b.length === 0;
    c.note.hidden = !empty;
    c.host.hidden = empty;
    const width = c.host.clientWidth;
    // A hidden view has no width; the resize observer draws the chart once it is shown.
    if (empty || width === 0) return;
    const p = (this.palette ??= readPalette());
    const font = `11px ${p.font}`;
    const axis: uPlot.Axis = { stroke: p.muted, font, labelFont: font, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 } };
    const xAxis: uPlot.Axis = c.spec.percentileAxis
      ? { ...axis, splits: () => PERCENTILE_TICKS.map((t) => t.x), values: (_u, splits) => splits.map((s) => PERCENTILE_TICKS.find((t) => Math.abs(t.x - s) < 1e-9)?.label ?? '') }
      : { ...axis, incrs: TIME_STEPS, values: (_u, splits) => splits.map((s) => axisTime(s)) };
    const unit = c.spec.unit;
    const side = (label: string, color: string, dash?: number[]): uPlot.Series => ({
      label,
      stroke: color,
      width: 1.75,
      dash,
      spanGaps: true,
      points: { show: (u) => u.data[0].length < 3, size: 6, fill: color, stroke: color },
      value: legendValue(unit),
    });
    c.plot = new uPlot(
      {
        width,
        height: CHART_HEIGHT,
        padding: [8, 24, 0, 0],
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: c.spec.percentileAxis ? { time: false, range: [Math.log10(2), 4] } : { time: false },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [xAxis, { ...axis, size: 56, values: (_u, splits) => splits.map((s) => compact(s)) }],
        series: [
          {
            label: c.spec.percentileAxis ? 'percentile' : 'time',
            value: (_u, v) => (v === null ? '—' : c.spec.percentileAxis ? percentileLabel(v) : formatDuration(v)),
          },
          side(d.a.label, withAlpha(p.muted, 0.95), [6, 4]),
          side(d.b.label, p.blue),
        ],
      },
      align(a, b),
      c.host,
    );
  }

  private resize(): void {
    resizeCharts(this.charts, CHART_HEIGHT, (c) => this.create(c));
  }
}
