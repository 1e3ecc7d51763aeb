// A table for the short lists (nodes, accounts, keys, webhooks, deliveries, a user's past sessions):
// every row in the DOM, sortable by its headers in the browser. On a narrow screen each row becomes a
// card whose cells name themselves (`data-label`, drawn by styles.css) and the headers become a row of
// sort buttons, so nothing needs a horizontal scrollbar.
import { append, h, type Child } from './dom.ts';
import { compareValues, sortHeader, toggledSort, type SortOrder, type SortValue } from './sort.ts';

export interface TableColumn<T> {
  header: string;
  /** Sets the column's width, alignment and place in a card (styles.css); also names its cells. */
  className?: string;
  cell(row: T): Child | Child[];
  /** The value this column sorts by; absent: not sortable. */
  sort?(row: T): SortValue;
  /** Sort newest (largest) first on the first press: times. */
  descendingFirst?: boolean;
}

export interface DataTableOptions<T> {
  columns: TableColumn<T>[];
  /** Read by screen readers before the table. */
  caption: string;
  /** A stable key per row, kept as `data-id` (tests and the focus after a re-render use it). */
  key(row: T): string;
  /** Shown in place of rows when there are none. */
  emptyText: string;
  /** The first order; its key is a column's header. */
  sort?: SortOrder;
  /** More classes for the table (its columns' widths in styles.css). */
  className?: string;
}

export class DataTable<T> {
  readonly element: HTMLDivElement;
  private readonly body = h('tbody', {});
  private readonly headers: HTMLTableCellElement[];
  private rows: readonly T[] = [];
  private sort: SortOrder | undefined;

  constructor(private readonly options: DataTableOptions<T>) {
    this.sort = options.sort;
    this.headers = options.columns.map((column) => {
      const th = h('th', { scope: 'col', class: column.className });
      if (column.sort) th.append(sortHeader(column.header, () => this.sortBy(column)));
      else th.append(column.header);
      return th;
    });
    const table = h(
      'table',
      { class: `data static ${options.className ?? ''}`.trim() },
      h('caption', { class: 'visually-hidden' }, options.caption),
      h('thead', {}, h('tr', {}, ...this.headers)),
      this.body,
    );
    this.element = h('div', { class: 'dtable' }, table);
  }

  setRows(rows: readonly T[]): void {
    this.rows = rows;
    this.render();
  }

  private sortBy(column: TableColumn<T>) {
    this.sort = toggledSort(this.sort, column.header, column.descendingFirst);
    this.render();
  }

  private render() {
    const { columns, key, emptyText } = this.options;
    const sorted = this.sorted();
    columns.forEach((column, i) => {
      const th = this.headers[i]!;
      if (this.sort?.key === column.header) th.setAttribute('aria-sort', this.sort.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    });
    if (sorted.length === 0) {
      this.body.replaceChildren(h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, emptyText)));
      return;
    }
    this.body.replaceChildren(
      ...sorted.map((row) => {
        const tr = h('tr', { 'data-id': key(row) });
        for (const column of columns) {
          // One element inside the cell, so a card lays out label and value as two parts whatever the value holds.
          const value = h('div', { class: 'cell' });
          const content = column.cell(row);
          append(value, ...(Array.isArray(content) ? content : [content]));
          tr.append(h('td', { class: column.className, 'data-label': column.header }, value));
        }
        return tr;
      }),
    );
  }

  private sorted(): readonly T[] {
    const order = this.sort;
    const column = order && this.options.columns.find((c) => c.header === order.key);
    if (!order || !column?.sort) return this.rows;
    const value = column.sort;
    return this.rows
      .map((row) => ({ row, value: value(row) }))
      .sort((a, b) => compareValues(a.value, b.value, order.descending))
      .map(({ row }) => row);
  }
}
