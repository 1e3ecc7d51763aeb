// The single-node LiveStore: sessions in a Map, an index by user, and expiry buckets of one second.
// Heartbeats only move `expiresAt` on the session (O(1)); a sweep looks at due buckets and puts sessions
// that were extended meanwhile into their new bucket. That keeps the hot path free of any reordering.
import type { PresenceChange, Session } from '../../core/model.ts';
import type {
  ChangeListener,
  LiveNode,
  LiveStore,
  RemovedSession,
  SessionQuery,
  Touch,
  TouchResult,
} from '../live-store.ts';
import { SessionIdAllocator, type SessionIdBlockSource } from '../session-ids.ts';

const BUCKET_MS = 1000;
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
    const { clientTypes, userId, ids, afterId, limit } = query;
    let candidates: Iterable<number>;
    if (ids) candidates = ids;
    else if (userId !== undefined) candidates = this.sessionsByUser.get(userId) ?? [];
    else candidates = this.sessions.keys();
    const wanted = clientTypes && clientTypes.length > 0 ? new Set(clientTypes) : undefined;
    const result: Session[] = [];
    for (const id of candidates) {
      if (afterId !== undefined && id <= afterId) continue;
      const session = this.sessions.get(id);
      if (!session) continue;
      if (wanted && !wanted.has(session.clientType)) continue;
      if (userId !== undefined && session.user.id !== userId) continue;
      result.push(session);
    }
    result.sort((a, b) => a.id - b.id);
    return limit === undefined ? result : result.slice(0, limit);
  }

  async count(): Promise<number> {
    return this.sessions.size;
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
