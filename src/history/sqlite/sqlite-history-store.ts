// HistoryStore on an embedded SQLite file (better-sqlite3). The driver is synchronous; the methods are
// async to meet the interface, and to wait for another connection's lock without blocking the process
// (see lock-wait.ts): every operation runs through #whenUnlocked.
// Statements are prepared once here. Batched writes run in one IMMEDIATE transaction per call: one
// fsync per batch instead of one per row, and the write lock is taken up front so a concurrent writer
// (the CLI on the same file) makes this one wait rather than fail halfway.

import type Database from 'better-sqlite3';
import type { ClientType, EndReason, Transport, UserRecord } from '../../core/model.ts';
import { RollcallError } from '../../core/errors.ts';
import {
  defaultCommandPermission,
  type Account,
  type AccountRole,
  type ApiClientRecord,
  type ApiKeyKind,
  type ApiKeyRecord,
  type CommandPermission,
  type DueWebhookDelivery,
  type HistoryStore,
  type NewAccount,
  type NewApiClient,
  type NewApiKey,
  type NewOAuthToken,
  type NewWebhookDelivery,
  type NewWebhookSubscription,
  type OAuthTokenGrant,
  type PresenceSample,
  type SessionLogEntry,
  type SessionLogPosition,
  type SessionLogQuery,
  type SessionLogWrite,
  type WebhookAttemptOutcome,
  type WebhookDelivery,
  type WebhookDeliveryQuery,
  type WebhookDeliveryStatus,
  type WebhookSubscription,
  type WebhookSubscriptionPatch,
} from '../history-store.ts';
import {
  checkDeliveryEventTypes,
  checkLimit,
  checkPermission,
  DEFAULT_SESSION_LOG_LIMIT,
  DEFAULT_WEBHOOK_DELIVERY_LIMIT,
  eventTypesColumn,
  sessionLogStart,
  toAccount,
  toApiClient,
  toApiKey,
  toDueWebhookDelivery,
  toSessionLogEntry,
  toUserRecord,
  toWebhook,
  toWebhookDelivery,
  userParams,
  type AccountRow,
  type ApiClientRow,
  type ApiKeyRow,
  type DueWebhookDeliveryRow,
  type OAuthTokenRow,
  type SessionLogRow,
  type UserParams,
  type UserRow,
  type WebhookDeliveryRow,
  type WebhookRow,
} from '../rows.ts';
import { whenUnlocked, type LockWaitOptions } from './lock-wait.ts';
import * as sql from './sql.ts';
import { yieldToEventLoop } from '../../core/yield-to-event-loop.ts';

/** SQLite reads a negative LIMIT as "no limit". */
const NO_LIMIT = -1;

/**
 * Users per read of a long list of users seen since a time. better-sqlite3 reads on the calling
 * thread: "who was online today" at 10,000 users held the event loop 24–29 ms in one read
 * (BENCHMARKS.md, second round); a page of 1,000 takes some 2–3 ms, and the list yields between pages.
 */
const USERS_PAGE = 1_000;

/**
 * Paged reads started over because users were written between two pages, before the list is read in
 * one go (writes come every history flush, a paged read takes some tens of milliseconds: rarely).
 */
const USERS_PAGE_RESTARTS = 2;

// Bind objects: better-sqlite3 wants every named parameter present, so absent optionals are null.
/** A session-log line as the upserts bind it. */
interface SessionLogParams {
  sessionId: number;
  startedAt: number;
  userId: string;
  clientType: ClientType;
  transport: Transport | null;
  nodeId: string;
  remoteAddress: string;
  hostname: string | null;
  browser: string | null;
  os: string | null;
  endedAt: number | null;
  endReason: EndReason | null;
  endedBy: string | null;
}

/** An end as the update of an existing row binds it. */
interface SessionEndParams {
  sessionId: number;
  startedAt: number;
  endedAt: number;
  endReason: EndReason;
  endedBy: string | null;
}

