// The public JSON of one change, as the change stream sends it in `data:` and webhooks POST it. One
// shape for both, built here only. Times are Unix seconds, like the rest of the API; sessions have the
// API's public session shape (no resume secret, no expiry bookkeeping).
import { Type, type Static } from '@sinclair/typebox';
import type { ClientType, PresenceChange, PresenceChangeType, Session } from '../core/model.ts';
import { END_REASONS } from '../core/model.ts';
import { sessionPlaces } from '../core/places.ts';
import { SessionJsonSchema, UserInfoSchema, sessionJson, toSeconds } from '../api/presence-json.ts';
import { stringEnum } from '../api/schemas.ts';
import { PRESENCE_CHANGE_TYPES } from './event-types.ts';

export const EventJsonSchema = Type.Object(
  {
    type: stringEnum(PRESENCE_CHANGE_TYPES),
    at: Type.Integer({ description: 'When the change happened (Unix seconds)' }),
    session: Type.Optional(Type.Object(SessionJsonSchema.properties, { description: 'session.* events: the session after the change' })),
    user: Type.Optional(Type.Object(UserInfoSchema.properties, { description: 'user.* and place.* events: the user' })),
    place: Type.Optional(Type.String({ description: 'place.* events: the place the user entered or left' })),
    sessionId: Type.Optional(
      Type.Integer({ description: "place.* events: the session that made it so (the user's first in the place, or the last to go)" }),
    ),
    reason: Type.Optional(stringEnum(END_REASONS, { description: 'session.ended: why it ended' })),
    endedBy: Type.Optional(Type.String({ description: 'session.ended by an admin: the account name' })),
    lastSeenAt: Type.Optional(Type.Integer({ description: "user.offline: the user's last activity (Unix seconds)" })),
  },
  { description: 'One change: the data of a stream event, and (with deliveryId and eventId) the body of a webhook delivery' },
);
export type EventJson = Static<typeof EventJsonSchema>;

/**
 * The change's JSON. `lastActivityAt`, when given, stands for the session's: a live session's
 * snapshot keeps moving it in place on heartbeats (the only field that does), so an event written
 * later than its change says what it said at the change.
 */
export function eventJson(change: PresenceChange, lastActivityAt?: number): EventJson {
  const at = toSeconds(change.at);
  switch (change.type) {
    case 'session.started':
    case 'session.updated':
      return { type: change.type, at, session: sessionJson(asOf(change.session, lastActivityAt)) };
    case 'session.ended':
      return {
        type: change.type,
        at,
        session: sessionJson(asOf(change.session, lastActivityAt)),
        reason: change.reason,
        ...(change.endedBy !== undefined && { endedBy: change.endedBy }),
      };
    case 'user.online':
      return { type: change.type, at, user: change.user };
    case 'user.offline':
      return { type: change.type, at, user: change.user, lastSeenAt: toSeconds(change.lastSeenAt) };
    case 'place.join':
    case 'place.leave':
      return { type: change.type, at, place: change.place, user: change.user, sessionId: change.sessionId };
  }
}

const asOf = (session: Session, lastActivityAt: number | undefined): Session =>
  lastActivityAt === undefined || lastActivityAt === session.lastActivityAt ? session : { ...session, lastActivityAt };

/**
 * A change as the stream's clients and webhooks see it: the facts filters look at, and its JSON, so a
 * thousand stream clients and every webhook subscription share one serialization.
 */
export interface SerializedChange {
  readonly type: PresenceChangeType;
  readonly userId: string;
  /** session.* events only. */
  readonly clientType?: ClientType | undefined;
  /** The places the event is about: a session's (after the change), a place event's one; none for user events. */
  readonly places: readonly string[];
  /** The EventJson as JSON text (one line: JSON.stringify never writes a raw line break). */
  readonly data: string;
}

/**
 * A SerializedChange whose JSON is written when something first reads `data` (a stream client, a
 * webhook delivery, a replay, a backlog that stores text), and then kept: at most one serialization per
 * change, and none for a change nobody reads. Most changes are read by nobody (no stream client, no
 * webhook for its type), while their JSON (about 1 KB for a session) held in the backlog was most of
 * its memory. Made when the change is announced, it takes the one fact that may still move then (the
 * session's last activity), so what it writes later is what it would have written at once.
 */
export class ChangeJson implements SerializedChange {
  private readonly lastActivityAt: number | undefined;
  private json: string | undefined;

  constructor(private readonly change: PresenceChange) {
    this.lastActivityAt = 'session' in change ? change.session.lastActivityAt : undefined;
  }

  get type(): PresenceChangeType {
    return this.change.type;
  }

  get userId(): string {
    return 'session' in this.change ? this.change.session.user.id : this.change.user.id;
  }

  get clientType(): ClientType | undefined {
    return 'session' in this.change ? this.change.session.clientType : undefined;
  }

  get places(): readonly string[] {
    if ('session' in this.change) return sessionPlaces(this.change.session);
    return 'place' in this.change ? [this.change.place] : [];
  }

  get data(): string {
    return (this.json ??= JSON.stringify(eventJson(this.change, this.lastActivityAt)));
  }
}
