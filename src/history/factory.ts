// Picks the HistoryStore implementation named by config (`historyStore`). The composition root opens
// the connections and passes them in, so a store never reads config or opens files itself.

import type Database from 'better-sqlite3';
import type { HistoryStore } from './history-store.ts';
import { SqliteHistoryStore } from './sqlite/sqlite-history-store.ts';

export type HistoryStoreKind = 'sqlite';

/** Open connections a store may use; each kind reads only its own. PostgreSQL adds `postgres` here. */
export interface HistoryHandles {
  sqlite: Database.Database;
}

export function createHistoryStore(kind: HistoryStoreKind, handles: HistoryHandles): HistoryStore {
  switch (kind) {
    case 'sqlite':
      return new SqliteHistoryStore(handles.sqlite);
    default: {
      // A kind added to HistoryStoreKind without a case here fails to compile.
      const unknownKind: never = kind;
      throw new Error(`unknown history store: ${String(unknownKind)}`);
    }
  }
}
