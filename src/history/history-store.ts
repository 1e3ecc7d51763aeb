// HistoryStore: what outlives a session, as one store per deployment (SQLite embedded, PostgreSQL
// shared by a cluster). It is the union of role interfaces, one per kind of record, in ./roles/: each
// consumer asks for the roles it uses and nothing more, and each role has its own contract suite
// (test/history/contracts/) run against every implementation.
// Writes on the ingest path arrive in batches (see core/history-writer.ts), never one per heartbeat.

import type { AccountStore } from './roles/accounts.ts';
import type { ApiClientStore } from './roles/api-clients.ts';
import type { PresenceHistory } from './roles/presence-history.ts';
import type { SessionLog } from './roles/session-log.ts';
import type { SettingsStore } from './roles/settings.ts';
import type { WebhookStore } from './roles/webhooks.ts';

export * from './roles/accounts.ts';
export * from './roles/api-clients.ts';
export * from './roles/presence-history.ts';
export * from './roles/session-log.ts';
export * from './roles/settings.ts';
export * from './roles/webhooks.ts';

/** Every role, as one implementation provides them; only the composition root holds the whole. */
export interface HistoryStore extends AccountStore, ApiClientStore, PresenceHistory, SessionLog, WebhookStore, SettingsStore {
  close(): Promise<void>;
}
