// Live sessions in memory, indexed for every query the stores answer: a Map from id to a slot, an
// index by user, ordered ids (all, and per client type) for pages, and every session's expiry in an
// array the sweep scans (expiry-slots.ts). The single-node store keeps its sessions here, and each node
// of a cluster keeps its replica of the shared store here, so reads never leave the node.
//
// It decides nothing and announces nothing: the stores do. Heartbeats only move two numbers on the
// session and one in the expiry array: the hot path allocates nothing and reorders nothing.
import type { ClientType, Session } from '../../core/model.ts';
import type { PlaceMoves } from '../../core/places.ts';
import { ShardedMap } from '../../core/sharded-map.ts';
import type { PlaceQuery, PlaceTally, SessionTally, Touch } from '../live-store.ts';
import { matchesEverything, sessionMatcher, type SessionFilter, type SessionQuery } from '../session-filter.ts';
import { ExpirySlots } from './expiry-slots.ts';
import { OrderedIds } from './ordered-ids.ts';
import { PlaceIndex } from './place-index.ts';
import { UserSessionIndex } from './user-session-index.ts';

export interface RemovedFromIndex {
  session: Session;
  /** True when this was the user's last session. */
  lastOfUser: boolean;
  /**
   * For a user's last session: the latest activity of any of the user's sessions while they were
   * online (an earlier one may have been more recent than this one's).
   */
  userLastSeenAt: number;
  /** The places its user left with it (no other session of theirs is there). */
  places: PlaceMoves;
}

export interface AddedToIndex {
  /** True when it is its user's first session. */
  firstOfUser: boolean;
  /** The places its user entered with it. */
  places: PlaceMoves;
}

export class SessionIndex {
  /** Session id → its slot in `bySlot` and `expiry`. */
  private readonly slotOf = new ShardedMap<number, number>();
  private readonly bySlot: (Session | undefined)[] = [];
  private readonly expiry = new ExpirySlots();
  private readonly byUser = new UserSessionIndex();
  /** The latest activity of sessions already ended, per user still online. */
  private readonly endedActivity = new ShardedMap<string, number>();
  /** Every live session's id, in order: pages walk it. */
  private readonly order = new OrderedIds();
  /** The same by client type: "online representatives" walks only theirs, not a million others. */
  private readonly orderByType = new Map<ClientType, OrderedIds>();
  private readonly byPlace = new PlaceIndex((id) => this.get(id)!.user.id);
  /** Which ids `order` keeps when it compacts, and `orderByType`'s, made once. */
  private readonly isLive = (id: number) => this.slotOf.has(id);
  private readonly isLiveOfType = new Map<ClientType, (id: number) => boolean>();

  get size(): number {
    return this.slotOf.size;
  }

  has(id: number): boolean {
    return this.slotOf.has(id);
  }

