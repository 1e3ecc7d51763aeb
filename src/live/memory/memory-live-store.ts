// The single-node LiveStore: sessions in a SessionIndex, changes numbered by a counter and handed to
// this process's listeners as they are made. Every mutation changes the index and announces in one
// synchronous step, so listeners see changes in the order they happened.
import { sameView, type PresenceChange, type Session } from '../../core/model.ts';
import { placeChanges, type PlaceMoves } from '../../core/places.ts';
import { endedSession, expiryReason } from '../../core/session-events.ts';
import type {
  ChangeListener,
  EndedSession,
  LiveNode,
  LiveStore,
  PlaceQuery,
  PlaceTally,
  SessionEnd,
  SessionTally,
  Touch,
  TouchResult,
} from '../live-store.ts';
import { ListenerSet } from '../listener-set.ts';
import type { SessionFilter, SessionQuery } from '../session-filter.ts';
import { SessionIdAllocator, type SessionIdBlockSource } from '../session-ids.ts';
import { SessionIndex, type RemovedFromIndex } from './session-index.ts';

export interface MemoryLiveStoreOptions {
  /** Where blocks of session ids come from; persisting it keeps ids from repeating across restarts. */
  idSource?: SessionIdBlockSource;
  /**
   * The seq the first change follows. Default: the start time in epoch milliseconds × 1000, so the
   * changes of a restarted process are numbered above those of the one before (unless it made more
   * than a thousand per millisecond of its life): a stream client's last event id from before a
   * restart then reads as too old, never as one of the new changes.
   */
  firstSeqAfter?: number;
  /** Called when a change listener throws; the change still reaches the other listeners. */
  onListenerError?: (error: unknown) => void;
}

export class MemoryLiveStore implements LiveStore {
  readonly outlivesProcess = false;
  private readonly index = new SessionIndex();
  private readonly listeners: ListenerSet<Parameters<ChangeListener>>;
  /** Only this process's node: nothing else can see a memory store. */
  private readonly nodes = new Map<string, LiveNode>();
  private readonly ids: SessionIdAllocator;
  private seq: number;

  constructor(options: MemoryLiveStoreOptions = {}) {
    this.ids = new SessionIdAllocator(options.idSource, (id) => this.index.has(id));
    this.listeners = new ListenerSet(options.onListenerError ?? (() => {}));
    this.seq = options.firstSeqAfter ?? Date.now() * 1000;
  }

  allocateSessionId(): Promise<number> {
    return this.ids.next();
  }

  async open(session: Session): Promise<{ session: Session; firstOfUser: boolean }> {
    const stored = { ...session, version: this.seq + 1 };
    const { firstOfUser, places } = this.index.add(stored);
    this.emit({ type: 'session.started', at: stored.startedAt, session: stored });
    if (firstOfUser) this.emit({ type: 'user.online', at: stored.startedAt, user: stored.user });
    this.emitPlaces(places, stored, stored.startedAt);
    return { session: stored, firstOfUser };
  }

  async get(id: number): Promise<Session | undefined> {
    return this.index.get(id);
  }

  async update(id: number, mutate: (session: Session) => Session | undefined, at: number): Promise<Session | undefined> {
    const current = this.index.get(id);
    if (!current) return undefined;
    const next = mutate({ ...current });
    if (!next) return current;
    if (next.id !== id || next.user.id !== current.user.id) throw new Error('update may not change a session id or user id');
    return this.store({ ...next, version: this.seq + 1 }, at);
  }

  async touch(touches: readonly Touch[], now: number): Promise<TouchResult> {
    const unknown: number[] = [];
    const touched: Session[] = [];
    const changed: Session[] = [];
    for (const touch of touches) {
      let session = this.index.touchable(touch.id);
      if (!session) {
        unknown.push(touch.id);
        continue;
      }
      const idleChanged = touch.idle !== undefined && touch.idle !== session.idle;
      const viewChanged = touch.view !== undefined && !sameView(touch.view, session.view);
      if (idleChanged || viewChanged) {
        // A change makes a new object: one already announced or answered keeps the state it had.
        const next: Session = {
          ...session,
          idle: idleChanged ? touch.idle! : session.idle,
          view: viewChanged ? touch.view : session.view,
          lastActivityAt: now,
          expiresAt: now + session.lifetimeMs,
          version: this.seq + 1,
        };
        changed.push((session = this.store(next, now)));
      } else {
        this.index.extend(session, now);
      }
      touched.push(session);
    }
    return { unknown, touched, changed };
  }

