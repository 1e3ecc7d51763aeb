// Turns validated ingest bodies into sessions and session changes. The schemas (input-schemas.ts)
// already checked types and lengths; this adds the rules that span fields and the defaults.
import { isIP } from 'node:net';
import type { Actor } from './actor.ts';
import { RollcallError } from './errors.ts';
import type { HeartbeatBody, HelloSessionBody, UpdateSessionBody } from './input-schemas.ts';
import { internClientHints, internClientType, internPlatform, internUserAgent, internView, internWord } from './interning.ts';
import type { CustomerInfo, RepresentativeInfo, Session, UserInfo } from './model.ts';
import { checkPlaceGrant, isPlaceName, joinedPlaces, PLACES_PER_SESSION_MAX } from './places.ts';
import { describeAgent } from './user-agent.ts';

const DEFAULT_USER_TYPE = 'customer';

type RepresentativeInput = NonNullable<HeartbeatBody['representative']>;

/** The session fields that come from the body (the core adds ids, times, node and event log). */
export type SessionFacts = Pick<
  Session,
  | 'user'
  | 'clientType'
  | 'hostname'
  | 'platform'
  | 'timezoneOffset'
  | 'userAgent'
  | 'clientHints'
  | 'agent'
  | 'privateIp'
  | 'idle'
  | 'view'
  | 'places'
  | 'representative'
  | 'customer'
>;

/** Checks who may open what, fills the user from a client token, and applies defaults. */
export function sessionFactsFromOpen(body: HelloSessionBody, actor: Actor): SessionFacts {
  const user = resolveUser(body, actor);
  const { clientType } = body;
  if (body.representative && clientType !== 'representative') {
    throw new RollcallError('invalid_body', 'representative: only allowed with clientType representative');
  }
  if (body.customer && clientType !== 'support_customer') {
    throw new RollcallError('invalid_body', 'customer: only allowed with clientType support_customer');
  }
  if (clientType === 'support_customer' && !body.customer) {
    throw new RollcallError('invalid_body', 'customer: required with clientType support_customer (it carries the lsid)');
  }
  checkPrivateIp(body.privateIp);
  const clientHints = internClientHints(body.clientHints);
  // Every field is present, absent ones as undefined, in one order: sessions then share one compact
  // object layout (a deleted or late-added key would give a session a slower, larger one).
  return {
    user,
    clientType: internClientType(clientType),
    hostname: body.hostname,
    platform: internPlatform(body.platform),
    timezoneOffset: body.timezoneOffset,
    userAgent: internUserAgent(body.userAgent),
    clientHints,
    agent: describeAgent(body.userAgent, body.platform?.name, clientHints),
    privateIp: body.privateIp,
    idle: body.idle ?? false,
    view: internView(body.view),
    places: body.places && placesToJoin(body.places, actor),
    representative: clientType === 'representative' ? mergeRepresentative(undefined, body.representative ?? {}) : undefined,
    customer: body.customer && internCustomer(body.customer),
  };
}

function resolveUser(body: HelloSessionBody, actor: Actor): UserInfo {
  if (actor.kind === 'client') {
    if (body.user && body.user.id !== actor.userId) {
      throw new RollcallError('forbidden', 'user.id: a client token may only open sessions for its own user');
    }
    if (!actor.clientTypes.includes(body.clientType)) {
      throw new RollcallError('forbidden', `clientType: this client token allows only ${actor.clientTypes.join(', ')}`);
    }
    const name = actor.name ?? body.user?.name;
    if (!name) throw new RollcallError('invalid_body', 'user.name: required (neither the token nor the body names the user)');
    const email = actor.email ?? body.user?.email;
    return {
      ...body.user,
      id: actor.userId,
      name,
      ...(email !== undefined && { email }),
      type: internWord(actor.userType ?? body.user?.type ?? DEFAULT_USER_TYPE),
    };
  }
  if (actor.kind !== 'ingest') throw new RollcallError('forbidden', 'only the ingest key or a client token may report sessions');
  if (!body.user) throw new RollcallError('invalid_body', 'user: required when reporting with the ingest key');
  return { ...body.user, type: internWord(body.user.type ?? DEFAULT_USER_TYPE) };
}

