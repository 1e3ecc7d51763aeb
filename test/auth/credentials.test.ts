// Credentials against a real SQLite history store. A caller who sends the same credentials again is
// spared the hash (VerifiedSecrets), so these check what that must never change: a key revoked or an
// account removed is refused at the next request (also when another connection, as the CLI does,
// changes the file), a wrong secret is never taken for the right one it resembles, and the refusals
// keep their messages.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { Credentials } from '../../src/auth/credentials.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { sameSecret, VerifiedSecrets } from '../../src/auth/verified-secrets.ts';
import { RollcallError } from '../../src/core/errors.ts';
import type { AccountRole, ApiKeyKind } from '../../src/history/history-store.ts';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';

const CONFIGURED_KEY = 'configured-ingest-key-0123456789';
const TOKEN_SECRET = 'token-secret-0123456789abcdef0123456789abcdef';

/** The same text as a fresh string, as a new request's header would be (never the cached object). */
const fresh = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
/** `text` with its last character replaced: the closest wrong secret there is. */
const lastCharChanged = (text: string) => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A');
const bearer = (key: string) => fresh(`Bearer ${key}`);
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

async function refusedWith(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RollcallError, String(error));
    assert.equal(error.code, 'unauthorized');
    assert.equal(error.message, message);
    return true;
  });
}

