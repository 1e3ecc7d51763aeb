// The SQL of the PostgreSQL history store: the schema as numbered migrations and every statement the
// store runs. Times are epoch milliseconds in BIGINT columns (the pool parses BIGINT to JS numbers, see
// open-postgres.ts), the same values the SQLite store keeps, so records read back identically.
//
// Statements carry a name: node-postgres then prepares each one once per connection and reuses its
// plan. Batches travel as one array per column and are spread into rows with unnest(), so a batch of
// thousands of users is one statement and one round trip, atomic on its own.

/** A statement with the name node-postgres prepares it under (unique per text, per connection). */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

const statement = (name: string, text: string): Statement => ({ name: `rollcall_${name}`, text });

/**
 * Schema steps; step i brings the database from version i to i + 1 (see migrate.ts). Append new steps,
 * never edit a released one: databases already migrated past a step will not run it again.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- Identity columns never hand out an id twice: revoked keys keep pointing at the id of the account
  -- that owned them, and a later account must not look like their owner.
  CREATE TABLE accounts (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username           TEXT   NOT NULL UNIQUE,
    role               TEXT   NOT NULL,
    password_hash      TEXT   NOT NULL,
    created_at         BIGINT NOT NULL,
    command_permission TEXT   NOT NULL
  );

  -- No foreign key to accounts: removing an account revokes its keys but keeps them listed.
  CREATE TABLE api_keys (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       TEXT   NOT NULL,
    account_id BIGINT NOT NULL,
    user_id    TEXT,
    label      TEXT,
    prefix     TEXT   NOT NULL,
    -- Unique: a hash that named two keys would make authentication ambiguous. Every request looks up by it.
    hash       TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
  );

  -- OAuth2 API clients. The id is public and random; seq keeps creation order for listings.
  CREATE TABLE api_clients (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                TEXT   NOT NULL UNIQUE,
    label             TEXT,
    permission        TEXT   NOT NULL,
    secret_hash       TEXT   NOT NULL,
    created_at        BIGINT NOT NULL,
    secret_created_at BIGINT NOT NULL,
    revoked_at        BIGINT
  );

  -- Bearer tokens of API clients; invalid ones are deleted. The identity gives the issue order that
  -- decides which token is the oldest, even for tokens issued in the same millisecond.
  CREATE TABLE oauth_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id  TEXT   NOT NULL REFERENCES api_clients (id),
    token_hash TEXT   NOT NULL UNIQUE,
    issued_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  CREATE INDEX oauth_tokens_by_client ON oauth_tokens (client_id, id);

  CREATE TABLE users (
    id                   TEXT   PRIMARY KEY,
    name                 TEXT   NOT NULL,
    email                TEXT,
    type                 TEXT   NOT NULL,
    username             TEXT,
    public_display_name  TEXT,
    private_display_name TEXT,
    last_seen_at         BIGINT NOT NULL,
    -- JSON {m, v, t} as text: only ever read back whole, never queried into.
    last_view            TEXT
  );
  -- Offline lists ask for "seen since, most recent first, ties by id": a backward scan of this index.
  CREATE INDEX users_by_last_seen ON users (last_seen_at, id);

  -- No foreign key to users: a session's start may be logged before its user's record is flushed.
  -- Session ids wrap after 2^31 - 1, so only (session_id, started_at) names one session; id is the
  -- insert order that breaks ties between sessions started in the same millisecond.
  CREATE TABLE session_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id     BIGINT NOT NULL,
    started_at     BIGINT NOT NULL,
    user_id        TEXT   NOT NULL,
    client_type    TEXT   NOT NULL,
    -- http or websocket, so a session a crash left open can be announced ended as what it was.
    transport      TEXT,
    node_id        TEXT   NOT NULL,
    remote_address TEXT   NOT NULL,
    ended_at       BIGINT,
    end_reason     TEXT,
    ended_by       TEXT,
    UNIQUE (session_id, started_at)
  );
  CREATE INDEX session_log_by_user ON session_log (user_id, started_at, id);
  CREATE INDEX session_log_by_start ON session_log (started_at, id);
  -- Every node closes its own open rows at start; in a shared log the open ones are a small part.
  CREATE INDEX session_log_open_by_node ON session_log (node_id) WHERE ended_at IS NULL;

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
  );

  -- Online users and sessions sampled once a minute for the dashboard's charts; pruned as new ones arrive.
  CREATE TABLE presence_samples (
    at           BIGINT  PRIMARY KEY,
    online_users INTEGER NOT NULL,
    sessions     INTEGER NOT NULL
  );

  -- Webhook subscriptions. event_types is a comma list of change types (the same column as SQLite's,
  -- read by the same mapper). The secret is kept as given: signing needs it.
  CREATE TABLE webhook_subscriptions (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             TEXT    NOT NULL,
    event_types     TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    active          BOOLEAN NOT NULL DEFAULT true,
    disabled_reason TEXT,
    created_at      BIGINT  NOT NULL
  );

  -- The webhook outbox: one row per event and subscription, with the exact body to send. A pending row
  -- is due at next_attempt_at; a claimed row has it moved to when the claim lapses, so a node that dies
  -- mid-attempt only delays it. seq keeps the order rows were written in.
  CREATE TABLE webhook_deliveries (
    seq              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    subscription_id  BIGINT  NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    next_attempt_at  BIGINT,
    last_attempt_at  BIGINT,
    last_status_code INTEGER,
    last_error       TEXT,
    finished_at      BIGINT
  );
  -- Partial indexes: claimers ask only for due pending rows, pruning only for finished ones.
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, seq) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_pending_by_age ON webhook_deliveries (created_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_pending_by_subscription ON webhook_deliveries (subscription_id, next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE status <> 'pending';
  -- Listings per subscription, newest first; also serves the cascade when a subscription is removed.
  CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, seq);
  `,
  `
  -- The session's host name, browser and OS ("Chrome 134", "Windows 11") as it started; none on older rows.
  ALTER TABLE session_log ADD COLUMN hostname TEXT, ADD COLUMN browser TEXT, ADD COLUMN os TEXT;
  -- Pages of a user's sessions go by (start, session id), newest first: each one range of this index.
  DROP INDEX session_log_by_user;
  CREATE INDEX session_log_by_user ON session_log (user_id, started_at, session_id);
  `,
  `
  -- An admin's last redelivery: the retry horizon of a redelivered delivery counts from it, not from the event.
  ALTER TABLE webhook_deliveries ADD COLUMN redelivered_at BIGINT;
  DROP INDEX webhook_deliveries_pending_by_age;
  CREATE INDEX webhook_deliveries_pending_by_age ON webhook_deliveries ((coalesce(redelivered_at, created_at))) WHERE status = 'pending';
  `,
];

// Migrations (see migrate.ts)

/**
 * Key of the transaction-scoped advisory lock every migration step takes before reading the version.
 * Advisory locks are per database, so this only has to differ from keys other programs use on the same
 * database: the first bytes of "rollcall" as a number.
 */
