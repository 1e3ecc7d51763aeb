// Users seen within the offline window with no live session, most recently seen first, with a search
// box; every column sorts. The list can be long, so it uses the same virtual table as the sessions.
import { h, setText } from '../dom.ts';
import { absolute, ago, count, viewText } from '../format.ts';
import { userHref } from '../links.ts';
import { compareValues, toggledSort, type SortOrder, type SortValue } from '../sort.ts';
import type { UserJson, UsersAnswer } from '../types.ts';
import { VirtualTable, type Column } from '../virtual-table.ts';
import { throttle, type Context, type View } from './view.ts';

const text = (cell: HTMLTableCellElement, value: string, title = value) => {
  setText(cell, value);
  cell.title = title;
};

const COLUMNS: Column<UserJson>[] = [
  {
    header: 'Name',
    className: 'col-user',
    sortKey: 'name',
    render: (cell, u) => cell.replaceChildren(h('a', { href: userHref(u.id), title: u.name }, u.name)),
  },
  { header: 'User id', className: 'col-userid', sortKey: 'id', render: (cell, u) => text(cell, u.id) },
  { header: 'Type', className: 'col-utype', sortKey: 'type', render: (cell, u) => text(cell, u.type) },
  {
    header: 'Last seen',
    className: 'col-time col-seen',
    sortKey: 'lastSeen',
    render: (cell, u) => text(cell, ago(u.lastSeenAt), absolute(u.lastSeenAt)),
  },
  { header: 'Last view', className: 'col-view', sortKey: 'view', render: (cell, u) => text(cell, viewText(u.lastView)) },
];

const SORT_VALUES: Record<string, (u: UserJson) => SortValue> = {
  name: (u) => u.name,
  id: (u) => u.id,
  type: (u) => u.type,
  lastSeen: (u) => u.lastSeenAt,
  view: (u) => viewText(u.lastView),
};

const DEFAULT_ORDER: SortOrder = { key: 'lastSeen', descending: true };

export function offlineView(context: Context): View {
  const { api, hub } = context;
  let users: UserJson[] = [];
  let shown: UserJson[] = [];
  let loaded = false;
  let problem: string | undefined;
  let order = DEFAULT_ORDER;

  const heading = h('h2', { id: 'offline-heading', tabindex: -1 }, 'Offline users');
  const countLine = h('p', { class: 'count' });
  const search = h('input', { id: 'offline-q', type: 'search', placeholder: 'Name or id', autocomplete: 'off', spellcheck: 'false' });
  const table = new VirtualTable<UserJson>({
    columns: COLUMNS,
    labelledBy: 'offline-heading',
    caption: 'Users with no live session, most recently seen first',
    rowHref: (u) => userHref(u.id),
    sort: order,
    onSort: (key) => {
      order = toggledSort(order, key, key === 'lastSeen');
      table.setSort(order);
      filter();
    },
    source: {
      get total() {
        return shown.length;
      },
      rowAt: (index) => shown[index],
      key: (u) => u.id,
      emptyText: () =>
        !loaded
          ? undefined
          : problem
            ? `Could not load users: ${problem}`
            : search.value.trim()
              ? 'Nobody matches.'
              : 'Nobody went offline within the offline window.',
    },
  });
  const element = h(
    'div',
    { class: 'page' },
    h(
      'section',
      { class: 'panel offline-panel table-panel', 'aria-labelledby': 'offline-heading' },
      h('div', { class: 'panel-head' }, heading, countLine),
      h(
        'form',
        { class: 'filters', role: 'search', 'aria-label': 'Search offline users' },
        h('div', { class: 'field' }, h('label', { for: 'offline-q' }, 'Search'), search),
      ),
      table.element,
    ),
  );
  element.querySelector('form')!.addEventListener('submit', (event) => event.preventDefault());

  function filter() {
    const q = search.value.trim().toLowerCase();
    const value = SORT_VALUES[order.key] ?? SORT_VALUES.lastSeen!;
    shown = (q ? users.filter((u) => u.name.toLowerCase().includes(q) || u.id.toLowerCase().includes(q)) : users)
      .map((u) => ({ u, v: value(u) }))
      .sort((a, b) => compareValues(a.v, b.v, order.descending))
      .map(({ u }) => u);
    setText(countLine, loaded ? `${count(shown.length)} of ${count(users.length)} ${users.length === 1 ? 'user' : 'users'}` : 'Loading…');
    table.refresh(true);
  }
  search.addEventListener('input', filter);

  async function load() {
    try {
      const answer = await api.get<UsersAnswer>('/v1/users?status=offline');
      users = answer.users.filter((u) => !u.online);
      problem = undefined;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    loaded = true;
    filter();
  }

  // Someone going offline or coming back changes the list; a burst costs one reload a second.
  const reload = throttle(() => void load(), 1_000);
  const offChanges = hub.subscribe((batch) => {
    if (batch.some((e) => e.type === 'user.offline' || e.type === 'user.online')) reload();
  });
  const offResync = hub.onResync(() => void load());
  const clock = setInterval(() => table.refresh(true), 15_000);
  filter();
  void load();

  return {
    element,
    title: 'Offline users',
    heading,
    destroy() {
      reload.cancel();
      offChanges();
      offResync();
      clearInterval(clock);
    },
  };
}
