// The sessions table's filters: as the API's query string, as the page's address (so a filtered view
// can be bookmarked), and as a predicate the live stream's events are checked against. The predicate
// mirrors the server's filters; where it might differ, the list reconciles its total with the server.
import type { SessionJson } from './types.ts';

export type SessionState = 'idle' | 'active';

export interface SessionFilter {
  /** One client type, or empty for all. */
  type?: string;
  userId?: string;
  userType?: string;
  node?: string;
  state?: SessionState;
  /** Case-insensitive text in the user's name, username, display names or the host name. */
  q?: string;
}

const KEYS = ['type', 'userId', 'userType', 'node', 'state', 'q'] as const;

/** The filter as query parameters of `GET /v1/sessions` (and of the page's hash). */
export function filterQuery(filter: SessionFilter): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of KEYS) {
    const value = filter[key]?.trim();
    if (value) query[key] = value;
  }
  return query;
}

export function filterFromParams(params: URLSearchParams): SessionFilter {
  const filter: SessionFilter = {};
  for (const key of KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === 'state') {
      if (value === 'idle' || value === 'active') filter.state = value;
    } else filter[key] = value;
  }
  return filter;
}

export function isEmptyFilter(filter: SessionFilter): boolean {
  return Object.keys(filterQuery(filter)).length === 0;
}

/** Whether a session (as the stream reports it) belongs in the filtered list. */
export function matchesFilter(session: SessionJson, filter: SessionFilter): boolean {
  if (filter.type && !filter.type.split(',').includes(session.clientType)) return false;
  if (filter.userId && session.user.id !== filter.userId) return false;
  if (filter.userType && session.user.type !== filter.userType) return false;
  if (filter.node && session.nodeId !== filter.node) return false;
  if (filter.state === 'idle' && !session.idle) return false;
  if (filter.state === 'active' && session.idle) return false;
  const q = filter.q?.trim().toLowerCase();
  if (q) {
    const { user } = session;
    const haystacks = [user.name, user.username, user.publicDisplayName, user.privateDisplayName, session.hostname];
    if (!haystacks.some((text) => text?.toLowerCase().includes(q))) return false;
  }
  return true;
}