export const MIGRATION_LOCK_KEY = 0x726f6c6c63616c;
export const LOCK_MIGRATIONS = `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
export const CREATE_SCHEMA_MIGRATIONS = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at BIGINT  NOT NULL
  )`;
export const SELECT_SCHEMA_VERSION = 'SELECT current_database() AS database, coalesce(max(version), 0) AS version FROM schema_migrations';
export const INSERT_SCHEMA_VERSION = 'INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)';

// Accounts

const ACCOUNT_COLUMNS = 'id, username, role, password_hash, created_at, command_permission';

/** DO NOTHING + RETURNING: no row back means the username is taken, without parsing driver errors. */
export const INSERT_ACCOUNT = statement(
  'insert_account',
  `INSERT INTO accounts (username, role, password_hash, created_at, command_permission)
   VALUES ($1, $2, $3, $4, $5)
   ON CONFLICT (username) DO NOTHING
   RETURNING ${ACCOUNT_COLUMNS}`,
);
export const SELECT_ACCOUNT_BY_USERNAME = statement('account_by_username', `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE username = $1`);
export const SELECT_ACCOUNT_BY_ID = statement('account_by_id', `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`);
/** FOR SHARE: a key is created only for an account that stays until the key is committed. */
export const LOCK_ACCOUNT_BY_ID = statement('lock_account_by_id', 'SELECT id FROM accounts WHERE id = $1 FOR SHARE');
export const SELECT_ACCOUNTS = statement('accounts', `SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY id`);
/**
 * Removing an account and revoking its keys in one statement: both happen or neither. Answers 1 when
 * there was such an account, 0 otherwise.
 */
