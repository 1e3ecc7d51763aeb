// The SQL of the SQLite history store: the schema as numbered migrations and every statement the store
// prepares. Times are epoch milliseconds in INTEGER columns.

/**
 * Schema steps; step i brings `PRAGMA user_version` from i to i + 1. Append new steps, never edit a
 * released one: files already migrated past a step will not run it again.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- AUTOINCREMENT so an id is never handed out twice: revoked keys keep pointing at the id of the account
  -- that owned them, and a later account must not look like their owner.
  CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
  );

  -- No foreign key to accounts: removing an account revokes its keys but keeps them listed, so
  -- operators can still see which keys existed and when they stopped working.
  CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL,
    account_id INTEGER NOT NULL,
    user_id    TEXT,
    label      TEXT,
    prefix     TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  -- Unique: a hash that named two keys would make authentication ambiguous. Every request looks up by it.
  CREATE UNIQUE INDEX api_keys_by_hash ON api_keys (hash);

  CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    name                 TEXT    NOT NULL,
    email                TEXT,
    type                 TEXT    NOT NULL,
    username             TEXT,
    public_display_name  TEXT,
    private_display_name TEXT,
    last_seen_at         INTEGER NOT NULL,
    -- JSON {m, v, t}
    last_view            TEXT
  );
  -- Offline lists ask for "seen since, most recent first". Read backwards, this index answers that order
  -- (ties by id, descending) without a sort; id in it makes the tie-break free as well.
  CREATE INDEX users_by_last_seen ON users (last_seen_at, id);

  -- No foreign key to users: a session's start may be logged before its user's record is flushed.
  CREATE TABLE session_log (
    id             INTEGER PRIMARY KEY,
    session_id     INTEGER NOT NULL,
    started_at     INTEGER NOT NULL,
    user_id        TEXT    NOT NULL,
    client_type    TEXT    NOT NULL,
    node_id        TEXT    NOT NULL,
    remote_address TEXT    NOT NULL,
    ended_at       INTEGER,
    end_reason     TEXT,
    ended_by       TEXT,
    -- Session ids wrap after 2^31 - 1, so only the pair names one session.
    UNIQUE (session_id, started_at)
  );
  -- Queries want newest first: ascending indexes read backwards give started_at DESC with the rowid (the
  -- later insert) breaking ties, and need no sort; a DESC index would leave the tie-break to a sort.
  CREATE INDEX session_log_by_user ON session_log (user_id, started_at);
  -- The unfiltered listing would otherwise sort the whole log.
  CREATE INDEX session_log_by_start ON session_log (started_at);

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  `,
  `
  -- Command-API permission of an account (the BeyondTrust dialect's perm_command): full, read_only or
  -- deny. Accounts made before this step keep what their role let them do: admins full, readers read.
  ALTER TABLE accounts ADD COLUMN command_permission TEXT NOT NULL DEFAULT 'read_only';
  UPDATE accounts SET command_permission = 'full' WHERE role = 'admin';

  -- OAuth2 API clients (client credentials grant). The id is public; only the secret's sha256 is kept.
  -- Revoked clients stay listed so operators can see which existed and when they stopped working.
  -- seq keeps creation order for listings (ids are random); AUTOINCREMENT for the same reason as above.
  CREATE TABLE api_clients (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT    NOT NULL UNIQUE,
    label             TEXT,
    permission        TEXT    NOT NULL,
    secret_hash       TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    secret_created_at INTEGER NOT NULL,
    revoked_at        INTEGER
  );

  -- Bearer tokens issued to API clients. Invalid tokens are deleted, not flagged: nothing needs them
  -- afterwards, and the table stays at most 30 rows per client. AUTOINCREMENT ids give the issue order
  -- that decides which token is the oldest, even for tokens issued in the same millisecond.
  CREATE TABLE oauth_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id  TEXT    NOT NULL REFERENCES api_clients (id),
    token_hash TEXT    NOT NULL UNIQUE,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX oauth_tokens_by_client ON oauth_tokens (client_id, id);
  `,
  `
  -- How many users and sessions were online, sampled once a minute, for charts over the last hour and
  -- day. Samples older than the longest chart are pruned as new ones arrive.
  CREATE TABLE presence_samples (
    at           INTEGER PRIMARY KEY,
    online_users INTEGER NOT NULL,
    sessions     INTEGER NOT NULL
  );
  `,
  `
  -- Webhook subscriptions. event_types is a comma list of change types. The secret is kept as given:
  -- signing needs it, and it is shown only when the subscription is created.
  CREATE TABLE webhook_subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT    NOT NULL,
    event_types     TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL
  );

  -- The webhook outbox: one row per event and subscription, with the exact body to send. A pending
  -- row is due at next_attempt_at; a row being attempted has it moved to when the attempt's claim
  -- lapses, so a crash mid-attempt only delays it. seq keeps the order rows were written in.
  CREATE TABLE webhook_deliveries (
    seq              INTEGER PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    subscription_id  INTEGER NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER,
    last_attempt_at  INTEGER,
    last_status_code INTEGER,
    last_error       TEXT,
    finished_at      INTEGER
  );
  -- Partial indexes: the worker asks only for due pending rows, and pruning only for finished ones, so
  -- neither index grows with the other kind.
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, seq) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_pending_by_age ON webhook_deliveries (created_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_pending_by_subscription ON webhook_deliveries (subscription_id, next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE status <> 'pending';
  -- Listings per subscription, newest first; also serves the cascade when a subscription is removed.
  CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, seq);
  `,
  `
  -- How each session's client was connected (http or websocket), so a session a crash left open can be
  -- announced ended as what it was. Rows written before this step have none.
  ALTER TABLE session_log ADD COLUMN transport TEXT;
  `,
  `
  -- What the log keeps of each session's host, as it was when the session started: the host name it
  -- reported, and its browser and OS in short names ("Chrome 134", "Windows 11"). Rows written before
  -- this step have none.
  ALTER TABLE session_log ADD COLUMN hostname TEXT;
  ALTER TABLE session_log ADD COLUMN browser TEXT;
  ALTER TABLE session_log ADD COLUMN os TEXT;
  -- A user's sessions are listed newest first and paged by (start, session id), the pair that names a
  -- row: with both in the index, every page is one range of it read backwards, without a sort.
  DROP INDEX session_log_by_user;
  CREATE INDEX session_log_by_user ON session_log (user_id, started_at, session_id);
  `,
  `
  -- When an admin last put a delivered or failed delivery back in the outbox. Its retry horizon counts
  -- from then, not from the event, or a redelivery of an old event would be given up on at once.
  ALTER TABLE webhook_deliveries ADD COLUMN redelivered_at INTEGER;
  DROP INDEX webhook_deliveries_pending_by_age;
  CREATE INDEX webhook_deliveries_pending_by_age ON webhook_deliveries (coalesce(redelivered_at, created_at)) WHERE status = 'pending';
  `,
];

export const GET_USER_VERSION = 'PRAGMA user_version';
/** PRAGMA takes no bound parameters; `version` is always an integer from MIGRATIONS' length. */
export const setUserVersion = (version: number): string => `PRAGMA user_version = ${Math.trunc(version)}`;

