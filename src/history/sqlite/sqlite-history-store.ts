// HistoryStore on an embedded SQLite file (better-sqlite3). The driver is synchronous; the methods are
// async to meet the interface, and to wait for another connection's lock without blocking the process
// (see lock-wait.ts): every operation runs through #whenUnlocked.
// Statements are prepared once here. Batched writes run in one IMMEDIATE transaction per call: one
// fsync per batch instead of one per row, and the write lock is taken up front so a concurrent writer
// (the CLI on the same file) makes this one wait rather than fail halfway.

import type Database from 'better-sqlite3';
import { isPresenceChangeType, PRESENCE_CHANGE_TYPES } from '../../stream/event-types.ts';
import {
  CLIENT_TYPES,
  END_REASONS,
  type ClientType,
  type EndReason,
  type PresenceChangeType,
  type UserRecord,
  type View,
} from '../../core/model.ts';
import { RollcallError } from '../../core/errors.ts';
import {
  ACCOUNT_ROLES,
  API_KEY_KINDS,
  COMMAND_PERMISSIONS,
  defaultCommandPermission,
  type Account,
  type AccountRole,
  type ApiClientRecord,
  type ApiKeyKind,
  type ApiKeyRecord,
  type CommandPermission,
  type HistoryStore,
  type NewAccount,
  type NewApiClient,
  type NewApiKey,
  type NewOAuthToken,
  type OAuthTokenGrant,
  type PresenceSample,
  type SessionLogEntry,
  type SessionLogQuery,
  type SessionLogWrite,
  WEBHOOK_DELIVERY_STATUSES,
  type DueWebhookDelivery,
  type NewWebhookDelivery,
  type NewWebhookSubscription,
  type WebhookAttemptOutcome,
  type WebhookDelivery,
  type WebhookDeliveryQuery,
  type WebhookDeliveryStatus,
  type WebhookSubscription,
  type WebhookSubscriptionPatch,
} from '../history-store.ts';
import { whenUnlocked, type LockWaitOptions } from './lock-wait.ts';
import * as sql from './sql.ts';

/** Newest entries a session-log query answers when it names no limit (the interface's default). */
const DEFAULT_SESSION_LOG_LIMIT = 100;
/** Newest deliveries a webhook delivery query answers when it names no limit (the interface's default). */
const DEFAULT_WEBHOOK_DELIVERY_LIMIT = 50;
/** SQLite reads a negative LIMIT as "no limit". */
const NO_LIMIT = -1;

interface AccountRow {
  id: number;
  username: string;
  role: string;
  password_hash: string;
  created_at: number;
  command_permission: string;
}

interface ApiClientRow {
  id: string;
  label: string | null;
  permission: string;
  secret_hash: string;
  created_at: number;
  secret_created_at: number;
  revoked_at: number | null;
}

interface OAuthTokenRow extends ApiClientRow {
  token_issued_at: number;
  token_expires_at: number;
}

