// Clientexec's "Get Online Users" JSON (specs/clientexec-get_online_users.txt, WIRE-FORMATS.md § 2).
// Clientexec's sidebar code reads these objects by key and type, so key order, types and the compact
// `time` text follow the document exactly. Built from the core's users, never from the stores.
//
// The answer is written in two parts: the lists, the same for every caller (shared between callers
// by the answer cache, written in slices so 10,000 users never hold the event loop), and the tail
// that depends on who asks and when (`superadmin`, `self`, `elapsed`), written per request.
import type { FastifyReply } from 'fastify';
import { toSeconds } from '../../api/presence-json.ts';
import type { UserInfo, UserPresence } from '../../core/model.ts';
import { BodyWriter } from '../../http/body-writer.ts';
import { DEFAULT_SLICE_MS, forEachSliced, yieldToEventLoop } from '../../http/slices.ts';
import { SnapshotMemo } from '../../http/snapshot-memo.ts';
import { wellFormed } from '../shared/well-formed.ts';

export type ClientexecType = 'staff' | 'customer';

/**
 * User types that mean the application's own people, shown as Clientexec "staff" (compared without
 * case). Every other type (customer, client, guest, any other word) is a "customer", as an untyped
 * user is one in rollcall.
 */
const STAFF_TYPES: ReadonlySet<string> = new Set(['staff', 'admin', 'administrator', 'agent', 'employee', 'representative', 'system']);

export const clientexecType = (userType: string): ClientexecType => (STAFF_TYPES.has(userType.trim().toLowerCase()) ? 'staff' : 'customer');

/**
 * Time since last activity as Clientexec shows it, whole units cut down (never rounded up):
 * under an hour `10m`; under a day `1h 14m` (`1h 0m` on the hour); from a day `2d 3h`. A last activity
 * in the future (clock skew between nodes) counts as now: `0m`.
 */
