// The main page: summary counts, counts per client type and per node, the users-online chart, and the
// live sessions table with its filters. The table is virtual over the server's filtered total; the
// stream's batches keep it current without reloading.
import { CLIENT_TYPES } from '../../../core/model.ts';
import { withQuery } from '../api.ts';
import { presenceChart, type ChartRange } from '../chart.ts';
import { h, replaceChildren, setAttribute, setText } from '../dom.ts';
import { ago, absolute, clientTypeLabel, count, shortNode, viewText } from '../format.ts';
import { filterFromParams, filterQuery, isEmptyFilter, type SessionFilter } from '../session-filter.ts';
import { SessionList } from '../session-list.ts';
import type { SessionJson, SessionsPage, StatsJson } from '../types.ts';
import { VirtualTable, type Column } from '../virtual-table.ts';
import { throttle, type Context, type View } from './view.ts';

export const sessionHref = (id: number) => `#/sessions/${id}`;
export const userHref = (id: string) => `#/users/${encodeURIComponent(id)}`;

function link(href: string, text: string, title?: string): HTMLAnchorElement {
  return h('a', { href, title }, text);
}

function textCell(cell: HTMLTableCellElement, text: string, title = text): void {
  setText(cell, text);
  if (title) cell.title = title;
  else cell.removeAttribute('title');
}

export function stateBadge(session: SessionJson): HTMLSpanElement {
  if (session.state === 'detached') return h('span', { class: 'badge detached' }, 'Reconnecting');
  return session.idle ? h('span', { class: 'badge idle' }, 'Idle') : h('span', { class: 'badge active' }, 'Active');
}

const COLUMNS: Column<SessionJson>[] = [
  {
    header: 'ID',
    className: 'col-id num',
    render: (cell, s) => cell.replaceChildren(link(sessionHref(s.id), String(s.id), `Session ${s.id}`)),
  },
  {
    header: 'User',
    className: 'col-user',
    render: (cell, s) => cell.replaceChildren(link(userHref(s.user.id), s.user.name, `${s.user.name} (user ${s.user.id})`)),
  },
  { header: 'User type', className: 'col-utype', render: (cell, s) => textCell(cell, s.user.type) },
  { header: 'Client', className: 'col-client', render: (cell, s) => textCell(cell, clientTypeLabel(s.clientType)) },
  { header: 'State', className: 'col-state', render: (cell, s) => cell.replaceChildren(stateBadge(s)) },
  { header: 'Host', className: 'col-host', render: (cell, s) => textCell(cell, s.hostname ?? '') },
  {
    header: 'Platform',
    className: 'col-platform',
    render: (cell, s) => textCell(cell, s.platform?.name ?? s.agent?.os ?? '', s.userAgent ?? s.platform?.name ?? ''),
  },
  { header: 'Viewing', className: 'col-view', render: (cell, s) => textCell(cell, viewText(s.view)) },
  { header: 'Node', className: 'col-node', render: (cell, s) => textCell(cell, shortNode(s.nodeId), s.nodeId) },
  { header: 'Started', className: 'col-time', render: (cell, s) => textCell(cell, ago(s.startedAt), absolute(s.startedAt)) },
  { header: 'Last active', className: 'col-time', render: (cell, s) => textCell(cell, ago(s.lastActivityAt), absolute(s.lastActivityAt)) },
];

let chartRange: ChartRange = 'hour';

