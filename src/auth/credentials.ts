// Turns what a request carries (Authorization header, a token in a WebSocket hello) into an Actor.
// Every lookup goes to the history store, so accounts and keys made with the CLI while the server
// runs work at once and revoked ones stop at once. Only the cryptography is spared for a caller who
// sends the same credentials again (VerifiedSecrets): scrypt for passwords, sha256 for keys, each
// checked against what the store holds now.
import { timingSafeEqual } from 'node:crypto';
import type { Actor } from '../core/actor.ts';
import { RollcallError } from '../core/errors.ts';
import type { Account, AccountStore, ApiKeyRecord } from '../history/history-store.ts';
import { hashApiKey, shownPrefix } from './api-keys.ts';
import { verifyClientToken } from './client-tokens.ts';
import { verifyAgainstNoAccount, verifyPassword } from './passwords.ts';
import { throttled, type Throttle } from './throttle.ts';
import { sameSecret, VerifiedSecrets } from './verified-secrets.ts';

/** Someone allowed to read presence: an account (Basic) or an API key (Bearer) and its account. */
export interface Reader {
  account: Account;
  apiKey?: ApiKeyRecord;
}

export interface CredentialOptions {
  /** The ingest key from configuration, if one was set; generated keys live in the history store. */
  configuredIngestKey?: string;
  tokenSecret: string;
  /**
   * Counts failed checks per client address and per subject, and refuses checks while either is
   * locked (429). Absent: nothing is throttled (tests of the checks themselves).
   */
  throttle?: Throttle;
}

/** Usernames are at most 64 characters; a longer name has no account, and is not kept whole as a throttle key. */
const SUBJECT_NAME_LIMIT = 65;

/** Accounts whose verified password is remembered, at most (VerifiedSecrets drops them all when full). */
const PASSWORD_CACHE_LIMIT = 1_000;
/** Keys whose hash is remembered, at most. */
const KEY_CACHE_LIMIT = 1_000;

/** The actor of every ingest-key request; the core only reads actors, so one object serves all. */
const INGEST_ACTOR: Actor = Object.freeze({ kind: 'ingest' });

export class Credentials {
  private readonly configuredIngestKeyHash: Buffer | undefined;
  /**
   * `Bearer <configured key>`, the header nearly every ingest request carries. The configured key
   * only changes with a restart, so a request whose header is exactly this is the ingest key's: one
   * constant-time comparison, no parsing and no hash. Any other spelling takes the full path.
   */
  private readonly configuredIngestHeader: string | undefined;
  /** Username → the password verified for it and the stored hash it matched. */
  private readonly verifiedPasswords = new VerifiedSecrets(PASSWORD_CACHE_LIMIT);
  /** A key's shown prefix → the key and its sha256, the history store's lookup key. */
  private readonly verifiedKeys = new VerifiedSecrets(KEY_CACHE_LIMIT);

  constructor(
    private readonly history: AccountStore,
    private readonly options: CredentialOptions,
  ) {
    const key = options.configuredIngestKey;
    this.configuredIngestKeyHash = key ? Buffer.from(hashApiKey(key), 'hex') : undefined;
    const header = key ? `Bearer ${key}` : undefined;
    // Only a key that the full path would accept from this header (no spaces in it) gets the shortcut.
    this.configuredIngestHeader = header && parseBearer(header) === key ? header : undefined;
  }

  /**
   * Who may report sessions: the ingest key (`Authorization: Bearer <key>`), or a client token passed
   * in the header or, for a WebSocket hello, in the frame.
   */
  async ingestActor(authorization: string | undefined, frameToken?: string, from?: string): Promise<Actor> {
    if (frameToken === undefined) {
      const known = this.configuredIngestActor(authorization);
      if (known) return known;
    }
    const bearer = frameToken ?? parseBearer(authorization);
    if (!bearer) throw new RollcallError('unauthorized', 'missing credentials: send Authorization: Bearer <ingest key or client token>');
    // A client token names no subject before it is verified; a stored key is known by its prefix.
    const subject = looksLikeJwt(bearer) ? undefined : `key:${shownPrefix(bearer)}`;
    return throttled(this.options.throttle, { address: from, subject }, () => this.checkIngestSecret(bearer));
  }

