// The public JSON shape of sessions and users in rollcall's own API and change stream. Internal
// fields (the resume secret's hash, expiry bookkeeping) never leave the process. Times are Unix
// seconds, like the ingest contract's.
import type { Session, UserPresence } from '../core/model.ts';

export const toSeconds = (ms: number) => Math.floor(ms / 1000);

export function sessionJson(session: Session) {
  return {
    id: session.id,
    user: session.user,
    clientType: session.clientType,
    transport: session.transport,
    state: session.detached ? ('detached' as const) : ('connected' as const),
    hostname: session.hostname,
    platform: session.platform,
    timezoneOffset: session.timezoneOffset,
    userAgent: session.userAgent,
    privateIp: session.privateIp,
    remoteAddress: session.remoteAddress,
    idle: session.idle,
    view: session.view,
    representative: session.representative,
    customer: session.customer,
    startedAt: toSeconds(session.startedAt),
    lastActivityAt: toSeconds(session.lastActivityAt),
    nodeId: session.nodeId,
    connections: session.connections.map((c) => ({ ...c, connectedSince: toSeconds(c.connectedSince) })),
    events: session.events.map((e) => ({ ...e, at: toSeconds(e.at) })),
  };
}
export type SessionJson = ReturnType<typeof sessionJson>;

export function userJson(presence: UserPresence) {
  return {
    ...presence.user,
    online: presence.online,
    lastSeenAt: toSeconds(presence.lastSeenAt),
    lastView: presence.lastView,
    sessions: presence.sessions.map(sessionJson),
  };
}
