// Time-series charts (uPlot, canvas). Canvas colours cannot be CSS variables, so the theme's
// --vscode-charts-* values are resolved to concrete colours and the charts are rebuilt when the
// theme (the body's class) changes.
import uPlot from 'uplot';
import type { TimelinePoint } from '../engine/format/result';
import { el } from './dom';
import { formatDuration } from './format';

const CHART_HEIGHT = 170;

export interface Palette {
  foreground: string;
  muted: string;
  grid: string;
  blue: string;
  green: string;
  yellow: string;
  orange: string;
  red: string;
  purple: string;
  font: string;
}

/** Resolves any CSS colour (hex, rgb(), a variable's value) to `rgb[a](...)` through the browser. */
function resolveColor(probe: HTMLElement, cssValue: string, fallback: string): string {
  probe.style.color = '';
  probe.style.color = cssValue.trim() || fallback;
  const c = getComputedStyle(probe).color;
  return c || fallback;
}

export function withAlpha(rgb: string, alpha: number): string {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(rgb);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : rgb;
}

export function readPalette(): Palette {
  const body = getComputedStyle(document.body);
  const probe = el('span', { attrs: { 'aria-hidden': 'true' } });
  probe.hidden = true;
  document.body.appendChild(probe);
  const v = (name: string, fallback: string): string => resolveColor(probe, body.getPropertyValue(name), fallback);
  const foreground = v('--vscode-foreground', '#cccccc');
  const palette: Palette = {
    foreground,
    muted: v('--vscode-descriptionForeground', foreground),
    grid: withAlpha(v('--vscode-charts-lines', foreground), 0.18),
    blue: v('--vscode-charts-blue', '#3794ff'),
    green: v('--vscode-charts-green', '#89d185'),
    yellow: v('--vscode-charts-yellow', '#cca700'),
    orange: v('--vscode-charts-orange', '#d18616'),
    red: v('--vscode-charts-red', '#f14c4c'),
    purple: v('--vscode-charts-purple', '#b180d7'),
    font: (body.getPropertyValue('--vscode-font-family').trim() || 'sans-serif').replace(/[;{}]/g, ''),
  };
  probe.remove();
  return palette;
}

interface SeriesDef {
  label: string;
  color: (p: Palette) => string;
  value: (point: TimelinePoint, targetRps: number | null) => number | null;
  dash?: number[];
  fill?: boolean;
}

interface ChartDef {
  title: string;
  unit: string;
  series: SeriesDef[];
  /** Series shown only for open-model runs. */
  openOnly?: string[];
  /** Values are counts: no fractional ticks. */
  counts?: boolean;
}

const CHARTS: ChartDef[] = [
  {
    title: 'Requests per second',
    unit: 'req/s',
    series: [
      { label: 'req/s', color: (p) => p.blue, value: (pt) => pt.rps, fill: true },
      { label: 'target', color: (p) => p.muted, value: (_pt, target) => target, dash: [6, 4] },
    ],
    openOnly: ['target'],
  },
  {
    title: 'Latency',
    unit: 'ms',
    series: [
      { label: 'p50', color: (p) => p.green, value: (pt) => pt.p50 },
      { label: 'p95', color: (p) => p.orange, value: (pt) => pt.p95 },
      { label: 'p99', color: (p) => p.red, value: (pt) => pt.p99 },
    ],
  },
  {
    title: 'Errors per second',
    unit: 'errors/s',
    series: [
      { label: 'errors/s', color: (p) => p.red, value: (pt) => pt.errors, fill: true },
      { label: 'dropped/s', color: (p) => p.yellow, value: (pt) => pt.dropped ?? 0 },
    ],
    openOnly: ['dropped/s'],
    counts: true,
  },
];

interface LiveChart {
  def: ChartDef;
  series: SeriesDef[];
  host: HTMLElement;
  plot: uPlot | null;
}

export class Charts {
  readonly element: HTMLElement;
  private charts: LiveChart[] = [];
  private palette: Palette | null = null;
  private timeline: readonly TimelinePoint[] = [];
  private targetRps: number | null = null;
  private open = false;
  private visible = true;
  private stale = false;
  private readonly resizeObserver: ResizeObserver;

  constructor() {
    this.element = el('div', { className: 'charts' });
    for (const def of CHARTS) {
      const host = el('div', { className: 'chart-host' });
      const box = el('section', { className: 'chart', attrs: { 'aria-label': def.title } }, el('h3', { text: def.title }), host);
      this.element.appendChild(box);
      this.charts.push({ def, series: def.series, host, plot: null });
    }
    this.resizeObserver = new ResizeObserver(() => this.resize());
    for (const c of this.charts) this.resizeObserver.observe(c.host);
    // VS Code changes the body's class when the theme changes.
    new MutationObserver(() => this.rebuild()).observe(document.body, {
      attributes: true,
      attributeFilter: ['class', 'data-vscode-theme-kind'],
    });
  }