// Accounts

const ACCOUNT_COLUMNS = 'id, username, role, password_hash, created_at, command_permission';

/** DO NOTHING + RETURNING: no row back means the username is taken, without parsing driver errors. */
export const INSERT_ACCOUNT = `
  INSERT INTO accounts (username, role, password_hash, created_at, command_permission)
  VALUES (@username, @role, @passwordHash, @createdAt, @commandPermission)
  ON CONFLICT (username) DO NOTHING
  RETURNING ${ACCOUNT_COLUMNS}`;
export const SELECT_ACCOUNT_BY_USERNAME = `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE username = ?`;
export const SELECT_ACCOUNT_BY_ID = `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`;
export const SELECT_ACCOUNTS = `SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY id`;
export const DELETE_ACCOUNT = 'DELETE FROM accounts WHERE id = ?';
export const UPDATE_COMMAND_PERMISSION = `
  UPDATE accounts SET command_permission = @permission WHERE username = @username`;
export const UPDATE_PASSWORD_HASH = `
  UPDATE accounts SET password_hash = @passwordHash WHERE username = @username`;

// API keys

const API_KEY_COLUMNS = 'id, kind, account_id, user_id, label, prefix, hash, created_at, revoked_at';

export const INSERT_API_KEY = `
  INSERT INTO api_keys (kind, account_id, user_id, label, prefix, hash, created_at)
  VALUES (@kind, @accountId, @userId, @label, @prefix, @hash, @createdAt)
  ON CONFLICT (hash) DO NOTHING
  RETURNING ${API_KEY_COLUMNS}`;
