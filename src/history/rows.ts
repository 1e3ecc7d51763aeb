// What both history stores share: the rows as their drivers answer them, the mappers from rows to the
// interface's records, and the checks of what callers pass in. One copy, so SQLite and PostgreSQL
// cannot drift apart in how a record looks (absent optional keys, checked enumerations).

import { isPresenceChangeType, PRESENCE_CHANGE_TYPES } from '../stream/event-types.ts';
import { CLIENT_TYPES, END_REASONS, TRANSPORTS, type PresenceChangeType, type UserRecord, type View } from '../core/model.ts';
import { RollcallError } from '../core/errors.ts';
import {
  ACCOUNT_ROLES,
  API_KEY_KINDS,
  COMMAND_PERMISSIONS,
  WEBHOOK_DELIVERY_STATUSES,
  type Account,
  type ApiClientRecord,
  type ApiKeyRecord,
  type DueWebhookDelivery,
  type NewWebhookDelivery,
  type SessionLogEntry,
  type SessionLogPosition,
  type WebhookDelivery,
  type WebhookSubscription,
} from './history-store.ts';

/** Newest entries a session-log query answers when it names no limit (the interface's default). */
export const DEFAULT_SESSION_LOG_LIMIT = 100;
/**
 * Where a session-log listing starts when the query names no position: before every row there can be
 * (in the newest-first order), so the first page and the next ones are the same statement.
 */
const SESSION_LOG_START: SessionLogPosition = { startedAt: Number.MAX_SAFE_INTEGER, sessionId: Number.MAX_SAFE_INTEGER };
/** Newest deliveries a webhook delivery query answers when it names no limit (the interface's default). */
export const DEFAULT_WEBHOOK_DELIVERY_LIMIT = 50;

export interface AccountRow {
  id: number;
  username: string;
  role: string;
  password_hash: string;
  created_at: number;
  command_permission: string;
}

export interface ApiClientRow {
  id: string;
  label: string | null;
  permission: string;
  secret_hash: string;
  created_at: number;
  secret_created_at: number;
  revoked_at: number | null;
}

export interface OAuthTokenRow extends ApiClientRow {
  token_issued_at: number;
  token_expires_at: number;
}

