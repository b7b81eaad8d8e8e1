// Static SVG line charts for the HTML report: drawn once here, so the report needs no script.
// Colours come from classes in the report's stylesheet (inline style attributes would need
// 'unsafe-inline' under its Content-Security-Policy).
import { escapeText } from './xml';

export interface Series {
  name: string;
  /** A class of the report stylesheet: c0..c3. */
  colour: string;
  points: Array<[x: number, y: number]>;
}

export interface ChartOptions {
  title: string;
  series: readonly Series[];
  xLabel: string;
  yLabel: string;
  /** Tick positions and labels on x; default: 5 even ticks. */
  xTicks?: Array<[x: number, label: string]>;
  xMin?: number;
  xMax?: number;
  testId: string;
}

const W = 640;
const H = 240;
const PAD = { left: 56, right: 28, top: 28, bottom: 40 };

const fmt = (n: number): string => {
  const a = Math.abs(n);
  if (a >= 1000) return `${Math.round(n)}`;
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1).replace(/\.0$/, '');
  if (a >= 1) return n.toFixed(2).replace(/\.?0+$/, '');
  return n.toFixed(3).replace(/\.?0+$/, '') || '0';
};

/** A round step for about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

export function lineChart(o: ChartOptions): string {
  const all = o.series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const xMin = o.xMin ?? (xs.length > 0 ? Math.min(...xs) : 0);
  let xMax = o.xMax ?? (xs.length > 0 ? Math.max(...xs) : 1);
  if (xMax <= xMin) xMax = xMin + 1;
  const rawMax = ys.length > 0 ? Math.max(...ys) : 1;
  const yStep = niceStep(rawMax > 0 ? rawMax : 1, 4);
  const yMax = Math.max(yStep, Math.ceil((rawMax > 0 ? rawMax : 1) / yStep) * yStep);
  const pw = W - PAD.left - PAD.right;
  const ph = H - PAD.top - PAD.bottom;
  const sx = (x: number): number => PAD.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number): number => PAD.top + ph - (y / yMax) * ph;
  const r = (n: number): string => (Math.round(n * 10) / 10).toString();

  let grid = '';
  for (let y = 0; y <= yMax + yStep / 2; y += yStep) {
    grid += `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${r(sy(y))}" y2="${r(sy(y))}"/>`;
    grid += `<text class="tick" x="${PAD.left - 6}" y="${r(sy(y) + 4)}" text-anchor="end">${fmt(y)}</text>`;
  }
  const xTicks = o.xTicks ?? Array.from({ length: 6 }, (_, i) => {
    const x = xMin + ((xMax - xMin) * i) / 5;
    return [x, fmt(x)] as [number, string];
  });
  for (const [x, label] of xTicks) {
    if (x < xMin || x > xMax) continue;
    grid += `<line class="grid" x1="${r(sx(x))}" x2="${r(sx(x))}" y1="${PAD.top}" y2="${PAD.top + ph}"/>`;
    grid += `<text class="tick" x="${r(sx(x))}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escapeText(label)}</text>`;
  }
  let lines = '';
  let legend = '';
  o.series.forEach((s, i) => {
    if (s.points.length === 1) {
      const [x, y] = s.points[0];
      lines += `<circle class="${s.colour} dot" cx="${r(sx(x))}" cy="${r(sy(y))}" r="3"/>`;
    } else if (s.points.length > 1) {
      lines += `<polyline class="${s.colour} line" points="${s.points.map(([x, y]) => `${r(sx(x))},${r(sy(y))}`).join(' ')}"/>`;
    }
    const lx = PAD.left + i * 110;
    legend += `<line class="${s.colour} line" x1="${lx}" x2="${lx + 18}" y1="14" y2="14"/><text class="legend" x="${lx + 24}" y="18">${escapeText(s.name)}</text>`;
  });
  const empty = all.length === 0 ? `<text class="tick" x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>` : '';
  return (
    `<figure class="chart" data-testid="${escapeText(o.testId)}"><figcaption>${escapeText(o.title)}</figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeText(o.title)}" xmlns="http://www.w3.org/2000/svg">` +
    grid +
    `<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + ph}" y2="${PAD.top + ph}"/>` +
    `<line class="axis" x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + ph}"/>` +
    lines +
    legend +
    empty +
    `<text class="label" x="${PAD.left + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeText(o.xLabel)}</text>` +
    `<text class="label" x="12" y="${PAD.top + ph / 2}" text-anchor="middle" transform="rotate(-90 12 ${PAD.top + ph / 2})">${escapeText(o.yLabel)}</text>` +
    `</svg></figure>`
  );
}