export const DELETE_ACCOUNT_REVOKING_KEYS = statement(
  'delete_account_revoking_keys',
  `WITH removed AS (DELETE FROM accounts WHERE username = $1 RETURNING id),
        revoked AS (UPDATE api_keys SET revoked_at = $2
                    WHERE revoked_at IS NULL AND account_id IN (SELECT id FROM removed))
   SELECT count(*) AS removed FROM removed`,
);
export const UPDATE_COMMAND_PERMISSION = statement(
  'update_command_permission',
  'UPDATE accounts SET command_permission = $2 WHERE username = $1',
);
export const UPDATE_PASSWORD_HASH = statement('update_password_hash', 'UPDATE accounts SET password_hash = $2 WHERE username = $1');

// API keys

const API_KEY_COLUMNS = 'id, kind, account_id, user_id, label, prefix, hash, created_at, revoked_at';

export const INSERT_API_KEY = statement(
  'insert_api_key',
  `INSERT INTO api_keys (kind, account_id, user_id, label, prefix, hash, created_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7)
   ON CONFLICT (hash) DO NOTHING
   RETURNING ${API_KEY_COLUMNS}`,
);
export const SELECT_LIVE_API_KEY_BY_HASH = statement(
  'live_api_key_by_hash',
  `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`,
);
export const SELECT_API_KEYS = statement('api_keys', `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY id`);
/** Only live keys: revoking twice must not move the recorded revocation time. */
export const REVOKE_API_KEY = statement('revoke_api_key', 'UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL');

// API clients and their OAuth2 tokens

const API_CLIENT_COLUMNS = 'id, label, permission, secret_hash, created_at, secret_created_at, revoked_at';

/** DO NOTHING + RETURNING: no row back means the client id is taken (by a live or a revoked client). */
export const INSERT_API_CLIENT = statement(
  'insert_api_client',
  `INSERT INTO api_clients (id, label, permission, secret_hash, created_at, secret_created_at)
   VALUES ($1, $2, $3, $4, $5, $5)
   ON CONFLICT (id) DO NOTHING
   RETURNING ${API_CLIENT_COLUMNS}`,
);
export const SELECT_LIVE_API_CLIENT = statement(
  'live_api_client',
  `SELECT ${API_CLIENT_COLUMNS} FROM api_clients WHERE id = $1 AND revoked_at IS NULL`,
);
/**
 * FOR UPDATE: issuing takes the client's row lock, so two issues for one client trim in turn (neither
 * keeps more than the limit) and a secret replaced meanwhile is seen before the token is stored.
 */
export const LOCK_LIVE_API_CLIENT = statement(
  'lock_live_api_client',
  'SELECT secret_hash FROM api_clients WHERE id = $1 AND revoked_at IS NULL FOR UPDATE',
);
export const SELECT_API_CLIENTS = statement('api_clients', `SELECT ${API_CLIENT_COLUMNS} FROM api_clients ORDER BY seq`);
/**
 * Revoking a live client and dropping its tokens in one statement: a token that outlived its client's
 * revocation would still open the API. Only live clients, so the revocation time never moves.
 */
