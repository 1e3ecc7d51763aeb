// Managing who may use rollcall: accounts (Basic auth, role admin or reader) and API keys. The rules
// live here, apart from any transport, so the HTTP admin API and the CLI enforce the same ones: what a
// username may be, how long a password must be, that a generated secret is shown once and stored
// hashed, and that the last admin account cannot be removed.
import { randomBytes } from 'node:crypto';
import { RollcallError } from '../core/errors.ts';
import {
  COMMAND_PERMISSIONS,
  type Account,
  type AccountRole,
  type AccountStore,
  type ApiKeyKind,
  type ApiKeyRecord,
  type CommandPermission,
} from '../history/history-store.ts';
import { generateApiKey } from './api-keys.ts';
import { hashPassword } from './passwords.ts';

/** Letters, digits and `._@-`: no colon, which Basic auth cannot carry in a username, and no spaces. */
export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$';
const USERNAME = new RegExp(USERNAME_PATTERN);
/** The same floor the config schema puts on the bootstrap admin password. */
export const MIN_PASSWORD_LENGTH = 8;
/** Bytes of a generated password: 24 base64url characters. */
const GENERATED_PASSWORD_BYTES = 18;

export interface NewAccountRequest {
  username: string;
  role: AccountRole;
  /** Generated (and answered once) when absent. */
  password?: string;
  /** Default: what the role may already do (see defaultCommandPermission). */
  commandPermission?: CommandPermission;
}

export interface CreatedAccount {
  account: Account;
  /** Only when the password was generated: the one time anyone sees it. */
  generatedPassword?: string;
}

export interface NewKeyRequest {
  kind: ApiKeyKind;
  /** The owning account's username; its role is what the key may do. */
  account: string;
  /** The application user an api key speaks for. */
  userId?: string;
  label?: string;
}

export interface CreatedKey {
  record: ApiKeyRecord;
  /** The key itself, shown once; only its hash is stored. */
  key: string;
}

/** A key with its owner's username; undefined when the account was removed (its keys are revoked). */
export interface ListedKey {
  record: ApiKeyRecord;
  account: string | undefined;
}

/** The password given, when it is long enough, or a new random one. */
function givenOrGenerated(given: string | undefined): string {
  if (given !== undefined && given.length < MIN_PASSWORD_LENGTH) {
    throw new RollcallError('invalid_parameter', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return given ?? randomBytes(GENERATED_PASSWORD_BYTES).toString('base64url');
}

export class Administration {
  /** Changes that check the set of admins run one at a time, so two removals cannot both pass the check. */
  private serial: Promise<unknown> = Promise.resolve();

  constructor(private readonly history: AccountStore) {}

  listAccounts(): Promise<Account[]> {
    return this.history.listAccounts();
  }

  async getAccount(username: string): Promise<Account> {
    const account = await this.history.findAccount(username);
    if (!account) throw new RollcallError('not_found', `no account "${username}"`);
    return account;
  }

  async createAccount(request: NewAccountRequest): Promise<CreatedAccount> {
    if (!USERNAME.test(request.username)) {
      throw new RollcallError('invalid_parameter', `username "${request.username}" must be 1-64 letters, digits or . _ @ -`);
    }
    const password = givenOrGenerated(request.password);
    const account = await this.history.createAccount({
      username: request.username,
      role: request.role,
      passwordHash: await hashPassword(password),
      ...(request.commandPermission !== undefined && { commandPermission: request.commandPermission }),
    });
    return { account, ...(request.password === undefined && { generatedPassword: password }) };
  }

  /**
   * Sets an account's password: the one given, or a generated one (answered this once). A running
   * server checks the next request against the new hash: the old password stops working at once.
   */
  async changePassword(username: string, given?: string): Promise<{ generatedPassword?: string }> {
    const password = givenOrGenerated(given);
    if (!(await this.history.setPasswordHash(username, await hashPassword(password)))) {
      throw new RollcallError('not_found', `no account "${username}"`);
    }
    return given === undefined ? { generatedPassword: password } : {};
  }

  /**
   * Sets what an account may do through the BeyondTrust command API; its next command-API request is
   * checked against it. Answers the account as it is now.
   */
  async setCommandPermission(username: string, permission: string): Promise<Account> {
    if (!(COMMAND_PERMISSIONS as readonly string[]).includes(permission)) {
      throw new RollcallError('invalid_parameter', `permission must be one of ${COMMAND_PERMISSIONS.join(', ')}`);
    }
    if (!(await this.history.setCommandPermission(username, permission as CommandPermission))) {
      throw new RollcallError('not_found', `no account "${username}"`);
    }
    return this.getAccount(username);
  }

  /** Removes an account and revokes its keys. Refuses the last admin: nobody could manage the service. */
  removeAccount(username: string): Promise<void> {
    return this.oneAtATime(async () => {
      const account = await this.getAccount(username);
      const admins = (await this.history.listAccounts()).filter((a) => a.role === 'admin');
      if (account.role === 'admin' && admins.length === 1) {
        throw new RollcallError('conflict', `"${username}" is the last admin account; add another admin first`);
      }
      if (!(await this.history.removeAccount(username))) throw new RollcallError('not_found', `no account "${username}"`);
    });
  }

  /** Every key, revoked ones included, with its owner's username. */
  async listKeys(): Promise<ListedKey[]> {
    const [keys, accounts] = await Promise.all([this.history.listApiKeys(), this.history.listAccounts()]);
    const usernames = new Map(accounts.map((a) => [a.id, a.username]));
    return keys.map((record) => ({ record, account: usernames.get(record.accountId) }));
  }

  async getKey(id: number): Promise<ListedKey> {
    const found = (await this.listKeys()).find((k) => k.record.id === id);
    if (!found) throw new RollcallError('not_found', `no key with id ${id}`);
    return found;
  }

  async createKey(request: NewKeyRequest): Promise<CreatedKey> {
    // An ingest key reports sessions for every user; naming one would suggest a limit it does not have.
    if (request.kind === 'ingest' && request.userId !== undefined) {
      throw new RollcallError('invalid_parameter', 'a user id applies to api keys only: an ingest key reports for any user');
    }
    const account = await this.history.findAccount(request.account);
    if (!account) throw new RollcallError('not_found', `no account "${request.account}"`);
    const generated = generateApiKey(request.kind);
    const record = await this.history.createApiKey({
      kind: request.kind,
      accountId: account.id,
      prefix: generated.prefix,
      hash: generated.hash,
      ...(request.userId !== undefined && { userId: request.userId }),
      ...(request.label !== undefined && { label: request.label }),
    });
    return { record, key: generated.key };
  }

  /** Revokes a live key; a running server refuses it from its next request. */
  async revokeKey(id: number): Promise<void> {
    if (!(await this.history.revokeApiKey(id))) throw new RollcallError('not_found', `no live key with id ${id}`);
  }

  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const result = this.serial.then(work);
    this.serial = result.catch(() => undefined);
    return result;
  }
}
