// Sessions a crash left open. A node whose live sessions lived only in its memory finds, at its next
// start, the session-log rows it never ended; the core announces them ended (`node_lost`), so that
// whoever mirrors the change stream or takes webhooks sees them go, and their users go offline. What
// the crash took (agent, view) is not known any more: a lost session carries what the log kept (its host
// name among it, since the log keeps one).
import type { SessionLogEntry } from '../history/history-store.ts';
import type { NodeConnection, Session, UserRecord } from './model.ts';

/** The session as the log and the user's record remember it, at the moment it was ended. */
export function lostSession(entry: SessionLogEntry, record: UserRecord | undefined, nodeRole: NodeConnection['purpose']): Session {
  const endedAt = entry.endedAt ?? entry.startedAt;
  // Its own last activity went with the crash; its user's, as history kept it, is the best bound.
  const lastActivityAt = Math.min(Math.max(record?.lastSeenAt ?? entry.startedAt, entry.startedAt), endedAt);
  return {
    id: entry.sessionId,
    // A user whose record was not written yet (opened just before the crash) is known by id only.
    user: record?.user ?? { id: entry.userId, name: entry.userId, type: '' },
    clientType: entry.clientType,
    // Rows written before the log kept the transport were HTTP or WebSocket alike; HTTP is the guess.
    transport: entry.transport ?? 'http',
    ...(entry.hostname !== undefined && { hostname: entry.hostname }),
    remoteAddress: entry.remoteAddress,
    idle: false,
    startedAt: entry.startedAt,
    lastActivityAt,
    expiresAt: endedAt,
    lifetimeMs: 0,
    nodeId: entry.nodeId,
    nodeRole,
    resumeSecretHash: '',
    detached: false,
    version: 0,
  };
}