interface ApiKeyRow {
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

interface UserRow {
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

interface SessionLogRow {
  session_id: number;
  started_at: number;
  user_id: string;
  client_type: string;
  node_id: string;
  remote_address: string;
  ended_at: number | null;
  end_reason: string | null;
  ended_by: string | null;
}

interface WebhookRow {
  id: number;
  url: string;
  event_types: string;
  secret: string;
  active: number;
  disabled_reason: string | null;
  created_at: number;
}

interface WebhookDeliveryRow {
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
}

interface DueWebhookDeliveryRow extends WebhookDeliveryRow {
  seq: number;
  target_url: string;
  target_secret: string;
}

// Bind objects: better-sqlite3 wants every named parameter present, so absent optionals are null.
interface UserParams {
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

interface SessionStartParams {
  sessionId: number;
  startedAt: number;
  userId: string;
  clientType: ClientType;
  nodeId: string;
  remoteAddress: string;
  endedAt: number | null;
  endReason: EndReason | null;
  endedBy: string | null;
}

interface SessionEndParams {
  sessionId: number;
  startedAt: number;
  endedAt: number;
  endReason: EndReason;
  endedBy: string | null;
}

interface WebhookPatchParams {
  id: number;
  url: string | null;
  eventTypes: string | null;
  active: number | null;
  disabledReason: string | null;
}

interface WebhookAttemptParams {
  id: string;
  status: WebhookDeliveryStatus;
  at: number;
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: number | null;
}

/** Every statement, prepared once per store: preparing parses and plans the SQL. */
function prepareStatements(db: Database.Database) {
  return {
    insertAccount: db.prepare<
      { username: string; role: AccountRole; passwordHash: string; createdAt: number; commandPermission: CommandPermission },
      AccountRow
    >(sql.INSERT_ACCOUNT),
    updateCommandPermission: db.prepare<{ username: string; permission: CommandPermission }>(sql.UPDATE_COMMAND_PERMISSION),
    accountByUsername: db.prepare<[string], AccountRow>(sql.SELECT_ACCOUNT_BY_USERNAME),
    accountById: db.prepare<[number], AccountRow>(sql.SELECT_ACCOUNT_BY_ID),
    accounts: db.prepare<[], AccountRow>(sql.SELECT_ACCOUNTS),
    deleteAccount: db.prepare<[number]>(sql.DELETE_ACCOUNT),
    insertApiKey: db.prepare<
      {
        kind: ApiKeyKind;
        accountId: number;
        userId: string | null;
        label: string | null;
        prefix: string;
        hash: string;
        createdAt: number;
      },
      ApiKeyRow
    >(sql.INSERT_API_KEY),
    liveApiKeyByHash: db.prepare<[string], ApiKeyRow>(sql.SELECT_LIVE_API_KEY_BY_HASH),
    apiKeys: db.prepare<[], ApiKeyRow>(sql.SELECT_API_KEYS),
    revokeApiKey: db.prepare<{ id: number; revokedAt: number }>(sql.REVOKE_API_KEY),
    revokeApiKeysOfAccount: db.prepare<{ accountId: number; revokedAt: number }>(sql.REVOKE_API_KEYS_OF_ACCOUNT),
    insertApiClient: db.prepare<
      { id: string; label: string | null; permission: CommandPermission; secretHash: string; createdAt: number },
      ApiClientRow
    >(sql.INSERT_API_CLIENT),
    liveApiClient: db.prepare<[string], ApiClientRow>(sql.SELECT_LIVE_API_CLIENT),
    apiClients: db.prepare<[], ApiClientRow>(sql.SELECT_API_CLIENTS),
    revokeApiClient: db.prepare<{ id: string; revokedAt: number }>(sql.REVOKE_API_CLIENT),
    replaceApiClientSecret: db.prepare<{ id: string; secretHash: string; at: number }>(sql.REPLACE_API_CLIENT_SECRET),
    insertOAuthToken: db.prepare<{ clientId: string; tokenHash: string; issuedAt: number; expiresAt: number }>(sql.INSERT_OAUTH_TOKEN),
    deleteExcessOAuthTokens: db.prepare<{ clientId: string; now: number; max: number }>(sql.DELETE_EXCESS_OAUTH_TOKENS),
    deleteOAuthTokensOfClient: db.prepare<[string]>(sql.DELETE_OAUTH_TOKENS_OF_CLIENT),
    validOAuthToken: db.prepare<{ tokenHash: string; now: number }, OAuthTokenRow>(sql.SELECT_VALID_OAUTH_TOKEN),
    upsertUser: db.prepare<UserParams>(sql.UPSERT_USER),
    user: db.prepare<[string], UserRow>(sql.SELECT_USER),
    usersSeenSince: db.prepare<{ since: number; limit: number }, UserRow>(sql.SELECT_USERS_SEEN_SINCE),
    insertSessionStart: db.prepare<SessionStartParams>(sql.INSERT_SESSION_START),
    updateSessionEnd: db.prepare<SessionEndParams>(sql.UPDATE_SESSION_END),
    endOpenSessionsOfNode: db.prepare<{ nodeId: string; endedAt: number; endReason: EndReason }>(sql.END_OPEN_SESSIONS_OF_NODE),
    sessionLog: db.prepare<{ limit: number }, SessionLogRow>(sql.SELECT_SESSION_LOG),
    sessionLogOfUser: db.prepare<{ userId: string; limit: number }, SessionLogRow>(sql.SELECT_SESSION_LOG_OF_USER),
    setting: db.prepare<[string], { value: string }>(sql.SELECT_SETTING),
    upsertSetting: db.prepare<{ key: string; value: string }>(sql.UPSERT_SETTING),
    advanceCounter: db.prepare<{ name: string; by: number }, { value: number }>(sql.ADVANCE_COUNTER),
    insertWebhook: db.prepare<{ url: string; eventTypes: string; secret: string; createdAt: number }, WebhookRow>(sql.INSERT_WEBHOOK),
    webhook: db.prepare<[number], WebhookRow>(sql.SELECT_WEBHOOK),
    webhooks: db.prepare<[], WebhookRow>(sql.SELECT_WEBHOOKS),
    updateWebhook: db.prepare<WebhookPatchParams, WebhookRow>(sql.UPDATE_WEBHOOK),
    deleteWebhook: db.prepare<[number]>(sql.DELETE_WEBHOOK),
    insertWebhookDelivery: db.prepare<NewWebhookDelivery>(sql.INSERT_WEBHOOK_DELIVERY),
    dueWebhookDeliveries: db.prepare<{ now: number; limit: number }, DueWebhookDeliveryRow>(sql.SELECT_DUE_WEBHOOK_DELIVERIES),
    nextWebhookAttempt: db.prepare<[], { at: number | null }>(sql.SELECT_NEXT_WEBHOOK_ATTEMPT),
    leaseWebhookDelivery: db.prepare<{ seq: number; leaseUntil: number }>(sql.LEASE_WEBHOOK_DELIVERY),
    recordWebhookAttempt: db.prepare<WebhookAttemptParams>(sql.RECORD_WEBHOOK_ATTEMPT),
    deferWebhookDeliveries: db.prepare<{ subscriptionId: number; until: number }>(sql.DEFER_WEBHOOK_DELIVERIES),
    webhookDeliveries: db.prepare<{ subscriptionId: number; limit: number }, WebhookDeliveryRow>(sql.SELECT_WEBHOOK_DELIVERIES),
    webhookDeliveriesByStatus: db.prepare<{ subscriptionId: number; status: WebhookDeliveryStatus; limit: number }, WebhookDeliveryRow>(
      sql.SELECT_WEBHOOK_DELIVERIES_BY_STATUS,
    ),
    countPendingWebhookDeliveries: db.prepare<[], { count: number }>(sql.COUNT_PENDING_WEBHOOK_DELIVERIES),
    expireWebhookDeliveries: db.prepare<{ createdBefore: number; now: number; error: string }>(sql.EXPIRE_WEBHOOK_DELIVERIES),
    deleteFinishedWebhookDeliveries: db.prepare<[number]>(sql.DELETE_FINISHED_WEBHOOK_DELIVERIES),
    upsertPresenceSample: db.prepare<PresenceSample>(sql.UPSERT_PRESENCE_SAMPLE),
    deletePresenceSamplesBefore: db.prepare<[number]>(sql.DELETE_PRESENCE_SAMPLES_BEFORE),
    presenceSamplesSince: db.prepare<[number], PresenceSample>(sql.SELECT_PRESENCE_SAMPLES_SINCE),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

export class SqliteHistoryStore implements HistoryStore {
  readonly #db: Database.Database;
  readonly #statements: Statements;
  readonly #recordUsers: (records: readonly UserRecord[]) => void;
  readonly #appendSessionLog: (writes: readonly SessionLogWrite[]) => void;
  readonly #recordPresenceSample: (sample: PresenceSample, keepSince: number) => void;
  readonly #removeAccount: (username: string, at: number) => boolean;
  readonly #createApiKey: (input: NewApiKey, at: number) => ApiKeyRow;
  readonly #revokeApiClient: (id: string, at: number) => boolean;
  readonly #replaceApiClientSecret: (id: string, secretHash: string, at: number) => boolean;
  readonly #issueOAuthToken: (token: NewOAuthToken, maxValid: number) => boolean;
  readonly #enqueueWebhookDeliveries: (deliveries: readonly NewWebhookDelivery[]) => void;
  readonly #claimDueWebhookDeliveries: (now: number, limit: number, leaseUntil: number) => DueWebhookDeliveryRow[];
  readonly #lockWait: LockWaitOptions;

  /** `db` comes from openSqliteDatabase (migrated); the store owns it from here and closes it. */
  constructor(db: Database.Database, options: LockWaitOptions = {}) {
    this.#db = db;
    this.#lockWait = options;
    const statements = prepareStatements(db);
    this.#statements = statements;

    const recordUsers = db.transaction((records: readonly UserRecord[]) => {
      for (const record of records) statements.upsertUser.run(userParams(record));
    });
    this.#recordUsers = (records) => recordUsers.immediate(records);

    const appendSessionLog = db.transaction((writes: readonly SessionLogWrite[]) => {
      for (const write of writes) {
        if (write.op === 'start') {
          const { entry } = write;
          statements.insertSessionStart.run({
            sessionId: entry.sessionId,
            startedAt: entry.startedAt,
            userId: entry.userId,
            clientType: entry.clientType,
            nodeId: entry.nodeId,
            remoteAddress: entry.remoteAddress,
            endedAt: entry.endedAt ?? null,
            endReason: entry.endReason ?? null,
            endedBy: entry.endedBy ?? null,
          });
        } else {
          // An end whose start is unknown (never logged, or logged elsewhere) changes nothing.
          statements.updateSessionEnd.run({
            sessionId: write.sessionId,
            startedAt: write.startedAt,
            endedAt: write.endedAt,
            endReason: write.endReason,
            endedBy: write.endedBy ?? null,
          });
        }
      }
    });
    this.#appendSessionLog = (writes) => appendSessionLog.immediate(writes);

    this.#recordPresenceSample = db.transaction((sample: PresenceSample, keepSince: number) => {
      statements.upsertPresenceSample.run(sample);
      statements.deletePresenceSamplesBefore.run(keepSince);
    });

    const removeAccount = db.transaction((username: string, at: number): boolean => {
      const account = statements.accountByUsername.get(username);
      if (account === undefined) return false;
      statements.revokeApiKeysOfAccount.run({ accountId: account.id, revokedAt: at });
      statements.deleteAccount.run(account.id);
      return true;
    });
    this.#removeAccount = (username, at) => removeAccount.immediate(username, at);

    const createApiKey = db.transaction((input: NewApiKey, at: number): ApiKeyRow => {
      if (statements.accountById.get(input.accountId) === undefined) {
        throw new RollcallError('not_found', `account ${input.accountId} does not exist`);
      }
      const row = statements.insertApiKey.get({
        kind: input.kind,
        accountId: input.accountId,
        userId: input.userId ?? null,
        label: input.label ?? null,
        prefix: input.prefix,
        hash: input.hash,
        createdAt: at,
      });
      if (row === undefined) throw new RollcallError('conflict', 'an API key with this hash already exists');
      return row;
    });
    this.#createApiKey = (input, at) => createApiKey.immediate(input, at);

    // Revoking or re-keying a client and dropping its tokens happen together or not at all: a token
    // that outlived its client's revocation would still open the API.
    const revokeApiClient = db.transaction((id: string, at: number): boolean => {
      if (statements.revokeApiClient.run({ id, revokedAt: at }).changes === 0) return false;
      statements.deleteOAuthTokensOfClient.run(id);
      return true;
    });
    this.#revokeApiClient = (id, at) => revokeApiClient.immediate(id, at);

    const replaceApiClientSecret = db.transaction((id: string, secretHash: string, at: number): boolean => {
      if (statements.replaceApiClientSecret.run({ id, secretHash, at }).changes === 0) return false;
      statements.deleteOAuthTokensOfClient.run(id);
      return true;
    });
    this.#replaceApiClientSecret = (id, secretHash, at) => replaceApiClientSecret.immediate(id, secretHash, at);

    // One transaction: the secret check, the insert and the trim must see the same client, or a
    // token could be issued on a secret regenerated a moment earlier.
    const issueOAuthToken = db.transaction((token: NewOAuthToken, maxValid: number): boolean => {
      const client = statements.liveApiClient.get(token.clientId);
      if (client === undefined || client.secret_hash !== token.secretHash) return false;
      statements.insertOAuthToken.run({
        clientId: token.clientId,
        tokenHash: token.tokenHash,
        issuedAt: token.issuedAt,
        expiresAt: token.expiresAt,
      });
      statements.deleteExcessOAuthTokens.run({ clientId: token.clientId, now: token.issuedAt, max: maxValid });
      return true;
    });
    this.#issueOAuthToken = (token, maxValid) => issueOAuthToken.immediate(token, maxValid);

    const enqueueWebhookDeliveries = db.transaction((deliveries: readonly NewWebhookDelivery[]) => {
      for (const delivery of deliveries) {
        statements.insertWebhookDelivery.run({
          id: delivery.id,
          subscriptionId: delivery.subscriptionId,
          eventType: delivery.eventType,
          payload: delivery.payload,
          createdAt: delivery.createdAt,
        });
      }
    });
    this.#enqueueWebhookDeliveries = (deliveries) => enqueueWebhookDeliveries.immediate(deliveries);

    // Reading and leasing in one IMMEDIATE transaction: two workers on one file never take the same row.
    const claimDueWebhookDeliveries = db.transaction((now: number, limit: number, leaseUntil: number) => {
      const rows = statements.dueWebhookDeliveries.all({ now, limit });
      for (const row of rows) statements.leaseWebhookDelivery.run({ seq: row.seq, leaseUntil });
      return rows.map((row) => ({ ...row, next_attempt_at: leaseUntil }));
    });
    this.#claimDueWebhookDeliveries = (now, limit, leaseUntil) => claimDueWebhookDeliveries.immediate(now, limit, leaseUntil);
  }

  async createAccount(input: NewAccount): Promise<Account> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.insertAccount.get({
        username: input.username,
        role: input.role,
        passwordHash: input.passwordHash,
        commandPermission: input.commandPermission ?? defaultCommandPermission(input.role),
        createdAt: Date.now(),
      });
      if (row === undefined) throw new RollcallError('conflict', `account "${input.username}" already exists`);
      return toAccount(row);
    });
  }

