// The single-node LiveStore: sessions in a Map, an index by user, and expiry buckets of one second.
// Heartbeats only move `expiresAt` on the session (O(1)); a sweep looks at due buckets and puts sessions
// that were extended meanwhile into their new bucket. That keeps the hot path free of any reordering.
import type { PresenceChange, Session } from '../../core/model.ts';
import {
  matchesEverything,
  sessionMatcher,
  type ChangeListener,
  type LiveNode,
  type LiveStore,
  type RemovedSession,
  type SessionFilter,
  type SessionQuery,
  type SessionTally,
  type Touch,
  type TouchResult,
} from '../live-store.ts';
import { SessionIdAllocator, type SessionIdBlockSource } from '../session-ids.ts';

const BUCKET_MS = 1000;
/** Stale ids the ordered index may hold beyond twice the live ones before it is compacted. */
const ORDER_SLACK = 1024;
const bucketOf = (time: number) => Math.floor(time / BUCKET_MS);

export interface MemoryLiveStoreOptions {
  /** Where blocks of session ids come from; persisting it keeps ids from repeating across restarts. */
  idSource?: SessionIdBlockSource;
  /** Called when a change listener throws; the change still reaches the other listeners. */
  onListenerError?: (error: unknown) => void;
}

export class MemoryLiveStore implements LiveStore {
  readonly outlivesProcess = false;
  private readonly sessions = new Map<number, Session>();
  private readonly sessionsByUser = new Map<string, Set<number>>();
  /**
   * Session ids in ascending order: a page is a binary search and a walk that stops at the limit.
   * Removal leaves an id here (walks skip ids that are not live) and the array is compacted once
   * most of it is stale, so ending a session costs no array shift.
   */
  private order: number[] = [];
  private readonly expiryBuckets = new Map<number, Set<number>>();
  /** No bucket below this one holds anything. */
  private lowestBucket = Number.POSITIVE_INFINITY;
  private readonly listeners = new Set<ChangeListener>();
  /** Only this process's node: nothing else can see a memory store. */
  private readonly nodes = new Map<string, LiveNode>();
  private readonly ids: SessionIdAllocator;
  private readonly onListenerError: (error: unknown) => void;

  constructor(options: MemoryLiveStoreOptions = {}) {
    this.ids = new SessionIdAllocator(options.idSource, (id) => this.sessions.has(id));
    this.onListenerError = options.onListenerError ?? (() => {});
  }

  allocateSessionId(): Promise<number> {
    return this.ids.next();
  }

  async add(session: Session): Promise<{ firstOfUser: boolean }> {
    if (this.sessions.has(session.id)) throw new Error(`session ${session.id} is already live`);
    this.sessions.set(session.id, session);
    insertSorted(this.order, session.id);
    let ofUser = this.sessionsByUser.get(session.user.id);
    const firstOfUser = ofUser === undefined;
    if (!ofUser) this.sessionsByUser.set(session.user.id, (ofUser = new Set()));
    ofUser.add(session.id);
    this.scheduleExpiry(session);
    return { firstOfUser };
  }

  async get(id: number): Promise<Session | undefined> {
    return this.sessions.get(id);
  }

  async update(id: number, mutate: (session: Session) => Session | undefined): Promise<Session | undefined> {
    const current = this.sessions.get(id);
    if (!current) return undefined;
    const next = mutate({ ...current });
    if (!next) return current;
    if (next.id !== id || next.user.id !== current.user.id) throw new Error('update may not change a session id or user id');
    this.sessions.set(id, next);
    if (next.expiresAt < current.expiresAt) this.scheduleExpiry(next);
    return next;
  }

  async touch(touches: readonly Touch[], now: number): Promise<TouchResult> {
    const unknown: number[] = [];
    const touched: Session[] = [];
    const changed: Session[] = [];
    for (const touch of touches) {
      let session = this.sessions.get(touch.id);
      if (!session || session.detached) {
        unknown.push(touch.id);
        continue;
      }
      const idleChanged = touch.idle !== undefined && touch.idle !== session.idle;
      const viewChanged = touch.view !== undefined && !sameView(touch.view, session.view);
      if (idleChanged || viewChanged) {
        // A change makes a new object: one already published or answered keeps the state it had.
        session = { ...session, ...(idleChanged && { idle: touch.idle }), ...(viewChanged && { view: touch.view }) };
        this.sessions.set(session.id, session);
        changed.push(session);
      }
      // Plain activity only moves the clock fields, in place: the hot path allocates nothing.
      // Moving expiry later needs no bucket change; the sweep re-files a session when its bucket is due.
      session.lastActivityAt = now;
      session.expiresAt = now + session.lifetimeMs;
      touched.push(session);
    }
    return { unknown, touched, changed };
  }

  async remove(id: number): Promise<RemovedSession | undefined> {
    return this.removeNow(id);
  }

