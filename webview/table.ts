// A keyed table on the toolkit's vscode-data-grid. Rows and cells are created here (never through
// the grid's rowsData/columnDefinitions templates) so that each cell's content is a text node we
// set, and rows are reused between updates so a live refresh only rewrites changed text.
import { el, setAttr, setText } from './dom';

export interface Column {
  title: string;
  /** A CSS grid track, e.g. "minmax(120px, 2fr)" or "90px". */
  width: string;
  align?: 'left' | 'right' | 'center';
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
    const template = options.columns.map((c) => c.width).join(' ');
    this.element = el('vscode-data-grid', {
      className: 'table',
      attrs: { 'generate-header': 'none', 'grid-template-columns': template, 'aria-label': options.ariaLabel },
    });
    // A plain header row: the panel's own header is the sticky one.
    const header = el('vscode-data-grid-row', { attrs: { 'row-type': 'header' } });
    options.columns.forEach((c, i) => {
      header.appendChild(
        el('vscode-data-grid-cell', {
          text: c.title,
          attrs: { 'cell-type': 'columnheader', 'grid-column': String(i + 1), 'data-align': c.align ?? 'left' },
        }),
      );
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
    items.forEach((item, index) => {
      let k = key(item, index);
      // Duplicate keys (two endpoints with one name in a malformed result) must not share a row.
      if (seen.has(k)) k = `${k}\u0000${index}`;
      seen.add(k);
      nextOrder.push(k);
      let row = this.rows.get(k);
      const tone = rowTone?.(item) ?? '';
      if (row === undefined) {
        row = this.createRow(k);
        this.rows.set(k, row);
        this.paint(row, cells(item), tone);
      } else if (row.onScreen) {
        this.paint(row, cells(item), tone);
      } else {
        row.pending = { cells: () => cells(item), tone };
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

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
