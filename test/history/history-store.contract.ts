// The HistoryStore contract: every implementation (SQLite now, PostgreSQL later) runs this same suite
// from its own *.test.ts, which supplies a fresh, empty store per test and a way to throw it away.

import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  HistoryStore,
  NewApiClient,
  NewApiKey,
  NewOAuthToken,
  NewWebhookDelivery,
  SessionLogEntry,
  SessionLogWrite,
} from '../../src/history/history-store.ts';
import type { UserRecord } from '../../src/core/model.ts';
import { isRollcallError } from '../../src/core/errors.ts';

export interface OpenedHistoryStore {
  store: HistoryStore;
  cleanup: () => Promise<void>;
}

/** Rejects with a RollcallError of this code (assert.rejects alone would accept any error). */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isRollcallError(error), `expected a RollcallError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

const user = (id: string, lastSeenAt: number, extra: Partial<UserRecord> = {}): UserRecord => ({
  user: { id, name: `User ${id}`, type: 'staff' },
  lastSeenAt,
  ...extra,
});

const start = (sessionId: number, startedAt: number, userId = 'u1'): SessionLogWrite => ({
  op: 'start',
  entry: { sessionId, userId, clientType: 'web', nodeId: 'node-a', remoteAddress: '192.0.2.7', startedAt },
});

const delivery = (id: string, subscriptionId: number, createdAt: number): NewWebhookDelivery => ({
  id,
  subscriptionId,
  eventType: 'session.started',
  payload: JSON.stringify({ type: 'session.started', deliveryId: id }),
  createdAt,
});

export function describeHistoryStoreContract(name: string, open: () => Promise<OpenedHistoryStore>): void {
  describe(`HistoryStore contract: ${name}`, () => {
    let store: HistoryStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

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

      it('changes an account\'s permission, answering false for an unknown account', async () => {
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
        await rejectsWith(
          store.createApiClient({ id: 'c1', permission: 'everything' as 'full', secretHash: 'h'.repeat(64) }),
          'invalid_parameter',
        );
      });
    });

    describe('API clients and OAuth tokens', () => {
      const HOUR = 3_600_000;
      const newClient = (id: string, extra: Partial<NewApiClient> = {}) =>
        store.createApiClient({ id, permission: 'read_only', secretHash: `secret-of-${id}`, ...extra });
      const token = (clientId: string, n: number, issuedAt = 1_000_000, secretHash = `secret-of-${clientId}`): NewOAuthToken => ({
        clientId,
        secretHash,
        tokenHash: `${clientId}-token-${n}`,
        issuedAt,
        expiresAt: issuedAt + HOUR,
      });

      it('creates a client and finds it by id, leaving out absent optional fields', async () => {
        const before = Date.now();
        const created = await newClient('c1', { label: 'monitoring', permission: 'full' });
        const after = Date.now();
        assert.equal(created.id, 'c1');
        assert.equal(created.label, 'monitoring');
        assert.equal(created.permission, 'full');
        assert.equal(created.secretHash, 'secret-of-c1');
        assert.ok(created.createdAt >= before && created.createdAt <= after);
        assert.equal(created.secretCreatedAt, created.createdAt);
        assert.ok(!('revokedAt' in created));
        assert.deepEqual(await store.findApiClient('c1'), created);
        const plain = await newClient('c2');
        assert.ok(!('label' in plain), 'no label key');
        assert.equal(await store.findApiClient('nobody'), undefined);
      });

      it('refuses a client id that is taken, even by a revoked client', async () => {
        await newClient('c1');
        await rejectsWith(newClient('c1'), 'conflict');
        await store.revokeApiClient('c1');
        await rejectsWith(newClient('c1'), 'conflict');
      });

      it('lists every client, revoked ones included, oldest first', async () => {
        const a = await newClient('zz');
        const b = await newClient('aa', { permission: 'deny' });
        await store.revokeApiClient('zz');
        assert.deepEqual(
          (await store.listApiClients()).map((c) => [c.id, c.permission, c.revokedAt !== undefined]),
          [
            [a.id, 'read_only', true],
            [b.id, 'deny', false],
          ],
        );
      });

      it('issues a token that is found until it expires', async () => {
        await newClient('c1', { permission: 'full' });
        assert.equal(await store.issueOAuthToken(token('c1', 1), 30), true);
        const grant = await store.findOAuthToken('c1-token-1', 1_000_000);
        assert.equal(grant?.client.id, 'c1');
        assert.equal(grant?.client.permission, 'full');
        assert.equal(grant?.issuedAt, 1_000_000);
        assert.equal(grant?.expiresAt, 1_000_000 + HOUR);
        assert.ok(await store.findOAuthToken('c1-token-1', 1_000_000 + HOUR - 1), 'valid until the last millisecond');
        assert.equal(await store.findOAuthToken('c1-token-1', 1_000_000 + HOUR), undefined, 'expired at expiresAt');
        assert.equal(await store.findOAuthToken('unknown', 1_000_000), undefined);
      });

      it('keeps at most maxValid tokens per client, invalidating the oldest first', async () => {
        await newClient('c1');
        await newClient('c2');
        for (let n = 1; n <= 30; n++) assert.equal(await store.issueOAuthToken(token('c1', n), 30), true);
        await store.issueOAuthToken(token('c2', 1), 30);
        for (let n = 1; n <= 30; n++) assert.ok(await store.findOAuthToken(`c1-token-${n}`, 1_000_000), `token ${n} valid`);

        await store.issueOAuthToken(token('c1', 31), 30);
        assert.equal(await store.findOAuthToken('c1-token-1', 1_000_000), undefined, 'the 31st invalidates the oldest');
        for (let n = 2; n <= 31; n++) assert.ok(await store.findOAuthToken(`c1-token-${n}`, 1_000_000), `token ${n} still valid`);
        await store.issueOAuthToken(token('c1', 32), 30);
        assert.equal(await store.findOAuthToken('c1-token-2', 1_000_000), undefined);
        assert.ok(await store.findOAuthToken('c2-token-1', 1_000_000), "another client's tokens are untouched");
      });

      it('does not count expired tokens against the limit', async () => {
        await newClient('c1');
        await store.issueOAuthToken(token('c1', 1, 0), 2);
        await store.issueOAuthToken(token('c1', 2, 2 * HOUR), 2);
        await store.issueOAuthToken(token('c1', 3, 2 * HOUR), 2);
        assert.ok(await store.findOAuthToken('c1-token-2', 2 * HOUR));
        assert.ok(await store.findOAuthToken('c1-token-3', 2 * HOUR));
      });

      it('refuses to issue for an unknown or revoked client, or on a secret that was replaced', async () => {
        assert.equal(await store.issueOAuthToken(token('ghost', 1), 30), false);
        await newClient('c1');
        assert.equal(await store.issueOAuthToken(token('c1', 1, 1_000_000, 'stale-secret'), 30), false);
        await store.revokeApiClient('c1');
        assert.equal(await store.issueOAuthToken(token('c1', 2), 30), false);
        assert.equal(await store.findOAuthToken('c1-token-1', 1_000_000), undefined);
        assert.equal(await store.findOAuthToken('c1-token-2', 1_000_000), undefined);
      });

      it('replacing the secret invalidates every token of the client', async () => {
        await newClient('c1');
        await newClient('c2');
        await store.issueOAuthToken(token('c1', 1), 30);
        await store.issueOAuthToken(token('c1', 2), 30);
        await store.issueOAuthToken(token('c2', 1), 30);
        assert.equal(await store.replaceApiClientSecret('c1', 'new-secret'), true);
        assert.equal(await store.findOAuthToken('c1-token-1', 1_000_000), undefined);
        assert.equal(await store.findOAuthToken('c1-token-2', 1_000_000), undefined);
        assert.ok(await store.findOAuthToken('c2-token-1', 1_000_000));
        const client = await store.findApiClient('c1');
        assert.equal(client?.secretHash, 'new-secret');
        assert.ok(client && client.secretCreatedAt >= client.createdAt);
        assert.equal(await store.issueOAuthToken(token('c1', 3), 30), false, 'the old secret no longer issues');
        assert.equal(await store.issueOAuthToken(token('c1', 4, 1_000_000, 'new-secret'), 30), true);
        assert.equal(await store.replaceApiClientSecret('nobody', 'x'), false);
      });

      it('revoking a client invalidates its tokens and hides it; a second revoke answers false', async () => {
        await newClient('c1');
        await store.issueOAuthToken(token('c1', 1), 30);
        const before = Date.now();
        assert.equal(await store.revokeApiClient('c1'), true);
        assert.equal(await store.findOAuthToken('c1-token-1', 1_000_000), undefined);
        assert.equal(await store.findApiClient('c1'), undefined);
        const listed = (await store.listApiClients()).find((c) => c.id === 'c1');
        assert.ok(listed?.revokedAt !== undefined && listed.revokedAt >= before);
        assert.equal(await store.revokeApiClient('c1'), false);
        assert.equal((await store.listApiClients()).find((c) => c.id === 'c1')?.revokedAt, listed.revokedAt);
        assert.equal(await store.replaceApiClientSecret('c1', 'x'), false, 'a revoked client gets no new secret');
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

    describe('users', () => {
      it('records a user and reads it back, leaving out absent optional fields', async () => {
        await store.recordUsers([user('u1', 1_000)]);
        const found = await store.getUser('u1');
        assert.deepEqual(found, user('u1', 1_000));
        assert.ok(found && !('lastView' in found), 'no lastView key');
        for (const field of ['email', 'username', 'publicDisplayName', 'privateDisplayName']) {
          assert.ok(found && !(field in found.user), `no ${field} key`);
        }
      });

      it('keeps every user fact and the last view', async () => {
        const full: UserRecord = {
          user: {
            id: 'u1',
            name: 'Ada Lovelace',
            email: 'ada@example.test',
            type: 'customer',
            username: 'ada',
            publicDisplayName: 'Ada',
            privateDisplayName: 'Ada L. (VIP)',
          },
          lastSeenAt: 1_700_000_000_000,
          lastView: { m: 'tickets', v: 'show', t: 'ticket|42' },
        };
        await store.recordUsers([full]);
        assert.deepEqual(await store.getUser('u1'), full);
      });

      it('answers undefined for an unknown user', async () => {
        assert.equal(await store.getUser('nobody'), undefined);
      });

      it('accepts an empty batch', async () => {
        await store.recordUsers([]);
        assert.deepEqual(await store.listUsersSeenSince(0), []);
      });

      it('takes the latest facts on a later record', async () => {
        await store.recordUsers([user('u1', 1_000, { user: { id: 'u1', name: 'Old', type: 'staff', email: 'a@x.test' } })]);
        await store.recordUsers([user('u1', 2_000, { user: { id: 'u1', name: 'New', type: 'system' } })]);
        assert.deepEqual(await store.getUser('u1'), { user: { id: 'u1', name: 'New', type: 'system' }, lastSeenAt: 2_000 });
      });

      it('never moves last seen backwards', async () => {
        await store.recordUsers([user('u1', 5_000)]);
        await store.recordUsers([user('u1', 3_000)]);
        assert.equal((await store.getUser('u1'))?.lastSeenAt, 5_000);
        await store.recordUsers([user('u1', 7_000)]);
        assert.equal((await store.getUser('u1'))?.lastSeenAt, 7_000);
      });

      it('takes the latest last seen when one batch names a user twice', async () => {
        await store.recordUsers([user('u1', 9_000), user('u1', 4_000)]);
        assert.equal((await store.getUser('u1'))?.lastSeenAt, 9_000);
      });

      it('keeps the last view when a record carries none, and replaces it when one does', async () => {
        const first = { m: 'inbox', v: 'list', t: 'folder|1' };
        const second = { m: 'inbox', v: 'read', t: 'message|9' };
        await store.recordUsers([user('u1', 1_000, { lastView: first })]);
        await store.recordUsers([user('u1', 2_000)]);
        assert.deepEqual((await store.getUser('u1'))?.lastView, first);
        await store.recordUsers([user('u1', 3_000, { lastView: second })]);
        assert.deepEqual(await store.getUser('u1'), user('u1', 3_000, { lastView: second }));
      });

      it('does not let an older record replace the last view', async () => {
        const current = { m: 'a', v: 'b', t: 'k|new' };
        await store.recordUsers([user('u1', 5_000, { lastView: current })]);
        await store.recordUsers([user('u1', 4_000, { lastView: { m: 'a', v: 'b', t: 'k|stale' } })]);
        assert.deepEqual(await store.getUser('u1'), user('u1', 5_000, { lastView: current }));
      });

      it('lists users seen since a time, most recent first, the cutoff included', async () => {
        await store.recordUsers([user('old', 999), user('edge', 1_000), user('mid', 1_500), user('new', 2_000)]);
        const seen = await store.listUsersSeenSince(1_000);
        assert.deepEqual(
          seen.map((r) => [r.user.id, r.lastSeenAt]),
          [
            ['new', 2_000],
            ['mid', 1_500],
            ['edge', 1_000],
          ],
        );
        assert.deepEqual(seen[0], user('new', 2_000), 'whole records');
        assert.deepEqual(await store.listUsersSeenSince(2_001), []);
      });

      it('lists at most `limit` users, the most recent ones', async () => {
        await store.recordUsers([1, 2, 3, 4, 5].map((n) => user(`u${n}`, n * 100)));
        assert.deepEqual(
          (await store.listUsersSeenSince(0, 2)).map((r) => r.user.id),
          ['u5', 'u4'],
        );
        assert.deepEqual(await store.listUsersSeenSince(0, 0), []);
        assert.equal((await store.listUsersSeenSince(0)).length, 5, 'no limit when none is given');
      });

      it('lists by the last seen that was kept, not the last one written', async () => {
        await store.recordUsers([user('a', 3_000), user('b', 2_000)]);
        await store.recordUsers([user('a', 1_000)]);
        assert.deepEqual(
          (await store.listUsersSeenSince(1_500)).map((r) => r.user.id),
          ['a', 'b'],
        );
      });
    });

    describe('session log', () => {
      it('ends the open rows of one node only, keeping ends already written', async () => {
        const start = (sessionId: number, nodeId: string): SessionLogWrite => ({
          op: 'start',
          entry: { sessionId, userId: 'u9', clientType: 'web', nodeId, remoteAddress: '127.0.0.1', startedAt: 1_000 + sessionId },
        });
        await store.appendSessionLog([start(1, 'crashed'), start(2, 'crashed'), start(3, 'other'), start(4, 'crashed')]);
        await store.appendSessionLog([{ op: 'end', sessionId: 4, startedAt: 1_004, endedAt: 2_000, endReason: 'closed' }]);
        assert.equal(await store.endOpenSessions('crashed', 9_000, 'node_lost'), 2);
        const byId = new Map((await store.listSessionLog({ userId: 'u9' })).map((e) => [e.sessionId, e]));
        assert.equal(byId.get(1)?.endReason, 'node_lost');
        assert.equal(byId.get(2)?.endedAt, 9_000);
        assert.equal(byId.get(3)?.endReason, undefined, 'another node\'s sessions stay open');
        assert.equal(byId.get(4)?.endReason, 'closed');
        assert.equal(await store.endOpenSessions('crashed', 9_500, 'node_lost'), 0);
      });

      it('logs a start and completes it with its end', async () => {
        const entry: SessionLogEntry = {
          sessionId: 7,
          userId: 'u1',
          clientType: 'representative',
          nodeId: 'node-a',
          remoteAddress: '2001:db8::1',
          startedAt: 1_000,
        };
        await store.appendSessionLog([{ op: 'start', entry }]);
        const logged = await store.listSessionLog();
        assert.deepEqual(logged, [entry]);
        for (const field of ['endedAt', 'endReason', 'endedBy']) assert.ok(!(field in logged[0]!), `no ${field} key`);

        await store.appendSessionLog([
          { op: 'end', sessionId: 7, startedAt: 1_000, endedAt: 5_000, endReason: 'ended_by_admin', endedBy: 'alice' },
        ]);
        assert.deepEqual(await store.listSessionLog(), [
          { ...entry, endedAt: 5_000, endReason: 'ended_by_admin', endedBy: 'alice' },
        ]);
      });

      it('takes a start and its end in one batch', async () => {
        await store.appendSessionLog([
          start(1, 100),
          { op: 'end', sessionId: 1, startedAt: 100, endedAt: 200, endReason: 'closed' },
        ]);
        const [entry] = await store.listSessionLog();
        assert.equal(entry?.endedAt, 200);
        assert.equal(entry?.endReason, 'closed');
        assert.ok(entry && !('endedBy' in entry));
      });

      it('ends only the row with the same session id and start time (ids wrap)', async () => {
        await store.appendSessionLog([start(5, 100), start(5, 900)]);
        await store.appendSessionLog([{ op: 'end', sessionId: 5, startedAt: 100, endedAt: 150, endReason: 'expired' }]);
        const log = await store.listSessionLog();
        assert.deepEqual(
          log.map((e) => [e.sessionId, e.startedAt, e.endedAt]),
          [
            [5, 900, undefined],
            [5, 100, 150],
          ],
        );
      });

      it('keeps the first end of a session', async () => {
        await store.appendSessionLog([start(3, 100)]);
        await store.appendSessionLog([{ op: 'end', sessionId: 3, startedAt: 100, endedAt: 200, endReason: 'ended_by_admin', endedBy: 'bob' }]);
        await store.appendSessionLog([{ op: 'end', sessionId: 3, startedAt: 100, endedAt: 300, endReason: 'connection_lost' }]);
        const [entry] = await store.listSessionLog();
        assert.deepEqual([entry?.endedAt, entry?.endReason, entry?.endedBy], [200, 'ended_by_admin', 'bob']);
      });

      it('ignores an end for a session it never logged', async () => {
        await store.appendSessionLog([{ op: 'end', sessionId: 99, startedAt: 1, endedAt: 2, endReason: 'node_lost' }]);
        assert.deepEqual(await store.listSessionLog(), []);
      });

      it('keeps one row when a start is written again, without undoing its end', async () => {
        await store.appendSessionLog([start(4, 100)]);
        await store.appendSessionLog([{ op: 'end', sessionId: 4, startedAt: 100, endedAt: 200, endReason: 'closed' }]);
        await store.appendSessionLog([start(4, 100)]);
        const log = await store.listSessionLog();
        assert.equal(log.length, 1);
        assert.equal(log[0]?.endedAt, 200);
      });

      it('accepts an empty batch', async () => {
        await store.appendSessionLog([]);
        assert.deepEqual(await store.listSessionLog(), []);
      });

      it("lists one user's sessions newest first", async () => {
        await store.appendSessionLog([start(1, 100, 'u1'), start(2, 300, 'u2'), start(3, 200, 'u1'), start(4, 400, 'u1')]);
        assert.deepEqual(
          (await store.listSessionLog({ userId: 'u1' })).map((e) => [e.sessionId, e.userId]),
          [
            [4, 'u1'],
            [3, 'u1'],
            [1, 'u1'],
          ],
        );
        assert.deepEqual(
          (await store.listSessionLog()).map((e) => e.sessionId),
          [4, 2, 3, 1],
        );
        assert.deepEqual(await store.listSessionLog({ userId: 'nobody' }), []);
      });

      it('answers the 100 newest by default and honours a limit', async () => {
        const writes = Array.from({ length: 120 }, (_, i) => start(i + 1, 1_000 + i));
        await store.appendSessionLog(writes);
        const all = await store.listSessionLog();
        assert.equal(all.length, 100);
        assert.equal(all[0]?.sessionId, 120);
        assert.equal(all[99]?.sessionId, 21);
        assert.deepEqual(
          (await store.listSessionLog({ userId: 'u1', limit: 3 })).map((e) => e.sessionId),
          [120, 119, 118],
        );
        assert.equal((await store.listSessionLog({ limit: 500 })).length, 120);
      });
    });

    describe('settings', () => {
      it('answers undefined for an unset key, then the latest value set', async () => {
        assert.equal(await store.getSetting('node.guid'), undefined);
        await store.setSetting('node.guid', 'abc');
        assert.equal(await store.getSetting('node.guid'), 'abc');
        await store.setSetting('node.guid', 'def');
        assert.equal(await store.getSetting('node.guid'), 'def');
        await store.setSetting('other', '');
        assert.equal(await store.getSetting('other'), '', 'an empty value is a value');
        assert.equal(await store.getSetting('node.guid'), 'def');
      });
    });

    describe('presence samples', () => {
      it('answers samples since a time in order, replaces one for the same instant, and prunes old ones', async () => {
        await store.recordPresenceSample({ at: 1_000, onlineUsers: 1, sessions: 2 }, 0);
        await store.recordPresenceSample({ at: 3_000, onlineUsers: 3, sessions: 4 }, 0);
        await store.recordPresenceSample({ at: 2_000, onlineUsers: 2, sessions: 3 }, 0);
        await store.recordPresenceSample({ at: 2_000, onlineUsers: 5, sessions: 6 }, 0);
        assert.deepEqual(await store.listPresenceSamples(1_500), [
          { at: 2_000, onlineUsers: 5, sessions: 6 },
          { at: 3_000, onlineUsers: 3, sessions: 4 },
        ]);
        await store.recordPresenceSample({ at: 4_000, onlineUsers: 0, sessions: 0 }, 2_500);
        assert.deepEqual((await store.listPresenceSamples(0)).map((s) => s.at), [3_000, 4_000]);
      });
    });

    describe('webhook subscriptions', () => {
      const newWebhook = (url = 'https://hooks.example.test/rollcall') =>
        store.createWebhook({ url, events: ['user.online', 'user.offline'], secret: 'whsec_0123456789abcdef' });

      it('creates a subscription, active, and finds it by id; lists in creation order', async () => {
        const before = Date.now();
        const created = await newWebhook();
        const after = Date.now();
        assert.equal(typeof created.id, 'number');
        assert.equal(created.url, 'https://hooks.example.test/rollcall');
        assert.deepEqual(created.events, ['user.online', 'user.offline']);
        assert.equal(created.secret, 'whsec_0123456789abcdef');
        assert.equal(created.active, true);
        assert.ok(created.createdAt >= before && created.createdAt <= after);
        assert.ok(!('disabledReason' in created));
        assert.deepEqual(await store.getWebhook(created.id), created);
        const second = await newWebhook('http://127.0.0.1:9/second');
        assert.deepEqual(await store.listWebhooks(), [created, second]);
        assert.equal(await store.getWebhook(987_654), undefined);
      });

      it('refuses an unknown event type or none', async () => {
        await rejectsWith(store.createWebhook({ url: 'https://x.test/', events: ['user.away' as 'user.online'], secret: 's' }), 'invalid_parameter');
        await rejectsWith(store.createWebhook({ url: 'https://x.test/', events: [], secret: 's' }), 'invalid_parameter');
        assert.deepEqual(await store.listWebhooks(), []);
      });

      it('changes only the fields given; a reason is kept while inactive and cleared on activation', async () => {
        const created = await newWebhook();
        const disabled = await store.updateWebhook(created.id, { active: false, disabledReason: 'receiver answered 410 Gone' });
        assert.deepEqual(disabled, { ...created, active: false, disabledReason: 'receiver answered 410 Gone' });
        const moved = await store.updateWebhook(created.id, { url: 'https://new.example.test/', events: ['session.ended'] });
        assert.deepEqual(moved, { ...created, url: 'https://new.example.test/', events: ['session.ended'], active: false, disabledReason: 'receiver answered 410 Gone' });
        const enabled = await store.updateWebhook(created.id, { active: true });
        assert.deepEqual(enabled, { ...created, url: 'https://new.example.test/', events: ['session.ended'] });
        assert.ok(enabled && !('disabledReason' in enabled));
        assert.deepEqual(await store.getWebhook(created.id), enabled);
        assert.equal(await store.updateWebhook(987_654, { active: false }), undefined);
      });

      it('removes a subscription with its deliveries, answering false when there is none', async () => {
        const a = await newWebhook();
        const b = await newWebhook('https://b.example.test/');
        await store.enqueueWebhookDeliveries([delivery('d-a', a.id, 1_000), delivery('d-b', b.id, 1_000)]);
        assert.equal(await store.removeWebhook(a.id), true);
        assert.equal(await store.getWebhook(a.id), undefined);
        assert.deepEqual(await store.listWebhookDeliveries(a.id), []);
        assert.equal((await store.listWebhookDeliveries(b.id)).length, 1);
        assert.equal(await store.countPendingWebhookDeliveries(), 1);
        assert.equal(await store.removeWebhook(a.id), false);
      });
    });

    describe('webhook outbox', () => {
      let subscriptionId: number;
      beforeEach(async () => {
        subscriptionId = (await store.createWebhook({ url: 'http://127.0.0.1:9/hook', events: ['session.started'], secret: 's3cret' })).id;
      });

      it('enqueues deliveries pending and due at once, and lists them newest first', async () => {
        await store.enqueueWebhookDeliveries([delivery('d1', subscriptionId, 1_000), delivery('d2', subscriptionId, 1_001)]);
        const listed = await store.listWebhookDeliveries(subscriptionId);
        assert.deepEqual(listed, [
          { ...delivery('d2', subscriptionId, 1_001), status: 'pending', attempts: 0, nextAttemptAt: 1_001 },
          { ...delivery('d1', subscriptionId, 1_000), status: 'pending', attempts: 0, nextAttemptAt: 1_000 },
        ]);
        for (const field of ['lastAttemptAt', 'lastStatusCode', 'lastError', 'finishedAt']) assert.ok(!(field in listed[0]!), `no ${field} key`);
        assert.equal(await store.countPendingWebhookDeliveries(), 2);
        assert.deepEqual((await store.listWebhookDeliveries(subscriptionId, { limit: 1 })).map((d) => d.id), ['d2']);
      });

      it('keeps a replayed delivery as it was, and drops deliveries of a removed subscription', async () => {
        await store.enqueueWebhookDeliveries([delivery('d1', subscriptionId, 1_000)]);
        await store.enqueueWebhookDeliveries([{ ...delivery('d1', subscriptionId, 5_000), payload: '{"other":true}' }, delivery('d9', 987_654, 1_000)]);
        const listed = await store.listWebhookDeliveries(subscriptionId);
        assert.deepEqual(listed.map((d) => [d.id, d.createdAt, d.payload]), [['d1', 1_000, delivery('d1', subscriptionId, 1_000).payload]]);
        assert.equal(await store.countPendingWebhookDeliveries(), 1);
      });

      it('claims due deliveries earliest first, at most `limit`, and leases them until the given time', async () => {
        await store.enqueueWebhookDeliveries([delivery('late', subscriptionId, 3_000), delivery('early', subscriptionId, 1_000), delivery('mid', subscriptionId, 2_000)]);
        assert.deepEqual(await store.claimDueWebhookDeliveries(999, 10, 60_000), [], 'nothing is due yet');
        const claimed = await store.claimDueWebhookDeliveries(2_500, 1, 60_000);
        assert.deepEqual(claimed.map((c) => [c.delivery.id, c.url, c.secret, c.delivery.nextAttemptAt]), [['early', 'http://127.0.0.1:9/hook', 's3cret', 60_000]]);
        assert.deepEqual((await store.claimDueWebhookDeliveries(2_500, 10, 60_000)).map((c) => c.delivery.id), ['mid'], 'a claimed one is not handed out again');
        assert.deepEqual(await store.claimDueWebhookDeliveries(2_500, 10, 60_000), []);
        assert.deepEqual((await store.claimDueWebhookDeliveries(60_000, 10, 120_000)).map((c) => c.delivery.id), ['late', 'early', 'mid'], 'a lapsed claim is due again, after what was due before it');
        assert.deepEqual(await store.claimDueWebhookDeliveries(200_000, 0, 300_000), []);
      });

      it('claims nothing of an inactive subscription until it is active again', async () => {
        await store.enqueueWebhookDeliveries([delivery('d1', subscriptionId, 1_000)]);
        await store.updateWebhook(subscriptionId, { active: false });
        assert.deepEqual(await store.claimDueWebhookDeliveries(5_000, 10, 10_000), []);
        assert.equal(await store.nextWebhookAttemptAt(), undefined, 'nothing it could claim is due');
        await store.updateWebhook(subscriptionId, { active: true });
        assert.equal(await store.nextWebhookAttemptAt(), 1_000);
        assert.deepEqual((await store.claimDueWebhookDeliveries(5_000, 10, 10_000)).map((c) => c.delivery.id), ['d1']);
      });

      it("defers a subscription's pending deliveries that are due sooner, and no others", async () => {
        const other = (await store.createWebhook({ url: 'http://127.0.0.1:9/other', events: ['session.started'], secret: 's3cret' })).id;
        await store.enqueueWebhookDeliveries([
          delivery('soon', subscriptionId, 1_000),
          delivery('late', subscriptionId, 9_000),
          delivery('done', subscriptionId, 1_000),
          delivery('elsewhere', other, 1_000),
        ]);
        await store.claimDueWebhookDeliveries(1_000, 10, 1_000);
        await store.recordWebhookAttempt('done', { status: 'delivered', at: 1_000 });
        assert.equal(await store.deferWebhookDeliveries(subscriptionId, 5_000), 1);
        assert.deepEqual((await store.claimDueWebhookDeliveries(4_999, 10, 200_000)).map((c) => c.delivery.id), ['elsewhere']);
        assert.deepEqual((await store.claimDueWebhookDeliveries(5_000, 10, 200_000)).map((c) => c.delivery.id), ['soon']);
        assert.deepEqual((await store.claimDueWebhookDeliveries(9_000, 10, 200_000)).map((c) => c.delivery.id), ['late']);
        const byId = new Map((await store.listWebhookDeliveries(subscriptionId)).map((d) => [d.id, d]));
        assert.equal(byId.get('done')?.status, 'delivered');
        assert.equal(await store.deferWebhookDeliveries(987_654, 5_000), 0);
      });

      it('answers when the earliest pending delivery is due', async () => {
        assert.equal(await store.nextWebhookAttemptAt(), undefined);
        await store.enqueueWebhookDeliveries([delivery('b', subscriptionId, 2_000), delivery('a', subscriptionId, 1_500)]);
        assert.equal(await store.nextWebhookAttemptAt(), 1_500);
        await store.claimDueWebhookDeliveries(1_500, 1, 9_000);
        assert.equal(await store.nextWebhookAttemptAt(), 2_000, 'a claimed delivery is due when its claim lapses');
        await store.recordWebhookAttempt('b', { status: 'delivered', at: 2_000 });
        await store.claimDueWebhookDeliveries(2_000, 10, 9_000);
        assert.equal(await store.nextWebhookAttemptAt(), 9_000);
      });

      it('records attempts: a retry stays pending with its next time, success and failure finish it', async () => {
        await store.enqueueWebhookDeliveries([delivery('ok', subscriptionId, 1_000), delivery('bad', subscriptionId, 1_000)]);
        await store.claimDueWebhookDeliveries(1_000, 10, 9_000);
        assert.equal(await store.recordWebhookAttempt('ok', { status: 'pending', at: 1_100, statusCode: 500, error: 'HTTP 500', nextAttemptAt: 2_000 }), true);
        assert.equal(await store.recordWebhookAttempt('bad', { status: 'pending', at: 1_100, error: 'timed out after 10000 ms', nextAttemptAt: 3_000 }), true);
        let [okRow] = await store.listWebhookDeliveries(subscriptionId, { limit: 10, status: 'pending' }).then((rows) => rows.filter((d) => d.id === 'ok'));
        assert.deepEqual(
          [okRow?.status, okRow?.attempts, okRow?.lastAttemptAt, okRow?.lastStatusCode, okRow?.lastError, okRow?.nextAttemptAt, okRow?.finishedAt],
          ['pending', 1, 1_100, 500, 'HTTP 500', 2_000, undefined],
        );
        assert.deepEqual((await store.claimDueWebhookDeliveries(2_000, 10, 9_000)).map((c) => c.delivery.attempts), [1]);
        assert.equal(await store.recordWebhookAttempt('ok', { status: 'delivered', at: 2_050, statusCode: 204 }), true);
        assert.equal(await store.recordWebhookAttempt('bad', { status: 'failed', at: 2_060, statusCode: 410, error: 'HTTP 410' }), true);
        assert.equal(await store.recordWebhookAttempt('ok', { status: 'failed', at: 2_070 }), false, 'a finished delivery stays as it is');
        assert.equal(await store.recordWebhookAttempt('ghost', { status: 'delivered', at: 2_070 }), false);

        const byId = new Map((await store.listWebhookDeliveries(subscriptionId)).map((d) => [d.id, d]));
        okRow = byId.get('ok');
        assert.deepEqual(
          [okRow?.status, okRow?.attempts, okRow?.lastStatusCode, okRow?.lastError, okRow?.finishedAt, okRow?.nextAttemptAt],
          ['delivered', 2, 204, undefined, 2_050, undefined],
        );
        const badRow = byId.get('bad');
        assert.deepEqual([badRow?.status, badRow?.attempts, badRow?.lastStatusCode, badRow?.finishedAt], ['failed', 2, 410, 2_060]);
        assert.equal(await store.countPendingWebhookDeliveries(), 0);
        assert.deepEqual((await store.listWebhookDeliveries(subscriptionId, { status: 'failed' })).map((d) => d.id), ['bad']);
        assert.deepEqual(await store.claimDueWebhookDeliveries(100_000, 10, 200_000), []);
      });

      it('expires pending deliveries older than the horizon and prunes finished ones', async () => {
        await store.enqueueWebhookDeliveries([delivery('old', subscriptionId, 1_000), delivery('new', subscriptionId, 5_000), delivery('done', subscriptionId, 1_000)]);
        await store.claimDueWebhookDeliveries(1_000, 10, 1_000);
        await store.recordWebhookAttempt('done', { status: 'delivered', at: 1_500, statusCode: 200 });
        assert.equal(await store.expireWebhookDeliveries(5_000, 6_000, 'gave up'), 1);
        const byId = new Map((await store.listWebhookDeliveries(subscriptionId)).map((d) => [d.id, d]));
        assert.deepEqual([byId.get('old')?.status, byId.get('old')?.lastError, byId.get('old')?.finishedAt], ['failed', 'gave up', 6_000]);
        assert.equal(byId.get('new')?.status, 'pending');
        assert.equal(await store.pruneWebhookDeliveries(2_000), 1, 'only "done" finished before 2,000');
        assert.deepEqual((await store.listWebhookDeliveries(subscriptionId)).map((d) => d.id).sort(), ['new', 'old']);
        assert.equal(await store.pruneWebhookDeliveries(7_000), 1);
        assert.deepEqual((await store.listWebhookDeliveries(subscriptionId)).map((d) => d.id), ['new'], 'pending ones are never pruned');
      });
    });

    describe('counters', () => {
      it('answers the value before the addition, starting at 0, and accumulates', async () => {
        assert.equal(await store.advanceCounter('session-id', 1), 0);
        assert.equal(await store.advanceCounter('session-id', 1), 1);
        assert.equal(await store.advanceCounter('session-id', 10), 2);
        assert.equal(await store.advanceCounter('session-id', 0), 12);
        assert.equal(await store.advanceCounter('other', 5), 0, 'counters are independent');
        assert.equal(await store.advanceCounter('session-id', 1), 12);
      });

      it('hands out distinct values to concurrent callers', async () => {
        const answers = await Promise.all(Array.from({ length: 50 }, () => store.advanceCounter('c', 2)));
        assert.deepEqual(
          [...answers].sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i * 2),
        );
        assert.equal(await store.advanceCounter('c', 0), 100);
      });
    });

    describe('close', () => {
      it('may be called more than once', async () => {
        await store.close();
        await store.close();
      });
    });
  });
}
