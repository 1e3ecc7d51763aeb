// Clientexec's "Get Online Users" JSON (specs/clientexec-get_online_users.txt, WIRE-FORMATS.md § 2).
// Clientexec's sidebar code reads these objects by key and type, so key order, types and the compact
// `time` text follow the document exactly. Built from the core's users, never from the stores.
import type { FastifyReply } from 'fastify';
import { toSeconds } from '../../api/presence-json.ts';
import type { UserPresence } from '../../core/model.ts';

export type ClientexecType = 'staff' | 'customer';

/**
 * User types that mean the application's own people, shown as Clientexec "staff" (compared without
 * case). Every other type (customer, client, guest, any other word) is a "customer", as an untyped
 * user is one in rollcall.
 */
const STAFF_TYPES: ReadonlySet<string> = new Set(['staff', 'admin', 'administrator', 'agent', 'employee', 'representative', 'system']);

export const clientexecType = (userType: string): ClientexecType =>
  STAFF_TYPES.has(userType.trim().toLowerCase()) ? 'staff' : 'customer';

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

/** The `link` template with `{id}` (URL-encoded, so any id is safe in a URL) and `{type}` filled in. */
export const userLink = (template: string, userId: string, type: ClientexecType): string =>
  template.replace(/\{(id|type)\}/g, (_, name: string) => (name === 'id' ? encodeURIComponent(userId) : type));

/** Server time spent on this request so far, in seconds with three decimals ("0.004"). */
export const elapsedOf = (reply: FastifyReply): string => (reply.elapsedTime / 1000).toFixed(3);

function userObject(presence: UserPresence, now: number, linkTemplate: string) {
  const { user } = presence;
  const type = clientexecType(user.type);
  const common = {
    id: user.id,
    name: user.name,
    email: user.email ?? '',
    time: formatSince(now - presence.lastSeenAt),
    // 0 in every known response; its meaning is not public.
    status: 0,
    link: userLink(linkTemplate, user.id, type),
    color: presence.online ? 'green' : 'yellow',
    type,
  };
  if (!presence.online) return { ...common, online: 0 };
  const view = presence.lastView;
  return { ...common, lastview: view ? { m: view.m, v: view.v, t: view.t } : '', online: 1 };
}

export interface OnlineUsersInput {
  /** Online users (with sessions) and offline users seen within the offline window, most recent first. */
  users: readonly UserPresence[];
  now: number;
  linkTemplate: string;
  superadmin: boolean;
  /** The caller's own user id as a number; 0 for a key that belongs to no (numeric) user. */
  self: number;
  /** Called last, so the time measured covers building the lists. */
  elapsed: () => string;
}

export function onlineUsersBody({ users, now, linkTemplate, superadmin, self, elapsed }: OnlineUsersInput) {
  const online = users.filter((u) => u.online);
  // Online and offline users are read one after the other; a user who came online in between is
  // shown once, as online.
  const onlineIds = new Set(online.map((u) => u.user.id));
  const offline = users.filter((u) => !u.online && !onlineIds.has(u.user.id));
  return {
    timestamp: toSeconds(now),
    staff: [],
    customers: [],
    count: online.length,
    offlinecount: offline.length,
    users: online.map((u) => userObject(u, now, linkTemplate)),
    offlineusers: offline.map((u) => userObject(u, now, linkTemplate)),
    superadmin: superadmin ? 1 : 0,
    self,
    elapsed: elapsed(),
    message: '',
  };
}

/** Clientexec's error answer: the envelope's time facts, the message, and `error: true`. */
export function errorBody(message: string, reply: FastifyReply) {
  return { timestamp: toSeconds(Date.now()), elapsed: elapsedOf(reply), message, error: true as const };
}
