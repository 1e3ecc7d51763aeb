// The public JSON shape of sessions and users in rollcall's own API and change stream, as schemas and
// as the functions that build them; the types come from the schemas. Internal fields (the resume
// secret's hash, expiry bookkeeping) never leave the process. Times are Unix seconds, like the ingest
// contract's. Field types and limits are the ingest contract's own (core/input-schemas.ts), so a field
// has one type whether it is reported or read.
import { CloneType, Type, type Static } from '@sinclair/typebox';
import { ClientHintsSchema, CustomerSchema, RepresentativeSchema, UserSchema, ViewSchema } from '../core/input-schemas.ts';
import {
  CLIENT_TYPES,
  SESSION_EVENT_KINDS,
  TRANSPORTS,
  sessionConnections,
  sessionEvents,
  type Session,
  type UserPresence,
} from '../core/model.ts';
import { sessionPlaces } from '../core/places.ts';
import { stringEnum } from './schemas.ts';

export const toSeconds = (ms: number) => Math.floor(ms / 1000);

const UnixSeconds = (description: string) => Type.Integer({ description: `${description} (Unix seconds)` });

/** A reported user; `type` is always present (`customer` when the application gave none). */
export const UserInfoSchema = Type.Object({ ...UserSchema.properties, type: Type.String() });

const fullRepresentative = Type.Required(RepresentativeSchema);
/** What a representative console reported, with defaults filled in; only the links and licence may be absent. */
export const RepresentativeJsonSchema = Type.Object({
  ...fullRepresentative.properties,
  startSessionUrl: Type.Optional(fullRepresentative.properties.startSessionUrl),
  directLink: Type.Optional(fullRepresentative.properties.directLink),
  supportLicense: Type.Optional(fullRepresentative.properties.supportLicense),
});

export const SessionJsonSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1, description: 'Positive 32-bit; unique while live and not reused soon after' }),
    user: UserInfoSchema,
    clientType: stringEnum(CLIENT_TYPES),
    transport: stringEnum(TRANSPORTS),
    state: stringEnum(['connected', 'detached'] as const, {
      description: 'detached: a WebSocket session waiting for its client to resume',
    }),
    hostname: Type.Optional(Type.String()),
    platform: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() })),
    timezoneOffset: Type.Optional(Type.Integer({ description: 'Seconds from UTC, as the client reported' })),
    userAgent: Type.Optional(Type.String()),
    clientHints: Type.Optional(ClientHintsSchema),
    agent: Type.Optional(
      Type.Object(
        {
          browser: Type.String(),
          version: Type.String({ description: 'The full version when the client hints give it; reduced agents say only the major' }),
          majorVersion: Type.Integer(),
          os: Type.String(),
          osVersion: Type.Optional(
            Type.String({
              description:
                'As people name it ("11" for Windows 11, "14.5" for macOS); absent when unknown, as for reduced agents without client hints',
            }),
          ),
          model: Type.Optional(Type.String({ description: 'The device model the client hints name' })),
        },
        { description: 'The user agent and client hints, parsed once when the session opened or either changed (client hints win)' },
      ),
    ),
    privateIp: Type.Optional(Type.String()),
    remoteAddress: Type.String({ description: 'Taken from the connection, never from the body' }),
    idle: Type.Boolean(),
    view: Type.Optional(ViewSchema),
    places: Type.Optional(
      Type.Array(Type.String(), {
        description: 'The places the session is in, joined or named by its view, in name order; absent when none',
      }),
    ),
    representative: Type.Optional(RepresentativeJsonSchema),
    customer: Type.Optional(CustomerSchema),
    startedAt: UnixSeconds('When the session opened'),
    lastActivityAt: UnixSeconds('Its last sign of life'),
    nodeId: Type.String({ description: 'The node that owns its transport' }),
    connections: Type.Array(
      Type.Object({
        nodeId: Type.String(),
        purpose: stringEnum(['master', 'traffic'] as const),
        receiveTrafficNode: Type.Boolean(),
        connectedSince: UnixSeconds('Attached since'),
        privateIp: Type.Optional(Type.String()),
      }),
    ),
    events: Type.Array(Type.Object({ at: UnixSeconds('When'), kind: stringEnum(SESSION_EVENT_KINDS), text: Type.String() }), {
      description: 'The last 20 connection events, oldest first',
    }),
  },
  { description: 'A live session' },
);
export type SessionJson = Static<typeof SessionJsonSchema>;

export function sessionJson(session: Session): SessionJson {
  return {
    id: session.id,
    user: session.user,
    clientType: session.clientType,
    transport: session.transport,
    state: session.detached ? 'detached' : 'connected',
    hostname: session.hostname,
    platform: session.platform,
    timezoneOffset: session.timezoneOffset,
    userAgent: session.userAgent,
    clientHints: session.clientHints,
    agent: session.agent,
    privateIp: session.privateIp,
    remoteAddress: session.remoteAddress,
    idle: session.idle,
    view: session.view,
    places: placesOf(session),
    representative: session.representative,
    customer: session.customer,
    startedAt: toSeconds(session.startedAt),
    lastActivityAt: toSeconds(session.lastActivityAt),
    nodeId: session.nodeId,
    connections: sessionConnections(session).map((c) => ({ ...c, connectedSince: toSeconds(c.connectedSince) })),
    events: sessionEvents(session).map((e) => ({ ...e, at: toSeconds(e.at) })),
  };
}

function placesOf(session: Session): string[] | undefined {
  const places = sessionPlaces(session);
  return places.length > 0 ? [...places] : undefined;
}

export const UserJsonSchema = Type.Object(
  {
    ...UserInfoSchema.properties,
    online: Type.Boolean(),
    lastSeenAt: UnixSeconds('The last activity of any of their sessions'),
    lastView: Type.Optional(
      CloneType(ViewSchema, {
        description:
          'What they last looked at: while online, the view of the tab last turned to (an active tab before an idle one, then the one whose view or state changed last; heartbeats do not move it); offline, the last view reported',
      }),
    ),
    sessions: Type.Array(SessionJsonSchema, { description: 'Live sessions; empty when offline' }),
  },
  { description: 'A user, online or remembered' },
);
export type UserJson = Static<typeof UserJsonSchema>;

export function userJson(presence: UserPresence): UserJson {
  return {
    ...presence.user,
    online: presence.online,
    lastSeenAt: toSeconds(presence.lastSeenAt),
    lastView: presence.lastView,
    sessions: presence.sessions.map(sessionJson),
  };
}
