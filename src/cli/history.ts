// Opens the history store of the configured data dir for one CLI command and always closes it again.
// A server running on the same data dir sees the command's changes at once (SQLite WAL, and its
// Credentials look every account and key up in the store).
import type { Config } from '../config/schema.ts';
import type { OpenHistory } from '../server/open-history.ts';

export async function withHistory<T>(config: Config, use: (opened: OpenHistory) => Promise<T>): Promise<T> {
  // Loaded on demand: compose.ts brings the whole HTTP stack, which neither --help nor a bad config
  // should have to load (or be broken by).
  const { openHistory } = await import('../server/open-history.ts');
  const opened = await openHistory(config);
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}