  async keepAlive(ids: readonly number[], now: number): Promise<number[]> {
    const unknown: number[] = [];
    for (const id of ids) {
      const session = this.index.touchable(id);
      if (session) this.index.extend(session, now);
      else unknown.push(id);
    }
    return unknown;
  }

  async end(id: number, end: SessionEnd): Promise<EndedSession | undefined> {
    const removed = this.index.remove(id);
    return removed && this.announceEnd(removed, end);
  }

  async claimExpired(now: number, limit: number): Promise<EndedSession[]> {
    return this.index
      .removeExpired(now, limit)
      .map((removed) => this.announceEnd(removed, { reason: expiryReason(removed.session), at: now }));
  }

  async endSocketsOf(nodeId: string, end: SessionEnd, limit: number): Promise<EndedSession[]> {
    const ended: EndedSession[] = [];
    for (const session of this.index.list({ nodeId })) {
      if (ended.length === limit) break;
      if (session.transport !== 'websocket' || session.detached) continue;
      ended.push(this.announceEnd(this.index.remove(session.id)!, end));
    }
    return ended;
  }

  async list(query?: SessionQuery): Promise<Session[]> {
    return this.index.list(query);
  }

  async count(filter?: SessionFilter): Promise<number> {
    return this.index.count(filter);
  }

  async tally(): Promise<SessionTally> {
    return this.index.tally();
  }

  async onlineUserIds(): Promise<string[]> {
    return this.index.onlineUserIds();
  }

  async places(query: PlaceQuery): Promise<PlaceTally[]> {
    return this.index.places(query);
  }

  async registerNode(node: LiveNode): Promise<void> {
    this.nodes.set(node.id, { ...node });
  }

  async listNodes(): Promise<LiveNode[]> {
    return [...this.nodes.values()].map((node) => ({ ...node }));
  }

  /** One process: while it runs, its node is alive. */
  async beat(nodeId: string): Promise<boolean> {
    return this.nodes.has(nodeId);
  }

  async claimSilentNodes(): Promise<string[]> {
    return [];
  }

  async deregisterNode(nodeId: string): Promise<void> {
    this.nodes.delete(nodeId);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  /** The node's own backlog holds what it kept; nothing else does. */
  async changesSince(): Promise<undefined> {
    return undefined;
  }

  /** Every change happens in this process: there is nothing it could miss. */
  onResync(): () => void {
    return () => {};
  }

  appliedSeq(): number {
    return this.seq;
  }

  async announce(changes: readonly PresenceChange[]): Promise<void> {
    for (const change of changes) this.emit(change);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  /** Replaces a session with its next state (version already set) and announces it. */
  private store(next: Session, at: number): Session {
    const places = this.index.replace(next);
    this.emit({ type: 'session.updated', at, session: next });
    this.emitPlaces(places, next, at);
    return next;
  }

  private announceEnd({ session, lastOfUser, userLastSeenAt, places }: RemovedFromIndex, end: SessionEnd): EndedSession {
    const ended = { ...endedSession(session, end.reason, end.at, end.endedBy), version: this.seq + 1 };
    this.emit({
      type: 'session.ended',
      at: end.at,
      session: ended,
      reason: end.reason,
      ...(end.endedBy !== undefined && { endedBy: end.endedBy }),
    });
    this.emitPlaces(places, session, end.at);
    if (lastOfUser) this.emit({ type: 'user.offline', at: end.at, user: session.user, lastSeenAt: userLastSeenAt });
    return { ...end, session: ended, lastOfUser };
  }

  private emitPlaces(moves: PlaceMoves, session: Session, at: number): void {
    for (const change of placeChanges(moves, session, at)) this.emit(change);
  }

  private emit(change: PresenceChange): void {
    this.listeners.call(change, ++this.seq);
  }
}
