// OAuthClients against a real SQLite history store and a fake clock: tokens last exactly one hour,
// the secret check, malformed Basic credentials, and what a client's revocation or new secret does.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  generateClientId,
  generateClientSecret,
  MAX_TOKENS_PER_CLIENT,
  OAuthClients,
} from '../../src/auth/oauth/api-clients.ts';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { isRollcallError } from '../../src/core/errors.ts';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function rejectsUnauthorized(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isRollcallError(error), String(error));
    assert.equal(error.code, 'unauthorized');
    assert.match(error.message, message);
    return true;
  });
}

describe('OAuthClients', () => {
  let dir: string;
  let store: SqliteHistoryStore;
  let now: number;
  let oauth: OAuthClients;
  let client: { id: string; secret: string };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-oauth-'));
    store = new SqliteHistoryStore(openSqliteDatabase(join(dir, 'history.db')));
    now = 1_700_000_000_000;
    oauth = new OAuthClients(store, { now: () => now });
    const id = generateClientId();
    const { secret, secretHash } = generateClientSecret();
    await store.createApiClient({ id, permission: 'full', secretHash });
    client = { id, secret };
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("generates hex client ids and prefixed secrets, storing only the secret's hash", async () => {
    assert.match(client.id, /^[0-9a-f]{32}$/);
    assert.match(client.secret, /^rc_cs_[A-Za-z0-9_-]{43}$/);
    assert.equal((await store.findApiClient(client.id))?.secretHash, hashApiKey(client.secret));
    assert.notEqual(generateClientId(), generateClientId());
  });

  it('issues a token valid for exactly one hour', async () => {
    const issued = await oauth.issueToken(basic(client.id, client.secret));
    assert.equal(issued.tokenType, 'Bearer');
    assert.equal(issued.expiresIn, ACCESS_TOKEN_TTL_SECONDS);
    assert.equal(ACCESS_TOKEN_TTL_SECONDS, 3_600);
    assert.match(issued.accessToken, /^rc_at_/);
    assert.equal((await oauth.verifyAccessToken(issued.accessToken)).id, client.id);
    now += 3_600_000 - 1;
    assert.equal((await oauth.verifyAccessToken(issued.accessToken)).permission, 'full');
    now += 1;
    await rejectsUnauthorized(oauth.verifyAccessToken(issued.accessToken), /invalid or has expired/);
  });

  it('keeps MAX_TOKENS_PER_CLIENT (30) tokens', async () => {
    assert.equal(MAX_TOKENS_PER_CLIENT, 30);
    const tokens = [];
    for (let i = 0; i <= MAX_TOKENS_PER_CLIENT; i++) {
      tokens.push((await oauth.issueToken(basic(client.id, client.secret))).accessToken);
      now += 1;
    }
    await rejectsUnauthorized(oauth.verifyAccessToken(tokens[0]!), /invalid/);
    assert.ok(await oauth.verifyAccessToken(tokens[1]!));
  });

  it('refuses a wrong secret, an unknown client, and credentials that are not Basic', async () => {
    await rejectsUnauthorized(oauth.issueToken(basic(client.id, `${client.secret}x`)), /^unknown client or wrong client secret$/);
    await rejectsUnauthorized(oauth.issueToken(basic('nobody', client.secret)), /^unknown client or wrong client secret$/);
    await rejectsUnauthorized(oauth.issueToken(undefined), /HTTP Basic/);
    await rejectsUnauthorized(oauth.issueToken(`Bearer ${client.secret}`), /HTTP Basic/);
    await rejectsUnauthorized(oauth.issueToken(`Basic ${Buffer.from('no-colon').toString('base64')}`), /malformed/);
  });

  it('refuses a revoked client and a replaced secret, and their tokens', async () => {
    const token = (await oauth.issueToken(basic(client.id, client.secret))).accessToken;
    const { secret, secretHash } = generateClientSecret();
    await store.replaceApiClientSecret(client.id, secretHash);
    await rejectsUnauthorized(oauth.verifyAccessToken(token), /invalid/);
    await rejectsUnauthorized(oauth.issueToken(basic(client.id, client.secret)), /wrong client secret/);
    const renewed = (await oauth.issueToken(basic(client.id, secret))).accessToken;
    await store.revokeApiClient(client.id);
    await rejectsUnauthorized(oauth.verifyAccessToken(renewed), /invalid/);
    await rejectsUnauthorized(oauth.issueToken(basic(client.id, secret)), /wrong client secret/);
  });
});