function sessionLogParams(entry: SessionLogEntry): SessionLogParams {
  return {
    sessionId: entry.sessionId,
    startedAt: entry.startedAt,
    userId: entry.userId,
    clientType: entry.clientType,
    transport: entry.transport ?? null,
    nodeId: entry.nodeId,
    remoteAddress: entry.remoteAddress,
    hostname: entry.hostname ?? null,
    browser: entry.agent?.browser ?? null,
    os: entry.agent?.os ?? null,
    endedAt: entry.endedAt ?? null,
    endReason: entry.endReason ?? null,
    endedBy: entry.endedBy ?? null,
  };
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
    updatePasswordHash: db.prepare<{ username: string; passwordHash: string }>(sql.UPDATE_PASSWORD_HASH),
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
    usersSeenSinceAfter: db.prepare<{ since: number; limit: number; afterSeen: number; afterId: string }, UserRow>(
      sql.SELECT_USERS_SEEN_SINCE_AFTER,
    ),
    dataVersion: db.prepare<[], number>(sql.DATA_VERSION).pluck(),
    upsertSessionStart: db.prepare<SessionLogParams>(sql.UPSERT_SESSION_START),
    updateSessionEnd: db.prepare<SessionEndParams>(sql.UPDATE_SESSION_END),
    upsertSessionEnd: db.prepare<SessionLogParams>(sql.UPSERT_SESSION_END),
    endOpenSessionsOfNode: db.prepare<{ nodeId: string; endedAt: number; endReason: EndReason }, SessionLogRow>(
      sql.END_OPEN_SESSIONS_OF_NODE,
    ),
    sessionLog: db.prepare<SessionLogPosition & { limit: number }, SessionLogRow>(sql.SELECT_SESSION_LOG),
    sessionLogOfUser: db.prepare<SessionLogPosition & { userId: string; limit: number }, SessionLogRow>(sql.SELECT_SESSION_LOG_OF_USER),
    setting: db.prepare<[string], { value: string }>(sql.SELECT_SETTING),
    upsertSetting: db.prepare<{ key: string; value: string }>(sql.UPSERT_SETTING),
    advanceCounter: db.prepare<{ name: string; by: number }, { value: number }>(sql.ADVANCE_COUNTER),
    insertWebhook: db.prepare<{ url: string; eventTypes: string; secret: string; createdAt: number }, WebhookRow>(sql.INSERT_WEBHOOK),
    webhook: db.prepare<[number], WebhookRow>(sql.SELECT_WEBHOOK),
    webhooks: db.prepare<[], WebhookRow>(sql.SELECT_WEBHOOKS),
    updateWebhook: db.prepare<WebhookPatchParams, WebhookRow>(sql.UPDATE_WEBHOOK),
    deleteWebhook: db.prepare<[number]>(sql.DELETE_WEBHOOK),
    insertWebhookDelivery: db.prepare<NewWebhookDelivery>(sql.INSERT_WEBHOOK_DELIVERY),
    dueWebhookDeliveries: db.prepare<{ now: number; limit: number; skip: string }, DueWebhookDeliveryRow>(
      sql.SELECT_DUE_WEBHOOK_DELIVERIES,
    ),
    nextWebhookAttempt: db.prepare<{ skip: string }, { at: number | null }>(sql.SELECT_NEXT_WEBHOOK_ATTEMPT),
    releaseWebhookClaim: db.prepare<{ id: string; dueAt: number }>(sql.RELEASE_WEBHOOK_CLAIM),
    leaseWebhookDelivery: db.prepare<{ seq: number; leaseUntil: number }>(sql.LEASE_WEBHOOK_DELIVERY),
    recordWebhookAttempt: db.prepare<WebhookAttemptParams>(sql.RECORD_WEBHOOK_ATTEMPT),
    deferWebhookDeliveries: db.prepare<{ subscriptionId: number; until: number }>(sql.DEFER_WEBHOOK_DELIVERIES),
    redeliverWebhookDelivery: db.prepare<{ id: string; subscriptionId: number; at: number }, WebhookDeliveryRow>(
      sql.REDELIVER_WEBHOOK_DELIVERY,
    ),
    webhookDelivery: db.prepare<{ id: string; subscriptionId: number }, WebhookDeliveryRow>(sql.SELECT_WEBHOOK_DELIVERY),
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
  readonly #claimDueWebhookDeliveries: (now: number, limit: number, leaseUntil: number, skip: string) => DueWebhookDeliveryRow[];
  readonly #releaseWebhookClaims: (ids: readonly string[], dueAt: number) => number;
  readonly #lockWait: LockWaitOptions;
  /** recordUsers calls so far: with the data version, tells a paged read of users that they changed. */
  #userWrites = 0;

  /** `db` comes from openSqliteDatabase (migrated); the store owns it from here and closes it. */
  constructor(db: Database.Database, options: LockWaitOptions = {}) {
    this.#db = db;
    this.#lockWait = options;
    const statements = prepareStatements(db);
    this.#statements = statements;

    const recordUsers = db.transaction((records: readonly UserRecord[]) => {
      for (const record of records) statements.upsertUser.run(userParams(record));
    });
    this.#recordUsers = (records) => {
      this.#userWrites++;
      recordUsers.immediate(records);
    };

    const appendSessionLog = db.transaction((writes: readonly SessionLogWrite[]) => {
      for (const write of writes) {
        const { entry } = write;
        if (write.op === 'start') {
          statements.upsertSessionStart.run(sessionLogParams(entry));
          continue;
        }
        // Most ends find their row: the cheap update. Only an end whose start is not written yet (a
        // cluster's other node) or a late duplicate goes on to the upsert of the whole line.
        const { sessionId, startedAt, endedAt, endReason } = write.entry;
        const ended = statements.updateSessionEnd.run({ sessionId, startedAt, endedAt, endReason, endedBy: entry.endedBy ?? null });
        if (ended.changes === 0) statements.upsertSessionEnd.run(sessionLogParams(entry));
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
    const claimDueWebhookDeliveries = db.transaction((now: number, limit: number, leaseUntil: number, skip: string) => {
      const rows = statements.dueWebhookDeliveries.all({ now, limit, skip });
      for (const row of rows) statements.leaseWebhookDelivery.run({ seq: row.seq, leaseUntil });
      return rows.map((row) => ({ ...row, next_attempt_at: leaseUntil }));
    });
    this.#claimDueWebhookDeliveries = (now, limit, leaseUntil, skip) => claimDueWebhookDeliveries.immediate(now, limit, leaseUntil, skip);

    const releaseWebhookClaims = db.transaction((ids: readonly string[], dueAt: number) => {
      let released = 0;
      for (const id of ids) released += statements.releaseWebhookClaim.run({ id, dueAt }).changes;
      return released;
    });
    this.#releaseWebhookClaims = (ids, dueAt) => releaseWebhookClaims.immediate(ids, dueAt);
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

  async setPasswordHash(username: string, passwordHash: string): Promise<boolean> {
    return this.#whenUnlocked(() => this.#statements.updatePasswordHash.run({ username, passwordHash }).changes > 0);
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

  /**
   * A list longer than USERS_PAGE is read in pages, yielding to the event loop between them. Users
   * written between two pages (a user's newer last seen moves them ahead of the pages already read)
   * start the read over; after USERS_PAGE_RESTARTS it is read in one go. Either way the list is what
   * one read would have answered at one moment.
   */
  async listUsersSeenSince(since: number, limit?: number): Promise<UserRecord[]> {
    const wanted = limit === undefined ? Number.POSITIVE_INFINITY : checkLimit(limit);
    for (let attempt = 0; attempt <= USERS_PAGE_RESTARTS && wanted > USERS_PAGE; attempt++) {
      const records = await this.#usersSeenSinceInPages(since, wanted);
      if (records) return records;
    }
    return this.#whenUnlocked(() =>
      this.#statements.usersSeenSince.all({ since, limit: wanted === Number.POSITIVE_INFINITY ? NO_LIMIT : wanted }).map(toUserRecord),
    );
  }

  async appendSessionLog(writes: readonly SessionLogWrite[]): Promise<void> {
    return this.#whenUnlocked(() => {
      if (writes.length > 0) this.#appendSessionLog(writes);
    });
  }

  async endOpenSessions(nodeId: string, endedAt: number, endReason: EndReason): Promise<SessionLogEntry[]> {
    return this.#whenUnlocked(() => {
      return this.#statements.endOpenSessionsOfNode.all({ nodeId, endedAt, endReason }).map(toSessionLogEntry);
    });
  }

  async listSessionLog(query: SessionLogQuery = {}): Promise<SessionLogEntry[]> {
    return this.#whenUnlocked(() => {
      const limit = checkLimit(query.limit ?? DEFAULT_SESSION_LOG_LIMIT);
      const { startedAt, sessionId } = sessionLogStart(query.after);
      const rows =
        query.userId === undefined
          ? this.#statements.sessionLog.all({ startedAt, sessionId, limit })
          : this.#statements.sessionLogOfUser.all({ userId: query.userId, startedAt, sessionId, limit });
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
      checkDeliveryEventTypes(deliveries);
      if (deliveries.length > 0) this.#enqueueWebhookDeliveries(deliveries);
    });
  }

  async claimDueWebhookDeliveries(
    now: number,
    limit: number,
    leaseUntil: number,
    skip: readonly number[] = [],
  ): Promise<DueWebhookDelivery[]> {
    return this.#whenUnlocked(() => {
      if (checkLimit(limit) === 0) return [];
      return this.#claimDueWebhookDeliveries(now, limit, leaseUntil, JSON.stringify(skip)).map(toDueWebhookDelivery);
    });
  }

  async releaseWebhookClaims(ids: readonly string[], dueAt: number): Promise<number> {
    if (ids.length === 0) return 0;
    return this.#whenUnlocked(() => this.#releaseWebhookClaims(ids, dueAt));
  }

  async nextWebhookAttemptAt(skip: readonly number[] = []): Promise<number | undefined> {
    return this.#whenUnlocked(() => {
      return this.#statements.nextWebhookAttempt.get({ skip: JSON.stringify(skip) })?.at ?? undefined;
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

  async redeliverWebhookDelivery(
    subscriptionId: number,
    id: string,
    at: number,
  ): Promise<{ delivery: WebhookDelivery; requeued: boolean } | undefined> {
    return this.#whenUnlocked(() => {
      const requeued = this.#statements.redeliverWebhookDelivery.get({ id, subscriptionId, at });
      if (requeued) return { delivery: toWebhookDelivery(requeued), requeued: true };
      // Not requeued: pending already, or not there. Which of the two is all the read says.
      const row = this.#statements.webhookDelivery.get({ id, subscriptionId });
      return row && { delivery: toWebhookDelivery(row), requeued: false };
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

  /** Undefined when users were written between two pages. */
  async #usersSeenSinceInPages(since: number, wanted: number): Promise<UserRecord[] | undefined> {
    const records: UserRecord[] = [];
    let version: string | undefined;
    for (;;) {
      const last = records.at(-1);
      const page = await this.#whenUnlocked(() => {
        const now = `${this.#userWrites}.${this.#statements.dataVersion.get()}`;
        if (version !== undefined && now !== version) return undefined;
        version = now;
        const limit = Math.min(USERS_PAGE, wanted - records.length);
        const rows = last
          ? this.#statements.usersSeenSinceAfter.all({ since, limit, afterSeen: last.lastSeenAt, afterId: last.user.id })
          : this.#statements.usersSeenSince.all({ since, limit });
        return rows.map(toUserRecord);
      });
      if (!page) return undefined;
      records.push(...page);
      if (page.length < USERS_PAGE || records.length >= wanted) return records;
      await yieldToEventLoop();
    }
  }

  #whenUnlocked<T>(operation: () => T): Promise<T> {
    return whenUnlocked(operation, this.#lockWait);
  }
}
