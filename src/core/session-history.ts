// A user's sessions, past and present, newest first: the session log, completed with what it does not
// hold yet. History is written in batches (every 2 s by default), so the log alone would miss a session
// that opened a moment ago, or show one this node just ended as still going. A page therefore adds this
// node's writes that wait for the next batch, and the user's live sessions (of any node) whose start is
// not in the log yet.
// Pages follow the log's order (by start, then session id, both descending) and each starts after the
// last entry of the previous one: sessions that start meanwhile come before the first page, never into
// a later one, so paging neither skips nor repeats a session.
import type { EndedSessionLogEntry, SessionLogEntry, SessionLogPosition, SessionLogWrite } from '../history/history-store.ts';
import type { Session } from './model.ts';
import { agentNames } from './user-agent.ts';

/** An entry of a user's sessions, and whether the session is live now. */
export interface SessionHistoryEntry extends SessionLogEntry {
  live: boolean;
}

export interface SessionHistoryPage {
  entries: SessionHistoryEntry[];
  /** The last entry's position, when more entries follow it: where the next page starts. */
  next?: SessionLogPosition;
}

/**
 * The session log's line for a session as it ended: the whole line, for the log keeps it even when the
 * start is written later (by another node). Made as one object: a mass end makes a million of them.
 */
export function endEntry(session: Session, end: Pick<EndedSessionLogEntry, 'endedAt' | 'endReason' | 'endedBy'>): EndedSessionLogEntry {
  const entry = startEntry(session) as SessionLogEntry & Partial<EndedSessionLogEntry>;
  entry.endedAt = end.endedAt;
  entry.endReason = end.endReason;
  if (end.endedBy !== undefined) entry.endedBy = end.endedBy;
  return entry as EndedSessionLogEntry;
}

/** The session log's line for a session as it starts (what PresenceService.open writes). */
export function startEntry(session: Session): SessionLogEntry {
  const entry: SessionLogEntry = {
    sessionId: session.id,
    userId: session.user.id,
    clientType: session.clientType,
    transport: session.transport,
    nodeId: session.nodeId,
    remoteAddress: session.remoteAddress,
    startedAt: session.startedAt,
  };
  if (session.hostname !== undefined) entry.hostname = session.hostname;
  const agent = agentNames(session.agent);
  if (agent) entry.agent = agent;
  return entry;
}

export interface SessionHistorySources {
  userId: string;
  /** Where the page starts: after this entry; at the newest when absent. */
  after?: SessionLogPosition;
  limit: number;
  /** The log's entries of the user after `after`, newest first: `limit + 1` of them, to tell whether more follow. */
  logged: readonly SessionLogEntry[];
  /** This node's session-log writes not in the log yet, oldest first. */
  pending: Iterable<SessionLogWrite>;
  /** The user's live sessions. */
  live: readonly Session[];
}

/** One page of a user's sessions from the log and what it does not hold yet. */
export function sessionHistoryPage({ userId, after, limit, logged, pending, live }: SessionHistorySources): SessionHistoryPage {
  const inPage = (entry: SessionLogPosition) => after === undefined || newestFirst(entry, after) > 0;
  const entries = new Map<string, SessionLogEntry>();
  for (const entry of logged) entries.set(keyOf(entry), entry);
  const ends = new Map<string, EndedSessionLogEntry>();
  for (const { op, entry } of pending) {
    const key = keyOf(entry);
    // The first end written is the one the log keeps.
    if (op === 'end' && !ends.has(key)) ends.set(key, entry);
    // An end is a whole line too: in a cluster the session's start may be written by another node, later.
    if (entry.userId === userId && inPage(entry) && !entries.has(key)) entries.set(key, entry);
  }
  const liveKeys = new Set<string>();
  for (const session of live) {
    const entry = startEntry(session);
    liveKeys.add(keyOf(entry));
    if (inPage(entry) && !entries.has(keyOf(entry))) entries.set(keyOf(entry), entry);
  }
  const sorted = [...entries.values()].sort(newestFirst);
  const page = sorted.slice(0, limit).map((entry): SessionHistoryEntry => {
    const end = entry.endedAt === undefined ? ends.get(keyOf(entry)) : undefined;
    return {
      ...entry,
      ...(end && { endedAt: end.endedAt, endReason: end.endReason, ...(end.endedBy !== undefined && { endedBy: end.endedBy }) }),
      live: liveKeys.has(keyOf(entry)),
    };
  });
  const last = page.at(-1);
  return { entries: page, ...(sorted.length > limit && last && { next: { startedAt: last.startedAt, sessionId: last.sessionId } }) };
}

/** Only the pair names one session: ids wrap, and a session id is reused long after its session ended. */
const keyOf = (entry: SessionLogPosition): string => `${entry.sessionId}@${entry.startedAt}`;

/** The log's order: the later start first, then the higher session id. Negative when `a` comes first. */
function newestFirst(a: SessionLogPosition, b: SessionLogPosition): number {
  return b.startedAt - a.startedAt || b.sessionId - a.sessionId;
}