/** Applies a PATCH / update frame. The user id and client type never change. */
export function applyUpdate(session: Session, body: UpdateSessionBody, actor: Actor): Session {
  if (body.representative && session.clientType !== 'representative') {
    throw new RollcallError('invalid_body', 'representative: only allowed on a representative session');
  }
  if (body.customer && session.clientType !== 'support_customer') {
    throw new RollcallError('invalid_body', 'customer: only allowed on a support_customer session');
  }
  if (
    body.user &&
    actor.kind === 'client' &&
    (body.user.name !== undefined || body.user.email !== undefined || body.user.type !== undefined)
  ) {
    throw new RollcallError('forbidden', 'user: name, email and type come from the client token and cannot be changed');
  }
  checkPrivateIp(body.privateIp);
  const { user, representative, platform, userAgent, clientHints: hints, view, places, customer, ...rest } = body;
  // The agent is parsed only when what it is parsed from changes, never per heartbeat or query.
  const agentChanged = userAgent !== undefined || platform !== undefined || hints !== undefined;
  // New hints replace the old ones whole: they describe one browser build, never part of one. Another
  // user agent without hints is another browser, which the old hints do not describe.
  const otherAgent = userAgent !== undefined && userAgent !== session.userAgent;
  const clientHints = hints ? internClientHints(hints) : otherAgent ? undefined : session.clientHints;
  // Only keys the session already has are assigned (see sessionFactsFromOpen): its layout stays shared.
  return {
    ...session,
    ...rest,
    user: user ? { ...session.user, ...user, type: internWord(user.type ?? session.user.type) } : session.user,
    platform: platform ? internPlatform(platform) : session.platform,
    userAgent: userAgent !== undefined ? internUserAgent(userAgent) : session.userAgent,
    clientHints,
    agent: agentChanged ? describeAgent(userAgent ?? session.userAgent, (platform ?? session.platform)?.name, clientHints) : session.agent,
    view: view ? internView(view) : session.view,
    places: places ? placesToJoin(places, actor) : session.places,
    representative: representative ? mergeRepresentative(session.representative, representative) : session.representative,
    customer: customer ? internCustomer(customer) : session.customer,
  };
}

/**
 * The places a session is to be in, as stored (sorted, each once; undefined for none): each a valid
 * name, and for a client, one its token's `places` claim grants. The ingest key may use any place.
 */
function placesToJoin(names: readonly string[], actor: Actor): readonly string[] | undefined {
  for (const name of names) {
    if (!isPlaceName(name))
      throw new RollcallError(
        'invalid_body',
        `places: ${JSON.stringify(name)} is not a place name (1 to 128 characters, no whitespace, control characters or *)`,
      );
    if (actor.kind === 'client') checkPlaceGrant(actor.places, name, 'join');
  }
  return joinedPlaces(names);
}

/** What a join or leave frame asks: one place, the others stay. */
export type PlaceChange = { join: string } | { leave: string };

/**
 * The session's joined places after a join or leave (stored form: sorted, undefined for none), or
 * `unchanged` when the session is already in the place it joins, or not in the one it leaves.
 */
export function placesAfter(session: Session, change: PlaceChange, actor: Actor): readonly string[] | undefined | typeof unchanged {
  const joined = session.places ?? [];
  if ('leave' in change) return joined.includes(change.leave) ? joinedPlaces(joined.filter((name) => name !== change.leave)) : unchanged;
  if (joined.includes(change.join)) return unchanged;
  if (joined.length >= PLACES_PER_SESSION_MAX)
    throw new RollcallError('invalid_body', `places: a session joins at most ${PLACES_PER_SESSION_MAX} places`);
  return placesToJoin([...joined, change.join], actor);
}

export const unchanged = Symbol('unchanged');

/** Fills representative defaults; `supportSessionCount` follows the lsids unless given. */
export function mergeRepresentative(current: RepresentativeInfo | undefined, input: RepresentativeInput): RepresentativeInfo {
  const lsids = input.supportSessionLsids ?? current?.supportSessionLsids ?? [];
  const merged: RepresentativeInfo = {
    type: internWord(input.type ?? current?.type ?? 'Normal'),
    presentationCount: input.presentationCount ?? current?.presentationCount ?? 0,
    supportSessionCount:
      input.supportSessionCount ?? (input.supportSessionLsids ? lsids.length : (current?.supportSessionCount ?? lsids.length)),
    showingOnRepList: input.showingOnRepList ?? current?.showingOnRepList ?? true,
    routingIdle: input.routingIdle ?? current?.routingIdle ?? false,
    routingBusy: input.routingBusy ?? current?.routingBusy ?? false,
    routingEnabled: input.routingEnabled ?? current?.routingEnabled ?? true,
    routingAvailable: input.routingAvailable ?? current?.routingAvailable ?? true,
    supportSessionLsids: lsids,
  };
  // Optional facts are added when known rather than deleted when not: deleting a key would give the
  // object a slow dictionary layout.
  const startSessionUrl = input.startSessionUrl ?? current?.startSessionUrl;
  if (startSessionUrl !== undefined) merged.startSessionUrl = startSessionUrl;
  const directLink = input.directLink ?? current?.directLink;
  if (directLink !== undefined) merged.directLink = directLink;
  const supportLicense = input.supportLicense ?? current?.supportLicense;
  if (supportLicense !== undefined) merged.supportLicense = supportLicense;
  return merged;
}

/** A customer's lsid is its own; how it is attached repeats. */
function internCustomer(customer: CustomerInfo): CustomerInfo {
  return customer.nonInteractive === undefined ? { lsid: customer.lsid } : { lsid: customer.lsid, nonInteractive: customer.nonInteractive };
}

function checkPrivateIp(value: string | undefined): void {
  if (value !== undefined && isIP(value) === 0) {
    throw new RollcallError('invalid_body', 'privateIp: must be an IPv4 or IPv6 address');
  }
}
