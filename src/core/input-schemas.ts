// The ingest contract (specs/INGEST.md) as JSON schemas. HTTP routes, WebSocket frames and the OpenAPI
// document all use these, so a field has one type and one length limit everywhere. Every object
// refuses unknown fields: a typo must never pass silently.
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { CLIENT_TYPES, NON_INTERACTIVE_KINDS, REPRESENTATIVE_TYPES } from './model.ts';
import { PLACE_NAME_MAX, PLACES_PER_SESSION_MAX } from './places.ts';

const strict = <T extends TProperties>(properties: T) => Type.Object(properties, { additionalProperties: false });
const text = (maxLength: number, minLength = 0) => Type.String({ maxLength, minLength });
const oneOf = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

export const LIMITS = {
  userId: 128,
  name: 256,
  email: 256,
  userType: 32,
  username: 128,
  hostname: 256,
  platformField: 128,
  userAgent: 512,
  /** Each string of `clientHints` (a brand, a version, the platform, the model). */
  clientHintField: 128,
  /** Brands in `clientHints.fullVersionList`: browsers send 3 (theirs, "Chromium", a GREASE brand). */
  brandsPerClientHints: 16,
  viewField: 128,
  url: 2048,
  lsid: 64,
  lsidsPerRepresentative: 100,
  /** Longest IPv6 text form with an embedded IPv4 address. */
  ipAddress: 45,
  heartbeatsPerBatch: 10_000,
  /** Seconds from UTC: UTC-14 … UTC+14. */
  timezoneOffset: 50_400,
} as const;

export const ViewSchema = strict({
  m: text(LIMITS.viewField),
  v: text(LIMITS.viewField),
  t: text(LIMITS.viewField),
});

const userProperties = {
  id: text(LIMITS.userId, 1),
  name: text(LIMITS.name, 1),
  email: Type.Optional(text(LIMITS.email)),
  type: Type.Optional(text(LIMITS.userType, 1)),
  username: Type.Optional(text(LIMITS.username)),
  publicDisplayName: Type.Optional(text(LIMITS.name)),
  privateDisplayName: Type.Optional(text(LIMITS.name)),
};
export const UserSchema = strict(userProperties);
const { id: _userId, ...userPropertiesWithoutId } = userProperties;

const representativeProperties = {
  type: oneOf(REPRESENTATIVE_TYPES),
  startSessionUrl: text(LIMITS.url),
  directLink: text(LIMITS.url),
  presentationCount: Type.Integer({ minimum: 0, maximum: 1 }),
  supportSessionCount: Type.Integer({ minimum: 0, maximum: 100_000 }),
  showingOnRepList: Type.Boolean(),
  routingIdle: Type.Boolean(),
  routingBusy: Type.Boolean(),
  routingEnabled: Type.Boolean(),
  routingAvailable: Type.Boolean(),
  supportLicense: text(LIMITS.platformField),
  supportSessionLsids: Type.Array(text(LIMITS.lsid, 1), { maxItems: LIMITS.lsidsPerRepresentative }),
};
/** Every representative field is optional: defaults fill the gaps (see core/session-input.ts). */
export const RepresentativeSchema = Type.Partial(strict(representativeProperties), { additionalProperties: false });

export const CustomerSchema = strict({
  lsid: text(LIMITS.lsid, 1),
  nonInteractive: Type.Optional(oneOf(NON_INTERACTIVE_KINDS)),
});

/**
 * navigator.userAgentData's high-entropy values (User-Agent Client Hints), as the SDK reports them: only
 * those rollcall reads. The agent prefers them to the user agent, which browsers now freeze.
 */
export const ClientHintsSchema = Type.Partial(
  strict({
    platform: text(LIMITS.clientHintField),
    platformVersion: text(LIMITS.clientHintField),
    fullVersionList: Type.Array(strict({ brand: text(LIMITS.clientHintField), version: text(LIMITS.clientHintField) }), {
      maxItems: LIMITS.brandsPerClientHints,
    }),
    model: text(LIMITS.clientHintField),
  }),
  {
    additionalProperties: false,
    description:
      "navigator.userAgentData.getHighEntropyValues(['platformVersion', 'fullVersionList', 'model']) as the browser answers it; " +
      'rollcall prefers it to userAgent (Windows 11, the macOS and Android version, the full browser version)',
  },
);

const hostProperties = {
  hostname: Type.Optional(text(LIMITS.hostname)),
  platform: Type.Optional(strict({ id: text(LIMITS.platformField), name: text(LIMITS.platformField) })),
  timezoneOffset: Type.Optional(Type.Integer({ minimum: -LIMITS.timezoneOffset, maximum: LIMITS.timezoneOffset })),
  userAgent: Type.Optional(text(LIMITS.userAgent)),
  clientHints: Type.Optional(ClientHintsSchema),
  privateIp: Type.Optional(text(LIMITS.ipAddress, 2)),
  idle: Type.Optional(Type.Boolean()),
  view: Type.Optional(ViewSchema),
  places: Type.Optional(
    Type.Array(text(PLACE_NAME_MAX, 1), {
      maxItems: PLACES_PER_SESSION_MAX,
      description: 'Places the session joins, besides the one its view names; on PATCH and update, the whole list',
    }),
  ),
  representative: Type.Optional(RepresentativeSchema),
  customer: Type.Optional(CustomerSchema),
};

/** `POST /v1/sessions`: the whole open body. */
export const OpenSessionSchema = strict({
  user: UserSchema,
  clientType: oneOf(CLIENT_TYPES),
  ...hostProperties,
});
export type OpenSessionBody = Static<typeof OpenSessionSchema>;

/** The session of a WebSocket hello. With a client token the user comes from the token's claims. */
export const HelloSessionSchema = strict({
  user: Type.Optional(UserSchema),
  clientType: oneOf(CLIENT_TYPES),
  ...hostProperties,
});
export type HelloSessionBody = Static<typeof HelloSessionSchema>;

/** `PATCH /v1/sessions/:id` and the `update` frame: any open field but the user id and client type. */
export const UpdateSessionSchema = strict({
  user: Type.Optional(Type.Partial(strict(userPropertiesWithoutId), { additionalProperties: false })),
  ...hostProperties,
});
export type UpdateSessionBody = Static<typeof UpdateSessionSchema>;

/** `POST /v1/sessions/:id/heartbeat` and the `hb` frame. */
export const HeartbeatSchema = strict({
  idle: Type.Optional(Type.Boolean()),
  view: Type.Optional(ViewSchema),
  representative: Type.Optional(RepresentativeSchema),
});
export type HeartbeatBody = Static<typeof HeartbeatSchema>;

export const SessionIdSchema = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 });

/** `POST /v1/heartbeats`: activity for many sessions in one call. */
export const HeartbeatBatchSchema = strict({
  heartbeats: Type.Array(strict({ id: SessionIdSchema, idle: Type.Optional(Type.Boolean()), view: Type.Optional(ViewSchema) }), {
    maxItems: LIMITS.heartbeatsPerBatch,
  }),
});
export type HeartbeatBatchBody = Static<typeof HeartbeatBatchSchema>;
