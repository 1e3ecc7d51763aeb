// A stand-in for GET /v1/sessions for the sessions table's data lists: it pages and filters like the
// real one (ascending ids, the cursor is the last id, total over all pages), and builds sessions and
// the stream's events about them.
import type { SessionJson } from '../../src/api/presence-json.ts';
import { matchesFilter } from '../../src/web/client/session-filter.ts';
import type { PageRequest } from '../../src/web/client/session-list.ts';
import type { ChangeEvent, SessionsPage } from '../../src/web/client/types.ts';

export function session(id: number, overrides: Partial<SessionJson> = {}): SessionJson {
  return {
    id,
    user: { id: `u${id}`, name: `User ${id}`, type: 'staff' },
    clientType: 'web',
    transport: 'http',
    state: 'connected',
    remoteAddress: '127.0.0.1',
    idle: false,
    startedAt: 1,
    lastActivityAt: 1,
    nodeId: 'node-a',
    connections: [],
    events: [],
    ...overrides,
  } as SessionJson;
}

/** A server-side list with the API's paging; `live` is what it holds, `requests` what it was asked. */
export function fakeApi(initial: SessionJson[]) {
  const live = new Map(initial.map((s) => [s.id, s]));
  const requests: PageRequest[] = [];
  const fetchPage = async (request: PageRequest): Promise<SessionsPage> => {
    requests.push(request);
    const matching = [...live.values()].filter((s) => matchesFilter(s, request.filter)).sort((a, b) => a.id - b.id);
    const after = request.cursor === undefined ? 0 : Number(request.cursor);
    const rest = matching.filter((s) => s.id > after);
    const page = rest.slice(0, request.limit);
    return { sessions: page, nextCursor: rest.length > request.limit ? String(page.at(-1)!.id) : null, total: matching.length };
  };
  return { live, requests, fetchPage };
}

export const started = (s: SessionJson): ChangeEvent => ({ type: 'session.started', at: 1, session: s });
export const updated = (s: SessionJson): ChangeEvent => ({ type: 'session.updated', at: 1, session: s });
export const ended = (s: SessionJson): ChangeEvent => ({ type: 'session.ended', at: 1, session: s, reason: 'closed' });

/** `fetchPage` held back until `release()`: for events that arrive while a page is on its way. */
export function gated(fetchPage: (request: PageRequest) => Promise<SessionsPage>) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    fetchPage: async (request: PageRequest) => {
      await gate;
      return fetchPage(request);
    },
    release: () => release(),
  };
}
