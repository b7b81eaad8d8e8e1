// The summary tiles above the tabs: one per headline number, with a line of context under it, and
// coloured when a failed threshold is about that number.
import { el, setAttr, setText } from './dom';
import { formatBytes, formatCount, formatMs, formatPercent, formatRate, splitThreshold } from './format';
import type { PanelState, ViewData } from './state';

export interface Tile {
  box: HTMLElement;
  value: HTMLElement;
  sub: HTMLElement;
}

/** A tile: its label, the value ("—" until there is one) and the line under it. */
export function metricTile(label: string, testids: { value: string; sub?: string }, className = 'tile'): Tile {
  const value = el('div', { className: 'tile-value', testid: testids.value, text: '—' });
  const sub = el('div', { className: 'tile-sub', testid: testids.sub });
  const box = el('div', { className }, el('div', { className: 'tile-label', text: label }), value, sub);
  return { box, value, sub };
}

type TileKey = 'rps' | 'p50' | 'p95' | 'p99' | 'error-rate' | 'requests' | 'dropped';

const TILES: ReadonlyArray<{ key: TileKey; label: string; metrics: string[] }> = [
  // `metrics`: which threshold metrics colour the tile.
  { key: 'rps', label: 'Requests/s', metrics: ['rps'] },
  { key: 'p50', label: 'p50 latency', metrics: ['p50'] },
  { key: 'p95', label: 'p95 latency', metrics: ['p95'] },
  { key: 'p99', label: 'p99 latency', metrics: ['p99'] },
  { key: 'error-rate', label: 'Error rate', metrics: ['error_rate'] },
  { key: 'requests', label: 'Requests', metrics: [] },
  { key: 'dropped', label: 'Dropped', metrics: ['dropped'] },
];

export class SummaryTiles {
  readonly element = el('section', { className: 'tiles', attrs: { 'aria-label': 'Summary' } });
  private readonly tiles = new Map<TileKey, Tile & { metrics: string[] }>();

  /** `more`: tiles of other parts of the panel, shown after these. */
  constructor(more: readonly HTMLElement[]) {
    for (const { key, label, metrics } of TILES) {
      const tile = metricTile(label, { value: `metric-${key}` });
      this.tiles.set(key, { ...tile, metrics });
      this.element.appendChild(tile.box);
    }
    for (const tile of more) this.element.appendChild(tile);
  }

  render(state: PanelState, data: ViewData): void {
    const m = data.summary;
    const failing = new Set(
      data.thresholds.filter((t) => !t.passed).map((t) => splitThreshold(t.expression)?.metric ?? ''),
    );
    const set = (key: TileKey, value: string, sub: string): void => {
      const tile = this.tiles.get(key);
      if (tile === undefined) return;
      setText(tile.value, value);
      setText(tile.sub, m === null ? '' : sub);
      setAttr(tile.box, 'data-tone', tile.metrics.some((k) => failing.has(k)) ? 'fail' : null);
    };
    const run = state.run;
    const running = state.phase === 'running' || state.phase === 'stopping';
    const target = run?.target_rps ?? state.result?.target_rps ?? null;
    set(
      'rps',
      formatRate(m?.requests_per_second),
      running && data.currentRps !== null
        ? `now ${formatRate(data.currentRps)}`
        : target !== null
          ? `target ${formatRate(target)}`
          : 'average',
    );
    set('p50', formatMs(m?.latency_ms.p50), m ? `min ${formatMs(m.latency_ms.min)}` : '');
    set('p95', formatMs(m?.latency_ms.p95), m ? `mean ${formatMs(m.latency_ms.mean)}` : '');
    set('p99', formatMs(m?.latency_ms.p99), m ? `max ${formatMs(m.latency_ms.max)}` : '');
    set('error-rate', formatPercent(m?.error_rate), m ? `${formatCount(m.failed_requests)} failed` : '');
    const total = run?.total_requests ?? null;
    set('requests', formatCount(m?.total_requests), total !== null ? `of ${formatCount(total)}` : m ? formatBytes(m.bytes_received) + ' received' : '');
    const model = run?.model ?? state.result?.model ?? 'closed';
    set('dropped', formatCount(m?.dropped_requests), model === 'open' ? 'due but not sent' : 'none: closed model');
  }
}
