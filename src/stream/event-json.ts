// The public JSON of one change, as the change stream sends it in `data:` and webhooks POST it. One
// shape for both, built here only. Times are Unix seconds, like the rest of the API; sessions have the
// API's public session shape (no resume secret, no expiry bookkeeping).
import { Type, type Static } from '@sinclair/typebox';
import type { ClientType, PresenceChange, PresenceChangeType } from '../core/model.ts';
import { END_REASONS } from '../core/model.ts';
import { SessionJsonSchema, UserInfoSchema, sessionJson, toSeconds } from '../api/presence-json.ts';
import { stringEnum } from '../api/schemas.ts';
import { PRESENCE_CHANGE_TYPES } from './event-types.ts';

export const EventJsonSchema = Type.Object(
  {
    type: stringEnum(PRESENCE_CHANGE_TYPES),
    at: Type.Integer({ description: 'When the change happened (Unix seconds)' }),
    session: Type.Optional(Type.Object(SessionJsonSchema.properties, { description: 'session.* events: the session after the change' })),
    user: Type.Optional(Type.Object(UserInfoSchema.properties, { description: 'user.* events: the user' })),
    reason: Type.Optional(stringEnum(END_REASONS, { description: 'session.ended: why it ended' })),
    endedBy: Type.Optional(Type.String({ description: 'session.ended by an admin: the account name' })),
    lastSeenAt: Type.Optional(Type.Integer({ description: "user.offline: the user's last activity (Unix seconds)" })),
  },
  { description: 'One change: the data of a stream event, and (with deliveryId and eventId) the body of a webhook delivery' },
);
export type EventJson = Static<typeof EventJsonSchema>;

export function eventJson(change: PresenceChange): EventJson {
  const at = toSeconds(change.at);
  switch (change.type) {
    case 'session.started':
    case 'session.updated':
      return { type: change.type, at, session: sessionJson(change.session) };
    case 'session.ended':
      return {
        type: change.type,
        at,
        session: sessionJson(change.session),
        reason: change.reason,
        ...(change.endedBy !== undefined && { endedBy: change.endedBy }),
      };
    case 'user.online':
      return { type: change.type, at, user: change.user };
    case 'user.offline':
      return { type: change.type, at, user: change.user, lastSeenAt: toSeconds(change.lastSeenAt) };
  }
}

/**
 * A change with its JSON written once, and the facts filters look at, so a thousand stream clients and
 * every webhook subscription share one serialization.
 */
export interface SerializedChange {
  type: PresenceChangeType;
  userId: string;
  /** session.* events only. */
  clientType?: ClientType;
  /** The EventJson as JSON text (one line: JSON.stringify never writes a raw line break). */
  data: string;
}

export function serializeChange(change: PresenceChange): SerializedChange {
  const data = JSON.stringify(eventJson(change));
  if ('session' in change) return { type: change.type, userId: change.session.user.id, clientType: change.session.clientType, data };
  return { type: change.type, userId: change.user.id, data };
}
