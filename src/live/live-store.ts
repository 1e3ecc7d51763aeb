// LiveStore: where live sessions sit, and the one ordered sequence of their changes. A memory
// implementation serves one node; a Redis one is shared by a cluster, every node keeping a replica of
// it that reads never leave. Nothing here assumes one process: ids, expiry claims and the node list
// go through the store, and every mutation that decides something (first or last session of a user,
// who ends an expired session) is atomic within the store and announces its change in the same step,
// so no node can change a session without every node hearing of it, in one order.
//
// The roles are separate interfaces; a consumer asks for the ones it uses.
import type { EndReason, NodeConnection, PresenceChange, Session, View } from '../core/model.ts';
import type { SessionFilter, SessionQuery } from './session-filter.ts';

export type { SessionFilter, SessionQuery } from './session-filter.ts';

/** How live sessions divide up: what dashboards and metrics count. */
export interface SessionTally {
  sessions: number;
  /** Users with at least one live session. */
  onlineUsers: number;
  /** Only types with at least one session appear. */
  byClientType: Partial<Record<Session['clientType'], number>>;
  byUserType: Record<string, number>;
  /** By the node that owns each session's transport. */
  byNode: Record<string, number>;
}

export interface PlaceQuery {
  /** Only places whose name starts with this; all when empty. */
  prefix: string;
  /** Cursor: only places whose name sorts after this. */
  after?: string;
  /** At most this many. */
  limit: number;
}

/** A place and who is in it. */
export interface PlaceTally {
  name: string;
  sessions: number;
  /** Users with at least one session in the place. */
  users: number;
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
  /** Sessions whose idle flag or view changed, as they are now (each announced `session.updated`). */
  changed: Session[];
}

/** How a session ends, when it is ended on purpose. */
export interface SessionEnd {
  reason: EndReason;
  at: number;
  /** The account that ended it (reason `ended_by_admin`). */
  endedBy?: string;
}

/** A session the store ended and announced. */
export interface EndedSession extends SessionEnd {
  /** As announced: its event log closed by the "ended" event (core/session-events.ts). */
  session: Session;
  /** True when this was the user's last live session: `user.offline` was announced too. */
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

/**
 * A change with its place in the sequence: `seq` grows by one per change on every node alike (the
 * change stream's event id); it jumps forward, never back, when the sequence had to be recreated.
 */
export type ChangeListener = (change: PresenceChange, seq: number) => void;

export interface SequencedChange {
  seq: number;
  change: PresenceChange;
}

/** The ordered sequence of changes, as this node has applied it. */
export interface ChangeFeed {
  /**
   * Listens to every change of every node, in sequence order, from now on; answers a function that
   * stops listening. A mutation's promise settles after its own changes reached the listeners.
   */
  subscribe(listener: ChangeListener): () => void;
  /** The seq of the newest change this node applied: the version of everything its reads show. */
  appliedSeq(): number;
  /**
   * Up to `limit` changes after `afterSeq`, oldest first, as the store still keeps them: for a stream
   * client that comes back with an id older than what this node kept itself (a node that started
   * after the client left). Undefined when the store does not hold every change after `afterSeq` (or
   * keeps none: a single-node store's changes are the node's own backlog).
   */
  changesSince(afterSeq: number, limit: number): Promise<SequencedChange[] | undefined>;
  /**
   * Listens for the times this node could not follow the sequence (it was cut off longer than the
   * shared store keeps changes, or the store lost its data): its replica was reloaded without
   * announcing what changed, so whoever mirrors the changes must reload too. Answers a function that
   * stops listening. A single-node store never calls it.
   */
  onResync(listener: () => void): () => void;
  /**
   * Announces changes no live session carries: sessions a crash left open, ended from history at the
   * next start. In the sequence like any other change.
   */
  announce(changes: readonly PresenceChange[]): Promise<void>;
}

/**
 * Live sessions. Sessions a store answers are snapshots: a change makes a new object with a higher
 * `version` and never alters one handed out. Only `lastActivityAt` and `expiresAt` may move in place
 * (copying a session per heartbeat would cost the hot path its speed).
 */
export interface LiveSessions {
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