export function sessionsView(context: Context, params: URLSearchParams): View {
  const { api, hub, stats } = context;
  let filter: SessionFilter = filterFromParams(params);

  // ---- summary, counts and chart ----
  const summary = h('section', { class: 'summary', 'aria-label': 'Summary' });
  const byTypeList = h('ul', { class: 'bars' });
  const byNodeList = h('ul', { class: 'bars' });
  const chartBox = h('div', { class: 'chart-box' });
  const rangeButtons = (['hour', 'day'] as const).map((range) => {
    const button = h(
      'button',
      { type: 'button', class: 'toggle', 'aria-pressed': String(range === chartRange) },
      range === 'hour' ? 'Last hour' : 'Last day',
    );
    button.addEventListener('click', () => {
      chartRange = range;
      for (const b of rangeButtons) b.setAttribute('aria-pressed', String(b === button));
      renderStats();
    });
    return button;
  });

  // ---- filters ----
  const typeSelect = h(
    'select',
    { id: 'filter-type', name: 'type' },
    h('option', { value: '' }, 'All client types'),
    ...CLIENT_TYPES.map((t) => h('option', { value: t }, clientTypeLabel(t))),
  );
  const userTypeSelect = h('select', { id: 'filter-usertype', name: 'userType' });
  const nodeSelect = h('select', { id: 'filter-node', name: 'node' });
  const stateSelect = h(
    'select',
    { id: 'filter-state', name: 'state' },
    h('option', { value: '' }, 'Idle or active'),
    h('option', { value: 'active' }, 'Active'),
    h('option', { value: 'idle' }, 'Idle'),
  );
  const search = h('input', {
    id: 'filter-q',
    name: 'q',
    type: 'search',
    placeholder: 'Name or host',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const clear = h('button', { type: 'button', class: 'secondary' }, 'Clear filters');
  // A user filter comes from a user's page (`#/sessions?userId=…`); it shows as a chip that removes it.
  const userChip = h('button', { type: 'button', class: 'chip', hidden: true });
  userChip.addEventListener('click', () => void applyFilter({ ...filter, userId: undefined }));
  const field = (label: string, control: HTMLElement) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter sessions' },
    field('Client type', typeSelect),
    field('User type', userTypeSelect),
    field('Node', nodeSelect),
    field('State', stateSelect),
    field('Search', search),
    h('div', { class: 'field actions' }, userChip, clear),
  );
  form.addEventListener('submit', (event) => event.preventDefault());

  // ---- table ----
  const countLine = h('p', { class: 'count', id: 'sessions-count' });
  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const errorLine = h('p', { class: 'error', role: 'alert', hidden: true });
  const countChanged = throttle(() => table.refresh(), 250);
  const list = new SessionList({
    fetchPage: ({ filter, cursor, limit }, signal) =>
      api.get<SessionsPage>(withQuery('/v1/sessions', { ...filterQuery(filter), cursor, limit }), signal),
    // Rows in view change at the next frame; a total that moves alone (joins far below) redraws a few
    // times a second, which is all a scrollbar and a count need.
    onChange: (what) => (what === 'rows' ? table.refresh() : countChanged()),
    onError: () => table.refresh(),
  });
  const table: VirtualTable<SessionJson> = new VirtualTable({
    columns: COLUMNS,
    labelledBy: 'sessions-heading',
    caption: 'Live sessions, one per row, in id order',
    rowHref: (s) => sessionHref(s.id),
    source: {
      get total() {
        return list.total;
      },
      rowAt: (index) => list.rows[index],
      key: (s) => String(s.id),
      ensure: (_start, end) => list.ensure(end),
      emptyText: () =>
        list.loaded ? (isEmptyFilter(filter) ? 'No live sessions right now.' : 'No live session matches these filters.') : undefined,
    },
    afterRender: () => describeTable(),
  });
  /** The count line, and what the table holds as data attributes (the browser tests read them). */
  function describeTable() {
    const region = table.element;
    setAttribute(region, 'data-total', String(list.total));
    setAttribute(region, 'data-loaded', String(list.rows.length));
    setAttribute(region, 'data-pages', String(list.pagesFetched));
    setAttribute(region, 'aria-busy', String(list.loading));
    if (errorLine.hidden !== !list.error) errorLine.hidden = !list.error;
    setText(errorLine, list.error ? `Could not load sessions: ${list.error}` : '');
    const first = Math.min(list.total, table.firstVisibleIndex + 1);
    setText(
      countLine,
      !list.loaded
        ? 'Loading…'
        : `${count(list.total)} ${list.total === 1 ? 'session' : 'sessions'}${isEmptyFilter(filter) ? '' : ' match'}${list.total > 0 ? ` · from row ${count(first)}` : ''}`,
    );
  }

  const heading = h('h2', { id: 'sessions-heading', tabindex: -1 }, 'Live sessions');
  const element = h(
    'div',
    { class: 'page sessions-page' },
    summary,
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'by-type-heading' },
        h('h2', { id: 'by-type-heading' }, 'By client type'),
        byTypeList,
      ),
      h('section', { class: 'panel', 'aria-labelledby': 'by-node-heading' }, h('h2', { id: 'by-node-heading' }, 'By node'), byNodeList),
      h(
        'section',
        { class: 'panel chart-panel', 'aria-labelledby': 'chart-heading' },
        h(
          'div',
          { class: 'panel-head' },
          h('h2', { id: 'chart-heading' }, 'Users online'),
          h('div', { class: 'toggles', role: 'group', 'aria-label': 'Chart range' }, ...rangeButtons),
        ),
        chartBox,
        h(
          'p',
          { class: 'legend', 'aria-hidden': 'true' },
          h('span', { class: 'key users' }),
          'users online ',
          h('span', { class: 'key sessions' }),
          'sessions',
        ),
      ),
    ),
    h(
      'section',
      { class: 'panel sessions-panel', 'aria-labelledby': 'sessions-heading' },
      h('div', { class: 'panel-head' }, heading, countLine),
      form,
      errorLine,
      announcer,
      table.element,
    ),
  );

  // ---- behaviour ----
  function syncControls() {
    userChip.hidden = !filter.userId;
    userChip.textContent = filter.userId ? `User ${filter.userId} ✕` : '';
    userChip.setAttribute('aria-label', filter.userId ? `Remove the filter on user ${filter.userId}` : '');
    typeSelect.value = filter.type ?? '';
    stateSelect.value = filter.state ?? '';
    if (document.activeElement !== search) search.value = filter.q ?? '';
    fillOptions(userTypeSelect, 'All user types', Object.keys(stats.stats?.sessions.byUserType ?? {}), filter.userType);
    fillOptions(nodeSelect, 'All nodes', Object.keys(stats.stats?.sessions.byNode ?? {}), filter.node, shortNode);
  }

  async function applyFilter(next: SessionFilter) {
    filter = next;
    const query = new URLSearchParams(filterQuery(filter)).toString();
    history.replaceState(null, '', query ? `#/sessions?${query}` : '#/sessions');
    syncControls();
    renderStats();
    table.scrollToTop();
    await list.reload(filter);
    announcer.textContent = `${count(list.total)} sessions ${isEmptyFilter(filter) ? '' : 'match'}`;
  }

  const fromControls = (): SessionFilter => {
    const next: SessionFilter = {};
    if (typeSelect.value) next.type = typeSelect.value;
    if (userTypeSelect.value) next.userType = userTypeSelect.value;
    if (nodeSelect.value) next.node = nodeSelect.value;
    if (stateSelect.value === 'idle' || stateSelect.value === 'active') next.state = stateSelect.value;
    if (search.value.trim()) next.q = search.value.trim();
    if (filter.userId) next.userId = filter.userId;
    return next;
  };
  for (const select of [typeSelect, userTypeSelect, nodeSelect, stateSelect])
    select.addEventListener('change', () => void applyFilter(fromControls()));
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void applyFilter(fromControls()), 250);
  });
  clear.addEventListener('click', () => void applyFilter({}));

  let chartDrawn: { samples: unknown; range: ChartRange } = { samples: undefined, range: chartRange };
  function renderStats() {
    const current = stats.stats;
    replaceChildren(summary, ...summaryCards(current, stats.error));
    const byType = current?.sessions.byClientType ?? {};
    const typeMax = Math.max(1, ...Object.values(byType));
    replaceChildren(
      byTypeList,
      ...CLIENT_TYPES.map((type) =>
        barItem(
          clientTypeLabel(type),
          byType[type] ?? 0,
          typeMax,
          filter.type === type,
          () => void applyFilter({ ...filter, type: filter.type === type ? undefined : type }),
          type,
        ),
      ),
    );
    const byNode = current?.sessions.byNode ?? {};
    const nodeMax = Math.max(1, ...Object.values(byNode));
    const nodes = Object.keys(byNode).sort();
    replaceChildren(
      byNodeList,
      ...(nodes.length === 0
        ? [h('li', { class: 'muted' }, current ? 'No sessions on any node.' : 'Waiting for statistics…')]
        : nodes.map((node) =>
            barItem(
              shortNode(node),
              byNode[node] ?? 0,
              nodeMax,
              filter.node === node,
              () => void applyFilter({ ...filter, node: filter.node === node ? undefined : node }),
              node,
              node,
            ),
          )),
    );
    // The samples change once a minute; counts change with every batch, so redraw the chart only when needed.
    const samples = current?.samples[chartRange];
    if (samples !== chartDrawn.samples || chartRange !== chartDrawn.range || !chartBox.firstChild) {
      replaceChildren(chartBox, presenceChart(samples ?? [], chartRange));
      chartDrawn = { samples, range: chartRange };
    }
    syncControls();
  }

  const offStats = stats.subscribe(renderStats);
  const offChanges = hub.subscribe((batch) => list.apply(batch));
  const offResync = hub.onResync(() => void list.reload());
  // Relative times ("5 min ago") move on even when nothing else does.
  const clock = setInterval(() => table.refresh(true), 15_000);

  renderStats();
  void (async () => {
    await hub.whenOpen();
    await list.reload(filter);
  })();
  requestAnimationFrame(() => table.render());

  return {
    element,
    title: 'Live sessions',
    heading,
    destroy() {
      offStats();
      offChanges();
      offResync();
      clearInterval(clock);
      clearTimeout(searchTimer);
      countChanged.cancel();
      list.dispose();
    },
  };
}