  private async checkIngestSecret(bearer: string): Promise<Actor> {
    // The configured key is checked first: an operator may pick one that looks like a JWT.
    if (this.isConfiguredIngestKey(bearer)) return INGEST_ACTOR;
    if (looksLikeJwt(bearer)) {
      const token = await verifyClientToken(this.options.tokenSecret, bearer);
      return {
        kind: 'client',
        userId: token.userId,
        clientTypes: token.clientTypes,
        ...(token.name !== undefined && { name: token.name }),
        ...(token.email !== undefined && { email: token.email }),
        ...(token.userType !== undefined && { userType: token.userType }),
        ...(token.places !== undefined && { places: token.places }),
      };
    }
    if ((await this.storedKey(bearer))?.kind === 'ingest') return INGEST_ACTOR;
    throw new RollcallError('unauthorized', 'the ingest key is not valid');
  }

  /**
   * The ingest actor, at once, when `authorization` is exactly `Bearer <configured key>`; undefined
   * for anything else (ingestActor then decides). Lets the busiest routes skip a promise.
   */
  configuredIngestActor(authorization: string | undefined): Actor | undefined {
    if (authorization === undefined || this.configuredIngestHeader === undefined) return undefined;
    return sameSecret(authorization, this.configuredIngestHeader) ? INGEST_ACTOR : undefined;
  }

  /**
   * Who may read presence: an account with Basic auth, or an API key as a Bearer token. `from` is the
   * client's address (request.ip), for throttling; every check below takes it.
   */
  async reader(authorization: string | undefined, from?: string): Promise<Reader> {
    if (!authorization) throw new RollcallError('unauthorized', 'missing credentials: use Basic auth or Authorization: Bearer <API key>');
    const basic = parseBasic(authorization);
    if (basic) return { account: await this.account(basic.username, basic.password, from) };
    const bearer = parseBearer(authorization);
    if (!bearer) throw new RollcallError('unauthorized', 'unsupported Authorization scheme');
    return this.apiKeyReader(bearer, from);
  }

  /** An API key's reader. Ingest keys report sessions; they do not read them. */
  async apiKeyReader(key: string, from?: string): Promise<Reader> {
    return throttled(this.options.throttle, { address: from, subject: `key:${shownPrefix(key)}` }, () => this.checkApiKey(key));
  }

  private async checkApiKey(key: string): Promise<Reader> {
    const record = await this.storedKey(key);
    if (!record || record.kind !== 'api') throw new RollcallError('unauthorized', 'the API key is not valid');
    const account = await this.history.getAccount(record.accountId);
    if (!account) throw new RollcallError('unauthorized', 'the API key is not valid');
    return { account, apiKey: record };
  }

  /** Checks an account's password. One message, and the same scrypt work, for unknown names and wrong passwords. */
  async account(username: string, password: string, from?: string): Promise<Account> {
    const subject = `account:${username.slice(0, SUBJECT_NAME_LIMIT)}`;
    return throttled(this.options.throttle, { address: from, subject }, () => this.checkPassword(username, password));
  }

  private async checkPassword(username: string, password: string): Promise<Account> {
    const account = await this.history.findAccount(username);
    if (!account) {
      await verifyAgainstNoAccount(password);
      throw wrongUsernameOrPassword();
    }
    // The remembered password counts only against the hash stored now: a new password or a
    // recreated account means verifying again.
    if (this.verifiedPasswords.recall(username, password) === account.passwordHash) return account;
    if (!(await verifyPassword(password, account.passwordHash))) throw wrongUsernameOrPassword();
    this.verifiedPasswords.remember(username, password, account.passwordHash);
    return account;
  }

  private isConfiguredIngestKey(key: string): boolean {
    if (!this.configuredIngestKeyHash) return false;
    return timingSafeEqual(Buffer.from(hashApiKey(key), 'hex'), this.configuredIngestKeyHash);
  }

  /** The live key record of `key` (any kind), read from the store on every call: revoked keys are undefined. */
  private async storedKey(key: string): Promise<ApiKeyRecord | undefined> {
    const prefix = shownPrefix(key);
    const remembered = this.verifiedKeys.recall(prefix, key);
    const hash = remembered ?? hashApiKey(key);
    const record = await this.history.findApiKey(hash);
    // Only a key the store knows is remembered: a wrong one is hashed again each time it is tried.
    if (record && remembered === undefined) this.verifiedKeys.remember(prefix, key, hash);
    return record;
  }
}

// A function, so the error (and its stack trace) is made only when a caller is refused.
const wrongUsernameOrPassword = () => new RollcallError('unauthorized', 'wrong user name or password');

/** Readers with the admin role may change things; readers may only look. */
export const isAdmin = (reader: Reader): boolean => reader.account.role === 'admin';

export function parseBearer(authorization: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** The user name and password of a Basic header; undefined for another scheme, `unauthorized` when malformed. */
export function parseBasic(authorization: string): { username: string; password: string } | undefined {
  const match = authorization.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new RollcallError('unauthorized', 'malformed Basic credentials');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const looksLikeJwt = (value: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);
