// LiveStore: where live sessions sit. One interface, an in-memory implementation for a single node
// and (later) a Redis one shared by several nodes. Nothing here may assume one process: ids, expiry
// claims and change notices all go through the store, and every operation that decides something
// (first/last session of a user, who ends an expired session) is atomic within the store.

import type { ClientType, NodeConnection, PresenceChange, Session, View } from '../core/model.ts';

/** Which sessions a list or a count is about. Every given criterion must hold. */
export interface SessionFilter {
  clientTypes?: readonly ClientType[];
  userId?: string;
  /** The user's type (`staff`, `customer`, …), exactly. */
  userType?: string;
  /** The node that owns the session's transport. */
  nodeId?: string;
  /** True: idle sessions only; false: active ones only. */
  idle?: boolean;
  /**
   * Text search: a case-insensitive substring of the user's name, username, public or private display
   * name, or the session's hostname. Empty matches everything.
   */
  q?: string;
  ids?: readonly number[];
}

export interface SessionQuery extends SessionFilter {
  /** Cursor: only sessions with an id greater than this. Results are in ascending id order. */
  afterId?: number;
  /** At most this many sessions; all when absent. A store stops looking once it has this many. */
  limit?: number;
}

/** How live sessions divide up: what dashboards and metrics count. */
export interface SessionTally {
  sessions: number;
  /** Users with at least one live session. */
  onlineUsers: number;
  /** Only types with at least one session appear. */
  byClientType: Partial<Record<ClientType, number>>;
  byUserType: Record<string, number>;
  /** By the node that owns each session's transport. */
  byNode: Record<string, number>;
}

/** Activity for one session: what a heartbeat, a pong or a batch entry reports. It pushes the
 * session's `expiresAt` to `now + lifetimeMs`. */
export interface Touch {
  id: number;
  idle?: boolean;
  view?: View;
}

export interface TouchResult {
  /** Ids that are not live (unknown, ended, or a detached socket session). */
  unknown: number[];
  /** The touched sessions, and how they report (metrics). */
  touched: Pick<Session, 'id' | 'user' | 'view' | 'transport'>[];
  /** Sessions whose idle flag or view changed, as they are now. */
  changed: Session[];
}

export interface RemovedSession {
  session: Session;
  /** True when this was the user's last live session: the user is now offline. */
  lastOfUser: boolean;
}

/** A rollcall process as every node sees it (the dialects call nodes appliances). */
export interface LiveNode {
  /** The node's GUID, stable across restarts (kept in its data dir). */
  id: string;
  role: NodeConnection['purpose'];
  /** The machine's host name. */
  hostname: string;
  /** The name clients use to reach the node. */
  publicHostname: string;
  /** rollcall's version on that node. */
  version: string;
  /** Seconds from UTC of the node's clock. */
  timezoneOffset: number;
  /** Epoch ms. */
  startedAt: number;
}

/** The matcher of an empty filter; stores may answer such a query without looking at sessions. */
export const matchesEverything = (_session: Session): boolean => true;

/**
 * What every store means by a filter, so all implementations agree: one test for every criterion,
 * with its constants (a set of types, the search pattern) worked out once per query.
 */
export function sessionMatcher(filter: SessionFilter): (session: Session) => boolean {
  const { clientTypes, userId, userType, nodeId, idle } = filter;
  const wanted = clientTypes && clientTypes.length > 0 ? new Set(clientTypes) : undefined;
  const contains = filter.q ? containsIgnoringCase(filter.q) : undefined;
  if (!wanted && userId === undefined && userType === undefined && nodeId === undefined && idle === undefined && !contains) {
    return matchesEverything;
  }
  return (session) =>
    (!wanted || wanted.has(session.clientType)) &&
    (userId === undefined || session.user.id === userId) &&
    (userType === undefined || session.user.type === userType) &&
    (nodeId === undefined || session.nodeId === nodeId) &&
    (idle === undefined || session.idle === idle) &&
    (!contains ||
      contains(session.user.name) ||
      contains(session.user.username) ||
      contains(session.user.publicDisplayName) ||
      contains(session.user.privateDisplayName) ||
      contains(session.hostname));
}

/** A case-insensitive test for `text` anywhere in a string: no allocation per session searched. */
function containsIgnoringCase(text: string): (field: string | undefined) => boolean {
  const pattern = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
  return (field) => field !== undefined && pattern.test(field);
}

export type ChangeListener = (change: PresenceChange) => void;

/**
 * Sessions a store answers are snapshots: a later change (update, idle, view) makes a new object and
 * never alters one already handed out. Only `lastActivityAt` and `expiresAt` may move in place in an
 * in-process store, because copying a session per heartbeat would cost the hot path its speed.
 */
export interface LiveStore {
  /**
   * False when the sessions die with this process (memory). The core then ends them at shutdown, so
   * history records their end; a shared store keeps them for other nodes and resuming clients.
   */
  readonly outlivesProcess: boolean;

  /**
   * A fresh session id: a positive 32-bit integer that no live session holds and that was not handed
   * out recently (ids advance monotonically and wrap only after 2^31 - 1).
   */
  allocateSessionId(): Promise<number>;

  /** Stores a new session. `firstOfUser` is true when the user had no live session before. */
  add(session: Session): Promise<{ firstOfUser: boolean }>;

  get(id: number): Promise<Session | undefined>;

  /**
   * Applies `mutate` to the stored session atomically and stores its result. `mutate` gets a copy it
   * may change and return; returning undefined leaves the session as it was. Answers the stored
   * session, or undefined when the id is not live.
   */
  update(id: number, mutate: (session: Session) => Session | undefined): Promise<Session | undefined>;

  /** Records activity for many sessions at once: the hot path of heartbeats. */
  touch(touches: readonly Touch[], now: number): Promise<TouchResult>;

  /**
   * `touch` for entries that are only ids (WebSocket frames and pongs, the hottest path): the same
   * effect without a Touch or a result entry per session. Answers the ids that are not live, as
   * `touch` does.
   */
  keepAlive(ids: readonly number[], now: number): Promise<number[]>;

  /** Removes a session. Only one caller ever gets a given session back; others get undefined. */
  remove(id: number): Promise<RemovedSession | undefined>;

  /** Removes and answers up to `limit` sessions whose `expiresAt` is at or before `now`. */
  claimExpired(now: number, limit: number): Promise<RemovedSession[]>;

  /** Sessions matching the query, in ascending id order. */
  list(query?: SessionQuery): Promise<Session[]>;

  /** How many sessions match the filter (all of them without one). */
  count(filter?: SessionFilter): Promise<number>;

  /** Counts of live sessions by client type, user type and node, and of online users, in one pass. */
  tally(): Promise<SessionTally>;

  /** Ids of users with at least one live session. */
  onlineUserIds(): Promise<string[]>;

  /**
   * Lists a node for every node to see; registering the same id again replaces its entry. The store
   * forgets a node when the node is gone (memory: with the process; a shared store must expire it).
   */
  registerNode(node: LiveNode): Promise<void>;

  /** Every node registered and not forgotten, in order of first registration. */
  listNodes(): Promise<LiveNode[]>;

  /** Announces a change to every subscriber on every node, this one included. */
  publish(change: PresenceChange): Promise<void>;

  /** Listens to changes; answers a function that stops listening. */
  subscribe(listener: ChangeListener): () => void;

  close(): Promise<void>;
}
