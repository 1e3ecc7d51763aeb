// HistoryStore: what outlives a session. Accounts, API keys, users with their last seen and last view,
// the session log, and small settings. SQLite is the embedded default; PostgreSQL follows for clusters.
// Writes on the ingest path arrive in batches (see core/history-writer.ts), never one per heartbeat.

import type { ClientType, EndReason, UserRecord } from '../core/model.ts';

export const ACCOUNT_ROLES = ['admin', 'reader'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export interface Account {
  id: number;
  username: string;
  role: AccountRole;
  /** scrypt hash in the self-describing form of auth/passwords.ts. */
  passwordHash: string;
  createdAt: number;
}

/**
 * `ingest` keys report sessions for any user (server to server); `api` keys read presence with the
 * rights of the account that owns them.
 */
export const API_KEY_KINDS = ['ingest', 'api'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

export interface ApiKeyRecord {
  id: number;
  kind: ApiKeyKind;
  /** The owning account; its role decides what the key may read and do. */
  accountId: number;
  /** The application user this key speaks for, when it belongs to one (dialects call it "self"). */
  userId?: string;
  label?: string;
  /** The first characters of the key, shown in listings so operators can tell keys apart. */
  prefix: string;
  /** sha256 (hex) of the whole key. Keys are random and long, so a fast hash is the right one. */
  hash: string;
  createdAt: number;
  revokedAt?: number;
}

export interface NewApiKey {
  kind: ApiKeyKind;
  accountId: number;
  userId?: string;
  label?: string;
  prefix: string;
  hash: string;
}

/** One line of the session log: written when a session starts and completed when it ends. */
export interface SessionLogEntry {
  sessionId: number;
  userId: string;
  clientType: ClientType;
  nodeId: string;
  remoteAddress: string;
  startedAt: number;
  endedAt?: number;
  endReason?: EndReason;
  /** Who ended it, for an admin action (account name). */
  endedBy?: string;
}

export type SessionLogWrite =
  | { op: 'start'; entry: SessionLogEntry }
  | { op: 'end'; sessionId: number; startedAt: number; endedAt: number; endReason: EndReason; endedBy?: string };

export interface SessionLogQuery {
  userId?: string;
  /** Newest first; default 100. */
  limit?: number;
}

export interface HistoryStore {
  createAccount(input: { username: string; role: AccountRole; passwordHash: string }): Promise<Account>;
  findAccount(username: string): Promise<Account | undefined>;
  getAccount(id: number): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** Removes the account and revokes its keys. False when there was no such account. */
  removeAccount(username: string): Promise<boolean>;

  createApiKey(input: NewApiKey): Promise<ApiKeyRecord>;
  /** The key with this hash, unless it is revoked. */
  findApiKey(hash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there was no such live key. */
  revokeApiKey(id: number): Promise<boolean>;

  /**
   * Upserts users with their latest facts. `lastSeenAt` never moves backwards; `lastView` is kept
   * when a record carries none.
   */
  recordUsers(records: readonly UserRecord[]): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Users last seen at or after `since` (epoch ms), most recent first. */
  listUsersSeenSince(since: number, limit?: number): Promise<UserRecord[]>;

  appendSessionLog(writes: readonly SessionLogWrite[]): Promise<void>;
  listSessionLog(query?: SessionLogQuery): Promise<SessionLogEntry[]>;
  /**
   * Ends every session-log row of `nodeId` that has no end yet; answers how many. A node whose live
   * store died with it calls this at start for the sessions a crash left open.
   */
  endOpenSessions(nodeId: string, endedAt: number, endReason: EndReason): Promise<number>;

  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** Adds `by` to a named counter atomically and answers the value before the addition (0 at first). */
  advanceCounter(name: string, by: number): Promise<number>;

  close(): Promise<void>;
}
