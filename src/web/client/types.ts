// The API shapes the dashboard reads. Sessions, users, webhooks and deliveries come from the server's
// own serializers (type-only imports, erased from the bundle), so a field renamed there breaks this
// build too; the others are written here from the API's documented answers.
import type { SessionJson, userJson } from '../../api/presence-json.ts';
import type { DeliveryJson, WebhookJson } from '../../webhooks/webhook-json.ts';

export type { DeliveryJson, SessionJson };
/** A subscription; `secret` only in the answer that created it. */
export type WebhookWithSecret = WebhookJson & { secret?: string };
export type { WebhookJson };
export type UserJson = ReturnType<typeof userJson>;
export type SessionEventJson = SessionJson['events'][number];

export interface SessionsPage {
  sessions: SessionJson[];
  nextCursor: string | null;
  /** How many live sessions match the filters, over all pages. */
  total: number;
}

export interface UsersAnswer {
  users: UserJson[];
  count: number;
}

export interface PresenceSampleJson {
  /** Unix seconds. */
  at: number;
  onlineUsers: number;
  sessions: number;
}

export interface StatsJson {
  sessions: {
    total: number;
    byClientType: Record<string, number>;
    byUserType: Record<string, number>;
    byNode: Record<string, number>;
  };
  users: { online: number };
  activity: {
    lastMinute: { started: number; ended: number };
    lastHour: { started: number; ended: number };
  };
  samples: { hour: PresenceSampleJson[]; day: PresenceSampleJson[] };
}

export type ChangeType = 'session.started' | 'session.updated' | 'session.ended' | 'user.online' | 'user.offline';
/** Every type the change stream may carry (the server's list); the live tables follow only the ChangeTypes. */
export { PRESENCE_CHANGE_TYPES as STREAM_EVENT_TYPES } from '../../stream/event-types.ts';

/** One message of `GET /v1/events`. */
export interface ChangeEvent {
  type: ChangeType;
  /** Unix seconds. */
  at: number;
  session?: SessionJson;
  user?: { id: string; name: string; type?: string };
  reason?: string;
  /** session.ended by an admin: the account name. */
  endedBy?: string;
  lastSeenAt?: number;
}

/** Any message of the stream as the event console shows it: known fields typed, the rest kept. */
export interface StreamEvent extends Omit<ChangeEvent, 'type'> {
  type: string;
  /** place.join and place.leave: the place's name (or an object that names it). */
  place?: string | { name?: string };
  [field: string]: unknown;
}

/** `GET /v1/users/:id/sessions`: one session of the session log, newest first. */
export interface PastSessionJson {
  id: number;
  clientType: string;
  transport?: string;
  nodeId: string;
  remoteAddress: string;
  hostname?: string;
  agent?: { browser?: string; os?: string };
  /** Unix seconds. */
  startedAt: number;
  endedAt?: number;
  durationSeconds?: number;
  endReason?: string;
  endedBy?: string;
  live: boolean;
}

export interface PastSessionsPage {
  sessions: PastSessionJson[];
  nextCursor?: string | null;
}

/** `GET /v1/nodes`: one rollcall process of the cluster. */
export interface NodeJson {
  id: string;
  hostname: string;
  publicHostname?: string;
  role: string;
  version: string;
  /** Unix seconds. */
  startedAt: number;
  uptimeSeconds: number;
  sessions: number;
  /** The node that answered. */
  self: boolean;
}

export interface AccountJson {
  id: number;
  username: string;
  role: 'admin' | 'reader';
  commandPermission: string;
  createdAt: number;
  /** Only in the answer that generated it. */
  password?: string;
}

export interface KeyJson {
  id: number;
  kind: 'api' | 'ingest';
  account: string | null;
  userId?: string;
  label?: string;
  prefix: string;
  createdAt: number;
  revokedAt?: number;
  /** Only in the answer that created it. */
  key?: string;
}

export interface OAuthClientJson {
  id: string;
  label?: string;
  permission: string;
  createdAt: number;
  secretCreatedAt?: number;
  revokedAt?: number;
  /** Only in the answers that create or replace it. */
  secret?: string;
}

export interface Me {
  username: string;
  role: 'admin' | 'reader';
  via: 'password' | 'apiKey';
}
