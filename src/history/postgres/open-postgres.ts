// Opens the connection pool of the PostgreSQL history store for the composition root, which runs the
// migrations (migrate.ts) and hands the pool to the store. Everything about how rollcall talks to
// PostgreSQL that is not a statement lives here: how BIGINT is read, timeouts, and how a database URL
// is shown without its password.

import pg from 'pg';

/** PostgreSQL's type oid of BIGINT (int8). */
const INT8_OID = 20;

/**
 * BIGINT columns hold epoch milliseconds and ids, all far below 2^53, so they are read as JS numbers
 * (node-postgres answers strings by default, since an int8 may not fit a double). A value that would
 * lose precision fails loudly instead of being rounded.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} does not fit a JavaScript number`);
  return value;
}

/**
 * Passed to each pool (and so to each of its clients) rather than set on the global `pg.types`: another
 * library in the same process may use node-postgres with the default parsers and must keep them.
 */
export const POSTGRES_TYPES: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) => (oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)),
};

/**
 * Milliseconds to wait for a connection before failing. node-postgres waits forever by default, so a
 * CLI command or a start against an unreachable server would hang instead of saying so.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/** Connections one process keeps at most: batched writes and a few concurrent reads need no more. */
const POOL_SIZE = 10;

export function createPostgresPool(databaseUrl: string): pg.Pool {
  return new pg.Pool({
    connectionString: databaseUrl,
    types: POSTGRES_TYPES,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Shown in pg_stat_activity, so an operator can tell rollcall's sessions from others'.
    application_name: 'rollcall',
  });
}
