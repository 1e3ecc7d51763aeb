// Opens the history store the config names, on the data dir. Kept apart from the composition root so
// CLI commands that manage accounts and keys load neither Fastify nor the core.
import type { Config } from '../config/schema.ts';
import { createHistoryStore } from '../history/factory.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { openSqliteDatabase } from '../history/sqlite/open-sqlite.ts';
import { openDataDir, type DataDir } from './data-dir.ts';

export interface OpenHistory {
  history: HistoryStore;
  dataDir: DataDir;
  close(): Promise<void>;
}

export async function openHistory(config: Config): Promise<OpenHistory> {
  const dataDir = openDataDir(config);
  const history = createHistoryStore(config.historyStore, { sqlite: openSqliteDatabase(dataDir.sqlitePath) });
  return { history, dataDir, close: () => history.close() };
}
