// A table that renders only the rows in view. It is a real <table> (header cells, row and column
// semantics, aria-rowcount/aria-rowindex for the rows not in the DOM), inside a scrolling region whose
// height comes from the row count: two spacer rows stand in for everything above and below the
// visible slice. Rows are recycled, and a row whose data did not change is not touched.
// The style sheet decides how a row looks and how tall it is (`--vrow`): a line of cells on a wide
// screen, a card of three lines on a narrow one; the table reads the height whenever its size changes.
// The roles are set explicitly because a card's row is laid out as a grid, not as a table row.
import { h, setAttribute, setText } from './dom.ts';
import { sortHeader, type SortOrder } from './sort.ts';

export interface Column<T> {
  header: string;
  /** Sets the column's width and alignment, and its place in a card (see styles.css). */
  className: string;
  /** Fills a cell with text (and links); never HTML. */
  render(cell: HTMLTableCellElement, row: T): void;
  /** The sort key this column's header sorts by; absent: not sortable. */
  sortKey?: string;
}

export interface RowSource<T> {
  /** All rows, loaded or not: the scrollbar's length. */
  readonly total: number;
  rowAt(index: number): T | undefined;
  /** A stable key, kept on the row as `data-id`. */
  key(row: T): string;
  /** The table shows rows [start, end): fetch what is missing. */
  ensure?(start: number, end: number): void;
  /** Shown when total is 0; undefined while the first answer is still on its way. */
  emptyText(): string | undefined;
}

export interface VirtualTableOptions<T> {
  columns: Column<T>[];
  source: RowSource<T>;
  /** The id of the heading that names the table. */
  labelledBy: string;
  caption: string;
  /** Pixels; styles.css gives rows this height. */
  rowHeight?: number;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  /** A click on a row (outside its links) goes here, e.g. to the row's detail. */
  rowHref?: (row: T) => string;
  /** Called after each render, in the same frame (a count line that says which rows are in view). */
  afterRender?: () => void;
  /** The order the rows are in, shown on the sortable headers. */
  sort?: SortOrder;
  /** A sortable header was pressed. */
  onSort?: (key: string) => void;
}

interface PooledRow<T> {
  tr: HTMLTableRowElement;
  cells: HTMLTableCellElement[];
  row: T | undefined;
  filled: boolean;
}

export class VirtualTable<T> {
  readonly element: HTMLDivElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly topSpacer: HTMLTableRowElement;
  private readonly bottomSpacer: HTMLTableRowElement;
  private readonly emptyRow: HTMLTableRowElement;
  private readonly pool: PooledRow<T>[] = [];
  private readonly headers: HTMLTableCellElement[];
  private rowHeight: number;
  private readonly overscan: number;
  private frame: number | undefined;
  private forceNext = false;
  /** scrollTop as of the last render: reading it after DOM writes would force a synchronous layout. */
  private scrollTop = 0;

