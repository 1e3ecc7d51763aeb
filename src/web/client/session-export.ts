// The sessions table as a CSV file: every session that matches the current filter, in the table's
// order, fetched in pages of 1,000 (or taken from the sorted list, which holds them all already).
import { toCsv } from './csv.ts';
import { clientTypeLabel, isoTime, stateLabel, viewText } from './format.ts';
import type { NodeDirectory } from './nodes.ts';
import type { SessionFilter } from './session-filter.ts';
import { allPages, type FetchPage } from './session-list.ts';
import type { SessionJson } from './types.ts';

const HEADER = [
  'session_id',
  'user_id',
  'user_name',
  'user_type',
  'client_type',
  'state',
  'host',
  'platform',
  'viewing',
  'node_id',
  'node_name',
  'started_at',
  'last_activity_at',
  'remote_address',
  'transport',
  'user_agent',
];

export function sessionsCsv(sessions: readonly SessionJson[], nodes: NodeDirectory): Promise<string> {
  return toCsv(HEADER, sessions, (s) => [
    s.id,
    s.user.id,
    s.user.name,
    s.user.type,
    clientTypeLabel(s.clientType),
    stateLabel(s),
    s.hostname,
    s.platform?.name ?? s.agent?.os,
    viewText(s.view),
    s.nodeId,
    nodes.get(s.nodeId)?.hostname,
    isoTime(s.startedAt),
    isoTime(s.lastActivityAt),
    s.remoteAddress,
    s.transport,
    s.userAgent,
  ]);
}

/** Every live session matching `filter`, in id order; `onProgress` hears how many came so far. */
export async function collectSessions(
  fetchPage: FetchPage,
  filter: SessionFilter,
  onProgress: (fetched: number, total: number) => void,
  signal: AbortSignal,
): Promise<SessionJson[]> {
  const byId = new Map<number, SessionJson>();
  for await (const page of allPages(fetchPage, filter, signal)) {
    for (const session of page.sessions) byId.set(session.id, session);
    onProgress(byId.size, page.total);
  }
  return [...byId.values()];
}
