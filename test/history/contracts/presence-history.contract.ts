// The PresenceHistory contract: users with their last seen and last view, and presence samples.
// Run against every implementation by describeHistoryStoreContract (../history-store.contract.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceHistory } from '../../../src/history/history-store.ts';
import type { UserRecord } from '../../../src/core/model.ts';
import { freshStorePerTest, type OpenStore } from './common.ts';

export function describePresenceHistoryContract(name: string, open: OpenStore<PresenceHistory>): void {
  describe(`PresenceHistory contract: ${name}`, () => {
    let store: PresenceHistory;
    freshStorePerTest(open, (opened) => (store = opened));

    const user = (id: string, lastSeenAt: number, extra: Partial<UserRecord> = {}): UserRecord => ({
      user: { id, name: `User ${id}`, type: 'staff' },
      lastSeenAt,
      ...extra,
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

      it('lists more users than one page of a store holds, in order, ties broken by id', async () => {
        // 2,500: past the SQLite store's pages of 1,000, and ties across a page's edge (every 3 share a time).
        const records = Array.from({ length: 2_500 }, (_, n) => user(`u${String(n).padStart(4, '0')}`, 1_000 + Math.floor(n / 3)));
        await store.recordUsers(records);
        const expected = [...records].sort((a, b) => b.lastSeenAt - a.lastSeenAt || (a.user.id < b.user.id ? 1 : -1));
        assert.deepEqual(await store.listUsersSeenSince(0), expected);
        assert.deepEqual(await store.listUsersSeenSince(0, 1_500), expected.slice(0, 1_500));
        assert.deepEqual(
          await store.listUsersSeenSince(1_500),
          expected.filter((r) => r.lastSeenAt >= 1_500),
        );
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
        assert.deepEqual(
          (await store.listPresenceSamples(0)).map((s) => s.at),
          [3_000, 4_000],
        );
      });
    });
  });
}
