// Brings a PostgreSQL database to the schema this code knows, one step per transaction. Several nodes
// may start at once against a fresh database: every step first takes a transaction-scoped advisory
// lock and only then reads the version, so the steps run once, in order, whoever gets there first, and
// the others find them done. A database already migrated by newer code is refused, never downgraded.

import type pg from 'pg';
import { CREATE_SCHEMA_MIGRATIONS, INSERT_SCHEMA_VERSION, LOCK_MIGRATIONS, MIGRATIONS, SELECT_SCHEMA_VERSION } from './sql.ts';
import { inTransaction } from './transaction.ts';

/** The schema version this code writes; a database at a higher one was migrated by newer code. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/**
 * Runs on the pool before the store is built on it, so the store's listener for the pool's 'error'
 * event is not there yet. Between two steps a client waits idle in the pool, and losing its connection
 * then must not end the process: the pool drops that client, and if the server is really gone the next
 * step fails to connect and says so. The caller builds the store in the same turn this resolves in.
 */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const ignoreIdleClientError = () => undefined;
  pool.on('error', ignoreIdleClientError);
  try {
    while (!(await inTransaction(pool, runNextStep))) {
      // Each round is one step in its own transaction; runNextStep answers true once the schema is current.
    }
  } finally {
    pool.off('error', ignoreIdleClientError);
  }
}

/** Runs the step after the current version, inside the caller's transaction; true when there was none. */
async function runNextStep(client: pg.PoolClient): Promise<boolean> {
  await client.query(LOCK_MIGRATIONS);
  await client.query(CREATE_SCHEMA_MIGRATIONS);
  const found = await readVersion(client);
  if (found.version > POSTGRES_SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `database "${found.database}" has schema version ${found.version}, newer than the ${POSTGRES_SCHEMA_VERSION} this rollcall knows; upgrade rollcall`,
    );
  }
  const step = MIGRATIONS[found.version];
  if (step === undefined) return true;
  await client.query(step);
  await client.query(INSERT_SCHEMA_VERSION, [found.version + 1, Date.now()]);
  return false;
}

async function readVersion(client: pg.PoolClient): Promise<{ version: number; database: string }> {
  const result = await client.query<{ version: number; database: string }>(SELECT_SCHEMA_VERSION);
  const row = result.rows[0];
  if (row === undefined) throw new Error('schema_migrations answered no version');
  return row;
}
