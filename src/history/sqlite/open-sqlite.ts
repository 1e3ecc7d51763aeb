// Opens the SQLite history file for the composition root, which hands the handle to the store. The CLI
// (adding accounts, keys) and a running server may open the same file at once: WAL lets readers go on
// while one writes. While opening (before anything is served) a writer waits for another's lock in
// SQLite's busy handler; once open, the handle fails at once on a lock (busy_timeout 0) and the store
// waits asynchronously instead (lock-wait.ts), so a lock held elsewhere never freezes the event loop.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { keptForLife } from './kept-for-life.ts';
import { GET_USER_VERSION, MIGRATIONS, setUserVersion } from './sql.ts';

/** Milliseconds opening and migrating wait for another connection's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/** The schema version this code writes; a file at a higher one was migrated by newer code. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function openSqliteDatabase(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  // Kept for life, and pragmas through exec() (no statement object): see kept-for-life.ts (Node 24).
  const db = keptForLife(new Database(path, { timeout: BUSY_TIMEOUT_MS }));
  const pragma = (setting: string) => db.exec(`PRAGMA ${setting}`);
  try {
    // busy_timeout first: switching to WAL takes a lock another process may hold at this moment.
    pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only a power loss may drop the last
    // commits, which the history (last seen, session log) can afford for a much cheaper fsync pattern.
    pragma('synchronous = NORMAL');
    pragma('foreign_keys = ON');
    migrate(db);
    pragma('busy_timeout = 0');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function readUserVersion(db: Database.Database): number {
  const version = db.prepare(GET_USER_VERSION).pluck().get();
  if (typeof version !== 'number') throw new Error(`unexpected user_version: ${String(version)}`);
  return version;
}

function migrate(db: Database.Database): void {
  const found = readUserVersion(db);
  if (found > SCHEMA_VERSION) {
    throw new Error(`${db.name} has schema version ${found}, newer than the ${SCHEMA_VERSION} this rollcall knows; upgrade rollcall`);
  }
  // One IMMEDIATE transaction per step, re-reading the version inside it: two processes starting on a
  // fresh file both see version 0 above, and the second must find the step already done once it holds
  // the lock.
  const step = db.transaction((target: number) => {
    if (readUserVersion(db) >= target) return;
    const sql = MIGRATIONS[target - 1];
    if (sql === undefined) throw new Error(`no migration to schema version ${target}`);
    db.exec(sql);
    db.exec(setUserVersion(target));
  });
  for (let target = found + 1; target <= SCHEMA_VERSION; target++) step.immediate(target);
}