export const SELECT_LIVE_API_KEY_BY_HASH = `
  SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE hash = ? AND revoked_at IS NULL`;
export const SELECT_API_KEYS = `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY id`;
/** Only live keys: revoking twice must not move the recorded revocation time. */
export const REVOKE_API_KEY = `
  UPDATE api_keys SET revoked_at = @revokedAt WHERE id = @id AND revoked_at IS NULL`;
export const REVOKE_API_KEYS_OF_ACCOUNT = `
  UPDATE api_keys SET revoked_at = @revokedAt WHERE account_id = @accountId AND revoked_at IS NULL`;

// API clients and their OAuth2 tokens

const API_CLIENT_COLUMNS = 'id, label, permission, secret_hash, created_at, secret_created_at, revoked_at';

/** DO NOTHING + RETURNING: no row back means the client id is taken. */
export const INSERT_API_CLIENT = `
  INSERT INTO api_clients (id, label, permission, secret_hash, created_at, secret_created_at)
  VALUES (@id, @label, @permission, @secretHash, @createdAt, @createdAt)
  ON CONFLICT (id) DO NOTHING
  RETURNING ${API_CLIENT_COLUMNS}`;
export const SELECT_LIVE_API_CLIENT = `
  SELECT ${API_CLIENT_COLUMNS} FROM api_clients WHERE id = ? AND revoked_at IS NULL`;
export const SELECT_API_CLIENTS = `SELECT ${API_CLIENT_COLUMNS} FROM api_clients ORDER BY seq`;
/** Only live clients: revoking twice must not move the recorded revocation time. */
export const REVOKE_API_CLIENT = `
  UPDATE api_clients SET revoked_at = @revokedAt WHERE id = @id AND revoked_at IS NULL`;
export const REPLACE_API_CLIENT_SECRET = `
  UPDATE api_clients SET secret_hash = @secretHash, secret_created_at = @at WHERE id = @id AND revoked_at IS NULL`;

export const INSERT_OAUTH_TOKEN = `
  INSERT INTO oauth_tokens (client_id, token_hash, issued_at, expires_at)
  VALUES (@clientId, @tokenHash, @issuedAt, @expiresAt)`;
/**
 * Keeps the `max` newest valid tokens of a client and deletes the rest: the oldest go first when a new
 * one would exceed the limit, and expired ones are cleared on the way.
 */
export const DELETE_EXCESS_OAUTH_TOKENS = `
  DELETE FROM oauth_tokens
  WHERE client_id = @clientId
    AND (expires_at <= @now OR id NOT IN (
      SELECT id FROM oauth_tokens
      WHERE client_id = @clientId AND expires_at > @now
      ORDER BY id DESC
      LIMIT @max))`;
export const DELETE_OAUTH_TOKENS_OF_CLIENT = 'DELETE FROM oauth_tokens WHERE client_id = ?';
/** A token counts only while it has not expired and its client is not revoked. */
export const SELECT_VALID_OAUTH_TOKEN = `
  SELECT t.issued_at AS token_issued_at, t.expires_at AS token_expires_at,
         c.id, c.label, c.permission, c.secret_hash, c.created_at, c.secret_created_at, c.revoked_at
  FROM oauth_tokens t JOIN api_clients c ON c.id = t.client_id
  WHERE t.token_hash = @tokenHash AND t.expires_at > @now AND c.revoked_at IS NULL`;

// Users

const USER_COLUMNS = 'id, name, email, type, username, public_display_name, private_display_name, last_seen_at, last_view';

/**
 * Facts are replaced by the latest write. Last seen takes the later of both times, so batches from
 * several nodes may arrive in any order. The view is the one seen last: a record without a view, or
 * one older than what is stored, leaves it alone.
 */