export const REVOKE_API_CLIENT = statement(
  'revoke_api_client',
  `WITH revoked AS (UPDATE api_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id),
        dropped AS (DELETE FROM oauth_tokens WHERE client_id IN (SELECT id FROM revoked))
   SELECT count(*) AS changed FROM revoked`,
);
/** A new secret and no tokens of the old one, together, for a live client only. */
export const REPLACE_API_CLIENT_SECRET = statement(
  'replace_api_client_secret',
  `WITH replaced AS (UPDATE api_clients SET secret_hash = $2, secret_created_at = $3
                     WHERE id = $1 AND revoked_at IS NULL RETURNING id),
        dropped AS (DELETE FROM oauth_tokens WHERE client_id IN (SELECT id FROM replaced))
   SELECT count(*) AS changed FROM replaced`,
);
export const INSERT_OAUTH_TOKEN = statement(
  'insert_oauth_token',
  'INSERT INTO oauth_tokens (client_id, token_hash, issued_at, expires_at) VALUES ($1, $2, $3, $4)',
);
/**
 * Keeps the `$3` newest valid tokens of a client and deletes the rest: the oldest go first when a new
 * one would exceed the limit, and expired ones are cleared on the way. Runs after the insert, in the
 * same transaction, so it sees the new token.
 */
export const DELETE_EXCESS_OAUTH_TOKENS = statement(
  'delete_excess_oauth_tokens',
  `DELETE FROM oauth_tokens
   WHERE client_id = $1
     AND (expires_at <= $2 OR id NOT IN (
       SELECT id FROM oauth_tokens
       WHERE client_id = $1 AND expires_at > $2
       ORDER BY id DESC
       LIMIT $3))`,
);
/** A token counts only while it has not expired and its client is not revoked. */
export const SELECT_VALID_OAUTH_TOKEN = statement(
  'valid_oauth_token',
  `SELECT t.issued_at AS token_issued_at, t.expires_at AS token_expires_at,
          c.id, c.label, c.permission, c.secret_hash, c.created_at, c.secret_created_at, c.revoked_at
   FROM oauth_tokens t JOIN api_clients c ON c.id = t.client_id
   WHERE t.token_hash = $1 AND t.expires_at > $2 AND c.revoked_at IS NULL`,
);

// Users

const USER_COLUMNS = 'id, name, email, type, username, public_display_name, private_display_name, last_seen_at, last_view';

/**
 * Upserts a batch given as one JSON array of rows ($1, keyed as rows.ts userParams makes them). Facts
 * are replaced by the latest write.
 * Last seen takes the later of both times, so batches from several nodes may arrive in any order. The
 * view is the one seen last: a record without a view, or one older than what is stored, leaves it alone.
 * An id may appear only once per statement (PostgreSQL refuses to update a row twice in one command);
 * the store splits a batch that names a user twice.
 */
export const UPSERT_USERS = statement(
  'upsert_users',
  `INSERT INTO users (${USER_COLUMNS})
   SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
     id text, name text, email text, type text, username text, "publicDisplayName" text, "privateDisplayName" text,
     "lastSeenAt" bigint, "lastView" text)
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
     last_seen_at         = greatest(users.last_seen_at, excluded.last_seen_at)`,
);
export const SELECT_USER = statement('user', `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`);
/** LIMIT NULL is PostgreSQL for "no limit". The id breaks ties so the order is stable. */
export const SELECT_USERS_SEEN_SINCE = statement(
  'users_seen_since',
  `SELECT ${USER_COLUMNS} FROM users
   WHERE last_seen_at >= $1
   ORDER BY last_seen_at DESC, id DESC
   LIMIT $2`,
);

// Session log

const SESSION_LOG_COLUMNS =
  'session_id, started_at, user_id, client_type, transport, node_id, remote_address, hostname, browser, os, ended_at, end_reason, ended_by';

/**
 * A run of session-log lines, one array per column ($1–$13, in SESSION_LOG_COLUMNS' order), inserted in
 * the order given so the identity keeps the batch order. DISTINCT ON keeps a session's first line of
 * the run: an upsert may not touch one row twice in a statement.
 */
const INSERT_SESSION_LOG_RUN = `INSERT INTO session_log (${SESSION_LOG_COLUMNS})
   SELECT ${SESSION_LOG_COLUMNS}
   FROM (SELECT DISTINCT ON (session_id, started_at) *
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::bigint[], $12::text[], $13::text[])
              WITH ORDINALITY AS w (${SESSION_LOG_COLUMNS}, ord)
         ORDER BY session_id, started_at, ord) w
   ORDER BY ord`;