  /**
   * Stores a new session and announces `session.started`, and `user.online` when the user had no
   * live session before. Answers the session as stored (with its version).
   */
  open(session: Session): Promise<{ session: Session; firstOfUser: boolean }>;

  get(id: number): Promise<Session | undefined>;

  /**
   * Changes a session atomically and announces `session.updated` at `at`. `mutate` gets a copy of the
   * current session and answers the next one, or undefined for no change; it may run more than once
   * when another node changed the session meanwhile, so it must not have side effects. Answers the
   * stored session (unchanged when `mutate` declined), or undefined when the id is not live.
   */
  update(id: number, mutate: (session: Session) => Session | undefined, at: number): Promise<Session | undefined>;

  /** Records activity for many sessions at once: the hot path of heartbeats. */
  touch(touches: readonly Touch[], now: number): Promise<TouchResult>;

  /**
   * `touch` for entries that are only ids (WebSocket frames and pongs, the hottest path): the same
   * effect without a Touch or a result entry per session. Answers the ids that are not live.
   */
  keepAlive(ids: readonly number[], now: number): Promise<number[]>;

  /**
   * Ends a session and announces `session.ended` (and `user.offline` for a user's last session).
   * Only one caller ever gets a given session back; others get undefined.
   */
  end(id: number, end: SessionEnd): Promise<EndedSession | undefined>;

  /**
   * Ends and answers up to `limit` sessions whose `expiresAt` is at or before `now`, each with the
   * reason `expiryReason` gives, announced like `end`.
   */
  claimExpired(now: number, limit: number): Promise<EndedSession[]>;

  /**
   * Ends up to `limit` WebSocket sessions attached to `nodeId` (detached ones wait for their resume
   * wherever it comes), announced like `end`: the sessions of a node that is gone.
   */
  endSocketsOf(nodeId: string, end: SessionEnd, limit: number): Promise<EndedSession[]>;

  /** Sessions matching the query, in ascending id order. */
  list(query?: SessionQuery): Promise<Session[]>;

  /** How many sessions match the filter (all of them without one). */
  count(filter?: SessionFilter): Promise<number>;

  /** Counts of live sessions by client type, user type and node, and of online users, in one pass. */
  tally(): Promise<SessionTally>;

  /** Ids of users with at least one live session. */
  onlineUserIds(): Promise<string[]>;

  /** Places with someone in them (core/places.ts) whose name starts with `prefix`, in name order. */
  places(query: PlaceQuery): Promise<PlaceTally[]>;
}

/** The nodes of the cluster. */
export interface NodeRegistry {
  /**
   * Lists a node for every node to see; registering the same id again replaces its entry. The store
   * forgets a node when the node is gone (memory: with the process; a shared store must expire it).
   */
  registerNode(node: LiveNode): Promise<void>;

  /** Every node registered and not forgotten, in order of first registration. */
  listNodes(): Promise<LiveNode[]>;

  /**
   * Says the node is alive, by the store's clock (a node's own clock may be off). Answers false when
   * the node was declared gone meanwhile (claimSilentNodes): it must register again.
   */
  beat(nodeId: string): Promise<boolean>;

  /**
   * Nodes whose last beat is older than `silenceMs`, forgotten: each silent node is claimed by exactly
   * one caller, which then ends its sockets' sessions (`endSocketsOf`).
   */
  claimSilentNodes(silenceMs: number): Promise<string[]>;

  /** Forgets a node that stops on purpose, so nobody takes it for lost. */
  deregisterNode(nodeId: string): Promise<void>;
}

export interface LiveStore extends LiveSessions, ChangeFeed, NodeRegistry {
  close(): Promise<void>;
}
