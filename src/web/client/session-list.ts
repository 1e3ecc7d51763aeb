// The sessions table's data: a window onto the server's filtered, id-ordered list. It never holds
// everything: it loads the first page, then further pages only as the table scrolls towards them
// (cursor pagination), while the server's `total` sizes the scrollbar. The live stream's events are
// applied in batches: a session that joins or leaves within the loaded range appears or vanishes at
// once; one beyond it only moves the total (its row comes with its page).
import { QueuedList, type Change } from './queued-list.ts';
import { isEmptyFilter, matchesFilter, type SessionFilter } from './session-filter.ts';
import type { ChangeEvent, SessionJson, SessionsPage } from './types.ts';

export interface PageRequest {
  filter: SessionFilter;
  cursor: string | undefined;
  limit: number;
}
export type FetchPage = (request: PageRequest, signal: AbortSignal) => Promise<SessionsPage>;

/** What the sessions table reads, in id order (this file) or in another order (sorted-session-list.ts). */
export interface SessionRows {
  /** How many sessions match the filter on the server (the scrollbar's length). */
  readonly total: number;
  /** Whether the first answer has arrived. */
  readonly loaded: boolean;
  readonly loading: boolean;
  /** Rows held in memory. */
  readonly loadedCount: number;
  readonly pagesFetched: number;
  readonly error: string | undefined;
  readonly filter: SessionFilter;
  rowAt(index: number): SessionJson | undefined;
  reload(filter?: SessionFilter): Promise<void>;
  /** The table shows rows up to `endIndex`: fetch what is missing. */
  ensure(endIndex: number): void;
  apply(events: readonly ChangeEvent[]): void;
  dispose(): void;
}

export interface SessionListOptions {
  fetchPage: FetchPage;
  /**
   * Called after every change: `rows` when loaded rows or the loading state changed (the table
   * re-renders now), `count` when only the total moved (a flood of joins beyond the loaded rows; the
   * table may wait a little and redraw once).
   */
  onChange: (what: 'rows' | 'count') => void;
  onError?: (error: unknown) => void;
  /** Rows of the first page: a screenful and some, so the first paint needs one small request. */
  firstPageSize?: number;
  /** Rows per later page; the API allows up to 1,000. */
  pageSize?: number;
  /**
   * When everything is loaded, sessions that join are appended, up to this many rows; past it the
   * list stops growing and later rows are fetched when scrolled to.
   */
  liveTailLimit?: number;
  /** How long after the last membership change the total is checked with the server, in ms. */
  reconcileDelayMs?: number;
}

