// Sessions as the Redis store keeps and streams them. Redis holds every live session of the cluster,
// so the encoding sets Redis's memory per session. A session is two parts:
// - its profile: what many sessions share and rarely changes (user agent, platform, node, client
//   hints): a JSON array kept once per distinct value in Redis (`profiles`, counted by the sessions
//   using it, removed with the last one) and named in each stored session by `profileRef`, a digest of it;
// - its array: the rest, one position per field (no key names), small codes for enumerations, times
//   as differences, and nothing a node can derive (`agent` follows from the user agent, platform and
//   client hints; the version is kept beside it).
// Stored, a session is `<version>:<lastActivityAt>:<profile ref>:<array>` (keys.ts): a script checks
// the version of a compare-and-set and moves the clock by the prefix, never decoding the rest. The
// benchmark's sessions store in 275 bytes (median), against about 900 as a JSON object (BENCHMARKS.md,
// "Cluster"). Streams carry the profile itself beside the array, so a reader needs nothing but the entry.
//
// A session read back deep-equals the one written: the core gives every session all of its keys,
// absent ones as undefined, in one order (presence-service.ts, session-input.ts), and decoding builds
// them in that order, so sessions decoded alike share one object layout. Nested objects carry no
// undefined keys: an absent optional key is written as null and left out again when read.
import { createHash } from 'node:crypto';
import { internClientHints, internClientType, internPlatform, internUserAgent, internView, internWord } from '../../core/interning.ts';
import {
  CLIENT_TYPES,
  type ClientHints,
  type CustomerInfo,
  NON_INTERACTIVE_KINDS,
  type NodeConnection,
  type Platform,
  type PresenceChange,
  type RepresentativeInfo,
  SESSION_EVENT_KINDS,
  type Session,
  type SessionAgent,
  type SessionEvent,
  TRANSPORTS,
  type UserInfo,
} from '../../core/model.ts';
import { sessionPlaces } from '../../core/places.ts';
import { describeAgent } from '../../core/user-agent.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const PURPOSES: readonly NodeConnection['purpose'][] = ['master', 'traffic'];

/** Optional user keys, in the order they follow `id`, `name` and `type`. */
const USER_OPTIONAL = ['email', 'username', 'publicDisplayName', 'privateDisplayName'] as const;
/** Optional representative keys, in the order mergeRepresentative adds them. */
const REPRESENTATIVE_OPTIONAL = ['startSessionUrl', 'directLink', 'supportLicense'] as const;
/** The representative's flags, packed into one number, bit i for entry i. */
const REPRESENTATIVE_FLAGS = ['showingOnRepList', 'routingIdle', 'routingBusy', 'routingEnabled', 'routingAvailable'] as const;

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);
/** Drops trailing nulls: most optional facts are absent, and an array that ends early reads them as absent. */
function trimmed(values: Json[]): Json[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === null) end--;
  return end === values.length ? values : values.slice(0, end);
}
const flag = (value: boolean): number => (value ? 1 : 0);
const codeOf = <T>(list: readonly T[], value: T): number => {
  const code = list.indexOf(value);
  if (code < 0) throw new Error(`session codec: ${String(value)} is not one of ${list.join(', ')}`);
  return code;
};

function encodeUser(user: UserInfo): Json[] {
  return trimmed([user.id, user.name, user.type, ...USER_OPTIONAL.map((key) => orNull(user[key]))]);
}

function decodeUser(parts: Json[]): UserInfo {
  const user: UserInfo = { id: parts[0] as string, name: parts[1] as string, type: internWord(parts[2] as string) };
  USER_OPTIONAL.forEach((key, i) => {
    const value = parts[3 + i];
    if (value != null) user[key] = value as string;
  });
  return user;
}

function encodeRepresentative(rep: RepresentativeInfo): Json[] {
  let flags = 0;
  REPRESENTATIVE_FLAGS.forEach((key, i) => {
    if (rep[key]) flags |= 1 << i;
  });
  return trimmed([
    rep.type,
    rep.presentationCount,
    rep.supportSessionCount,
    flags,
    rep.supportSessionLsids,
    ...REPRESENTATIVE_OPTIONAL.map((key) => orNull(rep[key])),
  ]);
}

function decodeRepresentative(parts: Json[]): RepresentativeInfo {
  const flags = parts[3] as number;
  const bit = (key: (typeof REPRESENTATIVE_FLAGS)[number]) => (flags & (1 << REPRESENTATIVE_FLAGS.indexOf(key))) !== 0;
  const rep: RepresentativeInfo = {
    type: internWord(parts[0] as string) as RepresentativeInfo['type'],
    presentationCount: parts[1] as number,
    supportSessionCount: parts[2] as number,
    showingOnRepList: bit('showingOnRepList'),
    routingIdle: bit('routingIdle'),
    routingBusy: bit('routingBusy'),
    routingEnabled: bit('routingEnabled'),
    routingAvailable: bit('routingAvailable'),
    supportSessionLsids: parts[4] as string[],
  };
  REPRESENTATIVE_OPTIONAL.forEach((key, i) => {
    const value = parts[5 + i];
    if (value != null) rep[key] = value as string;
  });
  return rep;
}

