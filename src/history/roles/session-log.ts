// The session log: one row per session, written when it starts and completed when it ends, with why.

import type { ClientType, EndReason, Transport } from '../../core/model.ts';

/** A session's browser and OS in short names, as people say them ("Chrome 134", "Windows 11"). */
export interface SessionLogAgent {
  browser?: string;
  os?: string;
}

/** One line of the session log: written when a session starts and completed when it ends. */
export interface SessionLogEntry {
  sessionId: number;
  userId: string;
  clientType: ClientType;
  /** How the client was connected; absent on rows written before it was kept. */
  transport?: Transport;
  nodeId: string;
  remoteAddress: string;
  /** The host name the client reported when it started; absent when it named none, and on older rows. */
  hostname?: string;
  /** Its user agent as it started, in short names; absent when neither is known, and on older rows. */
  agent?: SessionLogAgent;
  startedAt: number;
  endedAt?: number;
  endReason?: EndReason;
  /** Who ended it, for an admin action (account name). */
  endedBy?: string;
}

/** A session's line as it ended: the whole line, so that it stands alone when its start is not written yet. */
export interface EndedSessionLogEntry extends SessionLogEntry {
  endedAt: number;
  endReason: EndReason;
}

/**
 * What the log is told. Writes of one session may arrive in either order: in a cluster the node that
 * opened a session writes its start and the node that ended it writes its end, each in its own batch.
 * So an end carries the whole line and makes the row when its start is not there yet; the start, when
 * it comes, completes what was known when the session started and leaves the end alone.
 */
export type SessionLogWrite = { op: 'start'; entry: SessionLogEntry } | { op: 'end'; entry: EndedSessionLogEntry };

/**
 * A place in the log's order (newest first: by start, then by session id, both descending). Only the
 * pair names one row: session ids wrap, and several sessions may start in one millisecond.
 */
export interface SessionLogPosition {
  startedAt: number;
  sessionId: number;
}

export interface SessionLogQuery {
  userId?: string;
  /** Only entries after this one in the order (the last of the previous page): pages neither skip nor repeat a row as new ones arrive. */
  after?: SessionLogPosition;
  /** Newest first; default 100. */
  limit?: number;
}

export interface SessionLog {
  appendSessionLog(writes: readonly SessionLogWrite[]): Promise<void>;
  /** Newest first: by start, then by session id, both descending. */
  listSessionLog(query?: SessionLogQuery): Promise<SessionLogEntry[]>;
  /**
   * Ends every session-log row of `nodeId` that has no end yet, and answers those rows as they are now
   * (ended). A node whose live store died with it calls this at start for the sessions a crash left
   * open, and announces their end.
   */
  endOpenSessions(nodeId: string, endedAt: number, endReason: EndReason): Promise<SessionLogEntry[]>;
}
