// The ApiClientStore contract: OAuth2 API clients and the tokens issued to them.
// Run against every implementation by describeHistoryStoreContract (../history-store.contract.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiClientStore, NewApiClient, NewOAuthToken } from '../../../src/history/history-store.ts';
import { freshStorePerTest, rejectsWith, type OpenStore } from './common.ts';

export function describeApiClientStoreContract(name: string, open: OpenStore<ApiClientStore>): void {
  describe(`ApiClientStore contract: ${name}`, () => {
    let store: ApiClientStore;
    freshStorePerTest(open, (opened) => (store = opened));

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

      it('refuses a permission it does not know, storing nothing', async () => {
        await rejectsWith(
          store.createApiClient({ id: 'c1', permission: 'everything' as 'full', secretHash: 'h'.repeat(64) }),
          'invalid_parameter',
        );
        assert.deepEqual(await store.listApiClients(), []);
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
  });
}
