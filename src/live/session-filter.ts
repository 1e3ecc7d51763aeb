// Which live sessions a query is about, and what every store means by it: one test per criterion,
// shared by every implementation and by each node's replica of a shared store, so all agree.
import type { ClientType, Session } from '../core/model.ts';
import { sessionPlaces } from '../core/places.ts';

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
  /** Sessions in this place (joined, or named by their view: core/places.ts). */
  place?: string;
}

export interface SessionQuery extends SessionFilter {
  /** Cursor: only sessions with an id greater than this. Results are in ascending id order. */
  afterId?: number;
  /** At most this many sessions; all when absent. A store stops looking once it has this many. */
  limit?: number;
}

/** The matcher of an empty filter; stores may answer such a query without looking at sessions. */
export const matchesEverything = (_session: Session): boolean => true;

/**
 * What every store means by a filter, so all implementations agree: one test for every criterion,
 * with its constants (a set of types, the search pattern) worked out once per query.
 */
export function sessionMatcher(filter: SessionFilter): (session: Session) => boolean {
  const { clientTypes, userId, userType, nodeId, idle, place } = filter;
  const wanted = clientTypes && clientTypes.length > 0 ? new Set(clientTypes) : undefined;
  const contains = filter.q ? containsIgnoringCase(filter.q) : undefined;
  if (
    !wanted &&
    userId === undefined &&
    userType === undefined &&
    nodeId === undefined &&
    idle === undefined &&
    place === undefined &&
    !contains
  ) {
    return matchesEverything;
  }
  return (session) =>
    (!wanted || wanted.has(session.clientType)) &&
    (userId === undefined || session.user.id === userId) &&
    (userType === undefined || session.user.type === userType) &&
    (nodeId === undefined || session.nodeId === nodeId) &&
    (idle === undefined || session.idle === idle) &&
    (place === undefined || sessionPlaces(session).includes(place)) &&
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
