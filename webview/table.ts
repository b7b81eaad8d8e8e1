// A keyed table on the toolkit's vscode-data-grid. Rows and cells are created here (never through
// the grid's rowsData/columnDefinitions templates) so that each cell's content is a text node we
// set, and rows are reused between updates so a live refresh only rewrites changed text.
import { el, setAttr, setText } from './dom';

export interface Column {
  title: string;
  /** A CSS grid track, e.g. "minmax(120px, 2fr)" or "90px". */
  width: string;
  align?: 'left' | 'right' | 'center';
  /**
   * Size the column to its longest value (header included), at most `maxPx`: the track becomes
   * `minmax(<that width>, width)` (just that width when `width` is 'auto'), so the table scrolls sideways in a narrow panel rather than
   * cutting these values. Longer values are cut with an ellipsis and shown whole in the title.
   */
  fit?: { maxPx: number };
}

export interface Cell {
  text: string;
  /** A tone for the cell (data-tone, e.g. pass/fail colouring). The toolkit owns the class attribute. */
  tone?: string;
  /** A tooltip (set as the title attribute, i.e. as text). */
  title?: string;
}

interface Row {
  element: HTMLElement;
  cells: HTMLElement[];
  tone: string;
  /** Whether the row is on screen (or near it), as the IntersectionObserver last said. */
  onScreen: boolean;
  /** Content not yet written because the row was off screen. */
  pending: { cells: () => Cell[]; tone: string } | null;
}

export interface TableOptions {
  columns: Column[];
  rowTestId?: string;
  ariaLabel: string;
  /** Called with a row's key when it is clicked or activated with Enter/Space. */
  onActivate?: (key: string) => void;
}

