// A realistic fleet for the benchmarks: who the sessions belong to and what their clients report.
// Real fleets repeat a few values a lot (a dozen user agents, a handful of platforms, a few views) and
// vary the rest per session (ids, names, host names, addresses, lsids). Everything is a pure function
// of the session's index, so every process of a run (servers, client fleets) agrees on it.
//
// Bodies are produced as JSON text and parsed, like ingest does: every session then holds its own copy
// of every string, exactly as after JSON.parse on a request. Passing one shared string object would
// hide the cost of storing repeated strings (user agents) once per session.
import { signClientToken } from '../../src/auth/client-tokens.ts';
import type { HelloSessionBody } from '../../src/core/input-schemas.ts';
import type { ClientType } from '../../src/core/model.ts';
import { BENCH_TOKEN_SECRET } from './constants.ts';

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:136.0) Gecko/20100101 Firefox/136.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:135.0) Gecko/20100101 Firefox/135.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Mobile Safari/537.36',
  'BeyondTrustRepresentativeConsole/24.1.2 (Windows NT 10.0; x64)',
  'BeyondTrustJumpoint/24.1.2 (Windows Server 2022)',
  'python-requests/2.32.3',
] as const;

export const PLATFORMS = [
  { id: 'winNT-64', name: 'Windows 11 (x64)' },
  { id: 'winNT-64', name: 'Windows 10 (x64)' },
  { id: 'mac-osx', name: 'macOS 15 Sequoia' },
  { id: 'linux-64', name: 'Ubuntu 24.04 (x64)' },
  { id: 'ios', name: 'iOS 18' },
  { id: 'android', name: 'Android 14' },
  { id: 'winNT-64', name: 'Windows Server 2022 (x64)' },
] as const;

const FIRST = [
  'Jack',
  'Maria',
  'Aisha',
  'Chen',
  'Priya',
  'Olga',
  'Liam',
  'Noah',
  'Emma',
  'Sofia',
  'Yuki',
  'Kwame',
  'Zoë',
  'François',
  'Björn',
  'Nguyễn',
];
const LAST = [
  'Smith',
  'García',
  'Khan',
  'Wang',
  'Patel',
  "O'Brien",
  'Müller',
  'Rossi',
  'Tanaka',
  'Okafor',
  'Dubois',
  'van der Berg',
  'Silva',
  'Novak',
];
const MODULES = [
  ['support', 'getticket', 'ticketid'],
  ['billing', 'invoice', 'invoiceid'],
  ['clients', 'profile', 'clientid'],
  ['dashboard', 'home', 'tab'],
  ['knowledgebase', 'article', 'articleid'],
] as const;

/** How a fleet splits into client types, in percent: mostly web users, then customers, consoles, attendees, Jumpoints. */
const MIX: readonly [ClientType, number][] = [
  ['web', 50],
  ['support_customer', 20],
  ['representative', 10],
  ['presentation_attendee', 10],
  ['push_agent', 10],
];

/** A deterministic 32-bit hash of (index, salt): the fleet's randomness. */
function hash(index: number, salt: number): number {
  let h = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
const pick = <T>(list: readonly T[], index: number, salt: number): T => list[hash(index, salt) % list.length]!;

export function clientTypeOf(index: number): ClientType {
  let roll = hash(index, 1) % 100;
  for (const [type, share] of MIX) {
    if (roll < share) return type;
    roll -= share;
  }
  return 'web';
}

/** Sessions per user: about 1.5 (users have a second tab or device now and then). */
export const userIndexOf = (index: number) => Math.floor((index * 2) / 3);

export interface FleetUser {
  id: string;
  name: string;
  email: string;
  type: string;
  username: string;
}

export function userOf(index: number, clientType: ClientType = clientTypeOf(index)): FleetUser {
  const u = userIndexOf(index);
  const first = pick(FIRST, u, 2);
  const last = pick(LAST, u, 3);
  const staff = clientType === 'representative' || clientType === 'push_agent';
  return {
    id: String(100_000 + u),
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${u}@example.com`.normalize('NFKD').replace(/[^\x20-\x7e]/g, ''),
    type: staff ? 'staff' : clientType === 'web' ? pick(['staff', 'customer', 'customer'], u, 4) : 'customer',
    username: `user${u}`,
  };
}

/** The session an SDK or an application reports for fleet member `index`, as JSON text (no user: add it or use a token). */
export function sessionJson(index: number, withUser: boolean): string {
  const clientType = clientTypeOf(index);
  const platform = pick(PLATFORMS, index, 5);
  const [m, v, key] = pick(MODULES, index, 6);
  const body: HelloSessionBody = {
    ...(withUser && { user: userOf(index, clientType) }),
    clientType,
    hostname: `DESKTOP-${hash(index, 7).toString(36).toUpperCase().padStart(7, '0').slice(0, 7)}`,
    platform: { id: platform.id, name: platform.name },
    timezoneOffset: pick([-28_800, -18_000, 0, 3_600, 19_800, 32_400], index, 8),
    userAgent: pick(USER_AGENTS, index, 9),
    privateIp: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    view: { m, v, t: `${key}|${hash(index, 10) % 1_000_000}` },
    ...(clientType === 'representative' && {
      representative: {
        supportSessionLsids: [hash(index, 11).toString(16).padStart(8, '0'), hash(index, 12).toString(16).padStart(8, '0')],
        startSessionUrl: `https://support.example.com/?rep=${index}`,
      },
    }),
    ...(clientType === 'support_customer' && { customer: { lsid: hash(index, 13).toString(16).padStart(8, '0') } }),
  };
  return JSON.stringify(body);
}