export interface ApiKeyRow {
  id: number;
  kind: string;
  account_id: number;
  user_id: string | null;
  label: string | null;
  prefix: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface UserRow {
  id: string;
  name: string;
  email: string | null;
  type: string;
  username: string | null;
  public_display_name: string | null;
  private_display_name: string | null;
  last_seen_at: number;
  last_view: string | null;
}

export interface SessionLogRow {
  session_id: number;
  started_at: number;
  user_id: string;
  client_type: string;
  transport: string | null;
  node_id: string;
  remote_address: string;
  hostname: string | null;
  browser: string | null;
  os: string | null;
  ended_at: number | null;
  end_reason: string | null;
  ended_by: string | null;
}

export interface WebhookRow {
  id: number;
  url: string;
  event_types: string;
  secret: string;
  /** SQLite answers 1/0, PostgreSQL a boolean. */
  active: number | boolean;
  disabled_reason: string | null;
  created_at: number;
}

export interface WebhookDeliveryRow {
  id: string;
  subscription_id: number;
  event_type: string;
  payload: string;
  status: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  finished_at: number | null;
  redelivered_at: number | null;
}

export interface DueWebhookDeliveryRow extends WebhookDeliveryRow {
  seq: number;
  target_url: string;
  target_secret: string;
}

/** A user record as column values; absent optionals are null (both drivers bind null, not undefined). */
export interface UserParams {
  id: string;
  name: string;
  email: string | null;
  type: string;
  username: string | null;
  publicDisplayName: string | null;
  privateDisplayName: string | null;
  lastSeenAt: number;
  lastView: string | null;
}

/**
 * A negative LIMIT means "everything" to SQLite and is an error to PostgreSQL; refuse it the same way in
 * both rather than answer the whole table or a driver error.
 */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RollcallError('invalid_parameter', `limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

/** The position a session-log listing starts after: the query's, checked, or before every row when it names none. */
export function sessionLogStart(after: SessionLogPosition | undefined): SessionLogPosition {
  if (after === undefined) return SESSION_LOG_START;
  if (!Number.isSafeInteger(after.startedAt) || !Number.isSafeInteger(after.sessionId)) {
    throw new RollcallError('invalid_parameter', `a session-log position is two integers, got ${JSON.stringify(after)}`);
  }
  return after;
}

/** Callers outside TypeScript's reach (CLI input, JSON) must not store a permission nothing understands. */
export function checkPermission(permission: string): void {
  if (!(COMMAND_PERMISSIONS as readonly string[]).includes(permission)) {
    throw new RollcallError(
      'invalid_parameter',
      `command permission must be one of ${COMMAND_PERMISSIONS.join(', ')}, got "${permission}"`,
    );
  }
}

export function userParams(record: UserRecord): UserParams {
  const { user, lastSeenAt, lastView } = record;
  return {
    id: user.id,
    name: user.name,
    email: user.email ?? null,
    type: user.type,
    username: user.username ?? null,
    publicDisplayName: user.publicDisplayName ?? null,
    privateDisplayName: user.privateDisplayName ?? null,
    lastSeenAt,
    // Only the view's own fields: a caller's object may carry more than the model says.
    lastView: lastView ? JSON.stringify({ m: lastView.m, v: lastView.v, t: lastView.t }) : null,
  };
}

// Row mappers. Optional fields are left out when the column is NULL, so results compare equal to what
// was written. Enumerated columns are checked rather than cast: a value this code does not know means
// the database was written by something else, and saying so beats passing it on.

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new RollcallError('internal', `unexpected ${column} in history: "${value}"`);
  return found;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    role: oneOf(ACCOUNT_ROLES, row.role, 'accounts.role'),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    commandPermission: oneOf(COMMAND_PERMISSIONS, row.command_permission, 'accounts.command_permission'),
  };
}

export function toApiClient(row: ApiClientRow): ApiClientRecord {
  const client: ApiClientRecord = {
    id: row.id,
    permission: oneOf(COMMAND_PERMISSIONS, row.permission, 'api_clients.permission'),
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    secretCreatedAt: row.secret_created_at,
  };
  if (row.label !== null) client.label = row.label;
  if (row.revoked_at !== null) client.revokedAt = row.revoked_at;
  return client;
}

export function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  const key: ApiKeyRecord = {
    id: row.id,
    kind: oneOf(API_KEY_KINDS, row.kind, 'api_keys.kind'),
    accountId: row.account_id,
    prefix: row.prefix,
    hash: row.hash,
    createdAt: row.created_at,
  };
  if (row.user_id !== null) key.userId = row.user_id;
  if (row.label !== null) key.label = row.label;
  if (row.revoked_at !== null) key.revokedAt = row.revoked_at;
  return key;
}

export function toUserRecord(row: UserRow): UserRecord {
  const record: UserRecord = {
    user: { id: row.id, name: row.name, type: row.type },
    lastSeenAt: row.last_seen_at,
  };
  if (row.email !== null) record.user.email = row.email;
  if (row.username !== null) record.user.username = row.username;
  if (row.public_display_name !== null) record.user.publicDisplayName = row.public_display_name;
  if (row.private_display_name !== null) record.user.privateDisplayName = row.private_display_name;
  const view = row.last_view === null ? undefined : parseView(row.last_view);
  if (view !== undefined) record.lastView = view;
  return record;
}

/** The last view is informative only; an unreadable one is dropped rather than failing a whole listing. */
function parseView(text: string): View | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { m, v, t } = value as Record<string, unknown>;
  if (typeof m !== 'string' || typeof v !== 'string' || typeof t !== 'string') return undefined;
  return { m, v, t };
}

/** Event types as stored: a comma list (types never contain commas). */
export function eventTypesColumn(events: readonly PresenceChangeType[]): string {
  const unknown = events.filter((type) => !isPresenceChangeType(type));
  if (events.length === 0 || unknown.length > 0) {
    throw new RollcallError('invalid_parameter', `webhook events must be a non-empty list of ${PRESENCE_CHANGE_TYPES.join(', ')}`);
  }
  return events.join(',');
}

export function toWebhook(row: WebhookRow): WebhookSubscription {
  const subscription: WebhookSubscription = {
    id: row.id,
    url: row.url,
    events: row.event_types.split(',').map((type) => oneOf(PRESENCE_CHANGE_TYPES, type, 'webhook_subscriptions.event_types')),
    secret: row.secret,
    active: row.active === 1 || row.active === true,
    createdAt: row.created_at,
  };
  if (row.disabled_reason !== null) subscription.disabledReason = row.disabled_reason;
  return subscription;
}

export function toWebhookDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  const delivery: WebhookDelivery = {
    id: row.id,
    subscriptionId: row.subscription_id,
    eventType: oneOf(PRESENCE_CHANGE_TYPES, row.event_type, 'webhook_deliveries.event_type'),
    payload: row.payload,
    createdAt: row.created_at,
    status: oneOf(WEBHOOK_DELIVERY_STATUSES, row.status, 'webhook_deliveries.status'),
    attempts: row.attempts,
  };
  if (row.next_attempt_at !== null) delivery.nextAttemptAt = row.next_attempt_at;
  if (row.last_attempt_at !== null) delivery.lastAttemptAt = row.last_attempt_at;
  if (row.last_status_code !== null) delivery.lastStatusCode = row.last_status_code;
  if (row.last_error !== null) delivery.lastError = row.last_error;
  if (row.finished_at !== null) delivery.finishedAt = row.finished_at;
  if (row.redelivered_at !== null) delivery.redeliveredAt = row.redelivered_at;
  return delivery;
}

/** A claimed row with where to send it and how to sign it. */
export function toDueWebhookDelivery(row: DueWebhookDeliveryRow): DueWebhookDelivery {
  return { delivery: toWebhookDelivery(row), url: row.target_url, secret: row.target_secret };
}

/** Checked before a batch is written, so an unknown type fails the call without storing any of it. */
export function checkDeliveryEventTypes(deliveries: readonly NewWebhookDelivery[]): void {
  if (deliveries.some((delivery) => !isPresenceChangeType(delivery.eventType))) {
    throw new RollcallError('invalid_parameter', `a webhook delivery's event type must be one of ${PRESENCE_CHANGE_TYPES.join(', ')}`);
  }
}

export function toSessionLogEntry(row: SessionLogRow): SessionLogEntry {
  const entry: SessionLogEntry = {
    sessionId: row.session_id,
    userId: row.user_id,
    clientType: oneOf(CLIENT_TYPES, row.client_type, 'session_log.client_type'),
    nodeId: row.node_id,
    remoteAddress: row.remote_address,
    startedAt: row.started_at,
  };
  if (row.transport !== null) entry.transport = oneOf(TRANSPORTS, row.transport, 'session_log.transport');
  if (row.hostname !== null) entry.hostname = row.hostname;
  if (row.browser !== null || row.os !== null) {
    entry.agent = {};
    if (row.browser !== null) entry.agent.browser = row.browser;
    if (row.os !== null) entry.agent.os = row.os;
  }
  if (row.ended_at !== null) entry.endedAt = row.ended_at;
  if (row.end_reason !== null) entry.endReason = oneOf(END_REASONS, row.end_reason, 'session_log.end_reason');
  if (row.ended_by !== null) entry.endedBy = row.ended_by;
  return entry;
}