  async findAccount(username: string): Promise<Account | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.accountByUsername.get(username);
      return row && toAccount(row);
    });
  }

  async getAccount(id: number): Promise<Account | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.accountById.get(id);
      return row && toAccount(row);
    });
  }

  async listAccounts(): Promise<Account[]> {
    return this.#whenUnlocked(() => {
      return this.#statements.accounts.all().map(toAccount);
    });
  }

  async removeAccount(username: string): Promise<boolean> {
    return this.#whenUnlocked(() => {
      return this.#removeAccount(username, Date.now());
    });
  }

  async setCommandPermission(username: string, permission: CommandPermission): Promise<boolean> {
    return this.#whenUnlocked(() => {
      checkPermission(permission);
      return this.#statements.updateCommandPermission.run({ username, permission }).changes > 0;
    });
  }

  async createApiClient(input: NewApiClient): Promise<ApiClientRecord> {
    return this.#whenUnlocked(() => {
      checkPermission(input.permission);
      const row = this.#statements.insertApiClient.get({
        id: input.id,
        label: input.label ?? null,
        permission: input.permission,
        secretHash: input.secretHash,
        createdAt: Date.now(),
      });
      if (row === undefined) throw new RollcallError('conflict', `an API client with id ${input.id} already exists`);
      return toApiClient(row);
    });
  }

  async findApiClient(id: string): Promise<ApiClientRecord | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.liveApiClient.get(id);
      return row && toApiClient(row);
    });
  }

  async listApiClients(): Promise<ApiClientRecord[]> {
    return this.#whenUnlocked(() => {
      return this.#statements.apiClients.all().map(toApiClient);
    });
  }

  async revokeApiClient(id: string): Promise<boolean> {
    return this.#whenUnlocked(() => {
      return this.#revokeApiClient(id, Date.now());
    });
  }

  async replaceApiClientSecret(id: string, secretHash: string): Promise<boolean> {
    return this.#whenUnlocked(() => {
      return this.#replaceApiClientSecret(id, secretHash, Date.now());
    });
  }

  async issueOAuthToken(token: NewOAuthToken, maxValid: number): Promise<boolean> {
    return this.#whenUnlocked(() => {
      if (!Number.isSafeInteger(maxValid) || maxValid < 1) {
        throw new RollcallError('invalid_parameter', `maxValid must be a positive integer, got ${maxValid}`);
      }
      return this.#issueOAuthToken(token, maxValid);
    });
  }

  async findOAuthToken(tokenHash: string, now: number): Promise<OAuthTokenGrant | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.validOAuthToken.get({ tokenHash, now });
      return row && { client: toApiClient(row), issuedAt: row.token_issued_at, expiresAt: row.token_expires_at };
    });
  }

  async createApiKey(input: NewApiKey): Promise<ApiKeyRecord> {
    return this.#whenUnlocked(() => {
      return toApiKey(this.#createApiKey(input, Date.now()));
    });
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.liveApiKeyByHash.get(hash);
      return row && toApiKey(row);
    });
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.#whenUnlocked(() => {
      return this.#statements.apiKeys.all().map(toApiKey);
    });
  }

  async revokeApiKey(id: number): Promise<boolean> {
    return this.#whenUnlocked(() => {
      return this.#statements.revokeApiKey.run({ id, revokedAt: Date.now() }).changes > 0;
    });
  }

  async recordUsers(records: readonly UserRecord[]): Promise<void> {
    return this.#whenUnlocked(() => {
      if (records.length > 0) this.#recordUsers(records);
    });
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.user.get(id);
      return row && toUserRecord(row);
    });
  }

  async listUsersSeenSince(since: number, limit?: number): Promise<UserRecord[]> {
    return this.#whenUnlocked(() => {
      const rows = this.#statements.usersSeenSince.all({
        since,
        limit: limit === undefined ? NO_LIMIT : checkLimit(limit),
      });
      return rows.map(toUserRecord);
    });
  }

  async appendSessionLog(writes: readonly SessionLogWrite[]): Promise<void> {
    return this.#whenUnlocked(() => {
      if (writes.length > 0) this.#appendSessionLog(writes);
    });
  }

  async endOpenSessions(nodeId: string, endedAt: number, endReason: EndReason): Promise<number> {
    return this.#whenUnlocked(() => {
      return this.#statements.endOpenSessionsOfNode.run({ nodeId, endedAt, endReason }).changes;
    });
  }

  async listSessionLog(query: SessionLogQuery = {}): Promise<SessionLogEntry[]> {
    return this.#whenUnlocked(() => {
      const limit = checkLimit(query.limit ?? DEFAULT_SESSION_LOG_LIMIT);
      const rows =
        query.userId === undefined
          ? this.#statements.sessionLog.all({ limit })
          : this.#statements.sessionLogOfUser.all({ userId: query.userId, limit });
      return rows.map(toSessionLogEntry);
    });
  }

  async createWebhook(input: NewWebhookSubscription): Promise<WebhookSubscription> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.insertWebhook.get({
        url: input.url,
        eventTypes: eventTypesColumn(input.events),
        secret: input.secret,
        createdAt: Date.now(),
      });
      if (row === undefined) throw new RollcallError('internal', 'the new webhook subscription was not stored');
      return toWebhook(row);
    });
  }

  async getWebhook(id: number): Promise<WebhookSubscription | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.webhook.get(id);
      return row && toWebhook(row);
    });
  }

  async listWebhooks(): Promise<WebhookSubscription[]> {
    return this.#whenUnlocked(() => {
      return this.#statements.webhooks.all().map(toWebhook);
    });
  }

  async updateWebhook(id: number, patch: WebhookSubscriptionPatch): Promise<WebhookSubscription | undefined> {
    return this.#whenUnlocked(() => {
      const row = this.#statements.updateWebhook.get({
        id,
        url: patch.url ?? null,
        eventTypes: patch.events === undefined ? null : eventTypesColumn(patch.events),
        active: patch.active === undefined ? null : Number(patch.active),
        disabledReason: patch.disabledReason ?? null,
      });
      return row && toWebhook(row);
    });
  }

  async removeWebhook(id: number): Promise<boolean> {
    return this.#whenUnlocked(() => {
      return this.#statements.deleteWebhook.run(id).changes > 0;
    });
  }

  async enqueueWebhookDeliveries(deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    return this.#whenUnlocked(() => {
      if (deliveries.some((delivery) => !isPresenceChangeType(delivery.eventType))) {
        throw new RollcallError('invalid_parameter', `a webhook delivery's event type must be one of ${PRESENCE_CHANGE_TYPES.join(', ')}`);
      }
      if (deliveries.length > 0) this.#enqueueWebhookDeliveries(deliveries);
    });
  }

  async claimDueWebhookDeliveries(now: number, limit: number, leaseUntil: number): Promise<DueWebhookDelivery[]> {
    return this.#whenUnlocked(() => {
      if (checkLimit(limit) === 0) return [];
      return this.#claimDueWebhookDeliveries(now, limit, leaseUntil).map((row) => ({
        delivery: toWebhookDelivery(row),
        url: row.target_url,
        secret: row.target_secret,
      }));
    });
  }

  async nextWebhookAttemptAt(): Promise<number | undefined> {
    return this.#whenUnlocked(() => {
      return this.#statements.nextWebhookAttempt.get()?.at ?? undefined;
    });
  }

  async recordWebhookAttempt(id: string, outcome: WebhookAttemptOutcome): Promise<boolean> {
    return this.#whenUnlocked(() => {
      const changes = this.#statements.recordWebhookAttempt.run({
        id,
        status: outcome.status,
        at: outcome.at,
        statusCode: outcome.statusCode ?? null,
        error: outcome.error ?? null,
        nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
      }).changes;
      return changes > 0;
    });
  }

  async deferWebhookDeliveries(subscriptionId: number, until: number): Promise<number> {
    return this.#whenUnlocked(() => {
      return this.#statements.deferWebhookDeliveries.run({ subscriptionId, until }).changes;
    });
  }

  async listWebhookDeliveries(subscriptionId: number, query: WebhookDeliveryQuery = {}): Promise<WebhookDelivery[]> {
    return this.#whenUnlocked(() => {
      const limit = checkLimit(query.limit ?? DEFAULT_WEBHOOK_DELIVERY_LIMIT);
      const rows =
        query.status === undefined
          ? this.#statements.webhookDeliveries.all({ subscriptionId, limit })
          : this.#statements.webhookDeliveriesByStatus.all({ subscriptionId, status: query.status, limit });
      return rows.map(toWebhookDelivery);
    });
  }

  async countPendingWebhookDeliveries(): Promise<number> {
    return this.#whenUnlocked(() => {
      return this.#statements.countPendingWebhookDeliveries.get()?.count ?? 0;
    });
  }

  async expireWebhookDeliveries(createdBefore: number, now: number, error: string): Promise<number> {
    return this.#whenUnlocked(() => {
      return this.#statements.expireWebhookDeliveries.run({ createdBefore, now, error }).changes;
    });
  }

  async pruneWebhookDeliveries(finishedBefore: number): Promise<number> {
    return this.#whenUnlocked(() => {
      return this.#statements.deleteFinishedWebhookDeliveries.run(finishedBefore).changes;
    });
  }

  async getSetting(key: string): Promise<string | undefined> {
    return this.#whenUnlocked(() => {
      return this.#statements.setting.get(key)?.value;
    });
  }

  async setSetting(key: string, value: string): Promise<void> {
    return this.#whenUnlocked(() => {
      this.#statements.upsertSetting.run({ key, value });
    });
  }

  async recordPresenceSample(sample: PresenceSample, keepSince: number): Promise<void> {
    return this.#whenUnlocked(() => {
      this.#recordPresenceSample(sample, keepSince);
    });
  }

  async listPresenceSamples(since: number): Promise<PresenceSample[]> {
    return this.#whenUnlocked(() => {
      return this.#statements.presenceSamplesSince.all(since).map((row) => ({ ...row }));
    });
  }

  async advanceCounter(name: string, by: number): Promise<number> {
    return this.#whenUnlocked(() => {
      if (!Number.isSafeInteger(by)) {
        throw new RollcallError('invalid_parameter', `counter step must be an integer, got ${by}`);
      }
      const row = this.#statements.advanceCounter.get({ name, by });
      if (row === undefined) throw new RollcallError('internal', `counter "${name}" answered no value`);
      return row.value - by;
    });
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #whenUnlocked<T>(operation: () => T): Promise<T> {
    return whenUnlocked(operation, this.#lockWait);
  }
}