/**
 * A client token (HS256 JWT, an hour) for fleet member `index`, as a backend would sign it for a browser;
 * with `places`, the places it may join and watch (the `places` claim).
 */
export function clientTokenFor(index: number, places?: string[]): Promise<string> {
  const clientType = clientTypeOf(index);
  const user = userOf(index, clientType);
  return signClientToken(
    BENCH_TOKEN_SECRET,
    { sub: user.id, name: user.name, email: user.email, utype: user.type, ctypes: [clientType], ...(places && { places }) },
    3600,
  );
}

/** The places of the places workload (bench/workloads/places.ts): `bench:0`, `bench:1`, … */
export const benchPlace = (n: number) => `bench:${n}`;
/** The grant (a prefix) that lets a token join and watch every one of them. */
export const BENCH_PLACES_GRANT = 'bench:*';
/** The place watcher number `watcher` watches when the watchers are spread evenly over `places` places. */
export const placeOfWatcher = (watcher: number, places: number) => watcher % places;

/** The open body of fleet member `index`, freshly parsed (its own string copies, like ingest's). */
export const sessionBody = (index: number, withUser = true): HelloSessionBody =>
  JSON.parse(sessionJson(index, withUser)) as HelloSessionBody;

/**
 * Bytes V8 needs for the strings of a body that are unique to this session (ids, names, host names,
 * addresses, lsids, view targets): 16 bytes of header plus the characters (one byte each when all are
 * Latin-1, else two), rounded up to 8. Strings a fleet repeats (user agents, platforms, view modules,
 * client and user types) are not counted: those are the ones a registry should store once.
 */
export function uniqueStringBytes(body: HelloSessionBody): number {
  const strings: (string | undefined)[] = [
    body.user?.id,
    body.user?.name,
    body.user?.email,
    body.user?.username,
    body.hostname,
    body.privateIp,
    body.view?.t,
    body.customer?.lsid,
    body.representative?.startSessionUrl,
    ...(body.representative?.supportSessionLsids ?? []),
  ];
  let bytes = 0;
  for (const s of strings) if (s !== undefined) bytes += v8StringBytes(s);
  return bytes;
}

/** Every string of a body, repeated ones included. */
export function allStringBytes(body: HelloSessionBody): number {
  let bytes = 0;
  const walk = (value: unknown) => {
    if (typeof value === 'string') bytes += v8StringBytes(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(body);
  return bytes;
}

export function v8StringBytes(s: string): number {
  // eslint-disable-next-line no-control-regex
  const oneByte = /^[\u0000-\u00ff]*$/.test(s);
  return Math.ceil((16 + s.length * (oneByte ? 1 : 2)) / 8) * 8;
}

/** `count` indexes of `length`, spread evenly from `offset` on: the sessions a benchmark touches. */
export function spread(length: number, count: number, offset: number): number[] {
  const stride = Math.max(1, Math.floor(length / Math.max(1, count)));
  return Array.from({ length: Math.min(count, length) }, (_, k) => (offset + k * stride) % length);
}
