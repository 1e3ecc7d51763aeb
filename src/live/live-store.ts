// LiveStore: where live sessions sit. One interface, an in-memory implementation for a single node
// and (later) a Redis one shared by several nodes. Nothing here may assume one process: ids, expiry
// claims and change notices all go through the store, and every operation that decides something
// (first/last session of a user, who ends an expired session) is atomic within the store.

import type { ClientType, NodeConnection, PresenceChange, Session, View } from '../core/model.ts';

export interface SessionQuery {
  clientTypes?: readonly ClientType[];
  userId?: string;
  ids?: readonly number[];
  /** Cursor: only sessions with an id greater than this. Results are in ascending id order. */
  afterId?: number;
  /** At most this many sessions; all when absent. */
  limit?: number;
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
  /** Who the touched sessions belong to, for last-seen bookkeeping. */
  touched: Pick<Session, 'id' | 'user' | 'view'>[];
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

  /** Removes a session. Only one caller ever gets a given session back; others get undefined. */
  remove(id: number): Promise<RemovedSession | undefined>;

  /** Removes and answers up to `limit` sessions whose `expiresAt` is at or before `now`. */
  claimExpired(now: number, limit: number): Promise<RemovedSession[]>;

  list(query?: SessionQuery): Promise<Session[]>;

  count(): Promise<number>;

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
