// HistoryStore on PostgreSQL, shared by every node of a cluster. Same records and rules as the SQLite
// store (rows.ts maps rows for both); what differs is how atomicity is had on a server that several
// processes write at once:
// - a batch (users, session log, webhook deliveries) is one statement over arrays, atomic on its own,
//   or one transaction when it has to be split into several statements;
// - check-then-write sequences either are one statement with data-modifying CTEs, or take the row lock
//   of what they check (FOR SHARE / FOR UPDATE) inside a transaction;
// - claims of webhook deliveries skip rows another node holds (FOR UPDATE SKIP LOCKED).
// The store runs no migrations: the composition root migrates (migrate.ts) before building it.

import type pg from 'pg';
import type { EndReason, UserRecord } from '../../core/model.ts';
import { RollcallError } from '../../core/errors.ts';
import {
  defaultCommandPermission,
  type Account,
  type ApiClientRecord,
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
  type SessionLogQuery,
  type SessionLogWrite,
  type WebhookAttemptOutcome,
  type WebhookDelivery,
  type WebhookDeliveryQuery,
  type WebhookSubscription,
  type WebhookSubscriptionPatch,
} from '../history-store.ts';
import * as shared from '../rows.ts';
import * as sql from './sql.ts';
import { inTransaction } from './transaction.ts';

export interface PostgresHistoryStoreOptions {
  /**
   * Told when an idle connection of the pool fails (the server restarted, a network cut). The pool
   * drops that connection and opens a new one when needed; without a listener, node-postgres would
   * raise the error as an unhandled 'error' event and end the process.
   */
  onError: (error: Error) => void;
}

/** Runs one named statement, on the pool or on a transaction's client. */
type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

async function run<R extends pg.QueryResultRow = pg.QueryResultRow>(
  on: Queryable,
  statement: sql.Statement,
  values: readonly unknown[],
): Promise<pg.QueryResult<R>> {
  return on.query<R>({ name: statement.name, text: statement.text, values: [...values] });
}

const changed = (result: pg.QueryResult): number => result.rowCount ?? 0;

/** The value of a `count(*) AS <column>` statement. */
const counted = (result: pg.QueryResult, column: string): number => Number(result.rows[0]?.[column] ?? 0);

export class PostgresHistoryStore implements HistoryStore {
  readonly #pool: pg.Pool;
  #closing: Promise<void> | undefined;

  /** `pool` must reach a migrated database (migratePostgres); the store owns it from here and ends it. */
  constructor(pool: pg.Pool, options: PostgresHistoryStoreOptions) {
    this.#pool = pool;
    pool.on('error', (error) => options.onError(error));
  }