/** A negative LIMIT would mean "everything" to SQLite; refuse it rather than answer the whole table. */
function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RollcallError('invalid_parameter', `limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

/** Callers outside TypeScript's reach (CLI input, JSON) must not store a permission nothing understands. */
function checkPermission(permission: string): void {
  if (!(COMMAND_PERMISSIONS as readonly string[]).includes(permission)) {
    throw new RollcallError('invalid_parameter', `command permission must be one of ${COMMAND_PERMISSIONS.join(', ')}, got "${permission}"`);
  }
}

function userParams(record: UserRecord): UserParams {
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
// the file was written by something else, and saying so beats passing it on.

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new RollcallError('internal', `unexpected ${column} in history: "${value}"`);
  return found;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    role: oneOf(ACCOUNT_ROLES, row.role, 'accounts.role'),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    commandPermission: oneOf(COMMAND_PERMISSIONS, row.command_permission, 'accounts.command_permission'),
  };
}

function toApiClient(row: ApiClientRow): ApiClientRecord {
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

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
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

function toUserRecord(row: UserRow): UserRecord {
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
function eventTypesColumn(events: readonly PresenceChangeType[]): string {
  const unknown = events.filter((type) => !isPresenceChangeType(type));
  if (events.length === 0 || unknown.length > 0) {
    throw new RollcallError('invalid_parameter', `webhook events must be a non-empty list of ${PRESENCE_CHANGE_TYPES.join(', ')}`);
  }
  return events.join(',');
}

function toWebhook(row: WebhookRow): WebhookSubscription {
  const subscription: WebhookSubscription = {
    id: row.id,
    url: row.url,
    events: row.event_types.split(',').map((type) => oneOf(PRESENCE_CHANGE_TYPES, type, 'webhook_subscriptions.event_types')),
    secret: row.secret,
    active: row.active === 1,
    createdAt: row.created_at,
  };
  if (row.disabled_reason !== null) subscription.disabledReason = row.disabled_reason;
  return subscription;
}

function toWebhookDelivery(row: WebhookDeliveryRow): WebhookDelivery {
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
  return delivery;
}

function toSessionLogEntry(row: SessionLogRow): SessionLogEntry {
  const entry: SessionLogEntry = {
    sessionId: row.session_id,
    userId: row.user_id,
    clientType: oneOf(CLIENT_TYPES, row.client_type, 'session_log.client_type'),
    nodeId: row.node_id,
    remoteAddress: row.remote_address,
    startedAt: row.started_at,
  };
  if (row.ended_at !== null) entry.endedAt = row.ended_at;
  if (row.end_reason !== null) entry.endReason = oneOf(END_REASONS, row.end_reason, 'session_log.end_reason');
  if (row.ended_by !== null) entry.endedBy = row.ended_by;
  return entry;
}
