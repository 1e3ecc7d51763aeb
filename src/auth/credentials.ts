// Turns what a request carries (Authorization header, a token in a WebSocket hello) into an Actor.
// Every lookup goes to the history store, so accounts and keys made with the CLI while the server
// runs work at once and revoked ones stop at once. Only the slow part, scrypt, is cached, keyed on the
// stored hash so a changed or removed account is never served from the cache.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../core/actor.ts';
import { RollcallError } from '../core/errors.ts';
import type { Account, ApiKeyRecord, HistoryStore } from '../history/history-store.ts';
import { hashApiKey } from './api-keys.ts';
import { verifyClientToken } from './client-tokens.ts';
import { verifyPassword } from './passwords.ts';

/** Someone allowed to read presence: an account (Basic) or an API key (Bearer) and its account. */
export interface Reader {
  account: Account;
  apiKey?: ApiKeyRecord;
}

export interface CredentialOptions {
  /** The ingest key from configuration, if one was set; generated keys live in the history store. */
  configuredIngestKey?: string;
  tokenSecret: string;
}

/** Verified Basic credentials kept this many at most; the cache is dropped whole when full. */
const PASSWORD_CACHE_LIMIT = 1_000;

export class Credentials {
  private readonly configuredIngestKeyHash: Buffer | undefined;
  private readonly verifiedPasswords = new Set<string>();

  constructor(
    private readonly history: HistoryStore,
    private readonly options: CredentialOptions,
  ) {
    this.configuredIngestKeyHash = options.configuredIngestKey
      ? Buffer.from(hashApiKey(options.configuredIngestKey), 'hex')
      : undefined;
  }

  /**
   * Who may report sessions: the ingest key (`Authorization: Bearer <key>`), or a client token passed
   * in the header or, for a WebSocket hello, in the frame.
   */
  async ingestActor(authorization: string | undefined, frameToken?: string): Promise<Actor> {
    const bearer = frameToken ?? parseBearer(authorization);
    if (!bearer) throw new RollcallError('unauthorized', 'missing credentials: send Authorization: Bearer <ingest key or client token>');
    // The configured key is checked first: an operator may pick one that looks like a JWT.
    if (this.isConfiguredIngestKey(bearer)) return { kind: 'ingest' };
    if (looksLikeJwt(bearer)) {
      const token = await verifyClientToken(this.options.tokenSecret, bearer);
      return {
        kind: 'client',
        userId: token.userId,
        clientTypes: token.clientTypes,
        ...(token.name !== undefined && { name: token.name }),
        ...(token.email !== undefined && { email: token.email }),
        ...(token.userType !== undefined && { userType: token.userType }),
      };
    }
    if (await this.isIngestKey(bearer)) return { kind: 'ingest' };
    throw new RollcallError('unauthorized', 'the ingest key is not valid');
  }

  /** Who may read presence: an account with Basic auth, or an API key as a Bearer token. */
  async reader(authorization: string | undefined): Promise<Reader> {
    if (!authorization) throw new RollcallError('unauthorized', 'missing credentials: use Basic auth or Authorization: Bearer <API key>');
    const basic = parseBasic(authorization);
    if (basic) return { account: await this.account(basic.username, basic.password) };
    const bearer = parseBearer(authorization);
    if (!bearer) throw new RollcallError('unauthorized', 'unsupported Authorization scheme');
    return this.apiKeyReader(bearer);
  }

  /** An API key's reader. Ingest keys report sessions; they do not read them. */
  async apiKeyReader(key: string): Promise<Reader> {
    const record = await this.history.findApiKey(hashApiKey(key));
    if (!record || record.kind !== 'api') throw new RollcallError('unauthorized', 'the API key is not valid');
    const account = await this.history.getAccount(record.accountId);
    if (!account) throw new RollcallError('unauthorized', 'the API key is not valid');
    return { account, apiKey: record };
  }

  /** Checks an account's password. One message for unknown names and wrong passwords. */
  async account(username: string, password: string): Promise<Account> {
    const account = await this.history.findAccount(username);
    const refused = new RollcallError('unauthorized', 'wrong user name or password');
    if (!account) throw refused;
    const cacheKey = createHash('sha256').update(`${account.passwordHash}\0${password}`).digest('hex');
    if (this.verifiedPasswords.has(cacheKey)) return account;
    if (!(await verifyPassword(password, account.passwordHash))) throw refused;
    if (this.verifiedPasswords.size >= PASSWORD_CACHE_LIMIT) this.verifiedPasswords.clear();
    this.verifiedPasswords.add(cacheKey);
    return account;
  }

  private isConfiguredIngestKey(key: string): boolean {
    if (!this.configuredIngestKeyHash) return false;
    return timingSafeEqual(Buffer.from(hashApiKey(key), 'hex'), this.configuredIngestKeyHash);
  }

  private async isIngestKey(key: string): Promise<boolean> {
    const record = await this.history.findApiKey(hashApiKey(key));
    return record?.kind === 'ingest';
  }
}

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