const encodeCustomer = (customer: CustomerInfo): Json[] =>
  customer.nonInteractive === undefined ? [customer.lsid] : [customer.lsid, codeOf(NON_INTERACTIVE_KINDS, customer.nonInteractive)];

const decodeCustomer = (parts: Json[]): CustomerInfo =>
  parts.length > 1
    ? { lsid: parts[0] as string, nonInteractive: NON_INTERACTIVE_KINDS[parts[1] as number]! }
    : { lsid: parts[0] as string };

const encodeConnection = (c: NodeConnection): Json[] =>
  trimmed([c.nodeId, codeOf(PURPOSES, c.purpose), flag(c.receiveTrafficNode), c.connectedSince, orNull(c.privateIp)]);

function decodeConnection(parts: Json[]): NodeConnection {
  const connection: NodeConnection = {
    nodeId: parts[0] as string,
    purpose: PURPOSES[parts[1] as number]!,
    receiveTrafficNode: parts[2] === 1,
    connectedSince: parts[3] as number,
  };
  if (parts[4] != null) connection.privateIp = parts[4] as string;
  return connection;
}

const encodeEvent = (e: SessionEvent): Json[] => [e.at, codeOf(SESSION_EVENT_KINDS, e.kind), e.text];
const decodeEvent = (parts: Json[]): SessionEvent => ({
  at: parts[0] as number,
  kind: SESSION_EVENT_KINDS[parts[1] as number]!,
  text: parts[2] as string,
});

/** A session as the scripts take it: its profile, the profile's ref, and its array (see above). */
export interface EncodedSession {
  profile: string;
  profileRef: string;
  array: string;
}

/** 96 bits of sha256, base64url: distinct profiles never meet in a cluster's lifetime. */
export const profileRefOf = (profile: string): string => createHash('sha256').update(profile).digest('base64url').slice(0, 16);

/**
 * Client hints as the profile's last position: `[platform, platformVersion, [[brand, version], …], model]`.
 * Sessions without hints leave the position out, so their profile (and its ref) is what it was before
 * hints were kept.
 */
function encodeClientHints(hints: ClientHints): Json[] {
  const brands = hints.fullVersionList ? hints.fullVersionList.map((b) => [b.brand, b.version]) : null;
  return trimmed([orNull(hints.platform), orNull(hints.platformVersion), brands, orNull(hints.model)]);
}

function decodeClientHints(parts: Json[]): ClientHints | undefined {
  const [platform, platformVersion, brands, model] = parts as [string | null, string | null, [string, string][] | null, string | null];
  return internClientHints({
    ...(platform != null && { platform }),
    ...(platformVersion != null && { platformVersion }),
    ...(brands != null && { fullVersionList: brands.map(([brand, version]) => ({ brand, version })) }),
    ...(model != null && { model }),
  });
}

export function encodeSession(s: Session): EncodedSession {
  const shared: Json[] = [
    orNull(s.userAgent),
    s.platform ? [s.platform.id, s.platform.name] : null,
    s.nodeId,
    codeOf(PURPOSES, s.nodeRole),
  ];
  if (s.clientHints) shared.push(encodeClientHints(s.clientHints));
  const profile = JSON.stringify(shared);
  const fields: Json[] = [
    s.id,
    encodeUser(s.user),
    codeOf(CLIENT_TYPES, s.clientType),
    codeOf(TRANSPORTS, s.transport),
    orNull(s.hostname),
    orNull(s.timezoneOffset),
    orNull(s.privateIp),
    s.remoteAddress,
    flag(s.idle),
    s.view ? [s.view.m, s.view.v, s.view.t] : null,
    s.representative ? encodeRepresentative(s.representative) : null,
    s.customer ? encodeCustomer(s.customer) : null,
    s.startedAt,
    s.lastActivityAt - s.startedAt,
    s.expiresAt - s.lastActivityAt,
    s.lifetimeMs,
    s.resumeSecretHash,
    flag(s.detached),
    s.connections ? s.connections.map(encodeConnection) : null,
    s.events ? s.events.map(encodeEvent) : null,
    s.places ? [...s.places] : null,
  ];
  return { profile, profileRef: profileRefOf(profile), array: JSON.stringify(trimmed(fields)) };
}

interface Profile {
  userAgent: string | undefined;
  clientHints: ClientHints | undefined;
  platform: Platform | undefined;
  agent: SessionAgent;
  nodeId: string;
  nodeRole: NodeConnection['purpose'];
}

/** Profiles read lately: a replica loads many sessions of few profiles. Cleared when full. */
const profiles = new Map<string, Profile>();
const PROFILE_CACHE_LIMIT = 10_000;

/**
 * The profile's parts as shared copies, as session-input.ts makes them for sessions opened on this
 * node: a replica of a million sessions would otherwise hold a million copies of each user agent.
 */
