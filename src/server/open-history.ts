// Opens the history store the config names: the SQLite file in the data dir, or a pool on the
// PostgreSQL database at databaseUrl (migrated before the store is built on it). Kept apart from the
// composition root so CLI commands that manage accounts and keys load neither Fastify nor the core.
import type { Config } from '../config/schema.ts';
import { RollcallError } from '../core/errors.ts';
import { createHistoryStore, type HistoryHandles } from '../history/factory.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { redactDatabaseUrl, scrubPassword } from '../history/postgres/database-url.ts';
import { migratePostgres } from '../history/postgres/migrate.ts';
import { createPostgresPool } from '../history/postgres/open-postgres.ts';
import { openSqliteDatabase } from '../history/sqlite/open-sqlite.ts';
import { openDataDir, type DataDir } from './data-dir.ts';

export interface OpenHistory {
  history: HistoryStore;
  dataDir: DataDir;
  close(): Promise<void>;
}

export interface OpenHistoryOptions {
  /**
   * Told of failures no caller waits for: an idle PostgreSQL connection that was lost. Default: a line
   * on stderr (the CLI has no logger; the server passes its own).
   */
  onError?: (error: Error) => void;
}

const writeToStderr = (error: Error) => process.stderr.write(`rollcall: history database: ${error.message}\n`);

export async function openHistory(config: Config, options: OpenHistoryOptions = {}): Promise<OpenHistory> {
  const dataDir = openDataDir(config);
  const handles = await openHandles(config, dataDir, options.onError ?? writeToStderr);
  // Built in the same turn the migration finished in: the store's listener for idle connection errors
  // is in place before the pool can report one (see migratePostgres).
  const history = createHistoryStore(config.historyStore, handles);
  return { history, dataDir, close: () => history.close() };
}

async function openHandles(config: Config, dataDir: DataDir, onError: (error: Error) => void): Promise<HistoryHandles> {
  switch (config.historyStore) {
    case 'sqlite':
      return { sqlite: openSqliteDatabase(dataDir.sqlitePath) };
    case 'postgres': {
      // The schema refuses postgres without a URL; this narrows the type.
      const url = config.databaseUrl;
      if (url === undefined) throw new Error('historyStore postgres needs databaseUrl (ROLLCALL_DATABASE_URL)');
      const pool = createPostgresPool(url);
      try {
        await migratePostgres(pool);
      } catch (error) {
        await pool.end();
        throw describeOpenFailure(error, url);
      }
      return { postgres: { pool, onError } };
    }
  }
}

/**
 * Says which database could not be opened and why, without its password. Unreachable, refused or
 * migrated by newer code, it is the deployment's state rather than a bug: the CLI prints it as it is.
 */
function describeOpenFailure(error: unknown, url: string): RollcallError {
  const reason = scrubPassword(errorText(error), url);
  return new RollcallError('unavailable', `cannot open the history database ${redactDatabaseUrl(url)}: ${reason}`);
}

/** Node reports a refused connection to a host with several addresses as an AggregateError without a message. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  if (error instanceof AggregateError) return error.errors.map(errorText).join('; ');
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? error.name;
}