export function formatSince(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * The `link` template with `{id}` (URL-encoded, so any id is safe in a URL; half a surrogate pair as
 * U+FFFD, which encodeURIComponent could not encode) and `{type}` filled in.
 */
export const userLink = (template: string, userId: string, type: ClientexecType): string =>
  template.replace(/\{(id|type)\}/g, (_, name: string) => (name === 'id' ? encodeURIComponent(wellFormed(userId)) : type));

/** Server time spent on this request so far, in seconds with three decimals ("0.004"). */
export const elapsedOf = (reply: FastifyReply): string => (reply.elapsedTime / 1000).toFixed(3);

// A user object is written in three parts: what only the user and the link template decide (made once
// per user object and remembered while the user is online), the time since their last activity (per
// answer), and the rest (the last view moves between the user's sessions). Key order, from the document:
// id, name, email, time, status, link, color, type, [lastview], online.

/** The keys before `time`. */
const userHead = (user: UserInfo) => ({ id: user.id, name: user.name, email: user.email ?? '' });

/** The keys from `time` to `type`. */
function userMiddle(user: UserInfo, online: boolean, linkTemplate: string) {
  const type = clientexecType(user.type);
  // `status`: 0 in every known response; its meaning is not public.
  return { status: 0, link: userLink(linkTemplate, user.id, type), color: online ? 'green' : 'yellow', type };
}

/** `{"id":…,"name":…,"email":…,"time":` and `,"status":0,…,"type":"…"`, as UTF-8. */
interface UserFragment {
  head: Buffer;
  middle: Buffer;
}

interface FragmentContext {
  online: boolean;
  linkTemplate: string;
}

function userFragment(user: UserInfo, { online, linkTemplate }: FragmentContext): UserFragment {
  const head = JSON.stringify(userHead(user));
  const middle = JSON.stringify(userMiddle(user, online, linkTemplate));
  return { head: Buffer.from(`${head.slice(0, -1)},"time":`, 'utf8'), middle: Buffer.from(`,${middle.slice(1, -1)}`, 'utf8') };
}

/**
 * Fragments of online users' objects, per user object (that of their newest session), for one link
 * template: a memo serves one route.
 */
export type UserFragments = SnapshotMemo<UserInfo, UserFragment>;

export const userFragments = (): UserFragments => new SnapshotMemo();

/** One user object, as JSON.stringify writes it. */
function writeUser(
  out: BodyWriter,
  presence: UserPresence,
  now: number,
  context: FragmentContext,
  fragments: UserFragments | undefined,
): void {
  // Offline users come from history, a new object per answer: nothing to remember them by.
  const fragment =
    presence.online && fragments ? fragments.get(presence.user, userFragment, context) : userFragment(presence.user, context);
  out
    .bytes(fragment.head)
    .ascii(JSON.stringify(formatSince(now - presence.lastSeenAt)))
    .bytes(fragment.middle);
  if (!presence.online) {
    out.ascii(',"online":0}');
    return;
  }
  const view = presence.lastView;
  out
    .ascii(',"lastview":')
    .utf8(view ? JSON.stringify({ m: view.m, v: view.v, t: view.t }) : '""')
    .ascii(',"online":1}');
}

export interface OnlineUsersInput {
  /** Online users (with sessions) and offline users seen within the offline window, most recent first. */
  users: readonly UserPresence[];
  now: number;
  linkTemplate: string;
  /** Fragments of earlier answers for this link template; without it every user is written afresh. */
  fragments?: UserFragments;
  sliceMs?: number;
}

/**
 * The answer up to its caller's part: `{"timestamp":…,…,"offlineusers":[…],` — JSON.stringify's
 * bytes for those keys, one user object at a time.
 */
export async function onlineUsersLists({
  users,
  now,
  linkTemplate,
  fragments,
  sliceMs = DEFAULT_SLICE_MS,
}: OnlineUsersInput): Promise<Buffer> {
  const online = users.filter((u) => u.online);
  // Online and offline users are read one after the other; a user who came online in between is
  // shown once, as online.
  const onlineIds = new Set(online.map((u) => u.user.id));
  const offline = users.filter((u) => !u.online && !onlineIds.has(u.user.id));
  // Sorting 10,000 users out took a few milliseconds: with the offline users read just before and the
  // first slice of writing just after, one stretch of 10–14 ms (BENCHMARKS.md, second round).
  if (sliceMs !== Number.POSITIVE_INFINITY) await yieldToEventLoop();
  const out = new BodyWriter();
  const writeList = async (list: readonly UserPresence[], context: FragmentContext) => {
    out.ascii('[');
    await forEachSliced(
      list.keys(),
      (i) => {
        if (i > 0) out.ascii(',');
        writeUser(out, list[i]!, now, context, fragments);
      },
      sliceMs,
    );
    out.ascii(']');
  };
  out.ascii(`{"timestamp":${toSeconds(now)},"staff":[],"customers":[],"count":${online.length},"offlinecount":${offline.length},"users":`);
  await writeList(online, { online: true, linkTemplate });
  out.ascii(',"offlineusers":');
  await writeList(offline, { online: false, linkTemplate });
  out.ascii(',');
  return out.whole();
}

export interface CallerPart {
  superadmin: boolean;
  /** The caller's own user id as a number; 0 for a key that belongs to no (numeric) user. */
  self: number;
  /** Server time spent on this request, as `elapsedOf` gives it. */
  elapsed: string;
}

/** The caller's part, which ends the answer after the (shared) lists. */
export function callerTail({ superadmin, self, elapsed }: CallerPart): Buffer {
  return Buffer.from(`"superadmin":${superadmin ? 1 : 0},"self":${self},"elapsed":${JSON.stringify(elapsed)},"message":""}`, 'utf8');
}

/** Clientexec's error answer: the envelope's time facts, the message, and `error: true`. */
export function errorBody(message: string, reply: FastifyReply) {
  return { timestamp: toSeconds(Date.now()), elapsed: elapsedOf(reply), message, error: true as const };
}
