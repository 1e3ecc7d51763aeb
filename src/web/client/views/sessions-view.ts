// The main page: the overview (cards, counts, chart) and the live sessions table with its filters,
// sort order and CSV export. The table is virtual over the server's filtered total; the stream's
// batches keep it current without reloading. In id order it holds only what was scrolled to; sorted
// by another column it holds every match (sorted-session-list.ts).
import { withQuery } from '../api.ts';
import { downloadFile, timestampedName } from '../csv.ts';
import { h, setAttribute, setText } from '../dom.ts';
import { count } from '../format.ts';
import { sessionHref } from '../links.ts';
import { DESCENDING_FIRST, SESSION_SORT_KEYS, sessionColumns, sessionSortValue } from '../session-columns.ts';
import { collectSessions, sessionsCsv } from '../session-export.ts';
import { filterFromParams, filterQuery, isEmptyFilter, type SessionFilter } from '../session-filter.ts';
import { SessionList, type FetchPage, type SessionRows } from '../session-list.ts';
import { parseSort, sortParam, toggledSort, type SortOrder } from '../sort.ts';
import { SortedSessionList } from '../sorted-session-list.ts';
import type { SessionJson, SessionsPage } from '../types.ts';
import { VirtualTable } from '../virtual-table.ts';
import { Overview } from './overview.ts';
import { SessionFilterForm } from './session-filter-form.ts';
import { throttle, type Context, type View } from './view.ts';

/** The id order is the API's own: no sort parameter in the address for it. */
const isIdOrder = (order: SortOrder | undefined) => !order || (order.key === 'id' && !order.descending);

