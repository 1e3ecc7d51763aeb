// OAuth2 API clients (client credentials grant) and the bearer tokens issued to them, for the
// BeyondTrust dialect's /oauth2/token. Managed with `rollcall clients`.

import type { CommandPermission } from './accounts.ts';

/** An OAuth2 API client (client credentials grant), managed with `rollcall clients`. */
export interface ApiClientRecord {
  /** The public client id. */
  id: string;
  label?: string;
  permission: CommandPermission;
  /** sha256 (hex) of the client secret; secrets are random and long, like API keys. */
  secretHash: string;
  createdAt: number;
  /** When the current secret was set (creation or the last regeneration). */
  secretCreatedAt: number;
  revokedAt?: number;
}

export interface NewApiClient {
  id: string;
  label?: string;
  permission: CommandPermission;
  secretHash: string;
}

export interface NewOAuthToken {
  clientId: string;
  /** The secret the caller proved; the token is refused if the client's secret changed meanwhile. */
  secretHash: string;
  /** sha256 (hex) of the bearer token. */
  tokenHash: string;
  issuedAt: number;
  expiresAt: number;
}

/** A valid token and the live client it was issued to. */
export interface OAuthTokenGrant {
  client: ApiClientRecord;
  issuedAt: number;
  expiresAt: number;
}

export interface ApiClientStore {
  /** Conflict when the id is taken (by a live or a revoked client). */
  createApiClient(input: NewApiClient): Promise<ApiClientRecord>;
  /** The client with this id, unless it is revoked. */
  findApiClient(id: string): Promise<ApiClientRecord | undefined>;
  /** Every client, revoked ones included, oldest first. */
  listApiClients(): Promise<ApiClientRecord[]>;
  /** Revokes a live client and invalidates all its tokens. False when there was no such live client. */
  revokeApiClient(id: string): Promise<boolean>;
  /** Sets a new secret and invalidates all tokens issued so far. False when there was no such live client. */
  replaceApiClientSecret(id: string, secretHash: string): Promise<boolean>;
  /**
   * Stores a token for a live client whose secret is still `secretHash`, then keeps only its
   * `maxValid` newest valid tokens (the oldest are invalidated first). False, storing nothing, when
   * the client is unknown, revoked, or has a new secret.
   */
  issueOAuthToken(token: NewOAuthToken, maxValid: number): Promise<boolean>;
  /** The grant behind a token that has not expired at `now`, issued to a client that is still live. */
  findOAuthToken(tokenHash: string, now: number): Promise<OAuthTokenGrant | undefined>;
}