  async createAccount(input: NewAccount): Promise<Account> {
    const { rows } = await run<shared.AccountRow>(this.#pool, sql.INSERT_ACCOUNT, [
      input.username,
      input.role,
      input.passwordHash,
      Date.now(),
      input.commandPermission ?? defaultCommandPermission(input.role),
    ]);
    const row = rows[0];
    if (row === undefined) throw new RollcallError('conflict', `account "${input.username}" already exists`);
    return shared.toAccount(row);
  }

  async findAccount(username: string): Promise<Account | undefined> {
    return this.#one(sql.SELECT_ACCOUNT_BY_USERNAME, [username], shared.toAccount);
  }

  async getAccount(id: number): Promise<Account | undefined> {
    return this.#one(sql.SELECT_ACCOUNT_BY_ID, [id], shared.toAccount);
  }

  async listAccounts(): Promise<Account[]> {
    return this.#all(sql.SELECT_ACCOUNTS, [], shared.toAccount);
  }

  async removeAccount(username: string): Promise<boolean> {
    return counted(await run(this.#pool, sql.DELETE_ACCOUNT_REVOKING_KEYS, [username, Date.now()]), 'removed') > 0;
  }

  async setCommandPermission(username: string, permission: CommandPermission): Promise<boolean> {
    shared.checkPermission(permission);
    return changed(await run(this.#pool, sql.UPDATE_COMMAND_PERMISSION, [username, permission])) > 0;
  }

  async setPasswordHash(username: string, passwordHash: string): Promise<boolean> {
    return changed(await run(this.#pool, sql.UPDATE_PASSWORD_HASH, [username, passwordHash])) > 0;
  }

  async createApiKey(input: NewApiKey): Promise<ApiKeyRecord> {
    const row = await inTransaction(this.#pool, async (client) => {
      if ((await run(client, sql.LOCK_ACCOUNT_BY_ID, [input.accountId])).rows.length === 0) {
        throw new RollcallError('not_found', `account ${input.accountId} does not exist`);
      }
      const { rows } = await run<shared.ApiKeyRow>(client, sql.INSERT_API_KEY, [
        input.kind,
        input.accountId,
        input.userId ?? null,
        input.label ?? null,
        input.prefix,
        input.hash,
        Date.now(),
      ]);
      return rows[0];
    });
    if (row === undefined) throw new RollcallError('conflict', 'an API key with this hash already exists');
    return shared.toApiKey(row);
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#one(sql.SELECT_LIVE_API_KEY_BY_HASH, [hash], shared.toApiKey);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return this.#all(sql.SELECT_API_KEYS, [], shared.toApiKey);
  }

  async revokeApiKey(id: number): Promise<boolean> {
    return changed(await run(this.#pool, sql.REVOKE_API_KEY, [id, Date.now()])) > 0;
  }

  async createApiClient(input: NewApiClient): Promise<ApiClientRecord> {
    shared.checkPermission(input.permission);
    const { rows } = await run<shared.ApiClientRow>(this.#pool, sql.INSERT_API_CLIENT, [
      input.id,
      input.label ?? null,
      input.permission,
      input.secretHash,
      Date.now(),
    ]);
    const row = rows[0];
    if (row === undefined) throw new RollcallError('conflict', `an API client with id ${input.id} already exists`);
    return shared.toApiClient(row);
  }

  async findApiClient(id: string): Promise<ApiClientRecord | undefined> {
    return this.#one(sql.SELECT_LIVE_API_CLIENT, [id], shared.toApiClient);
  }

  async listApiClients(): Promise<ApiClientRecord[]> {
    return this.#all(sql.SELECT_API_CLIENTS, [], shared.toApiClient);
  }

  async revokeApiClient(id: string): Promise<boolean> {
    return counted(await run(this.#pool, sql.REVOKE_API_CLIENT, [id, Date.now()]), 'changed') > 0;
  }

  async replaceApiClientSecret(id: string, secretHash: string): Promise<boolean> {
    return counted(await run(this.#pool, sql.REPLACE_API_CLIENT_SECRET, [id, secretHash, Date.now()]), 'changed') > 0;
  }

  async issueOAuthToken(token: NewOAuthToken, maxValid: number): Promise<boolean> {
    if (!Number.isSafeInteger(maxValid) || maxValid < 1) {
      throw new RollcallError('invalid_parameter', `maxValid must be a positive integer, got ${maxValid}`);
    }
    // The client's row lock is held from the secret check to the trim: a secret replaced or a client
    // revoked meanwhile waits for this token, then drops it with the others.
    return inTransaction(this.#pool, async (client) => {
      const { rows } = await run<{ secret_hash: string }>(client, sql.LOCK_LIVE_API_CLIENT, [token.clientId]);
      if (rows[0]?.secret_hash !== token.secretHash) return false;
      await run(client, sql.INSERT_OAUTH_TOKEN, [token.clientId, token.tokenHash, token.issuedAt, token.expiresAt]);
      await run(client, sql.DELETE_EXCESS_OAUTH_TOKENS, [token.clientId, token.issuedAt, maxValid]);
      return true;
    });
  }

  async findOAuthToken(tokenHash: string, now: number): Promise<OAuthTokenGrant | undefined> {
    return this.#one<shared.OAuthTokenRow, OAuthTokenGrant>(sql.SELECT_VALID_OAUTH_TOKEN, [tokenHash, now], (row) => ({
      client: shared.toApiClient(row),
      issuedAt: row.token_issued_at,
      expiresAt: row.token_expires_at,
    }));
  }

  async recordUsers(records: readonly UserRecord[]): Promise<void> {
    const statements = splitUserRounds(records).map((round) => {
      // One JSON text for the whole round: node-postgres writes nine arrays as array literals, escaping
      // every element on the event loop, which cost more than the write itself (BENCHMARKS.md, workload 6).
      const rows = JSON.stringify(round.map(shared.userParams));
      return (on: Queryable) => run(on, sql.UPSERT_USERS, [rows]);
    });
    await this.#allOrNone(statements);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return this.#one(sql.SELECT_USER, [id], shared.toUserRecord);
  }

  async listUsersSeenSince(since: number, limit?: number): Promise<UserRecord[]> {
    // LIMIT NULL is no limit.
    return this.#all(sql.SELECT_USERS_SEEN_SINCE, [since, limit === undefined ? null : shared.checkLimit(limit)], shared.toUserRecord);
  }

  async appendSessionLog(writes: readonly SessionLogWrite[]): Promise<void> {
    const statements = splitRuns(writes).map((runOfWrites) => {
      const upsert = runOfWrites[0]?.op === 'start' ? sql.UPSERT_SESSION_STARTS : sql.UPSERT_SESSION_ENDS;
      const columns = sessionLogColumns(runOfWrites.map((write) => write.entry));
      return (on: Queryable) => run(on, upsert, columns);
    });
    await this.#allOrNone(statements);
  }

  async listSessionLog(query: SessionLogQuery = {}): Promise<SessionLogEntry[]> {
    const limit = shared.checkLimit(query.limit ?? shared.DEFAULT_SESSION_LOG_LIMIT);
    const { startedAt, sessionId } = shared.sessionLogStart(query.after);
    return query.userId === undefined
      ? this.#all(sql.SELECT_SESSION_LOG, [startedAt, sessionId, limit], shared.toSessionLogEntry)
      : this.#all<shared.SessionLogRow, SessionLogEntry>(
          sql.SELECT_SESSION_LOG_OF_USER,
          [query.userId, startedAt, sessionId, limit],
          shared.toSessionLogEntry,
        );
  }

  async endOpenSessions(nodeId: string, endedAt: number, endReason: EndReason): Promise<SessionLogEntry[]> {
    return this.#all<shared.SessionLogRow, SessionLogEntry>(
      sql.END_OPEN_SESSIONS_OF_NODE,
      [nodeId, endedAt, endReason],
      shared.toSessionLogEntry,
    );
  }

  async recordPresenceSample(sample: PresenceSample, keepSince: number): Promise<void> {
    await run(this.#pool, sql.RECORD_PRESENCE_SAMPLE, [sample.at, sample.onlineUsers, sample.sessions, keepSince]);
  }

  async listPresenceSamples(since: number): Promise<PresenceSample[]> {
    return this.#all<PresenceSample, PresenceSample>(sql.SELECT_PRESENCE_SAMPLES_SINCE, [since], (row) => ({ ...row }));
  }

  async createWebhook(input: NewWebhookSubscription): Promise<WebhookSubscription> {
    const created = await this.#one(
      sql.INSERT_WEBHOOK,
      [input.url, shared.eventTypesColumn(input.events), input.secret, Date.now()],
      shared.toWebhook,
    );
    if (created === undefined) throw new RollcallError('internal', 'the new webhook subscription was not stored');
    return created;
  }

  async getWebhook(id: number): Promise<WebhookSubscription | undefined> {
    return this.#one<shared.WebhookRow, WebhookSubscription>(sql.SELECT_WEBHOOK, [id], shared.toWebhook);
  }

  async listWebhooks(): Promise<WebhookSubscription[]> {
    return this.#all<shared.WebhookRow, WebhookSubscription>(sql.SELECT_WEBHOOKS, [], shared.toWebhook);
  }

  async updateWebhook(id: number, patch: WebhookSubscriptionPatch): Promise<WebhookSubscription | undefined> {
    return this.#one<shared.WebhookRow, WebhookSubscription>(
      sql.UPDATE_WEBHOOK,
      [
        id,
        patch.url ?? null,
        patch.events === undefined ? null : shared.eventTypesColumn(patch.events),
        patch.active ?? null,
        patch.disabledReason ?? null,
      ],
      shared.toWebhook,
    );
  }

  async removeWebhook(id: number): Promise<boolean> {
    return changed(await run(this.#pool, sql.DELETE_WEBHOOK, [id])) > 0;
  }

  async enqueueWebhookDeliveries(deliveries: readonly NewWebhookDelivery[]): Promise<void> {
    shared.checkDeliveryEventTypes(deliveries);
    if (deliveries.length === 0) return;
    await run(this.#pool, sql.INSERT_WEBHOOK_DELIVERIES, [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.subscriptionId),
      deliveries.map((d) => d.eventType),
      deliveries.map((d) => d.payload),
      deliveries.map((d) => d.createdAt),
    ]);
  }

  async claimDueWebhookDeliveries(
    now: number,
    limit: number,
    leaseUntil: number,
    skip: readonly number[] = [],
  ): Promise<DueWebhookDelivery[]> {
    if (shared.checkLimit(limit) === 0) return [];
    const { rows } = await run<shared.DueWebhookDeliveryRow & { due_at: number }>(this.#pool, sql.CLAIM_DUE_WEBHOOK_DELIVERIES, [
      now,
      limit,
      leaseUntil,
      skip,
    ]);
    // RETURNING has no order of its own: put back the claim's, earliest due first.
    rows.sort((a, b) => a.due_at - b.due_at || a.seq - b.seq);
    return rows.map(shared.toDueWebhookDelivery);
  }

  async releaseWebhookClaims(ids: readonly string[], dueAt: number): Promise<number> {
    if (ids.length === 0) return 0;
    return changed(await run(this.#pool, sql.RELEASE_WEBHOOK_CLAIMS, [ids, dueAt]));
  }

  async nextWebhookAttemptAt(skip: readonly number[] = []): Promise<number | undefined> {
    const { rows } = await run<{ at: number | null }>(this.#pool, sql.SELECT_NEXT_WEBHOOK_ATTEMPT, [skip]);
    return rows[0]?.at ?? undefined;
  }

  async recordWebhookAttempt(id: string, outcome: WebhookAttemptOutcome): Promise<boolean> {
    const result = await run(this.#pool, sql.RECORD_WEBHOOK_ATTEMPT, [
      id,
      outcome.status,
      outcome.at,
      outcome.statusCode ?? null,
      outcome.error ?? null,
      outcome.status === 'pending' ? outcome.nextAttemptAt : null,
    ]);
    return changed(result) > 0;
  }

  async deferWebhookDeliveries(subscriptionId: number, until: number): Promise<number> {
    return changed(await run(this.#pool, sql.DEFER_WEBHOOK_DELIVERIES, [subscriptionId, until]));
  }

  async redeliverWebhookDelivery(
    subscriptionId: number,
    id: string,
    at: number,
  ): Promise<{ delivery: WebhookDelivery; requeued: boolean } | undefined> {
    const requeued = await this.#one(sql.REDELIVER_WEBHOOK_DELIVERY, [id, subscriptionId, at], shared.toWebhookDelivery);
    if (requeued) return { delivery: requeued, requeued: true };
    // Not requeued: pending already, or not there. Which of the two is all the read says.
    const delivery = await this.#one(sql.SELECT_WEBHOOK_DELIVERY, [id, subscriptionId], shared.toWebhookDelivery);
    return delivery && { delivery, requeued: false };
  }

  async listWebhookDeliveries(subscriptionId: number, query: WebhookDeliveryQuery = {}): Promise<WebhookDelivery[]> {
    const limit = shared.checkLimit(query.limit ?? shared.DEFAULT_WEBHOOK_DELIVERY_LIMIT);
    return query.status === undefined
      ? this.#all<shared.WebhookDeliveryRow, WebhookDelivery>(
          sql.SELECT_WEBHOOK_DELIVERIES,
          [subscriptionId, limit],
          shared.toWebhookDelivery,
        )
      : this.#all<shared.WebhookDeliveryRow, WebhookDelivery>(
          sql.SELECT_WEBHOOK_DELIVERIES_BY_STATUS,
          [subscriptionId, limit, query.status],
          shared.toWebhookDelivery,
        );
  }

  async countPendingWebhookDeliveries(): Promise<number> {
    return counted(await run(this.#pool, sql.COUNT_PENDING_WEBHOOK_DELIVERIES, []), 'count');
  }

  async expireWebhookDeliveries(createdBefore: number, now: number, error: string): Promise<number> {
    return changed(await run(this.#pool, sql.EXPIRE_WEBHOOK_DELIVERIES, [createdBefore, now, error]));
  }

  async pruneWebhookDeliveries(finishedBefore: number): Promise<number> {
    return changed(await run(this.#pool, sql.DELETE_FINISHED_WEBHOOK_DELIVERIES, [finishedBefore]));
  }

  async getSetting(key: string): Promise<string | undefined> {
    return this.#one<{ value: string }, string>(sql.SELECT_SETTING, [key], (row) => row.value);
  }

  async setSetting(key: string, value: string): Promise<void> {
    await run(this.#pool, sql.UPSERT_SETTING, [key, value]);
  }

  async advanceCounter(name: string, by: number): Promise<number> {
    if (!Number.isSafeInteger(by)) {
      throw new RollcallError('invalid_parameter', `counter step must be an integer, got ${by}`);
    }
    const previous = await this.#one<{ previous: number }, number>(sql.ADVANCE_COUNTER, [name, by], (row) => row.previous);
    if (previous === undefined) throw new RollcallError('internal', `counter "${name}" answered no value`);
    return previous;
  }

  async close(): Promise<void> {
    // pool.end() may be called once; later calls wait for the same end.
    this.#closing ??= this.#pool.end();
    await this.#closing;
  }

  async #one<R extends pg.QueryResultRow, T>(
    statement: sql.Statement,
    values: readonly unknown[],
    map: (row: R) => T,
  ): Promise<T | undefined> {
    const row = (await run<R>(this.#pool, statement, values)).rows[0];
    return row === undefined ? undefined : map(row);
  }

  async #all<R extends pg.QueryResultRow, T>(statement: sql.Statement, values: readonly unknown[], map: (row: R) => T): Promise<T[]> {
    return (await run<R>(this.#pool, statement, values)).rows.map(map);
  }

  /** One statement is atomic on its own; several share a transaction, so a batch is written whole or not at all. */
  async #allOrNone(statements: readonly ((on: Queryable) => Promise<unknown>)[]): Promise<void> {
    const [only] = statements;
    if (only === undefined) return;
    if (statements.length === 1) {
      await only(this.#pool);
      return;
    }
    await inTransaction(this.#pool, async (client) => {
      for (const statement of statements) await statement(client);
    });
  }
}

/**
 * Splits a user batch into rounds in which each id appears once, keeping each id's records in batch
 * order: round n holds every id's n-th record. Written round after round, that is the same as writing
 * record after record. Each round is sorted by id, so two nodes upserting overlapping users lock their
 * rows in the same order and cannot deadlock each other.
 */
function splitUserRounds(records: readonly UserRecord[]): UserRecord[][] {
  const rounds: UserRecord[][] = [];
  const seen = new Map<string, number>();
  for (const record of records) {
    const round = seen.get(record.user.id) ?? 0;
    seen.set(record.user.id, round + 1);
    (rounds[round] ??= []).push(record);
  }
  for (const round of rounds) round.sort((a, b) => (a.user.id < b.user.id ? -1 : a.user.id > b.user.id ? 1 : 0));
  return rounds;
}

/** Consecutive writes of one kind, in order: a start and its end in one batch stay in that order. */
function splitRuns(writes: readonly SessionLogWrite[]): SessionLogWrite[][] {
  const runs: SessionLogWrite[][] = [];
  for (const write of writes) {
    const last = runs.at(-1);
    if (last?.[0]?.op === write.op) last.push(write);
    else runs.push([write]);
  }
  return runs;
}

/** Lines as the run statements take them: one array per column, in SESSION_LOG_COLUMNS' order. */
function sessionLogColumns(entries: readonly SessionLogEntry[]): unknown[][] {
  return [
    entries.map((e) => e.sessionId),
    entries.map((e) => e.startedAt),
    entries.map((e) => e.userId),
    entries.map((e) => e.clientType),
    entries.map((e) => e.transport ?? null),
    entries.map((e) => e.nodeId),
    entries.map((e) => e.remoteAddress),
    entries.map((e) => e.hostname ?? null),
    entries.map((e) => e.agent?.browser ?? null),
    entries.map((e) => e.agent?.os ?? null),
    entries.map((e) => e.endedAt ?? null),
    entries.map((e) => e.endReason ?? null),
    entries.map((e) => e.endedBy ?? null),
  ];
}
