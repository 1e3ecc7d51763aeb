// Node 24 (from 24.19) aborts the whole process when V8 collects a better-sqlite3 12 Database,
// Statement or StatementIterator from a garbage collection that runs outside JavaScript (an idle or
// background GC): their destructors, node::ObjectWrap's, then call RemoveEnvironmentCleanupHook with no
// context entered, and its assertion fails ("Assertion failed: (env) != nullptr", nodejs/node#65446,
// WiseLibs/better-sqlite3#1515). better-sqlite3 13 no longer derives from ObjectWrap, but it needs
// Node 22, and rollcall still runs on Node 20.
//
// So rollcall never lets one of them become garbage: each database it opens, and each statement and
// iterator made on it, stays referenced for the life of the process. That costs little: the store
// prepares its statements once (sqlite-history-store.ts), opening runs a few pragmas, and a database
// is opened once per process (tests open more, and keep a few kilobytes each). Closing a database still
// finalizes its statements in SQLite; only the small JavaScript and C++ objects stay.
// better-sqlite3's own `pragma()` prepares on the native handle, out of reach of this: set pragmas with
// `exec('PRAGMA …')` (which makes no statement object) and read them with `prepare('PRAGMA …')`. `transaction()` keeps its statements on the database, so they live as
// long as it does.
import type Database from 'better-sqlite3';

const kept: object[] = [];

/** Keeps `value` referenced until the process exits. */
export function keepForLife<T extends object>(value: T): T {
  kept.push(value);
  return value;
}

/** Keeps the database, and every statement it prepares from now on (and their iterators), for life. */
export function keptForLife(db: Database.Database): Database.Database {
  keepForLife(db);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => keptStatement(prepare(source))) as Database.Database['prepare'];
  return db;
}

function keptStatement<S extends Database.Statement<unknown[] | {}, unknown>>(statement: S): S {
  keepForLife(statement);
  const iterate = statement.iterate.bind(statement) as (...params: unknown[]) => IterableIterator<unknown>;
  statement.iterate = ((...params: unknown[]) => keepForLife(iterate(...params))) as S['iterate'];
  return statement;
}
