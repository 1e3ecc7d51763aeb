// OAuth2 client credentials (RFC 6749 §4.4) for API clients, the way BeyondTrust's command API takes
// them: `POST /oauth2/token` with the client id and secret as HTTP Basic credentials answers a bearer
// token that lasts one hour; a client holds at most 30 valid tokens (the oldest go first) and a new
// secret or a revocation invalidates all of them. Clients, secrets (hashed) and tokens (hashed) live
// in the history store, so every node of a cluster honours a token any node issued, and
// `rollcall clients` works beside a running server.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { RollcallError } from '../../core/errors.ts';
import type { ApiClientRecord, ApiClientStore } from '../../history/history-store.ts';
import { hashApiKey } from '../api-keys.ts';
import { parseBasic } from '../credentials.ts';
import { throttled, type Throttle } from '../throttle.ts';

/** Seconds a token lasts (the `expires_in` of every answer). */
export const ACCESS_TOKEN_TTL_SECONDS = 3_600;
/** Valid tokens one client may hold; issuing another invalidates its oldest. */
export const MAX_TOKENS_PER_CLIENT = 30;

/** Readable markers, so a leaked secret or token is recognisable (secret scanners, logs). */
const SECRET_PREFIX = 'rc_cs_';
const TOKEN_PREFIX = 'rc_at_';
const CLIENT_ID_BYTES = 16;
const SECRET_BYTES = 32;
const TOKEN_BYTES = 32;

/**
 * Secrets and tokens carry 256 random bits, so sha256 (as for API keys) is the right hash: a slow
 * one adds nothing and would make every token check expensive.
 */
const hashSecret = hashApiKey;

export interface GeneratedSecret {
  /** Give it to the operator once; never store it. */
  secret: string;
  secretHash: string;
}

/** A new client id: hex, like the ids BeyondTrust shows, and free of characters Basic auth mangles. */
export const generateClientId = (): string => randomBytes(CLIENT_ID_BYTES).toString('hex');

export function generateClientSecret(): GeneratedSecret {
  const secret = SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
  return { secret, secretHash: hashSecret(secret) };
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds. */
  expiresIn: number;
}

export interface OAuthOptions {
  /** Epoch ms; tests move it to see tokens expire. */
  now?: () => number;
  /** Throttles secret and token checks per client address (and client id); absent: not throttled. */
  throttle?: Throttle;
}

/** Client ids are 32 hex digits; a longer one is no client's and is not kept whole as a throttle key. */
const SUBJECT_ID_LIMIT = 64;

export class OAuthClients {
  private readonly now: () => number;
  private readonly throttle: Throttle | undefined;

  constructor(
    private readonly history: ApiClientStore,
    options: OAuthOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.throttle = options.throttle;
  }

  /** The client credentials grant: checks the Basic client id and secret, then issues a token. */
  async issueToken(authorization: string | undefined, from?: string): Promise<IssuedToken> {
    return this.issueTokenFor(await this.authenticateClient(authorization, from));
  }

  /**
   * The API client of Basic client credentials (throttled per address and client id). One message
   * for an unknown client, a revoked one and a wrong secret, so callers cannot probe ids.
   */
  async authenticateClient(authorization: string | undefined, from?: string): Promise<ApiClientRecord> {
    const basic = authorization ? parseBasic(authorization) : undefined;
    if (!basic) throw new RollcallError('unauthorized', 'send the client id and secret as HTTP Basic credentials');
    return throttled(this.throttle, { address: from, subject: `client:${basic.username.slice(0, SUBJECT_ID_LIMIT)}` }, async () => {
      const client = await this.history.findApiClient(basic.username);
      if (!client || !sameHash(client.secretHash, hashSecret(basic.password))) throw refusedClient();
      return client;
    });
  }

  /** A new token for a client authenticateClient answered. */
  async issueTokenFor(client: ApiClientRecord): Promise<IssuedToken> {
    const accessToken = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
    const issuedAt = this.now();
    const issued = await this.history.issueOAuthToken(
      {
        clientId: client.id,
        secretHash: client.secretHash,
        tokenHash: hashSecret(accessToken),
        issuedAt,
        expiresAt: issuedAt + ACCESS_TOKEN_TTL_SECONDS * 1000,
      },
      MAX_TOKENS_PER_CLIENT,
    );
    // Revoked or given a new secret between the check and the issue.
    if (!issued) throw refusedClient();
    return { accessToken, tokenType: 'Bearer', expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /** The live client behind a bearer token that has not expired (throttled per address: a token names no client). */
  async verifyAccessToken(token: string, from?: string): Promise<ApiClientRecord> {
    return throttled(this.throttle, { address: from }, async () => {
      const grant = await this.history.findOAuthToken(hashSecret(token), this.now());
      if (!grant)
        throw new RollcallError('unauthorized', 'the access token is invalid or has expired; request a new one from /oauth2/token');
      return grant.client;
    });
  }
}

const refusedClient = () => new RollcallError('unauthorized', 'unknown client or wrong client secret');

function sameHash(storedHex: string, givenHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  const given = Buffer.from(givenHex, 'hex');
  return stored.length === given.length && timingSafeEqual(stored, given);
}