  /** Shows `timeline`; cheap when called with the same array again, deferred while hidden. */
  update(timeline: readonly TimelinePoint[], model: 'open' | 'closed', targetRps: number | null): void {
    const open = model === 'open';
    if (open !== this.open || targetRps !== this.targetRps) {
      this.open = open;
      this.targetRps = targetRps;
      this.timeline = timeline;
      this.rebuild();
      return;
    }
    if (timeline === this.timeline) return;
    this.timeline = timeline;
    if (!this.visible) {
      this.stale = true;
      return;
    }
    for (const c of this.charts) c.plot?.setData(this.data(c));
  }

  /** Hidden charts are not redrawn; they catch up when shown. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible && this.stale) {
      this.stale = false;
      for (const c of this.charts) c.plot?.setData(this.data(c));
    }
  }

  private data(c: LiveChart): uPlot.AlignedData {
    const n = this.timeline.length;
    const xs = new Array<number>(n);
    const ys = c.series.map(() => new Array<number | null>(n));
    for (let i = 0; i < n; i++) {
      const pt = this.timeline[i];
      xs[i] = pt.t;
      for (let s = 0; s < c.series.length; s++) ys[s][i] = c.series[s].value(pt, this.targetRps);
    }
    return [xs, ...ys];
  }

  private rebuild(): void {
    this.palette = readPalette();
    for (const c of this.charts) {
      c.plot?.destroy();
      c.plot = null;
      this.create(c);
    }
  }

  private create(c: LiveChart): void {
    const width = c.host.clientWidth;
    // A hidden tab has no width; the resize observer creates the chart once it is shown.
    if (width === 0) return;
    const p = (this.palette ??= readPalette());
    c.series = c.def.series.filter((s) => this.open || !(c.def.openOnly ?? []).includes(s.label));
    const font = `11px ${p.font}`;
    const axis: uPlot.Axis = {
      stroke: p.muted,
      font,
      labelFont: font,
      grid: { stroke: p.grid, width: 1 },
      ticks: { stroke: p.grid, width: 1 },
    };
    c.plot = new uPlot(
      {
        width,
        height: CHART_HEIGHT,
        // Room on the right for the last time label.
        padding: [8, 18, 0, 0],
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [
          { ...axis, incrs: TIME_STEPS, values: (_u, splits) => splits.map((s) => axisTime(s)) },
          {
            ...axis,
            size: 56,
            ...(c.def.counts ? { incrs: COUNT_STEPS } : {}),
            values: (_u, splits) => splits.map((s) => compact(s)),
          },
        ],
        series: [
          { label: 'time', value: (_u, v) => (v === null ? '—' : formatDuration(v)) },
          ...c.series.map((s): uPlot.Series => {
            const color = s.color(p);
            return {
              label: s.label,
              stroke: color,
              width: 1.5,
              dash: s.dash,
              fill: s.fill ? withAlpha(color, 0.15) : undefined,
              // A line needs two points; a run of a second or two shows its points instead.
              points: { show: (u) => u.data[0].length < 3, size: 6, fill: color, stroke: color },
              value: legendValue(c.def.unit),
            };
          }),
        ],
      },
      this.data(c),
      c.host,
    );
  }

  private resize(): void {
    resizeCharts(this.charts, CHART_HEIGHT, (c) => this.create(c));
  }
}

/**
 * Fits each chart to its host's width. A chart whose host had no width when it was due (a hidden
 * tab or view) is created now that it has one.
 */
export function resizeCharts<C extends { host: HTMLElement; plot: uPlot | null }>(
  charts: readonly C[],
  height: number,
  create: (c: C) => void,
): void {
  for (const c of charts) {
    const width = c.host.clientWidth;
    if (width === 0) continue;
    if (c.plot === null) create(c);
    else if (c.plot.width !== width) c.plot.setSize({ width, height });
  }
}

/** Whole seconds, then round minutes, for the time axis. */
export const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

export function axisTime(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return rest === 0 ? `${m}m` : `${m}:${String(rest).padStart(2, '0')}`;
}

export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return String(+v.toFixed(a < 1 ? 2 : 1));
}

/**
 * A series' legend value: under the cursor the value there; otherwise the latest one, so the legend
 * never reads as empty while the chart has data.
 */
export function legendValue(unit: string): uPlot.Series.Value {
  return (u, v, si, idx) => {
    const shown = idx === null || idx === undefined ? latest(u.data[si]) : v;
    return shown === null || shown === undefined ? '—' : `${compact(shown)} ${unit}`;
  };
}

/** The last non-null value of a series, or null. */
export function latest(values: ArrayLike<number | null | undefined>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}
