// Moves a single node's history from its SQLite file into an empty PostgreSQL database, so the node can
// join a cluster without losing anything: accounts and keys (revoked ones too), API clients and their
// tokens, users with their last seen, the session log, settings and counters (session ids go on where
// they stopped), presence samples, webhook subscriptions and every delivery, pending ones included.
//
// Both schemas name their tables and columns alike, so each table is copied row for row with its ids:
// keys keep pointing at their accounts, deliveries at their subscriptions. Everything is written in one
// PostgreSQL transaction and counted again before it commits: the copy is whole or not at all.
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { RollcallError } from '../../core/errors.ts';

/** Every table of the history, parents before the tables whose rows refer to them. */
export const HISTORY_TABLES = [
  'accounts',
  'api_keys',
  'api_clients',
  'oauth_tokens',
  'users',
  'session_log',
  'settings',
  'counters',
  'presence_samples',
  'webhook_subscriptions',
  'webhook_deliveries',
] as const;
export type HistoryTable = (typeof HISTORY_TABLES)[number];

/** Rows per INSERT: 13 columns × 500 rows stays far below PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 500;

export type TransferReport = Record<HistoryTable, number>;

/**
 * Copies every table of `sqlite` into `postgres`, whose schema must be current (migrated) and whose
 * history tables must be empty. Answers the rows copied per table.
 */
export async function copySqliteToPostgres(sqlite: Database.Database, postgres: pg.Pool): Promise<TransferReport> {
  const client = await postgres.connect();
  try {
    await client.query('BEGIN');
    // One read transaction on SQLite: every table is read as of the same moment.
    sqlite.prepare('BEGIN').run();
    try {
      await refuseUnlessEmpty(client);
      const report = {} as TransferReport;
      for (const table of HISTORY_TABLES) report[table] = await copyTable(sqlite, client, table);
      for (const table of HISTORY_TABLES) await continueIdentities(client, table);
      await verifyCounts(client, report);
      await client.query('COMMIT');
      return report;
    } finally {
      sqlite.prepare('COMMIT').run();
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function refuseUnlessEmpty(client: pg.PoolClient): Promise<void> {
  const filled: string[] = [];
  for (const table of HISTORY_TABLES) {
    const rows = await countRows(client, table);
    if (rows > 0) filled.push(`${table} (${rows})`);
  }
  if (filled.length > 0) {
    throw new RollcallError(
      'conflict',
      `the PostgreSQL history is not empty: ${filled.join(', ')}; a migration only fills an empty database`,
    );
  }
}

async function countRows(client: pg.PoolClient, table: HistoryTable): Promise<number> {
  const result = await client.query<{ count: string }>(`SELECT count(*) AS count FROM ${table}`);
  return Number(result.rows[0]?.count ?? 0);
}

async function copyTable(sqlite: Database.Database, client: pg.PoolClient, table: HistoryTable): Promise<number> {
  const columns = sqlite
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`)
    .all()
    .map((column) => column.name);
  const target = new Set(
    (
      await client.query<{ column_name: string }>(
        'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      )
    ).rows.map((row) => row.column_name),
  );
  // A column PostgreSQL has no place for would be data left behind: refuse rather than drop it.
  const missing = columns.filter((column) => !target.has(column));
  if (missing.length > 0) {
    throw new RollcallError('conflict', `PostgreSQL's ${table} has no column ${missing.join(', ')}: upgrade rollcall on both sides first`);
  }
  const list = columns.join(', ');
  let copied = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value) => `$${values.push(value)}`).join(', ')})`);
    // Identity columns take the ids as they were; the sequences are moved past them afterwards.
    await client.query(`INSERT INTO ${table} (${list}) OVERRIDING SYSTEM VALUE VALUES ${tuples.join(', ')}`, values);
    copied += batch.length;
    batch = [];
  };
  for (const row of sqlite.prepare<[], unknown[]>(`SELECT ${list} FROM ${table}`).raw().iterate()) {
    batch.push(row);
    if (batch.length === ROWS_PER_INSERT) await flush();
  }
  await flush();
  return copied;
}

/** Moves each identity sequence past the ids copied in, so the next row gets a new one. */
async function continueIdentities(client: pg.PoolClient, table: HistoryTable): Promise<void> {
  const identities = await client.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'",
    [table],
  );
  for (const { column_name: column } of identities.rows) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${column}) FROM ${table}), 0) + 1, false)`, [
      table,
      column,
    ]);
  }
}

async function verifyCounts(client: pg.PoolClient, report: TransferReport): Promise<void> {
  for (const table of HISTORY_TABLES) {
    const found = await countRows(client, table);
    if (found !== report[table])
      throw new RollcallError('internal', `${table}: copied ${report[table]} rows but PostgreSQL holds ${found}`);
  }
}