function fillOptions(
  select: HTMLSelectElement,
  allLabel: string,
  values: string[],
  selected: string | undefined,
  label: (v: string) => string = (v) => v,
) {
  const all = [...new Set([...values, ...(selected ? [selected] : [])])].sort();
  const current = Array.from(select.options, (o) => o.value);
  if (current.length !== all.length + 1 || current.some((value, i) => value !== ['', ...all][i])) {
    select.replaceChildren(h('option', { value: '' }, allLabel), ...all.map((v) => h('option', { value: v, title: v }, label(v))));
  }
  select.value = selected ?? '';
}

function barItem(
  label: string,
  value: number,
  max: number,
  pressed: boolean,
  onClick: () => void,
  key: string,
  title?: string,
): HTMLLIElement {
  const bar = h('span', { class: 'bar' });
  bar.style.width = `${Math.round((value / max) * 100)}%`;
  const button = h(
    'button',
    { type: 'button', class: 'bar-button', 'aria-pressed': String(pressed), title: title ?? `Show only ${label}`, 'data-key': key },
    h('span', { class: 'bar-label' }, label),
    h('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
    h('span', { class: 'bar-value' }, count(value)),
  );
  button.addEventListener('click', onClick);
  return h('li', {}, button);
}

function summaryCards(stats: StatsJson | undefined, error: string | undefined): HTMLElement[] {
  const card = (label: string, value: string, detail?: string, key?: string) =>
    h(
      'div',
      { class: 'card', 'data-stat': key },
      h('p', { class: 'card-label' }, label),
      h('p', { class: 'card-value' }, value),
      detail ? h('p', { class: 'card-detail' }, detail) : null,
    );
  if (!stats) return [card('Statistics', error ? 'unavailable' : '…', error)];
  const { activity } = stats;
  return [
    card('Live sessions', count(stats.sessions.total), undefined, 'sessions'),
    card('Users online', count(stats.users.online), undefined, 'users'),
    card('Started', count(activity.lastMinute.started), `last minute · ${count(activity.lastHour.started)} last hour`, 'started'),
    card('Ended', count(activity.lastMinute.ended), `last minute · ${count(activity.lastHour.ended)} last hour`, 'ended'),
  ];
}