  constructor(private readonly options: VirtualTableOptions<T>) {
    this.rowHeight = options.rowHeight ?? 36;
    this.overscan = options.overscan ?? 10;
    const columns = options.columns.length;
    this.topSpacer = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: columns }));
    this.bottomSpacer = h('tr', { class: 'spacer', 'aria-hidden': 'true' }, h('td', { colspan: columns }));
    this.emptyRow = h('tr', { class: 'empty', role: 'row' }, h('td', { colspan: columns, role: 'cell' }));
    this.body = h('tbody', { role: 'rowgroup' }, this.topSpacer, this.bottomSpacer);
    this.headers = options.columns.map((c) =>
      h('th', { scope: 'col', class: c.className, role: 'columnheader' }, c.sortKey && options.onSort ? null : c.header),
    );
    options.columns.forEach((column, i) => {
      const { sortKey } = column;
      if (sortKey && options.onSort) this.headers[i]!.append(sortHeader(column.header, () => options.onSort!(sortKey)));
    });
    this.table = h(
      'table',
      { class: 'data', role: 'table' },
      h('caption', { class: 'visually-hidden' }, options.caption),
      h('thead', { role: 'rowgroup' }, h('tr', { 'aria-rowindex': 1, role: 'row' }, ...this.headers)),
      this.body,
    );
    this.setSort(options.sort);
    // A focusable region, so the keyboard scrolls it too.
    this.element = h('div', { class: 'vtable', role: 'region', tabindex: 0, 'aria-labelledby': options.labelledBy }, this.table);
    this.element.addEventListener('scroll', () => this.refresh(), { passive: true });
    if (options.rowHref) {
      const rowHref = options.rowHref;
      this.body.addEventListener('click', (event) => {
        const target = event.target as Element;
        if (target.closest('a, button')) return;
        const tr = target.closest('tr');
        const pooled = this.pool.find((p) => p.tr === tr);
        if (pooled?.row !== undefined) location.hash = rowHref(pooled.row);
      });
    }
    if (typeof ResizeObserver === 'function')
      new ResizeObserver(() => {
        this.readLayout();
        this.refresh();
      }).observe(this.element);
  }

  /** Marks the sorted column's header (aria-sort) and its direction. */
  setSort(sort: SortOrder | undefined): void {
    this.options.columns.forEach((column, i) => {
      const th = this.headers[i]!;
      if (sort && column.sortKey === sort.key) th.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    });
  }

  /**
   * Takes the row height the style sheet gives at this width (a row or a card), and how many columns it
   * shows: the spacer and empty rows span exactly those, or the table would grow a column per hidden
   * one. The first row in view stays in view when the height changes. Runs when the size changes,
   * never per frame: it reads style.
   */
  private readLayout() {
    const shown = this.headers.filter((th) => getComputedStyle(th).display !== 'none').length || this.headers.length;
    for (const row of [this.topSpacer, this.bottomSpacer, this.emptyRow]) setAttribute(row.firstElementChild!, 'colspan', String(shown));
    const height = Number.parseFloat(getComputedStyle(this.table).getPropertyValue('--vrow'));
    if (!(height > 0) || height === this.rowHeight) return;
    const first = this.firstVisibleIndex;
    this.rowHeight = height;
    this.element.scrollTop = this.scrollTop = first * height;
    this.forceNext = true;
  }

  /** Renders on the next frame; `force` re-renders rows whose data object did not change (clock ticks). */
  refresh(force = false): void {
    this.forceNext ||= force;
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.render();
    });
  }

  /** The index of the first row in view, as of the last render. */
  get firstVisibleIndex(): number {
    return Math.floor(this.scrollTop / this.rowHeight);
  }

  scrollToTop(): void {
    this.element.scrollTop = 0;
    this.scrollTop = 0;
  }

  render(): void {
    const force = this.forceNext;
    this.forceNext = false;
    const { source } = this.options;
    const total = source.total;
    // Reads first (scroll position, size), then writes: one layout per frame, never a forced one.
    const viewport = Math.max(this.element.clientHeight, this.rowHeight * 10);
    const scrollTop = (this.scrollTop = this.element.scrollTop);
    setAttribute(this.table, 'aria-rowcount', String(total + 1));
    const empty = total === 0 ? source.emptyText() : undefined;
    if (empty !== undefined) {
      setText(this.emptyRow.firstElementChild!, empty);
      if (!this.emptyRow.isConnected) this.body.insertBefore(this.emptyRow, this.bottomSpacer);
    } else this.emptyRow.remove();

    const start = Math.max(0, Math.min(total, Math.floor(scrollTop / this.rowHeight) - this.overscan));
    const end = Math.min(total, Math.ceil((scrollTop + viewport) / this.rowHeight) + this.overscan);
    this.setSpacer(this.topSpacer, start * this.rowHeight);
    this.setSpacer(this.bottomSpacer, (total - end) * this.rowHeight);

    const wanted = Math.max(0, end - start);
    while (this.pool.length > wanted) this.pool.pop()!.tr.remove();
    while (this.pool.length < wanted) {
      const cells = this.options.columns.map((c) => h('td', { class: c.className, role: 'cell' }));
      const tr = h('tr', { role: 'row' }, ...cells);
      this.body.insertBefore(tr, this.bottomSpacer);
      this.pool.push({ tr, cells, row: undefined, filled: false });
    }
    for (let i = 0; i < wanted; i++) {
      const pooled = this.pool[i]!;
      const index = start + i;
      const row = source.rowAt(index);
      setAttribute(pooled.tr, 'aria-rowindex', String(index + 2));
      if (row === undefined) {
        if (pooled.filled || pooled.row === undefined) this.placeholder(pooled);
        continue;
      }
      if (!force && pooled.filled && pooled.row === row) continue;
      pooled.row = row;
      pooled.filled = true;
      pooled.tr.className = '';
      pooled.tr.removeAttribute('aria-busy');
      pooled.tr.dataset.id = source.key(row);
      this.options.columns.forEach((column, c) => column.render(pooled.cells[c]!, row));
    }
    source.ensure?.(start, end);
    this.options.afterRender?.();
  }

  private placeholder(pooled: PooledRow<T>) {
    pooled.row = undefined;
    pooled.filled = false;
    pooled.tr.className = 'loading';
    pooled.tr.setAttribute('aria-busy', 'true');
    delete pooled.tr.dataset.id;
    pooled.cells.forEach((cell, c) => cell.replaceChildren(c === 0 ? 'Loading…' : ''));
  }

  private setSpacer(spacer: HTMLTableRowElement, height: number) {
    if (spacer.hidden !== (height === 0)) spacer.hidden = height === 0;
    const cell = spacer.firstElementChild as HTMLElement;
    if (cell.style.height !== `${height}px`) cell.style.height = `${height}px`;
  }
}