export function sessionsView(context: Context, params: URLSearchParams): View {
  const { api, hub, stats, nodes } = context;
  let filter: SessionFilter = filterFromParams(params);
  let order: SortOrder | undefined = parseSort(params.get('sort'), SESSION_SORT_KEYS);

  const overview = new Overview({
    stats,
    nodes,
    onToggle: (field, value) => void applyFilter({ ...filter, [field]: filter[field] === value ? undefined : value }),
  });
  const form = new SessionFilterForm({
    sortKeys: SESSION_SORT_KEYS,
    onFilter: (next) => void applyFilter(next),
    onSort: (next) => applySort(next),
  });

  // ---- table ----
  const countLine = h('p', { class: 'count', id: 'sessions-count' });
  const exportButton = h('button', { type: 'button', class: 'secondary', id: 'export-csv' }, 'Export CSV');
  const announcer = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  const errorLine = h('p', { class: 'error', role: 'alert', hidden: true });
  const countChanged = throttle(() => table.refresh(), 250);
  const fetchPage: FetchPage = ({ filter, cursor, limit }, signal) =>
    api.get<SessionsPage>(withQuery('/v1/sessions', { ...filterQuery(filter), cursor, limit }), signal);
  const listOptions = {
    fetchPage,
    // Rows in view change at the next frame; a total that moves alone (joins far below) redraws a few
    // times a second, which is all a scrollbar and a count need.
    onChange: (what: 'rows' | 'count') => (what === 'rows' ? table.refresh() : countChanged()),
    onError: () => table.refresh(),
  };
  const makeList = (): SessionRows =>
    isIdOrder(order)
      ? new SessionList(listOptions)
      : new SortedSessionList({ ...listOptions, order: order!, sortValue: (s, key) => sessionSortValue(s, key, nodes) });
  let list = makeList();

  const table: VirtualTable<SessionJson> = new VirtualTable({
    columns: sessionColumns(nodes),
    labelledBy: 'sessions-heading',
    caption: 'Live sessions, one per row',
    rowHref: (s) => sessionHref(s.id),
    sort: order ?? { key: 'id', descending: false },
    onSort: (key) => applySort(toggledSort(order ?? { key: 'id', descending: false }, key, DESCENDING_FIRST.has(key))),
    source: {
      get total() {
        return list.total;
      },
      rowAt: (index) => list.rowAt(index),
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
    setAttribute(region, 'data-loaded', String(list.loadedCount));
    setAttribute(region, 'data-pages', String(list.pagesFetched));
    setAttribute(region, 'data-sort', order ? sortParam(order) : 'id');
    setAttribute(region, 'aria-busy', String(list.loading));
    if (errorLine.hidden !== !list.error) errorLine.hidden = !list.error;
    setText(errorLine, list.error ? `Could not load sessions: ${list.error}` : '');
    const first = Math.min(list.total, table.firstVisibleIndex + 1);
    const progress = list instanceof SortedSessionList && !list.loaded ? list.progress : undefined;
    setText(
      countLine,
      progress
        ? `Loading ${count(progress.fetched)} of ${count(progress.expected)} sessions to sort…`
        : !list.loaded
          ? 'Loading…'
          : `${count(list.total)} ${list.total === 1 ? 'session' : 'sessions'}${isEmptyFilter(filter) ? '' : ' match'}${list.total > 0 ? ` · from row ${count(first)}` : ''}`,
    );
  }

  const heading = h('h2', { id: 'sessions-heading', tabindex: -1 }, 'Live sessions');
  const element = h(
    'div',
    { class: 'page sessions-page' },
    overview.element,
    h(
      'section',
      { class: 'panel sessions-panel table-panel', 'aria-labelledby': 'sessions-heading' },
      h('div', { class: 'panel-head' }, h('div', { class: 'title-line' }, heading, countLine), exportButton),
      form.element,
      errorLine,
      announcer,
      table.element,
    ),
  );

  // ---- behaviour ----
  function writeAddress() {
    const query = { ...filterQuery(filter), ...(isIdOrder(order) ? {} : { sort: sortParam(order!) }) };
    const text = new URLSearchParams(query).toString();
    history.replaceState(null, '', text ? `#/sessions?${text}` : '#/sessions');
  }

  function render() {
    overview.render(filter);
    form.show(filter, order, stats.stats, nodes);
  }

  async function applyFilter(next: SessionFilter) {
    filter = next;
    writeAddress();
    render();
    table.scrollToTop();
    await list.reload(filter);
    announcer.textContent = `${count(list.total)} sessions ${isEmptyFilter(filter) ? '' : 'match'}`;
  }

  function applySort(next: SortOrder | undefined) {
    order = isIdOrder(next) ? undefined : next;
    writeAddress();
    table.setSort(order ?? { key: 'id', descending: false });
    form.show(filter, order, stats.stats, nodes);
    list.dispose();
    list = makeList();
    table.scrollToTop();
    table.refresh(true);
    void list.reload(filter);
  }

  let exporting: AbortController | undefined;
  exportButton.addEventListener('click', async () => {
    if (exporting) return;
    exporting = new AbortController();
    exportButton.disabled = true;
    const exportedFilter = filter;
    try {
      // A sorted list holds every match already, in the table's order.
      const sessions =
        list instanceof SortedSessionList && list.loaded && list.filter === exportedFilter
          ? list.all()
          : await collectSessions(
              fetchPage,
              exportedFilter,
              (fetched, total) => setText(exportButton, `Exporting ${count(fetched)} of ${count(total)}…`),
              exporting.signal,
            );
      downloadFile(timestampedName('sessions'), await sessionsCsv(sessions, nodes));
      announcer.textContent = `Exported ${count(sessions.length)} sessions.`;
    } catch (error) {
      if (!exporting.signal.aborted) {
        errorLine.hidden = false;
        setText(errorLine, `Could not export: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      exporting = undefined;
      exportButton.disabled = false;
      setText(exportButton, 'Export CSV');
    }
  });

  const offStats = stats.subscribe(render);
  const offNodes = nodes.subscribe(() => {
    render();
    table.refresh(true);
  });
  const offChanges = hub.subscribe((batch) => list.apply(batch));
  const offResync = hub.onResync(() => void list.reload());
  // Relative times ("5 min ago") move on even when nothing else does.
  const clock = setInterval(() => table.refresh(true), 15_000);

  render();
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
      offNodes();
      offChanges();
      offResync();
      clearInterval(clock);
      countChanged.cancel();
      exporting?.abort();
      form.destroy();
      overview.destroy();
      list.dispose();
    },
  };
}