export const UPSERT_USER = `
  INSERT INTO users (${USER_COLUMNS})
  VALUES (@id, @name, @email, @type, @username, @publicDisplayName, @privateDisplayName, @lastSeenAt, @lastView)
  ON CONFLICT (id) DO UPDATE SET
    name                 = excluded.name,
    email                = excluded.email,
    type                 = excluded.type,
    username             = excluded.username,
    public_display_name  = excluded.public_display_name,
    private_display_name = excluded.private_display_name,
    last_view            = CASE
                             WHEN excluded.last_view IS NOT NULL AND excluded.last_seen_at >= users.last_seen_at
                             THEN excluded.last_view
                             ELSE users.last_view
                           END,
    last_seen_at         = max(users.last_seen_at, excluded.last_seen_at)`;
export const SELECT_USER = `SELECT ${USER_COLUMNS} FROM users WHERE id = ?`;
/** LIMIT -1 is SQLite for "no limit". The id breaks ties so the order is stable (see users_by_last_seen). */
export const SELECT_USERS_SEEN_SINCE = `
  SELECT ${USER_COLUMNS} FROM users
  WHERE last_seen_at >= @since
  ORDER BY last_seen_at DESC, id DESC
  LIMIT @limit`;
/** The same list after the user at (@afterSeen, @afterId) in that order: a long list read in pages. */
export const SELECT_USERS_SEEN_SINCE_AFTER = `
  SELECT ${USER_COLUMNS} FROM users
  WHERE last_seen_at >= @since AND (last_seen_at, id) < (@afterSeen, @afterId)
  ORDER BY last_seen_at DESC, id DESC
  LIMIT @limit`;
/** Moves when another connection (the CLI on the same file) committed a change since the last read. */
export const DATA_VERSION = 'PRAGMA data_version';

// Session log

const SESSION_LOG_COLUMNS =
  'session_id, started_at, user_id, client_type, transport, node_id, remote_address, hostname, browser, os, ended_at, end_reason, ended_by';

/**
 * A start makes the row, or completes the one its end made first (a cluster's ending node may write
 * before the opening node): what was known at the start replaces what the end knew, the end stays. A
 * replayed start (a retried batch) adds no second row and undoes no end.
 */
export const UPSERT_SESSION_START = `
  INSERT INTO session_log (${SESSION_LOG_COLUMNS})
  VALUES (@sessionId, @startedAt, @userId, @clientType, @transport, @nodeId, @remoteAddress, @hostname, @browser, @os, @endedAt,
          @endReason, @endedBy)
  ON CONFLICT (session_id, started_at) DO UPDATE SET
    user_id = excluded.user_id, client_type = excluded.client_type, transport = excluded.transport, node_id = excluded.node_id,
    remote_address = excluded.remote_address, hostname = excluded.hostname, browser = excluded.browser, os = excluded.os`;
/** An end completes its row when the row is there and not ended yet (a session ends once). */
export const UPDATE_SESSION_END = `
  UPDATE session_log SET ended_at = @endedAt, end_reason = @endReason, ended_by = @endedBy
  WHERE session_id = @sessionId AND started_at = @startedAt AND ended_at IS NULL`;
/**
 * An end completes its row, or makes it when the start is not written yet. A session ends once: the
 * first end written is the one kept (a later one is a late duplicate).
 */
export const UPSERT_SESSION_END = `
  INSERT INTO session_log (${SESSION_LOG_COLUMNS})
  VALUES (@sessionId, @startedAt, @userId, @clientType, @transport, @nodeId, @remoteAddress, @hostname, @browser, @os, @endedAt,
          @endReason, @endedBy)
  ON CONFLICT (session_id, started_at) DO UPDATE SET
    ended_at = excluded.ended_at, end_reason = excluded.end_reason, ended_by = excluded.ended_by
  WHERE session_log.ended_at IS NULL`;
/** Closes the rows a node left open when it stopped without ending them (a crash, a kill -9). */
export const END_OPEN_SESSIONS_OF_NODE = `
  UPDATE session_log SET ended_at = @endedAt, end_reason = @endReason
  WHERE node_id = @nodeId AND ended_at IS NULL
  RETURNING ${SESSION_LOG_COLUMNS}`;
