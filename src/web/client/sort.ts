// Sorting a table by a column: the order as a value and as the page's address (`sort=-lastActive`), the
// header button that changes it, and a comparison that puts text in the reader's language's order and
// numbers by value. A second press on the same column turns the order round.
import { h } from './dom.ts';

export interface SortOrder {
  key: string;
  descending: boolean;
}

/** A row's value for a sort key: text, a number, or nothing (those go last). */
export type SortValue = string | number | undefined;

/** `user` or `-user` (descending), as the address writes it. */
export function sortParam(order: SortOrder): string {
  return `${order.descending ? '-' : ''}${order.key}`;
}

/** The order an address asks for, when it names one of `keys`. */
export function parseSort(param: string | null | undefined, keys: readonly string[]): SortOrder | undefined {
  if (!param) return undefined;
  const descending = param.startsWith('-');
  const key = descending ? param.slice(1) : param;
  return keys.includes(key) ? { key, descending } : undefined;
}

/** Pressing a column's header: that column ascending, or the other way round when it is the sorted one. */
export function toggledSort(current: SortOrder | undefined, key: string, descendingFirst = false): SortOrder {
  return current?.key === key ? { key, descending: !current.descending } : { key, descending: descendingFirst };
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Compares two sort values: empty last whatever the direction, text by the collator, numbers by value. */
export function compareValues(a: SortValue, b: SortValue, descending: boolean): number {
  if (a === undefined || a === '') return b === undefined || b === '' ? 0 : 1;
  if (b === undefined || b === '') return -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
  return descending ? -order : order;
}

/** A header's button: the column's name and an arrow that the header's aria-sort draws (styles.css). */
export function sortHeader(label: string, onPress: () => void): HTMLButtonElement {
  const button = h(
    'button',
    { type: 'button', class: 'sort', title: `Sort by ${label.toLowerCase()}` },
    label,
    h('span', { class: 'sort-mark', 'aria-hidden': 'true' }),
  );
  button.addEventListener('click', onPress);
  return button;
}
