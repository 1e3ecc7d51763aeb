// The sessions table's filter bar: client type, user type, node, state, a search box, the user chip a
// user's page sets, and (on narrow screens, where cards have no column headers) the sort order.
import { CLIENT_TYPES } from '../../../core/model.ts';
import { h } from '../dom.ts';
import { clientTypeLabel } from '../format.ts';
import type { NodeDirectory } from '../nodes.ts';
import type { SessionFilter } from '../session-filter.ts';
import { parseSort, sortParam, type SortOrder } from '../sort.ts';
import type { StatsJson } from '../types.ts';

/** The orders offered on narrow screens: the columns a card shows, and when. */
const SORT_CHOICES: Array<[string, string]> = [
  ['id', 'Session id'],
  ['user', 'User name'],
  ['-lastActive', 'Last active, newest first'],
  ['-started', 'Started, newest first'],
  ['started', 'Started, oldest first'],
  ['client', 'Client type'],
  ['state', 'State'],
  ['host', 'Host'],
  ['view', 'Viewing'],
  ['node', 'Node'],
];

export interface FilterFormOptions {
  /** The controls changed the filter (search waits for a pause in typing). */
  onFilter: (filter: SessionFilter) => void;
  onSort: (order: SortOrder | undefined) => void;
  sortKeys: readonly string[];
}

export class SessionFilterForm {
  readonly element: HTMLFormElement;
  private readonly typeSelect = h(
    'select',
    { id: 'filter-type', name: 'type' },
    h('option', { value: '' }, 'All client types'),
    ...CLIENT_TYPES.map((t) => h('option', { value: t }, clientTypeLabel(t))),
  );
  private readonly userTypeSelect = h('select', { id: 'filter-usertype', name: 'userType' });
  private readonly nodeSelect = h('select', { id: 'filter-node', name: 'node' });
  private readonly stateSelect = h(
    'select',
    { id: 'filter-state', name: 'state' },
    h('option', { value: '' }, 'Idle or active'),
    h('option', { value: 'active' }, 'Active'),
    h('option', { value: 'idle' }, 'Idle'),
  );
  private readonly search = h('input', {
    id: 'filter-q',
    name: 'q',
    type: 'search',
    placeholder: 'Name or host',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  private readonly sortSelect = h(
    'select',
    { id: 'sort-by', name: 'sort' },
    ...SORT_CHOICES.map(([value, label]) => h('option', { value }, label)),
  );
  /** A user filter comes from a user's page (`#/sessions?userId=…`); it shows as a chip that removes it. */
  private readonly userChip = h('button', { type: 'button', class: 'chip', hidden: true });
  private filter: SessionFilter = {};
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: FilterFormOptions) {
    const clear = h('button', { type: 'button', class: 'secondary' }, 'Clear filters');
    const field = (label: string, control: HTMLElement, className = 'field') =>
      h('div', { class: className }, h('label', { for: control.id }, label), control);
    this.element = h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Filter sessions' },
      field('Client type', this.typeSelect),
      field('User type', this.userTypeSelect),
      field('Node', this.nodeSelect),
      field('State', this.stateSelect),
      field('Search', this.search, 'field search-field'),
      field('Sort by', this.sortSelect, 'field sort-field'),
      h('div', { class: 'field actions' }, this.userChip, clear),
    );
    this.element.addEventListener('submit', (event) => event.preventDefault());
    for (const select of [this.typeSelect, this.userTypeSelect, this.nodeSelect, this.stateSelect])
      select.addEventListener('change', () => options.onFilter(this.read()));
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => options.onFilter(this.read()), 250);
    });
    this.sortSelect.addEventListener('change', () => options.onSort(parseSort(this.sortSelect.value, options.sortKeys)));
    this.userChip.addEventListener('click', () => options.onFilter({ ...this.filter, userId: undefined }));
    clear.addEventListener('click', () => options.onFilter({}));
  }

  /** Shows `filter` and `order` in the controls; the user and node lists come from the statistics. */
  show(filter: SessionFilter, order: SortOrder | undefined, stats: StatsJson | undefined, nodes: NodeDirectory): void {
    this.filter = filter;
    const { userChip } = this;
    userChip.hidden = !filter.userId;
    userChip.textContent = filter.userId ? `User ${filter.userId} ✕` : '';
    userChip.setAttribute('aria-label', filter.userId ? `Remove the filter on user ${filter.userId}` : '');
    this.typeSelect.value = filter.type ?? '';
    this.stateSelect.value = filter.state ?? '';
    if (document.activeElement !== this.search) this.search.value = filter.q ?? '';
    fillOptions(this.userTypeSelect, 'All user types', Object.keys(stats?.sessions.byUserType ?? {}), filter.userType);
    fillOptions(this.nodeSelect, 'All nodes', Object.keys(stats?.sessions.byNode ?? {}), filter.node, (id) => nodes.label(id));
    const wanted = order ? sortParam(order) : 'id';
    if (!Array.from(this.sortSelect.options).some((option) => option.value === wanted))
      this.sortSelect.append(h('option', { value: wanted }, wanted.replace(/^-/, '') + (order?.descending ? ', descending' : '')));
    this.sortSelect.value = wanted;
  }

  /** The filter the controls say now (the user filter is kept: only its chip removes it). */
  read(): SessionFilter {
    const next: SessionFilter = {};
    if (this.typeSelect.value) next.type = this.typeSelect.value;
    if (this.userTypeSelect.value) next.userType = this.userTypeSelect.value;
    if (this.nodeSelect.value) next.node = this.nodeSelect.value;
    if (this.stateSelect.value === 'idle' || this.stateSelect.value === 'active') next.state = this.stateSelect.value;
    if (this.search.value.trim()) next.q = this.search.value.trim();
    if (this.filter.userId) next.userId = this.filter.userId;
    return next;
  }

  destroy(): void {
    clearTimeout(this.searchTimer);
  }
}

/** Fills a select with `values` (and the selected one, should it be gone), rebuilt only when they or their labels changed. */
function fillOptions(
  select: HTMLSelectElement,
  allLabel: string,
  values: string[],
  selected: string | undefined,
  label = (v: string) => v,
) {
  const all = [...new Set([...values, ...(selected ? [selected] : [])])].sort();
  const wanted = [['', allLabel], ...all.map((v) => [v, label(v)])];
  const current = Array.from(select.options, (o) => [o.value, o.text]);
  if (current.length !== wanted.length || current.some(([value, text], i) => value !== wanted[i]![0] || text !== wanted[i]![1])) {
    select.replaceChildren(...wanted.map(([value, text]) => h('option', { value: value!, title: value! }, text!)));
  }
  select.value = selected ?? '';
}
