// The single-node LiveStore: sessions in a Map, an index by user, and every session's expiry in an
// array the sweep scans (expiry-slots.ts). Heartbeats only move two numbers on the session and one in
// the array: the hot path allocates nothing and reorders nothing.
import type { ClientType, PresenceChange, Session } from '../../core/model.ts';
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
import { ExpirySlots } from './expiry-slots.ts';
import { OrderedIds } from './ordered-ids.ts';
import { UserSessionIndex } from './user-session-index.ts';

export interface MemoryLiveStoreOptions {
  /** Where blocks of session ids come from; persisting it keeps ids from repeating across restarts. */
  idSource?: SessionIdBlockSource;
  /** Called when a change listener throws; the change still reaches the other listeners. */
  onListenerError?: (error: unknown) => void;
}

export class MemoryLiveStore implements LiveStore {
  readonly outlivesProcess = false;
  /** Session id → its slot in `bySlot` and `expiry`. */
  private readonly slotOf = new Map<number, number>();
  private readonly bySlot: (Session | undefined)[] = [];
  private readonly expiry = new ExpirySlots();
  private readonly byUser = new UserSessionIndex();
  /** Every live session's id, in order: pages walk it. */
  private readonly order = new OrderedIds();
  /** The same by client type: "online representatives" walks only theirs, not a million others. */
  private readonly orderByType = new Map<ClientType, OrderedIds>();
  private readonly listeners = new Set<ChangeListener>();
  /** Only this process's node: nothing else can see a memory store. */
  private readonly nodes = new Map<string, LiveNode>();
  private readonly ids: SessionIdAllocator;
  private readonly onListenerError: (error: unknown) => void;

  constructor(options: MemoryLiveStoreOptions = {}) {
    this.ids = new SessionIdAllocator(options.idSource, (id) => this.slotOf.has(id));
    this.onListenerError = options.onListenerError ?? (() => {});
  }

  allocateSessionId(): Promise<number> {
    return this.ids.next();
  }

  async add(session: Session): Promise<{ firstOfUser: boolean }> {
    if (this.slotOf.has(session.id)) throw new Error(`session ${session.id} is already live`);
    const slot = this.expiry.allocate(session.expiresAt);
    this.slotOf.set(session.id, slot);
    this.bySlot[slot] = session;
    this.order.add(session.id);
    this.typeOrder(session.clientType).add(session.id);
    return { firstOfUser: this.byUser.add(session.user.id, session.id) };
  }

  async get(id: number): Promise<Session | undefined> {
    return this.sessionOf(id);
  }

  async update(id: number, mutate: (session: Session) => Session | undefined): Promise<Session | undefined> {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return undefined;
    const current = this.bySlot[slot]!;
    const next = mutate({ ...current });
    if (!next) return current;
    if (next.id !== id || next.user.id !== current.user.id) throw new Error('update may not change a session id or user id');
    this.bySlot[slot] = next;
    this.expiry.set(slot, next.expiresAt);
    return next;
  }

  async touch(touches: readonly Touch[], now: number): Promise<TouchResult> {
    const unknown: number[] = [];
    const touched: Session[] = [];
    const changed: Session[] = [];
    for (const touch of touches) {
      const slot = this.touchableSlot(touch.id);
      if (slot === undefined) {
        unknown.push(touch.id);
        continue;
      }
      let session = this.bySlot[slot]!;
      const idleChanged = touch.idle !== undefined && touch.idle !== session.idle;
      const viewChanged = touch.view !== undefined && !sameView(touch.view, session.view);
      if (idleChanged || viewChanged) {
        // A change makes a new object: one already published or answered keeps the state it had.
        session = { ...session, idle: idleChanged ? touch.idle! : session.idle, view: viewChanged ? touch.view : session.view };
        this.bySlot[slot] = session;
        changed.push(session);
      }
      this.extend(slot, session, now);
      touched.push(session);
    }
    return { unknown, touched, changed };
  }

  async keepAlive(ids: readonly number[], now: number): Promise<number[]> {
    const unknown: number[] = [];
    for (const id of ids) {
      const slot = this.touchableSlot(id);
      if (slot === undefined) unknown.push(id);
      else this.extend(slot, this.bySlot[slot]!, now);
    }
    return unknown;
  }

  async remove(id: number): Promise<RemovedSession | undefined> {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.removeSlot(slot);
  }

