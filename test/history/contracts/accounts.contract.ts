// The AccountStore contract: accounts, their command-API permission, and API keys.
// Run against every implementation by describeHistoryStoreContract (../history-store.contract.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountStore, NewApiKey } from '../../../src/history/history-store.ts';
import { freshStorePerTest, rejectsWith, type OpenStore } from './common.ts';

export function describeAccountStoreContract(name: string, open: OpenStore<AccountStore>): void {
  describe(`AccountStore contract: ${name}`, () => {
    let store: AccountStore;
    freshStorePerTest(open, (opened) => (store = opened));

    const newAccount = (username: string, role: 'admin' | 'reader' = 'admin') =>
      store.createAccount({ username, role, passwordHash: `scrypt$hash-of-${username}` });

    const keyFor = (accountId: number, hash: string, extra: Partial<NewApiKey> = {}): NewApiKey => ({
      kind: 'api',
      accountId,
      prefix: hash.slice(0, 12),
      hash,
      ...extra,
    });

    describe('accounts', () => {
      it('creates an account and finds it by username and by id', async () => {
        const before = Date.now();
        const created = await newAccount('alice', 'reader');
        const after = Date.now();
        assert.equal(typeof created.id, 'number');
        assert.equal(created.username, 'alice');
        assert.equal(created.role, 'reader');
        assert.equal(created.passwordHash, 'scrypt$hash-of-alice');
        assert.ok(created.createdAt >= before && created.createdAt <= after, 'createdAt is the creation time');
        assert.deepEqual(await store.findAccount('alice'), created);
        assert.deepEqual(await store.getAccount(created.id), created);
      });

      it('replaces a password hash, touching nothing else, and answers false for an unknown account', async () => {
        const alice = await newAccount('alice', 'reader');
        const bob = await newAccount('bob');
        assert.equal(await store.setPasswordHash('alice', 'scrypt$new-hash'), true);
        assert.deepEqual(await store.findAccount('alice'), { ...alice, passwordHash: 'scrypt$new-hash' });
        assert.deepEqual(await store.findAccount('bob'), bob, 'other accounts keep theirs');
        assert.equal(await store.setPasswordHash('nobody', 'scrypt$x'), false);
      });

      it('answers undefined for an unknown account', async () => {
        assert.equal(await store.findAccount('nobody'), undefined);
        assert.equal(await store.getAccount(424242), undefined);
      });

      it('refuses a duplicate username with a conflict and keeps the first account', async () => {
        const first = await newAccount('alice');
        await rejectsWith(store.createAccount({ username: 'alice', role: 'reader', passwordHash: 'other' }), 'conflict');
        assert.deepEqual(await store.findAccount('alice'), first);
        assert.equal((await store.listAccounts()).length, 1);
      });

      it('lists accounts in creation order', async () => {
        const a = await newAccount('zed');
        const b = await newAccount('amy', 'reader');
        assert.deepEqual(await store.listAccounts(), [a, b]);
      });

      it('removes an account, answering false when there is none', async () => {
        const alice = await newAccount('alice');
        const bob = await newAccount('bob');
        assert.equal(await store.removeAccount('alice'), true);
        assert.equal(await store.findAccount('alice'), undefined);
        assert.equal(await store.getAccount(alice.id), undefined);
        assert.deepEqual(await store.listAccounts(), [bob]);
        assert.equal(await store.removeAccount('alice'), false);
        assert.equal(await store.removeAccount('nobody'), false);
      });

      it('revokes the keys of a removed account and only those', async () => {
        const alice = await newAccount('alice');
        const bob = await newAccount('bob');
        const aliceKey = await store.createApiKey(keyFor(alice.id, 'a'.repeat(64)));
        const aliceIngest = await store.createApiKey(keyFor(alice.id, 'b'.repeat(64), { kind: 'ingest' }));
        const bobKey = await store.createApiKey(keyFor(bob.id, 'c'.repeat(64)));

        const before = Date.now();
        await store.removeAccount('alice');
        const after = Date.now();

        assert.equal(await store.findApiKey(aliceKey.hash), undefined);
        assert.equal(await store.findApiKey(aliceIngest.hash), undefined);
        assert.deepEqual(await store.findApiKey(bobKey.hash), bobKey);
        const listed = await store.listApiKeys();
        for (const key of listed.filter((k) => k.accountId === alice.id)) {
          assert.ok(key.revokedAt !== undefined && key.revokedAt >= before && key.revokedAt <= after, 'revoked now');
        }
        assert.equal(listed.find((k) => k.id === bobKey.id)?.revokedAt, undefined);
      });

      it('gives a re-created username a new id, so it inherits nothing from the removed account', async () => {
        const first = await newAccount('alice');
        await store.createApiKey(keyFor(first.id, 'a'.repeat(64)));
        await store.removeAccount('alice');
        const second = await newAccount('alice');
        assert.notEqual(second.id, first.id);
        assert.equal(await store.findApiKey('a'.repeat(64)), undefined);
      });
    });

    describe('command-API permission', () => {
      it('defaults to full for admins and read_only for readers, and keeps one given', async () => {
        assert.equal((await newAccount('root', 'admin')).commandPermission, 'full');
        assert.equal((await newAccount('viewer', 'reader')).commandPermission, 'read_only');
        const denied = await store.createAccount({ username: 'bot', role: 'admin', passwordHash: 'x', commandPermission: 'deny' });
        assert.equal(denied.commandPermission, 'deny');
        assert.deepEqual(await store.findAccount('bot'), denied);
      });

      it("changes an account's permission, answering false for an unknown account", async () => {
        await newAccount('alice', 'reader');
        assert.equal(await store.setCommandPermission('alice', 'deny'), true);
        assert.equal((await store.findAccount('alice'))?.commandPermission, 'deny');
        assert.equal(await store.setCommandPermission('alice', 'full'), true);
        assert.equal((await store.findAccount('alice'))?.commandPermission, 'full');
        assert.equal(await store.setCommandPermission('nobody', 'full'), false);
      });

      it('refuses a permission it does not know', async () => {
        await newAccount('alice');
        await rejectsWith(store.setCommandPermission('alice', 'root' as 'full'), 'invalid_parameter');
        assert.equal((await store.findAccount('alice'))?.commandPermission, 'full', 'unchanged');
      });
    });

    describe('API keys', () => {
      it('creates a key and finds it by hash, leaving out absent optional fields', async () => {
        const account = await newAccount('alice');
        const before = Date.now();
        const created = await store.createApiKey(keyFor(account.id, 'f'.repeat(64), { kind: 'ingest' }));
        const after = Date.now();
        assert.equal(typeof created.id, 'number');
        assert.equal(created.kind, 'ingest');
        assert.equal(created.accountId, account.id);
        assert.equal(created.prefix, 'f'.repeat(12));
        assert.equal(created.hash, 'f'.repeat(64));
        assert.ok(created.createdAt >= before && created.createdAt <= after);
        for (const field of ['userId', 'label', 'revokedAt']) assert.ok(!(field in created), `no ${field} key`);
        assert.deepEqual(await store.findApiKey(created.hash), created);
      });

      it('keeps userId and label', async () => {
        const account = await newAccount('alice');
        const created = await store.createApiKey(keyFor(account.id, 'e'.repeat(64), { userId: 'u-17', label: 'kiosk' }));
        assert.equal(created.userId, 'u-17');
        assert.equal(created.label, 'kiosk');
        assert.deepEqual(await store.findApiKey(created.hash), created);
      });

      it('answers undefined for an unknown hash', async () => {
        assert.equal(await store.findApiKey('0'.repeat(64)), undefined);
      });

      it('refuses a second key with the same hash', async () => {
        const account = await newAccount('alice');
        await store.createApiKey(keyFor(account.id, 'd'.repeat(64)));
        await rejectsWith(store.createApiKey(keyFor(account.id, 'd'.repeat(64), { kind: 'ingest' })), 'conflict');
        assert.equal((await store.listApiKeys()).length, 1);
      });

      it('refuses a key for an account that does not exist', async () => {
        await rejectsWith(store.createApiKey(keyFor(999_999, 'd'.repeat(64))), 'not_found');
        assert.deepEqual(await store.listApiKeys(), []);
      });

      it('revokes a key once: findApiKey ignores it, the listing shows when', async () => {
        const account = await newAccount('alice');
        const key = await store.createApiKey(keyFor(account.id, '1'.repeat(64)));
        const other = await store.createApiKey(keyFor(account.id, '2'.repeat(64)));
        const before = Date.now();
        assert.equal(await store.revokeApiKey(key.id), true);
        const after = Date.now();
        assert.equal(await store.findApiKey(key.hash), undefined);
        assert.deepEqual(await store.findApiKey(other.hash), other);

        const listed = await store.listApiKeys();
        const revoked = listed.find((k) => k.id === key.id);
        assert.ok(revoked?.revokedAt !== undefined && revoked.revokedAt >= before && revoked.revokedAt <= after);

        assert.equal(await store.revokeApiKey(key.id), false, 'already revoked');
        const again = (await store.listApiKeys()).find((k) => k.id === key.id);
        assert.equal(again?.revokedAt, revoked.revokedAt, 'a second revoke does not move the time');
        assert.equal(await store.revokeApiKey(987_654), false, 'unknown id');
      });

      it('lists every key, live and revoked, in creation order', async () => {
        const alice = await newAccount('alice');
        const bob = await newAccount('bob');
        const a = await store.createApiKey(keyFor(alice.id, '3'.repeat(64), { kind: 'ingest' }));
        const b = await store.createApiKey(keyFor(bob.id, '4'.repeat(64), { label: 'ci' }));
        await store.revokeApiKey(a.id);
        const listed = await store.listApiKeys();
        assert.deepEqual(
          listed.map((k) => [k.id, k.kind, k.accountId, k.label, k.revokedAt !== undefined]),
          [
            [a.id, 'ingest', alice.id, undefined, true],
            [b.id, 'api', bob.id, 'ci', false],
          ],
        );
      });
    });
  });
}
