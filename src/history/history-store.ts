// HistoryStore: what outlives a session. Accounts, API keys, users with their last seen and last view,
// the session log, webhook subscriptions with their outbox of deliveries, and small settings. SQLite is the embedded default; PostgreSQL follows for clusters.
// Writes on the ingest path arrive in batches (see core/history-writer.ts), never one per heartbeat.

import type { ClientType, EndReason, PresenceChangeType, UserRecord } from '../core/model.ts';

export const ACCOUNT_ROLES = ['admin', 'reader'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/**
 * What an account or API client may do through the BeyondTrust command API (reported as
 * `perm_command`). rollcall's actions only read, so `full` and `read_only` allow the same actions.
 */
export const COMMAND_PERMISSIONS = ['full', 'read_only', 'deny'] as const;
export type CommandPermission = (typeof COMMAND_PERMISSIONS)[number];

/** A new account's command-API permission when none is given: what its role may already do. */
export const defaultCommandPermission = (role: AccountRole): CommandPermission => (role === 'admin' ? 'full' : 'read_only');

export interface Account {
  id: number;
  username: string;
  role: AccountRole;
  /** scrypt hash in the self-describing form of auth/passwords.ts. */
  passwordHash: string;
  createdAt: number;
  commandPermission: CommandPermission;
}

export interface NewAccount {
  username: string;
  role: AccountRole;
  passwordHash: string;
  /** Default: defaultCommandPermission(role). */
  commandPermission?: CommandPermission;
}

/**
 * `ingest` keys report sessions for any user (server to server); `api` keys read presence with the
 * rights of the account that owns them.
 */
export const API_KEY_KINDS = ['ingest', 'api'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

export interface ApiKeyRecord {
  id: number;
  kind: ApiKeyKind;
  /** The owning account; its role decides what the key may read and do. */
  accountId: number;
  /** The application user this key speaks for, when it belongs to one (dialects call it "self"). */
  userId?: string;
  label?: string;
  /** The first characters of the key, shown in listings so operators can tell keys apart. */
  prefix: string;
  /** sha256 (hex) of the whole key. Keys are random and long, so a fast hash is the right one. */
  hash: string;
  createdAt: number;
  revokedAt?: number;
}

export interface NewApiKey {
  kind: ApiKeyKind;
  accountId: number;
  userId?: string;
  label?: string;
  prefix: string;
  hash: string;
}

/** An OAuth2 API client (client credentials grant), managed with `rollcall clients`. */
export interface ApiClientRecord {
  /** The public client id. */
  id: string;
  label?: string;
  permission: CommandPermission;
  /** sha256 (hex) of the client secret; secrets are random and long, like API keys. */
  secretHash: string;
  createdAt: number;
  /** When the current secret was set (creation or the last regeneration). */
  secretCreatedAt: number;
  revokedAt?: number;
}

export interface NewApiClient {
  id: string;
  label?: string;
  permission: CommandPermission;
  secretHash: string;
}

export interface NewOAuthToken {
  clientId: string;
  /** The secret the caller proved; the token is refused if the client's secret changed meanwhile. */
  secretHash: string;
  /** sha256 (hex) of the bearer token. */
  tokenHash: string;
  issuedAt: number;
  expiresAt: number;
}

/** A valid token and the live client it was issued to. */
export interface OAuthTokenGrant {
  client: ApiClientRecord;
  issuedAt: number;
  expiresAt: number;
}

/** One line of the session log: written when a session starts and completed when it ends. */
export interface SessionLogEntry {
  sessionId: number;
  userId: string;
  clientType: ClientType;
  nodeId: string;
  remoteAddress: string;
  startedAt: number;
  endedAt?: number;
  endReason?: EndReason;
  /** Who ended it, for an admin action (account name). */
  endedBy?: string;
}

export type SessionLogWrite =
  | { op: 'start'; entry: SessionLogEntry }
  | { op: 'end'; sessionId: number; startedAt: number; endedAt: number; endReason: EndReason; endedBy?: string };

export interface SessionLogQuery {
  userId?: string;
  /** Newest first; default 100. */
  limit?: number;
}

/** How many were online at one instant (see PresenceService's sampler). */
export interface PresenceSample {
  at: number;
  onlineUsers: number;
  sessions: number;
}

/** A webhook subscription: where to POST which changes, and the secret that signs them. */
export interface WebhookSubscription {
  id: number;
  /** http or https. */
  url: string;
  /** The change types delivered, in the order given. */
  events: PresenceChangeType[];
  /** HMAC-SHA256 key of the signature header. Kept as given: signing needs the secret itself. */
  secret: string;
  /** Inactive subscriptions get no new deliveries, and their pending ones wait (until they expire). */
  active: boolean;
  createdAt: number;
  /** Why rollcall disabled it (a 410 Gone answer), while it is inactive for that reason. */
  disabledReason?: string;
}

export interface NewWebhookSubscription {
  url: string;
  events: PresenceChangeType[];
  secret: string;
}

/** Fields to change; absent ones stay. Activating clears `disabledReason`. */
export interface WebhookSubscriptionPatch {
  url?: string;
  events?: PresenceChangeType[];
  active?: boolean;
  /** Stored only with `active: false`. */
  disabledReason?: string;
}

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** A delivery put in the outbox: one event for one subscription, with the exact body to send. */
export interface NewWebhookDelivery {
  /** Unique across installations (a UUID): receivers use it to ignore a delivery they already took. */
  id: string;
  subscriptionId: number;
  eventType: PresenceChangeType;
  /** The JSON body, byte for byte the same on every attempt. */
  payload: string;
  createdAt: number;
}

export interface WebhookDelivery extends NewWebhookDelivery {
  status: WebhookDeliveryStatus;
  /** Attempts that finished (an answer, an error or a timeout). */
  attempts: number;
  /** When a pending delivery is due (or, while it is being attempted, when its claim lapses). */
  nextAttemptAt?: number;
  lastAttemptAt?: number;
  /** HTTP status of the last answer, if there was one. */
  lastStatusCode?: number;
  /** What went wrong on the last attempt (connection refused, timeout, the status), if it failed. */
  lastError?: string;
  /** When it was delivered or given up. */
  finishedAt?: number;
}

/** A claimed delivery with where to send it and how to sign it, read in the same step as the claim. */
export interface DueWebhookDelivery {
  delivery: WebhookDelivery;
  url: string;
  secret: string;
}

/** How one attempt ended, and so what becomes of the delivery. */
export type WebhookAttemptOutcome = {
  at: number;
  statusCode?: number;
  error?: string;
} & ({ status: 'delivered' } | { status: 'failed' } | { status: 'pending'; nextAttemptAt: number });

export interface WebhookDeliveryQuery {
  status?: WebhookDeliveryStatus;
  /** Newest first; default 50. */
  limit?: number;
}

export interface HistoryStore {
  createAccount(input: NewAccount): Promise<Account>;
  findAccount(username: string): Promise<Account | undefined>;
  getAccount(id: number): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** Removes the account and revokes its keys. False when there was no such account. */
  removeAccount(username: string): Promise<boolean>;
  /** False when there was no such account. */
  setCommandPermission(username: string, permission: CommandPermission): Promise<boolean>;

  createApiKey(input: NewApiKey): Promise<ApiKeyRecord>;
  /** The key with this hash, unless it is revoked. */
  findApiKey(hash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there was no such live key. */
  revokeApiKey(id: number): Promise<boolean>;

  /** Conflict when the id is taken (by a live or a revoked client). */
  createApiClient(input: NewApiClient): Promise<ApiClientRecord>;
  /** The client with this id, unless it is revoked. */
  findApiClient(id: string): Promise<ApiClientRecord | undefined>;
  /** Every client, revoked ones included, oldest first. */
  listApiClients(): Promise<ApiClientRecord[]>;
  /** Revokes a live client and invalidates all its tokens. False when there was no such live client. */
  revokeApiClient(id: string): Promise<boolean>;
  /** Sets a new secret and invalidates all tokens issued so far. False when there was no such live client. */
  replaceApiClientSecret(id: string, secretHash: string): Promise<boolean>;
  /**
   * Stores a token for a live client whose secret is still `secretHash`, then keeps only its
   * `maxValid` newest valid tokens (the oldest are invalidated first). False, storing nothing, when
   * the client is unknown, revoked, or has a new secret.
   */
  issueOAuthToken(token: NewOAuthToken, maxValid: number): Promise<boolean>;
  /** The grant behind a token that has not expired at `now`, issued to a client that is still live. */
  findOAuthToken(tokenHash: string, now: number): Promise<OAuthTokenGrant | undefined>;

  /**
   * Upserts users with their latest facts. `lastSeenAt` never moves backwards; `lastView` is kept
   * when a record carries none.
   */
  recordUsers(records: readonly UserRecord[]): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Users last seen at or after `since` (epoch ms), most recent first. */
  listUsersSeenSince(since: number, limit?: number): Promise<UserRecord[]>;

  appendSessionLog(writes: readonly SessionLogWrite[]): Promise<void>;
  listSessionLog(query?: SessionLogQuery): Promise<SessionLogEntry[]>;
  /**
   * Ends every session-log row of `nodeId` that has no end yet; answers how many. A node whose live
   * store died with it calls this at start for the sessions a crash left open.
   */
  endOpenSessions(nodeId: string, endedAt: number, endReason: EndReason): Promise<number>;

  /** Stores a sample and forgets those taken before `keepSince`. */
  recordPresenceSample(sample: PresenceSample, keepSince: number): Promise<void>;
  /** Samples taken at or after `since`, oldest first. */
  listPresenceSamples(since: number): Promise<PresenceSample[]>;

  createWebhook(input: NewWebhookSubscription): Promise<WebhookSubscription>;
  getWebhook(id: number): Promise<WebhookSubscription | undefined>;
  /** Every subscription, oldest first. */
  listWebhooks(): Promise<WebhookSubscription[]>;
  /** The changed subscription; undefined when there is none with this id. */
  updateWebhook(id: number, patch: WebhookSubscriptionPatch): Promise<WebhookSubscription | undefined>;
  /** Removes the subscription and all its deliveries. False when there was none. */
  removeWebhook(id: number): Promise<boolean>;

  /**
   * Puts deliveries in the outbox, all or none, due at once. Deliveries of a subscription removed
   * meanwhile are dropped; an id already in the outbox is kept as it was (a retried batch).
   */
  enqueueWebhookDeliveries(deliveries: readonly NewWebhookDelivery[]): Promise<void>;
  /**
   * Takes up to `limit` pending deliveries due at `now` of active subscriptions, earliest first, and
   * moves their next attempt to `leaseUntil`: nobody else takes them meanwhile, and if this claimant
   * stops without recording an outcome they are due again then.
   */
  claimDueWebhookDeliveries(now: number, limit: number, leaseUntil: number): Promise<DueWebhookDelivery[]>;
  /** When the earliest pending delivery of an active subscription is due (claimed ones: when their claim lapses). */
  nextWebhookAttemptAt(): Promise<number | undefined>;
  /** Records a finished attempt of a pending delivery. False (and no change) when it is not pending. */
  recordWebhookAttempt(id: string, outcome: WebhookAttemptOutcome): Promise<boolean>;
  /**
   * Moves the pending deliveries of a subscription that are due before `until` to `until`; answers how
   * many. A receiver that is down rests as a whole, rather than each of its deliveries taking a worker
   * slot to find out again.
   */
  deferWebhookDeliveries(subscriptionId: number, until: number): Promise<number>;
  /** One subscription's deliveries, newest first. */
  listWebhookDeliveries(subscriptionId: number, query?: WebhookDeliveryQuery): Promise<WebhookDelivery[]>;
  /** Pending deliveries over all subscriptions (the outbox backlog). */
  countPendingWebhookDeliveries(): Promise<number>;
  /** Marks pending deliveries created before `createdBefore` failed with `error`; answers how many. */
  expireWebhookDeliveries(createdBefore: number, now: number, error: string): Promise<number>;
  /** Deletes delivered and failed deliveries that finished before `finishedBefore`; answers how many. */
  pruneWebhookDeliveries(finishedBefore: number): Promise<number>;

  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Adds `by` to a named counter atomically and answers the value before the addition (0 at first). */
  advanceCounter(name: string, by: number): Promise<number>;

  close(): Promise<void>;
}