export class DataTable {
  readonly element: HTMLElement;
  private readonly rows = new Map<string, Row>();
  private order: string[] = [];
  private readonly keyOf = new WeakMap<Element, string>();
  private readonly rowOf = new WeakMap<Element, Row>();
  private readonly headerCells: HTMLElement[] = [];
  /** The track template last set, to touch the grid only when it changes. */
  private template = '';
  // Live updates rewrite only the rows on screen; the others are written when they scroll into
  // view (a 100-endpoint table would otherwise cost most of every update).
  private readonly visibility = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const row = this.rowOf.get(entry.target);
        if (row === undefined) continue;
        row.onScreen = entry.isIntersecting;
        if (row.onScreen && row.pending !== null) this.paint(row, row.pending.cells(), row.pending.tone);
      }
    },
    { rootMargin: '300px 0px' },
  );

  constructor(private readonly options: TableOptions) {
    this.template = options.columns.map((c) => c.width).join(' ');
    this.element = el('vscode-data-grid', {
      className: 'table',
      attrs: { 'generate-header': 'none', 'grid-template-columns': this.template, 'aria-label': options.ariaLabel },
    });
    // A plain header row: the panel's own header is the sticky one.
    const header = el('vscode-data-grid-row', { attrs: { 'row-type': 'header' } });
    options.columns.forEach((c, i) => {
      const cell = el('vscode-data-grid-cell', {
        text: c.title,
        attrs: { 'cell-type': 'columnheader', 'grid-column': String(i + 1), 'data-align': c.align ?? 'left' },
      });
      this.headerCells.push(cell);
      header.appendChild(cell);
    });
    this.element.appendChild(header);
    if (options.onActivate !== undefined) {
      const activate = options.onActivate;
      const find = (target: EventTarget | null): string | undefined => {
        let node = target instanceof Element ? target : null;
        while (node !== null && node !== this.element) {
          const key = this.keyOf.get(node);
          if (key !== undefined) return key;
          node = node.parentElement;
        }
        return undefined;
      };
      this.element.addEventListener('click', (e) => {
        const key = find(e.target);
        if (key !== undefined) activate(key);
      });
      this.element.addEventListener('keydown', (e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        const key = find(e.target);
        if (key !== undefined) {
          e.preventDefault();
          activate(key);
        }
      });
    }
  }

  get size(): number {
    return this.order.length;
  }

  /** Shows `items` in this order; `cells` gives each row's cells (one per column). */
  setRows<T>(
    items: readonly T[],
    key: (item: T, index: number) => string,
    cells: (item: T) => Cell[],
    rowTone?: (item: T) => string,
  ): void {
    const nextOrder: string[] = [];
    const seen = new Set<string>();
    const fitting = this.options.columns.some((c) => c.fit !== undefined);
    // Sized columns need every row's values now, on screen or not.
    const all = fitting ? items.map((item) => cells(item)) : null;
    if (all !== null) this.fitColumns(all);
    items.forEach((item, index) => {
      let k = key(item, index);
      // Duplicate keys (two endpoints with one name in a malformed result) must not share a row.
      if (seen.has(k)) k = `${k}\u0000${index}`;
      seen.add(k);
      nextOrder.push(k);
      let row = this.rows.get(k);
      const tone = rowTone?.(item) ?? '';
      const values = all !== null ? (): Cell[] => all[index] : (): Cell[] => cells(item);
      if (row === undefined) {
        row = this.createRow(k);
        this.rows.set(k, row);
        this.paint(row, values(), tone);
      } else if (row.onScreen) {
        this.paint(row, values(), tone);
      } else {
        row.pending = { cells: values, tone };
      }
    });
    for (const k of this.order) {
      if (!seen.has(k)) {
        const gone = this.rows.get(k);
        if (gone !== undefined) {
          this.visibility.unobserve(gone.element);
          gone.element.remove();
        }
        this.rows.delete(k);
      }
    }
    if (!sameOrder(this.order, nextOrder)) {
      // Re-append in order; appendChild moves existing rows without recreating them.
      const fragment = document.createDocumentFragment();
      for (const k of nextOrder) {
        const row = this.rows.get(k);
        if (row !== undefined) fragment.appendChild(row.element);
      }
      this.element.appendChild(fragment);
    }
    this.order = nextOrder;
  }

  /** Sets the tracks of the sized columns from the widest of their values, measured in the cells' font. */
  private fitColumns(rows: readonly Cell[][]): void {
    const columns = this.options.columns;
    const tracks = columns.map((c, i) => {
      if (c.fit === undefined) return c.width;
      const header = this.headerCells[i];
      let widest = textWidth([c.title], fontOf(header));
      const sample = this.rows.values().next().value?.cells[i] ?? header;
      widest = Math.max(widest, textWidth(rows.map((row) => row[i]?.text ?? ''), fontOf(sample)));
      const style = getComputedStyle(header);
      const chrome = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + parseFloat(style.borderLeftWidth) + parseFloat(style.borderRightWidth);
      // A pixel or two of slack: text measured here and laid out in the cell round differently.
      const px = Math.min(c.fit.maxPx, Math.ceil(widest + (Number.isFinite(chrome) ? chrome : 0) + 2));
      return c.width === 'auto' ? `${px}px` : `minmax(${px}px, ${c.width})`;
    });
    const template = tracks.join(' ');
    if (template !== this.template) {
      this.template = template;
      this.element.setAttribute('grid-template-columns', template);
    }
  }

  /** Marks one row as selected (aria-selected), or none. */
  select(key: string | null): void {
    for (const [k, row] of this.rows) {
      const on = k === key;
      setAttr(row.element, 'aria-selected', on ? 'true' : null);
    }
  }

  private paint(row: Row, values: Cell[], tone: string): void {
    row.pending = null;
    for (let i = 0; i < row.cells.length; i++) {
      const cell = row.cells[i];
      const value = values[i] ?? { text: '' };
      setText(cell, value.text);
      setAttr(cell, 'data-tone', value.tone || null);
      setAttr(cell, 'title', value.title ?? null);
    }
    if (row.tone !== tone) {
      setAttr(row.element, 'data-tone', tone || null);
      row.tone = tone;
    }
  }

  private createRow(key: string): Row {
    const element = el('vscode-data-grid-row', this.options.rowTestId ? { testid: this.options.rowTestId } : {});
    const cells = this.options.columns.map((c, i) =>
      el('vscode-data-grid-cell', { attrs: { 'grid-column': String(i + 1), 'data-align': c.align ?? 'left' } }),
    );
    for (const c of cells) element.appendChild(c);
    this.keyOf.set(element, key);
    const row: Row = { element, cells, tone: '', onScreen: false, pending: null };
    this.rowOf.set(element, row);
    this.visibility.observe(element);
    return row;
  }
}

let measuring: CanvasRenderingContext2D | null = null;

function fontOf(like: Element): string {
  const style = getComputedStyle(like);
  return `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
}

/** The widest of `texts` in `font` (a canvas measure: no layout). */
function textWidth(texts: readonly string[], font: string): number {
  measuring ??= document.createElement('canvas').getContext('2d');
  if (measuring === null) return 0;
  measuring.font = font;
  let widest = 0;
  for (const t of texts) if (t !== '') widest = Math.max(widest, measuring.measureText(t).width);
  return widest;
}

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