/**
 * Newest first, after a position (@startedAt, @sessionId): the pair names one row, so pages neither
 * skip nor repeat one however many start meanwhile. The unfiltered listing (maintenance and tests)
 * reads session_log_by_start backwards and sorts only the sessions that started in the same
 * millisecond.
 */
export const SELECT_SESSION_LOG = `
  SELECT ${SESSION_LOG_COLUMNS} FROM session_log
  WHERE (started_at, session_id) < (@startedAt, @sessionId)
  ORDER BY started_at DESC, session_id DESC
  LIMIT @limit`;
/** A range of session_log_by_user, read backwards. */
export const SELECT_SESSION_LOG_OF_USER = `
  SELECT ${SESSION_LOG_COLUMNS} FROM session_log
  WHERE user_id = @userId AND (started_at, session_id) < (@startedAt, @sessionId)
  ORDER BY started_at DESC, session_id DESC
  LIMIT @limit`;

// Presence samples

/** A second sample for the same instant (two nodes sampling at once) replaces the first. */
export const UPSERT_PRESENCE_SAMPLE = `
  INSERT INTO presence_samples (at, online_users, sessions) VALUES (@at, @onlineUsers, @sessions)
  ON CONFLICT (at) DO UPDATE SET online_users = excluded.online_users, sessions = excluded.sessions`;
export const DELETE_PRESENCE_SAMPLES_BEFORE = 'DELETE FROM presence_samples WHERE at < ?';
export const SELECT_PRESENCE_SAMPLES_SINCE = `
  SELECT at, online_users AS onlineUsers, sessions FROM presence_samples WHERE at >= ? ORDER BY at`;

// Webhook subscriptions and their outbox

const WEBHOOK_COLUMNS = 'id, url, event_types, secret, active, disabled_reason, created_at';

export const INSERT_WEBHOOK = `
  INSERT INTO webhook_subscriptions (url, event_types, secret, active, created_at)
  VALUES (@url, @eventTypes, @secret, 1, @createdAt)
  RETURNING ${WEBHOOK_COLUMNS}`;
export const SELECT_WEBHOOK = `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions WHERE id = ?`;
export const SELECT_WEBHOOKS = `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions ORDER BY id`;
/**
 * NULL parameters leave a column as it is. A reason is kept only while the subscription is inactive:
 * activating it clears the reason, and deactivating without one clears an old reason too.
 */
export const UPDATE_WEBHOOK = `
  UPDATE webhook_subscriptions SET
    url             = coalesce(@url, url),
    event_types     = coalesce(@eventTypes, event_types),
    active          = coalesce(@active, active),
    disabled_reason = CASE
                        WHEN @active IS NULL THEN disabled_reason
                        WHEN @active = 1 THEN NULL
                        ELSE @disabledReason
                      END
  WHERE id = @id
  RETURNING ${WEBHOOK_COLUMNS}`;
export const DELETE_WEBHOOK = 'DELETE FROM webhook_subscriptions WHERE id = ?';

const DELIVERY_COLUMNS = `id, subscription_id, event_type, payload, status, attempts, created_at, next_attempt_at,
  last_attempt_at, last_status_code, last_error, finished_at, redelivered_at`;

/**
 * Due at once. The subscription may have been removed since the event was matched to it; such a row
 * is skipped rather than failing the whole batch on the foreign key. A replayed id changes nothing.
 */
export const INSERT_WEBHOOK_DELIVERY = `
  INSERT INTO webhook_deliveries (id, subscription_id, event_type, payload, status, created_at, next_attempt_at)
  SELECT @id, @subscriptionId, @eventType, @payload, 'pending', @createdAt, @createdAt
  WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE id = @subscriptionId)
  ON CONFLICT (id) DO NOTHING`;
/**
 * Earliest due first; the join leaves out subscriptions that are inactive (their rows wait), and @skip
 * (a JSON array of subscription ids) those the claimant passes over.
 */