/** Every page of `filter` in id order, as many sessions at a time as the API allows (1,000). */
export async function* allPages(fetchPage: FetchPage, filter: SessionFilter, signal: AbortSignal): AsyncGenerator<SessionsPage> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage({ filter, cursor, limit: 1_000 }, signal);
    yield page;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export class SessionList extends QueuedList implements SessionRows {
  /** Loaded rows, ascending by id: always a prefix of the server's filtered list. */
  rows: SessionJson[] = [];
  /** How many sessions match the filter on the server (the scrollbar's length). */
  total = 0;
  /** Pages fetched since the last reload (the load test reads this). */
  pagesFetched = 0;
  filter: SessionFilter = {};

  /** Whether the server has rows after the loaded ones. */
  private hasMore = false;
  /** The server's cursor for the page after the loaded rows; null when it said there is none. */
  private nextCursor: string | null = null;
  /** The cursor that fetched the last page; reused (with de-duplication) after a live tail grew. */
  private lastPageCursor: string | undefined;
  private reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly firstPageSize: number;
  private readonly pageSize: number;
  private readonly liveTailLimit: number;
  private readonly reconcileDelayMs: number;

  constructor(private readonly options: SessionListOptions) {
    super(options);
    this.firstPageSize = options.firstPageSize ?? 100;
    this.pageSize = options.pageSize ?? 500;
    this.liveTailLimit = options.liveTailLimit ?? 1_000;
    this.reconcileDelayMs = options.reconcileDelayMs ?? 1_000;
  }

  get loadedCount(): number {
    return this.rows.length;
  }

  rowAt(index: number): SessionJson | undefined {
    return this.rows[index];
  }

  /** Drops everything and loads the first page of `filter` (the current filter when absent). */
  async reload(filter: SessionFilter = this.filter): Promise<void> {
    this.filter = filter;
    // Events from before this reload are in the snapshot about to come; those arriving while it is on
    // its way are queued and applied after it.
    this.restart();
    clearTimeout(this.reconcileTimer);
    this.reconcileTimer = undefined;
    this.rows = [];
    this.total = 0;
    this.hasMore = false;
    this.nextCursor = null;
    this.lastPageCursor = undefined;
    this.pagesFetched = 0;
    await this.fetch(undefined, this.firstPageSize);
  }

  /**
   * The table shows rows up to `endIndex` (exclusive): fetch the next page if they are not loaded.
   * After a failed request the next call (a scroll, a redraw) tries again, at most every few seconds.
   */
  ensure(endIndex: number): void {
    if (this.inFlight) return;
    if (this.error) {
      if (!this.retryDue()) return;
      if (!this.loaded) {
        void this.reload();
        return;
      }
    }
    if (!this.loaded || !this.hasMore || endIndex <= this.rows.length) return;
    const wanted = endIndex - this.rows.length + 50;
    void this.fetch(this.nextCursor ?? this.lastPageCursor, Math.min(1_000, Math.max(this.pageSize, wanted)));
  }

  override dispose(): void {
    super.dispose();
    clearTimeout(this.reconcileTimer);
    this.reconcileTimer = undefined;
  }

  private fetch(cursor: string | undefined, limit: number): Promise<void> {
    return this.request(async (signal, current) => {
      const page = await this.options.fetchPage({ filter: this.filter, cursor, limit }, signal);
      if (!current()) return;
      this.pagesFetched++;
      this.merge(page.sessions);
      this.lastPageCursor = cursor;
      this.nextCursor = page.nextCursor;
      this.hasMore = page.nextCursor !== null;
      this.total = page.total;
      this.loaded = true;
    });
  }

  protected override settle(): void {
    this.clampTotal();
  }

  /** Adds a page's rows; a re-fetched page may repeat rows already held. */
  private merge(sessions: readonly SessionJson[]) {
    for (const session of sessions) {
      const last = this.rows.at(-1);
      if (!last || session.id > last.id) this.rows.push(session);
      else this.upsert(session);
    }
  }

  /** Answers what changed: loaded rows, only the total, or nothing. */
  protected applyNow(events: readonly ChangeEvent[]): Change | undefined {
    let rowsChanged = false;
    let countChanged = false;
    let membership = false;
    for (const event of events) {
      const session = event.session;
      if (!session) continue;
      const index = this.indexOf(session.id);
      const matches = matchesFilter(session, this.filter);
      // Beyond the loaded rows, with more on the server: whether it was counted is not known here.
      const unknown = !this.covers(session.id) && this.hasMore;
      if (index >= 0) {
        if (event.type !== 'session.ended' && matches) this.rows[index] = session;
        else {
          this.rows.splice(index, 1);
          this.total--;
          membership = true;
        }
        rowsChanged = true;
      } else if (event.type === 'session.ended') {
        if (matches && unknown) {
          this.total--;
          countChanged = membership = true;
        }
      } else if (matches) {
        if (event.type === 'session.updated' && unknown) {
          // It may have matched all along (a heartbeat) or only now (went idle): ask the server. With no
          // filter an update never changes who is listed.
          if (!isEmptyFilter(this.filter)) membership = true;
          continue;
        }
        this.total++;
        countChanged = membership = true;
        if (this.covers(session.id)) {
          this.insert(session);
          rowsChanged = true;
        } else if (!this.hasMore) {
          // Everything is loaded and this one comes after: append it, up to the live tail's limit.
          if (this.rows.length < this.liveTailLimit) {
            this.rows.push(session);
            rowsChanged = true;
          } else {
            this.hasMore = true;
            this.nextCursor = null;
          }
        }
      }
    }
    this.clampTotal();
    if (membership && this.hasMore) this.scheduleReconcile();
    return rowsChanged ? 'rows' : countChanged ? 'count' : undefined;
  }

  /** Whether `id` falls inside the loaded range, so the loaded rows show whether it matches. */
  private covers(id: number): boolean {
    const last = this.rows.at(-1);
    return last !== undefined && id < last.id;
  }

  private clampTotal() {
    if (!this.hasMore && this.loaded) this.total = this.rows.length;
    else this.total = Math.max(this.total, this.rows.length);
  }

  /**
   * Counting what lies beyond the loaded rows from events alone can drift (an event racing a page,
   * a filter the page cannot check); a cheap `limit=1` call settles the total after a burst.
   */
  private scheduleReconcile() {
    if (this.reconcileTimer !== undefined) return; // at most one check per delay, even in a steady flow
    const generation = this.generation;
    this.reconcileTimer = setTimeout(async () => {
      this.reconcileTimer = undefined;
      if (generation !== this.generation) return;
      if (this.inFlight) return this.scheduleReconcile();
      try {
        const page = await this.options.fetchPage({ filter: this.filter, cursor: undefined, limit: 1 }, new AbortController().signal);
        if (generation !== this.generation || !this.hasMore) return;
        this.total = page.total;
        this.clampTotal();
        this.changed('count');
      } catch (error) {
        this.options.onError?.(error);
      }
    }, this.reconcileDelayMs);
  }

  private indexOf(id: number): number {
    let low = 0;
    let high = this.rows.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const middleId = this.rows[middle]!.id;
      if (middleId === id) return middle;
      if (middleId < id) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  private insert(session: SessionJson) {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.rows[middle]!.id < session.id) low = middle + 1;
      else high = middle;
    }
    this.rows.splice(low, 0, session);
  }

  private upsert(session: SessionJson) {
    const index = this.indexOf(session.id);
    if (index >= 0) this.rows[index] = session;
    else this.insert(session);
  }
}