describe('Credentials', () => {
  let dir: string;
  let store: SqliteHistoryStore;
  /** A second connection to the same file: what `rollcall keys revoke` in another process uses. */
  let otherProcess: SqliteHistoryStore;
  let credentials: Credentials;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-credentials-'));
    store = new SqliteHistoryStore(openSqliteDatabase(join(dir, 'history.db')));
    otherProcess = new SqliteHistoryStore(openSqliteDatabase(join(dir, 'history.db')));
    credentials = new Credentials(store, { configuredIngestKey: CONFIGURED_KEY, tokenSecret: TOKEN_SECRET });
  });
  afterEach(async () => {
    await otherProcess.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function account(username: string, password: string, role: AccountRole = 'reader') {
    return store.createAccount({ username, role, passwordHash: await hashPassword(password) });
  }
  async function key(kind: ApiKeyKind, accountId: number) {
    const generated = generateApiKey(kind);
    const record = await store.createApiKey({ kind, accountId, prefix: generated.prefix, hash: generated.hash });
    return { key: generated.key, id: record.id };
  }

  describe('the configured ingest key', () => {
    it('is the ingest actor however often it comes, in any spelling the header allows', async () => {
      for (let i = 0; i < 3; i++) assert.deepEqual(await credentials.ingestActor(bearer(CONFIGURED_KEY)), { kind: 'ingest' });
      assert.deepEqual(await credentials.ingestActor(fresh(`bearer   ${CONFIGURED_KEY} `)), { kind: 'ingest' });
      assert.deepEqual(await credentials.ingestActor(undefined, CONFIGURED_KEY), { kind: 'ingest' });
    });

    it('never accepts a key that differs from it, before or after the right one', async () => {
      const near = [lastCharChanged(CONFIGURED_KEY), CONFIGURED_KEY.slice(0, -1), `${CONFIGURED_KEY}x`, `x${CONFIGURED_KEY.slice(1)}`];
      for (let round = 0; round < 2; round++) {
        for (const wrong of near) {
          await refusedWith(credentials.ingestActor(bearer(wrong)), 'the ingest key is not valid');
          assert.deepEqual(await credentials.ingestActor(bearer(CONFIGURED_KEY)), { kind: 'ingest' });
        }
      }
      // The header carries exactly the configured key, but the frame's token is what a hello presents.
      await refusedWith(credentials.ingestActor(bearer(CONFIGURED_KEY), lastCharChanged(CONFIGURED_KEY)), 'the ingest key is not valid');
    });

    it('is known at once from its usual header, and from nothing else', () => {
      assert.deepEqual(credentials.configuredIngestActor(bearer(CONFIGURED_KEY)), { kind: 'ingest' });
      for (const other of [
        undefined,
        fresh(`bearer ${CONFIGURED_KEY}`),
        bearer(lastCharChanged(CONFIGURED_KEY)),
        bearer(`${CONFIGURED_KEY}x`),
        fresh(CONFIGURED_KEY),
      ]) {
        assert.equal(credentials.configuredIngestActor(other), undefined, String(other));
      }
      const unconfigured = new Credentials(store, { tokenSecret: TOKEN_SECRET });
      assert.equal(unconfigured.configuredIngestActor(bearer(CONFIGURED_KEY)), undefined);
    });

    it('keeps its clear refusals for a missing or unusable header', async () => {
      const missing = 'missing credentials: send Authorization: Bearer <ingest key or client token>';
      await refusedWith(credentials.ingestActor(undefined), missing);
      await refusedWith(credentials.ingestActor(fresh(`Basic ${CONFIGURED_KEY}`)), missing);
      await refusedWith(credentials.ingestActor(fresh(`Bearer ${CONFIGURED_KEY} extra`)), missing);
    });

    it('takes no shortcut for a configured key the header cannot carry (with a space)', async () => {
      const spaced = new Credentials(store, { configuredIngestKey: 'a key with spaces in it', tokenSecret: TOKEN_SECRET });
      await refusedWith(
        spaced.ingestActor(bearer('a key with spaces in it')),
        'missing credentials: send Authorization: Bearer <ingest key or client token>',
      );
    });
  });

  describe('ingest keys in the store', () => {
    it('stop working at the next request once revoked, here or by another process', async () => {
      const admin = await account('admin', 'admin-password-1', 'admin');
      for (const revoke of [(id: number) => store.revokeApiKey(id), (id: number) => otherProcess.revokeApiKey(id)]) {
        const ingest = await key('ingest', admin.id);
        for (let i = 0; i < 3; i++) assert.deepEqual(await credentials.ingestActor(bearer(ingest.key)), { kind: 'ingest' });
        assert.equal(await revoke(ingest.id), true);
        await refusedWith(credentials.ingestActor(bearer(ingest.key)), 'the ingest key is not valid');
      }
    });

    it('never accepts a wrong key after the right one, even with the same prefix', async () => {
      const admin = await account('admin', 'admin-password-1', 'admin');
      const ingest = await key('ingest', admin.id);
      assert.deepEqual(await credentials.ingestActor(bearer(ingest.key)), { kind: 'ingest' });
      await refusedWith(credentials.ingestActor(bearer(lastCharChanged(ingest.key))), 'the ingest key is not valid');
      assert.deepEqual(await credentials.ingestActor(bearer(ingest.key)), { kind: 'ingest' });
    });

    it('are no readers, and API keys report no sessions', async () => {
      const admin = await account('admin', 'admin-password-1', 'admin');
      const ingest = await key('ingest', admin.id);
      const api = await key('api', admin.id);
      assert.deepEqual(await credentials.ingestActor(bearer(ingest.key)), { kind: 'ingest' });
      assert.equal((await credentials.reader(bearer(api.key))).account.username, 'admin');
      await refusedWith(credentials.reader(bearer(ingest.key)), 'the API key is not valid');
      await refusedWith(credentials.ingestActor(bearer(api.key)), 'the ingest key is not valid');
    });
  });

  describe('API keys of readers', () => {
    it('stop working at the next request once revoked, or once their account is removed', async () => {
      const reader = await account('reader-1', 'reader-password-1');
      const api = await key('api', reader.id);
      const other = await key('api', reader.id);
      for (let i = 0; i < 3; i++) assert.equal((await credentials.reader(bearer(api.key))).apiKey?.id, api.id);
      assert.equal(await otherProcess.revokeApiKey(api.id), true);
      await refusedWith(credentials.reader(bearer(api.key)), 'the API key is not valid');

      assert.equal((await credentials.reader(bearer(other.key))).apiKey?.id, other.id);
      assert.equal(await otherProcess.removeAccount('reader-1'), true);
      await refusedWith(credentials.reader(bearer(other.key)), 'the API key is not valid');
    });

    it('never accept a wrong key after the right one', async () => {
      const reader = await account('reader-1', 'reader-password-1');
      const api = await key('api', reader.id);
      assert.equal((await credentials.apiKeyReader(fresh(api.key))).apiKey?.id, api.id);
      await refusedWith(credentials.apiKeyReader(lastCharChanged(api.key)), 'the API key is not valid');
      await refusedWith(credentials.apiKeyReader(api.key.slice(0, 12)), 'the API key is not valid');
      assert.equal((await credentials.apiKeyReader(fresh(api.key))).apiKey?.id, api.id);
    });
  });

  describe('passwords (Basic)', () => {
    it('refuse a wrong password after the right one, with the same message as an unknown name', async () => {
      await account('reader-1', 'reader-password-1');
      for (let i = 0; i < 2; i++)
        assert.equal((await credentials.reader(basic('reader-1', 'reader-password-1'))).account.username, 'reader-1');
      await refusedWith(credentials.reader(basic('reader-1', lastCharChanged('reader-password-1'))), 'wrong user name or password');
      await refusedWith(credentials.account('reader-1', 'reader-password-'), 'wrong user name or password');
      await refusedWith(credentials.account('nobody', 'reader-password-1'), 'wrong user name or password');
      assert.equal((await credentials.account('reader-1', fresh('reader-password-1'))).username, 'reader-1');
    });

    it('stop working at once when the account is removed, and a recreated account needs its new password', async () => {
      await account('reader-1', 'reader-password-1');
      assert.equal((await credentials.account('reader-1', 'reader-password-1')).username, 'reader-1');
      assert.equal(await otherProcess.removeAccount('reader-1'), true);
      await refusedWith(credentials.account('reader-1', 'reader-password-1'), 'wrong user name or password');

      await otherProcess.createAccount({ username: 'reader-1', role: 'reader', passwordHash: await hashPassword('reader-password-2') });
      await refusedWith(credentials.account('reader-1', 'reader-password-1'), 'wrong user name or password');
      assert.equal((await credentials.account('reader-1', 'reader-password-2')).username, 'reader-1');
    });

    it('answers the account as stored now, not as it was when the password was first verified', async () => {
      await account('reader-1', 'reader-password-1');
      assert.equal((await credentials.account('reader-1', 'reader-password-1')).commandPermission, 'read_only');
      assert.equal(await otherProcess.setCommandPermission('reader-1', 'full'), true);
      assert.equal((await credentials.account('reader-1', 'reader-password-1')).commandPermission, 'full');
    });
  });
});