export const SELECT_DUE_WEBHOOK_DELIVERIES = `
  SELECT d.seq, d.id, d.subscription_id, d.event_type, d.payload, d.status, d.attempts, d.created_at, d.next_attempt_at,
         d.last_attempt_at, d.last_status_code, d.last_error, d.finished_at, d.redelivered_at,
         s.url AS target_url, s.secret AS target_secret
  FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
  WHERE d.status = 'pending' AND d.next_attempt_at <= @now AND s.active = 1
    AND d.subscription_id NOT IN (SELECT value FROM json_each(@skip))
  ORDER BY d.next_attempt_at, d.seq
  LIMIT @limit`;
export const SELECT_NEXT_WEBHOOK_ATTEMPT = `
  SELECT min(d.next_attempt_at) AS at
  FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
  WHERE d.status = 'pending' AND s.active = 1 AND d.subscription_id NOT IN (SELECT value FROM json_each(@skip))`;
/** Only pending rows: one recorded meanwhile (it expired, say) keeps what it has. */
export const RELEASE_WEBHOOK_CLAIM = `
  UPDATE webhook_deliveries SET next_attempt_at = @dueAt WHERE id = @id AND status = 'pending'`;
export const LEASE_WEBHOOK_DELIVERY = 'UPDATE webhook_deliveries SET next_attempt_at = @leaseUntil WHERE seq = @seq';
/** Only a pending row: an attempt that finishes after its delivery expired or was removed changes nothing. */
export const RECORD_WEBHOOK_ATTEMPT = `
  UPDATE webhook_deliveries SET
    status           = @status,
    attempts         = attempts + 1,
    last_attempt_at  = @at,
    last_status_code = @statusCode,
    last_error       = @error,
    next_attempt_at  = @nextAttemptAt,
    finished_at      = CASE WHEN @status = 'pending' THEN NULL ELSE @at END
  WHERE id = @id AND status = 'pending'`;
export const DEFER_WEBHOOK_DELIVERIES = `
  UPDATE webhook_deliveries SET next_attempt_at = @until
  WHERE subscription_id = @subscriptionId AND status = 'pending' AND next_attempt_at < @until`;
/** Only a delivery that is not pending: one that is keeps its due time and its claim. */
export const REDELIVER_WEBHOOK_DELIVERY = `
  UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = @at, redelivered_at = @at, finished_at = NULL
  WHERE id = @id AND subscription_id = @subscriptionId AND status <> 'pending'
  RETURNING ${DELIVERY_COLUMNS}`;
export const SELECT_WEBHOOK_DELIVERY = `
  SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = @id AND subscription_id = @subscriptionId`;
export const SELECT_WEBHOOK_DELIVERIES = `
  SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
  WHERE subscription_id = @subscriptionId
  ORDER BY seq DESC
  LIMIT @limit`;
export const SELECT_WEBHOOK_DELIVERIES_BY_STATUS = `
  SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
  WHERE subscription_id = @subscriptionId AND status = @status
  ORDER BY seq DESC
  LIMIT @limit`;
export const COUNT_PENDING_WEBHOOK_DELIVERIES = "SELECT count(*) AS count FROM webhook_deliveries WHERE status = 'pending'";
/** The horizon counts from the event, or from the last redelivery (the expression of webhook_deliveries_pending_by_age). */
export const EXPIRE_WEBHOOK_DELIVERIES = `
  UPDATE webhook_deliveries SET status = 'failed', last_error = @error, next_attempt_at = NULL, finished_at = @now
  WHERE status = 'pending' AND coalesce(redelivered_at, created_at) < @createdBefore`;
export const DELETE_FINISHED_WEBHOOK_DELIVERIES = `
  DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < ?`;

// Settings and counters

export const SELECT_SETTING = 'SELECT value FROM settings WHERE key = ?';
export const UPSERT_SETTING = `
  INSERT INTO settings (key, value) VALUES (@key, @value)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value`;

/**
 * One statement, so the addition is atomic even against another process on the same file; it answers
 * the new value, and the store subtracts `by` to answer the previous one.
 */
export const ADVANCE_COUNTER = `
  INSERT INTO counters (name, value) VALUES (@name, @by)
  ON CONFLICT (name) DO UPDATE SET value = value + excluded.value
  RETURNING value`;
