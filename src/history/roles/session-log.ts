// The session log: one row per session, written when it starts and completed when it ends, with why.

import type { ClientType, EndReason, Transport } from '../../core/model.ts';

/** One line of the session log: written when a session starts and completed when it ends. */
export interface SessionLogEntry {
  sessionId: number;
  userId: string;
  clientType: ClientType;
  /** How the client was connected; absent on rows written before it was kept. */
  transport?: Transport;
  nodeId: string;
  remoteAddress: string;
  startedAt: number;
  endedAt?: number;
  endReason?: EndReason;
  /** Who ended it, for an admin action (account name). */
  endedBy?: string;
}

export type SessionLogWrite =
  | { op: 'start'; entry: SessionLogEntry }
  | { op: 'end'; sessionId: number; startedAt: number; endedAt: number; endReason: EndReason; endedBy?: string };

export interface SessionLogQuery {
  userId?: string;
  /** Newest first; default 100. */
  limit?: number;
}

export interface SessionLog {
  appendSessionLog(writes: readonly SessionLogWrite[]): Promise<void>;
  listSessionLog(query?: SessionLogQuery): Promise<SessionLogEntry[]>;
  /**
   * Ends every session-log row of `nodeId` that has no end yet, and answers those rows as they are now
   * (ended). A node whose live store died with it calls this at start for the sessions a crash left
   * open, and announces their end.
   */
  endOpenSessions(nodeId: string, endedAt: number, endReason: EndReason): Promise<SessionLogEntry[]>;
}