function readProfile(text: string): Profile {
  const known = profiles.get(text);
  if (known) return known;
  const [userAgentText, platformParts, nodeId, role, hintParts] = JSON.parse(text) as [
    string | null,
    [string, string] | null,
    string,
    number,
    Json[] | undefined,
  ];
  const platform = platformParts ? internPlatform({ id: platformParts[0], name: platformParts[1] }) : undefined;
  const userAgent = userAgentText === null ? undefined : internUserAgent(userAgentText);
  const clientHints = hintParts ? decodeClientHints(hintParts) : undefined;
  // The shared frozen object every session of the same agent holds, as the core made it.
  const agent = describeAgent(userAgent, platform?.name, clientHints);
  const profile = { userAgent, clientHints, platform, agent, nodeId, nodeRole: PURPOSES[role]! };
  if (profiles.size >= PROFILE_CACHE_LIMIT) profiles.clear();
  profiles.set(text, profile);
  return profile;
}

/** Turns a profile and an array back into a Session. */
export function decodeSession(profileText: string, array: string, version: number): Session {
  const f = JSON.parse(array) as Json[];
  const profile = readProfile(profileText);
  const viewParts = f[9] as string[] | null;
  const startedAt = f[12] as number;
  const lastActivityAt = startedAt + (f[13] as number);
  return {
    id: f[0] as number,
    user: decodeUser(f[1] as Json[]),
    clientType: internClientType(CLIENT_TYPES[f[2] as number]!),
    transport: TRANSPORTS[f[3] as number]!,
    hostname: f[4] == null ? undefined : (f[4] as string),
    platform: profile.platform,
    timezoneOffset: f[5] == null ? undefined : (f[5] as number),
    userAgent: profile.userAgent,
    clientHints: profile.clientHints,
    agent: profile.agent,
    privateIp: f[6] == null ? undefined : (f[6] as string),
    remoteAddress: f[7] as string,
    idle: f[8] === 1,
    view: viewParts ? internView({ m: viewParts[0]!, v: viewParts[1]!, t: viewParts[2]! }) : undefined,
    places: f[20] == null ? undefined : (f[20] as string[]),
    representative: f[10] == null ? undefined : decodeRepresentative(f[10] as Json[]),
    customer: f[11] == null ? undefined : decodeCustomer(f[11] as Json[]),
    startedAt,
    lastActivityAt,
    expiresAt: lastActivityAt + (f[14] as number),
    lifetimeMs: f[15] as number,
    nodeId: profile.nodeId,
    nodeRole: profile.nodeRole,
    connections: f[18] == null ? undefined : (f[18] as Json[][]).map(decodeConnection),
    events: f[19] == null ? undefined : (f[19] as Json[][]).map(decodeEvent),
    resumeSecretHash: f[16] as string,
    detached: f[17] === 1,
    version,
  };
}

/** A session as the scripts' arguments carry it: profile ref, profile, array (scripts.ts). */
export function sessionArgs(session: Session): [profileRef: string, profile: string, array: string] {
  const { profileRef, profile, array } = encodeSession(session);
  return [profileRef, profile, array];
}

/**
 * The places a session is in, as the scripts take them: names joined by spaces (a place name holds
 * none), in name order, so two states of one session compare as strings.
 */
export const placesArg = (session: Session): string => sessionPlaces(session).join(' ');

/** The session as the sessions HASH holds it, as the scripts write it (scripts.ts: stored_as). */
export const storedForm = (version: number, lastActivityAt: number, encoded: EncodedSession): string =>
  `${version}:${lastActivityAt}:${encoded.profileRef}:${encoded.array}`;

/** The ref of the profile a stored session names. */
export function storedProfileRef(stored: string): string {
  const afterActivity = stored.indexOf(':', stored.indexOf(':') + 1) + 1;
  return stored.slice(afterActivity, stored.indexOf(':', afterActivity));
}

/**
 * A stored session, with the profile its ref names: heartbeats move the clock in the prefix without
 * rewriting the array, so the prefix's lastActivityAt wins.
 */
export function decodeStored(stored: string, profile: string): Session {
  const afterVersion = stored.indexOf(':') + 1;
  const afterActivity = stored.indexOf(':', afterVersion) + 1;
  const afterRef = stored.indexOf(':', afterActivity) + 1;
  const session = decodeSession(profile, stored.slice(afterRef), Number(stored.slice(0, afterVersion - 1)));
  session.lastActivityAt = Number(stored.slice(afterVersion, afterActivity - 1));
  return session;
}

// Changes no live session carries (announce(): sessions a crash left open, for example) are rare and
// may have a shape of their own (core/lost-sessions.ts), so they travel as plain JSON with the session's
// undefined keys as null.

/** A change as announce() streams it. */
export function encodeChange(change: PresenceChange): string {
  if (!('session' in change)) return JSON.stringify(change);
  const session: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(change.session)) session[key] = value === undefined ? null : value;
  return JSON.stringify({ ...change, session });
}

export function decodeChange(json: string): PresenceChange {
  const change = JSON.parse(json) as PresenceChange & { session?: Record<string, unknown> };
  const session = change.session;
  if (session) for (const key of Object.keys(session)) if (session[key] === null) session[key] = undefined;
  return change;
}
