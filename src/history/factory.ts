// Picks the HistoryStore implementation named by config (`historyStore`). The composition root opens
// the connections and passes them in, so a store never reads config or opens files itself.

import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { HistoryStore } from './history-store.ts';
import { PostgresHistoryStore } from './postgres/postgres-history-store.ts';
import { SqliteHistoryStore } from './sqlite/sqlite-history-store.ts';

export type HistoryStoreKind = 'sqlite' | 'postgres';

/** A pool on a migrated database, and where to report failures of its idle connections. */
export interface PostgresHandle {
  pool: pg.Pool;
  onError: (error: Error) => void;
}

/** Open connections a store may use; each kind reads only its own, and only its own is opened. */
export interface HistoryHandles {
  sqlite?: Database.Database;
  postgres?: PostgresHandle;
}

export function createHistoryStore(kind: HistoryStoreKind, handles: HistoryHandles): HistoryStore {
  switch (kind) {
    case 'sqlite':
      return new SqliteHistoryStore(handleFor(kind, handles.sqlite));
    case 'postgres': {
      const { pool, onError } = handleFor(kind, handles.postgres);
      return new PostgresHistoryStore(pool, { onError });
    }
    default: {
      // A kind added to HistoryStoreKind without a case here fails to compile.
      const unknownKind: never = kind;
      throw new Error(`unknown history store: ${String(unknownKind)}`);
    }
  }
}

function handleFor<T>(kind: HistoryStoreKind, handle: T | undefined): T {
  if (handle === undefined) throw new Error(`the ${kind} history store needs an open ${kind} handle`);
  return handle;
}