/**
 * Starts make their rows, or complete the ones their ends made first (a cluster's ending node may write
 * before the opening node): what was known at the start replaces what the end knew, the end stays. A
 * replayed start (a retried batch) adds no second row and undoes no end.
 */
export const UPSERT_SESSION_STARTS = statement(
  'upsert_session_starts',
  `${INSERT_SESSION_LOG_RUN}
   ON CONFLICT (session_id, started_at) DO UPDATE SET
     user_id = excluded.user_id, client_type = excluded.client_type, transport = excluded.transport, node_id = excluded.node_id,
     remote_address = excluded.remote_address, hostname = excluded.hostname, browser = excluded.browser, os = excluded.os`,
);
/**
 * Ends complete their rows, or make them when the start is not written yet. A session ends once: the
 * first end written is kept, both against the table (ended_at IS NULL) and within the run.
 */
export const UPSERT_SESSION_ENDS = statement(
  'upsert_session_ends',
  `${INSERT_SESSION_LOG_RUN}
   ON CONFLICT (session_id, started_at) DO UPDATE SET
     ended_at = excluded.ended_at, end_reason = excluded.end_reason, ended_by = excluded.ended_by
   WHERE session_log.ended_at IS NULL`,
);
/** Closes the rows a node left open when it stopped without ending them (a crash, a kill -9). */
export const END_OPEN_SESSIONS_OF_NODE = statement(
  'end_open_sessions_of_node',
  `UPDATE session_log SET ended_at = $2, end_reason = $3 WHERE node_id = $1 AND ended_at IS NULL
   RETURNING ${SESSION_LOG_COLUMNS}`,
);
/**
 * Newest first, after a position ($1 start, $2 session id): the pair names one row, so pages neither
 * skip nor repeat one however many start meanwhile. $3: the limit. The unfiltered listing (maintenance
 * and tests) reads session_log_by_start backwards and sorts only sessions started in the same millisecond.
 */
export const SELECT_SESSION_LOG = statement(
  'session_log',
  `SELECT ${SESSION_LOG_COLUMNS} FROM session_log
   WHERE (started_at, session_id) < ($1, $2)
   ORDER BY started_at DESC, session_id DESC
   LIMIT $3`,
);
/** $1 the user, then as above: a range of session_log_by_user, read backwards. */
export const SELECT_SESSION_LOG_OF_USER = statement(
  'session_log_of_user',
  `SELECT ${SESSION_LOG_COLUMNS} FROM session_log
   WHERE user_id = $1 AND (started_at, session_id) < ($2, $3)
   ORDER BY started_at DESC, session_id DESC
   LIMIT $4`,
);

// Presence samples

/**
 * Stores a sample ($1 at, $2 users, $3 sessions) and forgets those before $4, in one statement. A
 * second sample for the same instant (two nodes sampling at once) replaces the first. Both parts see
 * the same snapshot, so the delete cannot see the new row: a sample already older than $4 is simply
 * not stored, which is what storing then pruning would leave.
 */
export const RECORD_PRESENCE_SAMPLE = statement(
  'record_presence_sample',
  `WITH pruned AS (DELETE FROM presence_samples WHERE at < $4)
   INSERT INTO presence_samples (at, online_users, sessions)
   SELECT $1::bigint, $2::integer, $3::integer WHERE $1::bigint >= $4::bigint
   ON CONFLICT (at) DO UPDATE SET online_users = excluded.online_users, sessions = excluded.sessions`,
);
export const SELECT_PRESENCE_SAMPLES_SINCE = statement(
  'presence_samples_since',
  'SELECT at, online_users AS "onlineUsers", sessions FROM presence_samples WHERE at >= $1 ORDER BY at',
);

// Webhook subscriptions and their outbox

const WEBHOOK_COLUMNS = 'id, url, event_types, secret, active, disabled_reason, created_at';

