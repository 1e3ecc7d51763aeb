// The sessions table's data when it is sorted by something other than the id. The API pages in id
// order only, so sorting needs every matching session: this list fetches them all, in pages of 1,000,
// sorts them, and from then on keeps them sorted from the stream alone (each change is taken out and
// put back in its place by binary search; a burst is sorted again at once). At 20,000 sessions that
// is 20 requests and one sort; the id-ordered list (session-list.ts) stays the default, since it
// holds only what was scrolled to.
import { QueuedList, type Change } from './queued-list.ts';
import { matchesFilter, type SessionFilter } from './session-filter.ts';
import { allPages, type FetchPage, type SessionRows } from './session-list.ts';
import { compareValues, type SortOrder, type SortValue } from './sort.ts';
import type { ChangeEvent, SessionJson } from './types.ts';

interface Entry {
  session: SessionJson;
  value: SortValue;
}

export interface SortedSessionListOptions {
  fetchPage: FetchPage;
  onChange: (what: Change) => void;
  onError?: (error: unknown) => void;
  order: SortOrder;
  /** A session's value for the order's key. */
  sortValue: (session: SessionJson, key: string) => SortValue;
}

/** Changes in one batch beyond which sorting everything again is cheaper than placing each. */
const RESORT_AFTER = 500;

export class SortedSessionList extends QueuedList implements SessionRows {
  total = 0;
  pagesFetched = 0;
  filter: SessionFilter = {};
  /** While loading: how many have come, and how many the server said match. */
  progress = { fetched: 0, expected: 0 };
  private entries: Entry[] = [];
  private byId = new Map<number, Entry>();

  constructor(private readonly options: SortedSessionListOptions) {
    super(options);
  }

  get loadedCount(): number {
    return this.entries.length;
  }

  get order(): SortOrder {
    return this.options.order;
  }

  rowAt(index: number): SessionJson | undefined {
    return this.entries[index]?.session;
  }

  /** Every matching session in order (the CSV export takes them from here). */
  all(): SessionJson[] {
    return this.entries.map((entry) => entry.session);
  }

  async reload(filter: SessionFilter = this.filter): Promise<void> {
    this.filter = filter;
    this.restart();
    this.entries = [];
    this.byId = new Map();
    this.total = 0;
    this.pagesFetched = 0;
    this.progress = { fetched: 0, expected: 0 };
    await this.request(async (signal, current) => {
      for await (const page of allPages(this.options.fetchPage, filter, signal)) {
        if (!current()) return;
        this.pagesFetched++;
        for (const session of page.sessions) this.byId.set(session.id, this.entry(session));
        this.progress = { fetched: this.byId.size, expected: page.total };
        this.changed('count');
      }
      this.entries = [...this.byId.values()].sort(this.compare);
      this.loaded = true;
    });
  }

  /** Everything is here once loaded; after a failure, a scroll or redraw tries again (not at once). */
  ensure(): void {
    if (this.error && !this.inFlight && this.retryDue()) void this.reload();
  }

  protected override settle(): void {
    this.total = this.entries.length;
  }

  protected applyNow(events: readonly ChangeEvent[]): Change | undefined {
    const sessions = events.filter((event) => event.session !== undefined);
    if (sessions.length === 0) return undefined;
    const placeEach = sessions.length <= RESORT_AFTER;
    for (const event of sessions) {
      const session = event.session!;
      const old = this.byId.get(session.id);
      if (old) {
        this.byId.delete(session.id);
        if (placeEach) this.entries.splice(this.indexOf(old), 1);
      }
      if (event.type === 'session.ended' || !matchesFilter(session, this.filter)) continue;
      const entry = this.entry(session);
      this.byId.set(session.id, entry);
      if (placeEach) this.entries.splice(this.insertionPoint(entry), 0, entry);
    }
    if (!placeEach) this.entries = [...this.byId.values()].sort(this.compare);
    this.total = this.entries.length;
    return 'rows';
  }

  private entry(session: SessionJson): Entry {
    return { session, value: this.options.sortValue(session, this.options.order.key) };
  }

  /** The order's values, then the id, so every two sessions have one order and a search finds each. */
  private readonly compare = (a: Entry, b: Entry): number =>
    compareValues(a.value, b.value, this.options.order.descending) || a.session.id - b.session.id;

  private insertionPoint(entry: Entry): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.entries[middle]!, entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private indexOf(entry: Entry): number {
    const index = this.insertionPoint(entry);
    return this.entries[index] === entry ? index : this.entries.indexOf(entry);
  }
}