  get(id: number): Session | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.bySlot[slot];
  }

  /** Adds a session that is not in the index. */
  add(session: Session): AddedToIndex {
    if (this.slotOf.has(session.id)) throw new Error(`session ${session.id} is already live`);
    const slot = this.expiry.allocate(session.expiresAt);
    this.slotOf.set(session.id, slot);
    this.bySlot[slot] = session;
    this.order.add(session.id);
    this.typeOrder(session.clientType).add(session.id);
    const places = this.byPlace.add(session);
    return { firstOfUser: this.byUser.add(session.user.id, session.id), places };
  }

  /**
   * Puts `next` in the place of the session with its id (same user, same client type); answers the
   * places its user entered and left with it.
   */
  replace(next: Session): PlaceMoves {
    const slot = this.slotOf.get(next.id);
    if (slot === undefined) throw new Error(`session ${next.id} is not live`);
    const current = this.bySlot[slot]!;
    if (next.user.id !== current.user.id || next.clientType !== current.clientType) {
      throw new Error('a session keeps its user and client type');
    }
    this.bySlot[slot] = next;
    this.expiry.set(slot, next.expiresAt);
    return this.byPlace.replace(current, next);
  }

  remove(id: number): RemovedFromIndex | undefined {
    const slot = this.slotOf.get(id);
    return slot === undefined ? undefined : this.removeSlot(slot);
  }

  /** The session a heartbeat may touch: live and not waiting for a resume. */
  touchable(id: number): Session | undefined {
    const session = this.get(id);
    return session && !session.detached ? session : undefined;
  }

  /** Plain activity moves only the clock fields, in place: the hot path allocates nothing. */
  extend(session: Session, now: number): void {
    session.lastActivityAt = now;
    session.expiresAt = now + session.lifetimeMs;
    this.expiry.set(this.slotOf.get(session.id)!, session.expiresAt);
  }

  /** Moves the clock fields of a session to what another node reported, in place. */
  setClock(session: Session, lastActivityAt: number, expiresAt: number): void {
    session.lastActivityAt = lastActivityAt;
    session.expiresAt = expiresAt;
    this.expiry.set(this.slotOf.get(session.id)!, expiresAt);
  }

  /** Removes up to `limit` sessions whose expiry is at or before `now`, and answers them. */
  removeExpired(now: number, limit: number): RemovedFromIndex[] {
    const removed: RemovedFromIndex[] = [];
    this.expiry.scan(now, limit, (slot) => removed.push(this.removeSlot(slot)));
    return removed;
  }

  list(query: SessionQuery = {}): Session[] {
    const { afterId, limit } = query;
    const matches = sessionMatcher(query);
    const result: Session[] = [];
    if (limit === 0) return result;
    const candidates = this.candidates(query);
    if (candidates) {
      // A few candidates (a user's sessions, named ids, a place's): collect them, then order them.
      for (const id of candidates) {
        if (afterId !== undefined && id <= afterId) continue;
        const session = this.get(id);
        if (session && matches(session)) result.push(session);
      }
      result.sort((a, b) => a.id - b.id);
      return limit === undefined ? result : result.slice(0, limit);
    }
    // One wanted type: walk only that type's ids. Otherwise all of them.
    const walked = query.clientTypes?.length === 1 ? this.typeOrder(query.clientTypes[0]!) : this.order;
    walked.walk(afterId, (id) => {
      const session = this.get(id);
      if (session && matches(session)) result.push(session);
      return result.length !== limit;
    });
    return result;
  }

  count(filter: SessionFilter = {}): number {
    const matches = sessionMatcher(filter);
    if (matches === matchesEverything && !filter.ids) return this.slotOf.size;
    let count = 0;
    const candidates = this.candidates(filter);
    if (candidates) {
      for (const id of candidates) {
        const session = this.get(id);
        if (session && matches(session)) count++;
      }
      return count;
    }
    if (filter.clientTypes?.length === 1) {
      this.typeOrder(filter.clientTypes[0]!).walk(undefined, (id) => {
        const session = this.get(id);
        if (session && matches(session)) count++;
        return true;
      });
      return count;
    }
    for (const session of this.bySlot) if (session && matches(session)) count++;
    return count;
  }

  tally(): SessionTally {
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

  onlineUserIds(): string[] {
    return this.byUser.userIds();
  }

  places({ prefix, after, limit }: PlaceQuery): PlaceTally[] {
    const tallies: PlaceTally[] = [];
    for (const name of this.byPlace.names(prefix)) {
      if (after !== undefined && name <= after) continue;
      if (tallies.length === limit) break;
      tallies.push({ name, sessions: this.byPlace.sessionCount(name), users: this.byPlace.userCount(name) });
    }
    return tallies;
  }

  /** The ids a filter narrows the search to, when it names few (ids, a user, a place); else undefined. */
  private candidates(filter: SessionFilter): Iterable<number> | undefined {
    if (filter.ids) return filter.ids;
    if (filter.userId !== undefined) return this.byUser.sessionIds(filter.userId);
    if (filter.place !== undefined) return this.byPlace.sessionIds(filter.place);
    return undefined;
  }

  /** Every session, in no particular order (re-asserting a replica, shutting down). */
  *all(): IterableIterator<Session> {
    for (const session of this.bySlot) if (session) yield session;
  }

  private typeOrder(type: ClientType): OrderedIds {
    let ids = this.orderByType.get(type);
    if (!ids) {
      this.orderByType.set(type, (ids = new OrderedIds()));
      this.isLiveOfType.set(type, (id) => this.get(id)?.clientType === type);
    }
    return ids;
  }

  private removeSlot(slot: number): RemovedFromIndex {
    const session = this.bySlot[slot]!;
    this.bySlot[slot] = undefined;
    const places = this.byPlace.remove(session);
    this.expiry.release(slot);
    this.slotOf.delete(session.id);
    this.order.removed(this.isLive);
    this.typeOrder(session.clientType).removed(this.isLiveOfType.get(session.clientType)!);
    const userId = session.user.id;
    const lastOfUser = this.byUser.remove(userId, session.id);
    const seen = Math.max(session.lastActivityAt, this.endedActivity.get(userId) ?? 0);
    if (lastOfUser) this.endedActivity.delete(userId);
    else this.endedActivity.set(userId, seen);
    return { session, lastOfUser, userLastSeenAt: seen, places };
  }
}
