// Accounts and API keys: who may read presence and administer rollcall, and the keys that act for them.
// Every request's credential is looked up here (auth/credentials.ts), so revoking takes effect at once.

export const ACCOUNT_ROLES = ['admin', 'reader'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/**
 * What an account or API client may do through the BeyondTrust command API (reported as
 * `perm_command`). rollcall's actions only read, so `full` and `read_only` allow the same actions.
 */
export const COMMAND_PERMISSIONS = ['full', 'read_only', 'deny'] as const;
export type CommandPermission = (typeof COMMAND_PERMISSIONS)[number];

/** A new account's command-API permission when none is given: what its role may already do. */
export const defaultCommandPermission = (role: AccountRole): CommandPermission => (role === 'admin' ? 'full' : 'read_only');

export interface Account {
  id: number;
  username: string;
  role: AccountRole;
  /** scrypt hash in the self-describing form of auth/passwords.ts. */
  passwordHash: string;
  createdAt: number;
  commandPermission: CommandPermission;
}

export interface NewAccount {
  username: string;
  role: AccountRole;
  passwordHash: string;
  /** Default: defaultCommandPermission(role). */
  commandPermission?: CommandPermission;
}

/**
 * `ingest` keys report sessions for any user (server to server); `api` keys read presence with the
 * rights of the account that owns them.
 */
export const API_KEY_KINDS = ['ingest', 'api'] as const;
export type ApiKeyKind = (typeof API_KEY_KINDS)[number];

export interface NewApiKey {
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
}

export interface ApiKeyRecord extends NewApiKey {
  id: number;
  createdAt: number;
  revokedAt?: number;
}

export interface AccountStore {
  createAccount(input: NewAccount): Promise<Account>;
  findAccount(username: string): Promise<Account | undefined>;
  getAccount(id: number): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** Removes the account and revokes its keys. False when there was no such account. */
  removeAccount(username: string): Promise<boolean>;
  /** False when there was no such account. */
  setCommandPermission(username: string, permission: CommandPermission): Promise<boolean>;
  /** Replaces the account's password hash (`rollcall accounts passwd`). False when there was no such account. */
  setPasswordHash(username: string, passwordHash: string): Promise<boolean>;

  createApiKey(input: NewApiKey): Promise<ApiKeyRecord>;
  /** The key with this hash, unless it is revoked. */
  findApiKey(hash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there was no such live key. */
  revokeApiKey(id: number): Promise<boolean>;
}