  async claimExpired(now: number, limit: number): Promise<RemovedSession[]> {
    const claimed: RemovedSession[] = [];
    const dueBucket = bucketOf(now);
    let bucket = this.lowestBucket;
    for (; bucket <= dueBucket && claimed.length < limit; bucket++) {
      const ids = this.expiryBuckets.get(bucket);
      if (!ids) continue;
      for (const id of ids) {
        if (claimed.length >= limit) break;
        const session = this.sessions.get(id);
        if (session && session.expiresAt <= now) {
          ids.delete(id);
          claimed.push(this.removeNow(id)!);
        } else if (!session || bucketOf(session.expiresAt) !== bucket) {
          // Gone already, or extended by heartbeats since it was filed here: re-file or forget it.
          ids.delete(id);
          if (session) this.fileInBucket(id, session.expiresAt);
        }
        // Otherwise it is due later within this same second and stays.
      }
      if (ids.size > 0) break;
      this.expiryBuckets.delete(bucket);
    }
    this.lowestBucket = this.expiryBuckets.size === 0 ? Number.POSITIVE_INFINITY : bucket;
    return claimed;
  }

  async list(query: SessionQuery = {}): Promise<Session[]> {
    const { ids, userId, afterId, limit } = query;
    const matches = sessionMatcher(query);
    const result: Session[] = [];
    if (limit === 0) return result;
    if (ids || userId !== undefined) {
      // A few candidates (a user's sessions, named ids): collect them, then order them.
      for (const id of ids ?? this.sessionsByUser.get(userId!) ?? []) {
        if (afterId !== undefined && id <= afterId) continue;
        const session = this.sessions.get(id);
        if (session && matches(session)) result.push(session);
      }
      result.sort((a, b) => a.id - b.id);
      return limit === undefined ? result : result.slice(0, limit);
    }
    const start = afterId === undefined ? 0 : firstAbove(this.order, afterId);
    for (let i = start; i < this.order.length; i++) {
      const session = this.sessions.get(this.order[i]!);
      if (!session || !matches(session)) continue;
      result.push(session);
      if (result.length === limit) break;
    }
    return result;
  }

  async count(filter: SessionFilter = {}): Promise<number> {
    const matches = sessionMatcher(filter);
    if (matches === matchesEverything && !filter.ids) return this.sessions.size;
    let candidates: Iterable<number>;
    if (filter.ids) candidates = filter.ids;
    else if (filter.userId !== undefined) candidates = this.sessionsByUser.get(filter.userId) ?? [];
    else candidates = this.sessions.keys();
    let count = 0;
    for (const id of candidates) {
      const session = this.sessions.get(id);
      if (session && matches(session)) count++;
    }
    return count;
  }

  async tally(): Promise<SessionTally> {
    const byClientType: SessionTally['byClientType'] = {};
    const byUserType: Record<string, number> = {};
    const byNode: Record<string, number> = {};
    for (const session of this.sessions.values()) {
      byClientType[session.clientType] = (byClientType[session.clientType] ?? 0) + 1;
      byUserType[session.user.type] = (byUserType[session.user.type] ?? 0) + 1;
      byNode[session.nodeId] = (byNode[session.nodeId] ?? 0) + 1;
    }
    return { sessions: this.sessions.size, onlineUsers: this.sessionsByUser.size, byClientType, byUserType, byNode };
  }

  async onlineUserIds(): Promise<string[]> {
    return [...this.sessionsByUser.keys()];
  }

  async registerNode(node: LiveNode): Promise<void> {
    this.nodes.set(node.id, { ...node });
  }

  async listNodes(): Promise<LiveNode[]> {
    return [...this.nodes.values()].map((node) => ({ ...node }));
  }

  async publish(change: PresenceChange): Promise<void> {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private removeNow(id: number): RemovedSession | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    if (this.order.length > 2 * this.sessions.size + ORDER_SLACK) this.order = this.order.filter((live) => this.sessions.has(live));
    const ofUser = this.sessionsByUser.get(session.user.id);
    ofUser?.delete(id);
    const lastOfUser = !ofUser || ofUser.size === 0;
    if (lastOfUser) this.sessionsByUser.delete(session.user.id);
    // The id stays in its expiry bucket; the sweep forgets ids that are gone.
    return { session, lastOfUser };
  }

  private scheduleExpiry(session: Session): void {
    this.fileInBucket(session.id, session.expiresAt);
  }

  private fileInBucket(id: number, expiresAt: number): void {
    const bucket = bucketOf(expiresAt);
    let ids = this.expiryBuckets.get(bucket);
    if (!ids) this.expiryBuckets.set(bucket, (ids = new Set()));
    ids.add(id);
    if (bucket < this.lowestBucket) this.lowestBucket = bucket;
  }
}

const sameView = (a: Session['view'], b: Session['view']) =>
  a === b || (a !== undefined && b !== undefined && a.m === b.m && a.v === b.v && a.t === b.t);

/** Index of the first element greater than `value` in an ascending array. */
function firstAbove(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Adds `value` unless it is there already (an id that was live before and not yet compacted away). */
function insertSorted(sorted: number[], value: number): void {
  // Ids are handed out in ascending order, so nearly every insert is an append.
  if (sorted.length === 0 || sorted[sorted.length - 1]! < value) {
    sorted.push(value);
    return;
  }
  const index = firstAbove(sorted, value);
  if (sorted[index - 1] !== value) sorted.splice(index, 0, value);
}