  async claimExpired(now: number, limit: number): Promise<RemovedSession[]> {
    const claimed: RemovedSession[] = [];
    this.expiry.scan(now, limit, (slot) => claimed.push(this.removeSlot(slot)));
    return claimed;
  }

  async list(query: SessionQuery = {}): Promise<Session[]> {
    const { ids, userId, afterId, limit } = query;
    const matches = sessionMatcher(query);
    const result: Session[] = [];
    if (limit === 0) return result;
    if (ids || userId !== undefined) {
      // A few candidates (a user's sessions, named ids): collect them, then order them.
      for (const id of ids ?? this.byUser.sessionIds(userId!)) {
        if (afterId !== undefined && id <= afterId) continue;
        const session = this.sessionOf(id);
        if (session && matches(session)) result.push(session);
      }
      result.sort((a, b) => a.id - b.id);
      return limit === undefined ? result : result.slice(0, limit);
    }
    // One wanted type: walk only that type's ids. Otherwise all of them.
    const walked = query.clientTypes?.length === 1 ? this.typeOrder(query.clientTypes[0]!) : this.order;
    walked.walk(afterId, (id) => {
      const session = this.sessionOf(id);
      if (session && matches(session)) result.push(session);
      return result.length !== limit;
    });
    return result;
  }

  async count(filter: SessionFilter = {}): Promise<number> {
    const matches = sessionMatcher(filter);
    if (matches === matchesEverything && !filter.ids) return this.slotOf.size;
    if (filter.ids || filter.userId !== undefined) {
      let count = 0;
      for (const id of filter.ids ?? this.byUser.sessionIds(filter.userId!)) {
        const session = this.sessionOf(id);
        if (session && matches(session)) count++;
      }
      return count;
    }
    let count = 0;
    if (filter.clientTypes?.length === 1) {
      this.typeOrder(filter.clientTypes[0]!).walk(undefined, (id) => {
        const session = this.sessionOf(id);
        if (session && matches(session)) count++;
        return true;
      });
      return count;
    }
    for (const session of this.bySlot) if (session && matches(session)) count++;
    return count;
  }

  async tally(): Promise<SessionTally> {
    const byClientType: SessionTally['byClientType'] = {};
    const byUserType: Record<string, number> = {};
    const byNode: Record<string, number> = {};
    for (const session of this.bySlot) {
      if (!session) continue;
      byClientType[session.clientType] = (byClientType[session.clientType] ?? 0) + 1;
      byUserType[session.user.type] = (byUserType[session.user.type] ?? 0) + 1;
      byNode[session.nodeId] = (byNode[session.nodeId] ?? 0) + 1;
    }
    return { sessions: this.slotOf.size, onlineUsers: this.byUser.size, byClientType, byUserType, byNode };
  }

  async onlineUserIds(): Promise<string[]> {
    return this.byUser.userIds();
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

  private typeOrder(type: ClientType): OrderedIds {
    let ids = this.orderByType.get(type);
    if (!ids) this.orderByType.set(type, (ids = new OrderedIds()));
    return ids;
  }

  /** The slot of a session a heartbeat may touch: live and not waiting for a resume. */
  private touchableSlot(id: number): number | undefined {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return undefined;
    return this.bySlot[slot]!.detached ? undefined : slot;
  }

  /** Plain activity only moves the clock fields, in place: the hot path allocates nothing. */
  private extend(slot: number, session: Session, now: number): void {
    session.lastActivityAt = now;
    session.expiresAt = now + session.lifetimeMs;
    this.expiry.set(slot, session.expiresAt);
  }

  private sessionOf(id: number): Session | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.bySlot[slot];
  }

  private removeSlot(slot: number): RemovedSession {
    const session = this.bySlot[slot]!;
    this.bySlot[slot] = undefined;
    this.expiry.release(slot);
    this.slotOf.delete(session.id);
    if (this.order.removed()) this.order.compact((id) => this.slotOf.has(id));
    const ofType = this.typeOrder(session.clientType);
    if (ofType.removed()) ofType.compact((id) => this.sessionOf(id)?.clientType === session.clientType);
    return { session, lastOfUser: this.byUser.remove(session.user.id, session.id) };
  }
}

const sameView = (a: Session['view'], b: Session['view']) =>
  a === b || (a !== undefined && b !== undefined && a.m === b.m && a.v === b.v && a.t === b.t);
