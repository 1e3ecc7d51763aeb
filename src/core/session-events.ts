// What happens to a session's event log and connections when it changes hands or ends, and why an
// expired session ended. Pure functions of the session: the live stores apply them when they end
// sessions (every node of a cluster derives the same ended session from the same change), the core
// when it detaches or resumes one.
import {
  CONNECTION_LIMIT,
  EVENT_LOG_LIMIT,
  type EndReason,
  type NodeConnection,
  type Session,
  type SessionEvent,
  type SessionEventKind,
  sessionConnections,
  sessionEvents,
} from './model.ts';

export function sessionEvent(at: number, kind: SessionEventKind, text: string): SessionEvent {
  return { at, kind, text };
}

/** The session's log with `event` added, keeping the newest EVENT_LOG_LIMIT. */
export function appendEvent(session: Session, event: SessionEvent): SessionEvent[] {
  const next = [...sessionEvents(session), event];
  return next.length > EVENT_LOG_LIMIT ? next.slice(next.length - EVENT_LOG_LIMIT) : next;
}

/**
 * The session's connections once it attached to a node (a resume): the nodes it was attached to stay
 * listed, the latest last, and a node it comes back to moves to the end with its new time.
 */
export function appendConnection(session: Session, connection: NodeConnection): NodeConnection[] {
  const next = [...sessionConnections(session).filter((known) => known.nodeId !== connection.nodeId), connection];
  return next.length > CONNECTION_LIMIT ? next.slice(next.length - CONNECTION_LIMIT) : next;
}

/** The session as its end announces it: its log closed by an "ended" event. */
export function endedSession(session: Session, reason: EndReason, at: number, endedBy?: string): Session {
  return { ...session, events: appendEvent(session, sessionEvent(at, 'ended', endedText(reason, endedBy))) };
}

/**
 * Why a session whose deadline passed ended: an HTTP session missed its heartbeats, a detached socket
 * session got no resume in its grace period, an attached one missed its pings.
 */
export function expiryReason(session: Session): EndReason {
  if (session.transport === 'http') return 'expired';
  return session.detached ? 'connection_lost' : 'ping_timeout';
}

/** Texts of ends by the system are few, so they are made once. */
const endedTexts = new Map<EndReason, string>();
function endedText(reason: EndReason, endedBy: string | undefined): string {
  if (endedBy !== undefined) return `Session ended: ${reason.replaceAll('_', ' ')} by ${endedBy}`;
  let text = endedTexts.get(reason);
  if (text === undefined) endedTexts.set(reason, (text = `Session ended: ${reason.replaceAll('_', ' ')}`));
  return text;
}