export const INSERT_WEBHOOK = statement(
  'insert_webhook',
  `INSERT INTO webhook_subscriptions (url, event_types, secret, active, created_at)
   VALUES ($1, $2, $3, true, $4)
   RETURNING ${WEBHOOK_COLUMNS}`,
);
export const SELECT_WEBHOOK = statement('webhook', `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions WHERE id = $1`);
export const SELECT_WEBHOOKS = statement('webhooks', `SELECT ${WEBHOOK_COLUMNS} FROM webhook_subscriptions ORDER BY id`);
/**
 * NULL parameters leave a column as it is ($2 url, $3 event types, $4 active, $5 reason). A reason is
 * kept only while the subscription is inactive: activating clears it, and deactivating without one
 * clears an old reason too.
 */
export const UPDATE_WEBHOOK = statement(
  'update_webhook',
  `UPDATE webhook_subscriptions SET
     url             = coalesce($2::text, url),
     event_types     = coalesce($3::text, event_types),
     active          = coalesce($4::boolean, active),
     disabled_reason = CASE
                         WHEN $4::boolean IS NULL THEN disabled_reason
                         WHEN $4::boolean THEN NULL
                         ELSE $5::text
                       END
   WHERE id = $1
   RETURNING ${WEBHOOK_COLUMNS}`,
);
export const DELETE_WEBHOOK = statement('delete_webhook', 'DELETE FROM webhook_subscriptions WHERE id = $1');

const DELIVERY_COLUMNS = `id, subscription_id, event_type, payload, status, attempts, created_at, next_attempt_at,
  last_attempt_at, last_status_code, last_error, finished_at, redelivered_at`;

/**
 * A batch of deliveries, due at once, one array per column ($1 ids, $2 subscriptions, $3 types,
 * $4 payloads, $5 times), in batch order. Rows of a subscription removed meanwhile are dropped rather
 * than failing the batch on the foreign key: FOR KEY SHARE waits for a removal in progress and then no
 * longer finds the subscription, and keeps it from being removed until this batch is committed.
 * A replayed id changes nothing.
 */
export const INSERT_WEBHOOK_DELIVERIES = statement(
  'insert_webhook_deliveries',
  `INSERT INTO webhook_deliveries (id, subscription_id, event_type, payload, status, created_at, next_attempt_at)
   SELECT w.id, w.subscription_id, w.event_type, w.payload, 'pending', w.created_at, w.created_at
   FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[])
        WITH ORDINALITY AS w (id, subscription_id, event_type, payload, created_at, ord)
   WHERE w.subscription_id IN (SELECT s.id FROM webhook_subscriptions s WHERE s.id = ANY ($2::bigint[]) FOR KEY SHARE)
   ORDER BY w.ord
   ON CONFLICT (id) DO NOTHING`,
);
/**
 * Claims up to $2 deliveries due at $1 and leases them until $3, in one statement, passing over the
 * subscriptions in $4 (the claimant's receivers that are busy). FOR UPDATE SKIP
 * LOCKED makes claimers on several nodes pass over each other's rows instead of waiting for them or
 * taking them twice; a row another claimer leased meanwhile is re-checked against its new due time and
 * left out. Earliest due first; inactive subscriptions' rows wait. MATERIALIZED: the locking select
 * runs exactly once, never again as the inner side of a join. RETURNING gives the new lease as
 * next_attempt_at, so due_at carries the old due time for the store to restore the claim order.
 */
export const CLAIM_DUE_WEBHOOK_DELIVERIES = statement(
  'claim_due_webhook_deliveries',
  `WITH due AS MATERIALIZED (
     SELECT d.seq, d.next_attempt_at AS due_at
     FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND s.active AND d.subscription_id <> ALL ($4::bigint[])
     ORDER BY d.next_attempt_at, d.seq
     LIMIT $2
     FOR UPDATE OF d SKIP LOCKED
   )
   UPDATE webhook_deliveries d SET next_attempt_at = $3
   FROM due, webhook_subscriptions s
   WHERE d.seq = due.seq AND s.id = d.subscription_id
   RETURNING d.seq, d.id, d.subscription_id, d.event_type, d.payload, d.status, d.attempts, d.created_at,
             d.next_attempt_at, d.last_attempt_at, d.last_status_code, d.last_error, d.finished_at, d.redelivered_at,
             s.url AS target_url, s.secret AS target_secret, due.due_at`,
);
/** $1: subscriptions passed over, as in the claim. */
export const SELECT_NEXT_WEBHOOK_ATTEMPT = statement(
  'next_webhook_attempt',
  `SELECT min(d.next_attempt_at) AS at
   FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
   WHERE d.status = 'pending' AND s.active AND d.subscription_id <> ALL ($1::bigint[])`,
);
/** Hands claims back ($1 ids, due again at $2); only pending rows, as recording an attempt. */
export const RELEASE_WEBHOOK_CLAIMS = statement(
  'release_webhook_claims',
  `UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE id = ANY ($1::text[]) AND status = 'pending'`,
);
/**
 * Only a pending row ($1 id, $2 status, $3 at, $4 HTTP status, $5 error, $6 next attempt): an attempt
 * that finishes after its delivery expired or was removed changes nothing.
 */