describe('VerifiedSecrets', () => {
  it('recalls a proof only for exactly the secret it was remembered with', () => {
    const secrets = new VerifiedSecrets(10);
    assert.equal(secrets.recall('alice', 'secret-1'), undefined);
    secrets.remember('alice', 'secret-1', 'proof-1');
    assert.equal(secrets.recall('alice', fresh('secret-1')), 'proof-1');
    for (const wrong of ['secret-2', 'secret-', 'secret-11', '', 'SECRET-1', 'secret-1\u0000'])
      assert.equal(secrets.recall('alice', wrong), undefined, wrong);
    assert.equal(secrets.recall('bob', 'secret-1'), undefined);
    // Remembering another secret under the same id replaces the first.
    secrets.remember('alice', 'secret-3', 'proof-3');
    assert.equal(secrets.recall('alice', 'secret-1'), undefined);
    assert.equal(secrets.recall('alice', 'secret-3'), 'proof-3');
  });

  it('holds at most its limit, forgetting everything when full', () => {
    const secrets = new VerifiedSecrets(3);
    for (const id of ['a', 'b', 'c']) secrets.remember(id, `secret-${id}`, `proof-${id}`);
    assert.deepEqual(
      ['a', 'b', 'c'].map((id) => secrets.recall(id, `secret-${id}`)),
      ['proof-a', 'proof-b', 'proof-c'],
    );
    secrets.remember('a', 'secret-a2', 'proof-a2');
    assert.equal(secrets.recall('b', 'secret-b'), 'proof-b', 'replacing an entry is no growth');
    secrets.remember('d', 'secret-d', 'proof-d');
    assert.deepEqual(
      ['a', 'b', 'c'].map((id) => secrets.recall(id, `secret-${id === 'a' ? 'a2' : id}`)),
      [undefined, undefined, undefined],
    );
    assert.equal(secrets.recall('d', 'secret-d'), 'proof-d');
  });

  it('compares secrets of any characters, multi-byte ones included', () => {
    assert.equal(sameSecret(fresh('clé-🔑'), 'clé-🔑'), true);
    assert.equal(sameSecret('cle\u0301-🔑', 'clé-🔑'), false);
    assert.equal(sameSecret('clé-🔒', 'clé-🔑'), false);
    assert.equal(sameSecret('clé-🔑x', 'clé-🔑'), false);
    assert.equal(sameSecret('', ''), true);
  });
});
