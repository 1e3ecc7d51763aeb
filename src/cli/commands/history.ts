// `rollcall history migrate --from sqlite --to postgres`: moves a single node's history (the SQLite file
// in its data dir) into the empty PostgreSQL database at ROLLCALL_DATABASE_URL, the step before the
// node joins a cluster. Stop the server first: what it writes during the copy would stay behind.
// The data dir keeps the node's id and token secret, which the node goes on using.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { RollcallError } from '../../core/errors.ts';
import { migratePostgres } from '../../history/postgres/migrate.ts';
import { createPostgresPool } from '../../history/postgres/open-postgres.ts';
import { openSqliteDatabase } from '../../history/sqlite/open-sqlite.ts';
import { copySqliteToPostgres, HISTORY_TABLES } from '../../history/transfer/sqlite-to-postgres.ts';
import { SQLITE_FILE } from '../../server/data-dir.ts';
import { commandConfig } from '../config.ts';
import { formatTable, print } from '../output.ts';

interface MigrateOptions {
  from: 'sqlite';
  to: 'postgres';
}

export function registerHistory(program: Command): void {
  const history = program.command('history').description('move history between stores');

  history
    .command('migrate')
    .description(
      'copy the SQLite history of --data-dir into the empty PostgreSQL database at ROLLCALL_DATABASE_URL (stop the server first)',
    )
    .addOption(new Option('--from <store>', 'where the history is now').choices(['sqlite']).makeOptionMandatory())
    .addOption(new Option('--to <store>', 'where it goes').choices(['postgres']).makeOptionMandatory())
    .action(async (_options: MigrateOptions, command: Command) => {
      const config = commandConfig(command);
      if (config.databaseUrl === undefined) {
        throw new RollcallError(
          'invalid_parameter',
          'set ROLLCALL_DATABASE_URL (or databaseUrl in the config file) to the PostgreSQL database to move the history into',
        );
      }
      const sqlitePath = join(resolve(config.dataDir), SQLITE_FILE);
      // Opening would create an empty file, and copying nothing would look like success.
      if (!existsSync(sqlitePath)) throw new RollcallError('not_found', `there is no SQLite history at ${sqlitePath}`);
      const sqlite = openSqliteDatabase(sqlitePath);
      const pool = createPostgresPool(config.databaseUrl);
      // A connection dropped while idle in the pool is reported by the query that needs it next.
      pool.on('error', () => undefined);
      try {
        await migratePostgres(pool);
        const report = await copySqliteToPostgres(sqlite, pool);
        print(
          `copied the history of ${sqlitePath} into PostgreSQL:`,
          formatTable(
            ['TABLE', 'ROWS'],
            HISTORY_TABLES.map((table) => [table, String(report[table])]),
          ),
          'Start the nodes with ROLLCALL_HISTORY_STORE=postgres and the same ROLLCALL_DATABASE_URL.',
        );
      } finally {
        sqlite.close();
        await pool.end();
      }
    });
}