export const RECORD_WEBHOOK_ATTEMPT = statement(
  'record_webhook_attempt',
  `UPDATE webhook_deliveries SET
     status           = $2::text,
     attempts         = attempts + 1,
     last_attempt_at  = $3::bigint,
     last_status_code = $4::integer,
     last_error       = $5::text,
     next_attempt_at  = $6::bigint,
     finished_at      = CASE WHEN $2::text = 'pending' THEN NULL ELSE $3::bigint END
   WHERE id = $1 AND status = 'pending'`,
);
export const DEFER_WEBHOOK_DELIVERIES = statement(
  'defer_webhook_deliveries',
  `UPDATE webhook_deliveries SET next_attempt_at = $2
   WHERE subscription_id = $1 AND status = 'pending' AND next_attempt_at < $2`,
);
/**
 * Puts a delivery ($1 id, of subscription $2) back in the outbox, due at $3, unless it is pending: one
 * that is keeps its due time and any claim on it.
 */
export const REDELIVER_WEBHOOK_DELIVERY = statement(
  'redeliver_webhook_delivery',
  `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, redelivered_at = $3, finished_at = NULL
   WHERE id = $1 AND subscription_id = $2 AND status <> 'pending'
   RETURNING ${DELIVERY_COLUMNS}`,
);
export const SELECT_WEBHOOK_DELIVERY = statement(
  'webhook_delivery',
  `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND subscription_id = $2`,
);
export const SELECT_WEBHOOK_DELIVERIES = statement(
  'webhook_deliveries',
  `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
   WHERE subscription_id = $1
   ORDER BY seq DESC
   LIMIT $2`,
);
export const SELECT_WEBHOOK_DELIVERIES_BY_STATUS = statement(
  'webhook_deliveries_by_status',
  `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
   WHERE subscription_id = $1 AND status = $3
   ORDER BY seq DESC
   LIMIT $2`,
);
export const COUNT_PENDING_WEBHOOK_DELIVERIES = statement(
  'count_pending_webhook_deliveries',
  "SELECT count(*) AS count FROM webhook_deliveries WHERE status = 'pending'",
);
/** The horizon counts from the event, or from the last redelivery (the expression of webhook_deliveries_pending_by_age). */
export const EXPIRE_WEBHOOK_DELIVERIES = statement(
  'expire_webhook_deliveries',
  `UPDATE webhook_deliveries SET status = 'failed', last_error = $3, next_attempt_at = NULL, finished_at = $2
   WHERE status = 'pending' AND coalesce(redelivered_at, created_at) < $1`,
);
export const DELETE_FINISHED_WEBHOOK_DELIVERIES = statement(
  'delete_finished_webhook_deliveries',
  "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < $1",
);

// Settings and counters

export const SELECT_SETTING = statement('setting', 'SELECT value FROM settings WHERE key = $1');
export const UPSERT_SETTING = statement(
  'upsert_setting',
  'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
);

/**
 * One statement, so the addition is atomic against every other node: the row lock of the conflicting
 * row orders concurrent callers, and each answers the value before its own addition.
 */
export const ADVANCE_COUNTER = statement(
  'advance_counter',
  `INSERT INTO counters (name, value) VALUES ($1, $2)
   ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value
   RETURNING value - $2 AS previous`,
);
