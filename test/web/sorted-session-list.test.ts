// The sessions table's data when sorted by a column: every match fetched (in pages of 1,000), sorted
// by the column's value and then the id, and kept in that order by the stream alone, one change at a
// time or, for a burst, by sorting again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SortedSessionList } from '../../src/web/client/sorted-session-list.ts';
import type { SortOrder } from '../../src/web/client/sort.ts';
import type { SessionJson } from '../../src/web/client/types.ts';
import { ended, fakeApi, gated, session, started, updated } from './fake-sessions-api.ts';

const named = (id: number, name: string, overrides: Partial<SessionJson> = {}) =>
  session(id, { user: { id: `u${id}`, name, type: 'staff' }, ...overrides });

function sortedList(api: ReturnType<typeof fakeApi>, order: SortOrder) {
  return new SortedSessionList({
    fetchPage: api.fetchPage,
    onChange: () => {},
    order,
    sortValue: (s, key) => (key === 'user' ? s.user.name : key === 'lastActive' ? s.lastActivityAt : s.id),
  });
}

const rows = (list: SortedSessionList) => Array.from({ length: list.total }, (_, i) => list.rowAt(i)!.user.name);

describe('SortedSessionList', () => {
  test('fetches every match in pages of 1,000 and sorts them, ties by id', async () => {
    const api = fakeApi(Array.from({ length: 2_500 }, (_, i) => named(i + 1, `User ${(i * 7919) % 2_500}`)));
    const list = sortedList(api, { key: 'user', descending: false });
    await list.reload({});
    assert.equal(list.total, 2_500);
    assert.deepEqual(
      api.requests.map((r) => [r.cursor, r.limit]),
      [
        [undefined, 1_000],
        ['1000', 1_000],
        ['2000', 1_000],
      ],
    );
    assert.deepEqual(rows(list).slice(0, 4), ['User 0', 'User 1', 'User 2', 'User 3'], 'numbers in names sort by value');
    assert.equal(list.rowAt(2_499)!.user.name, 'User 2499');
  });

  test('the stream keeps the order: a start lands in place, an update moves, an end leaves', async () => {
    const api = fakeApi([named(1, 'Cleo'), named(2, 'Anna'), named(3, 'Emil')]);
    const list = sortedList(api, { key: 'user', descending: false });
    await list.reload({});
    assert.deepEqual(rows(list), ['Anna', 'Cleo', 'Emil']);
    list.apply([started(named(4, 'Dora')), started(named(5, 'Bert'))]);
    assert.deepEqual(rows(list), ['Anna', 'Bert', 'Cleo', 'Dora', 'Emil']);
    list.apply([updated(named(2, 'Zora')), ended(named(1, 'Cleo'))]);
    assert.deepEqual(rows(list), ['Bert', 'Dora', 'Emil', 'Zora']);
    assert.equal(list.total, 4);
  });

  test('descending, and a burst of more than 500 changes is sorted again at once', async () => {
    const api = fakeApi([session(1, { lastActivityAt: 10 }), session(2, { lastActivityAt: 30 })]);
    const list = sortedList(api, { key: 'lastActive', descending: true });
    await list.reload({});
    assert.deepEqual([list.rowAt(0)!.id, list.rowAt(1)!.id], [2, 1]);
    const burst = Array.from({ length: 600 }, (_, i) => started(session(100 + i, { lastActivityAt: 1_000 + i })));
    list.apply([...burst, updated(session(1, { lastActivityAt: 5_000 }))]);
    assert.equal(list.total, 602);
    assert.equal(list.rowAt(0)!.id, 1, 'the one active last comes first');
    assert.equal(list.rowAt(1)!.id, 699);
    assert.equal(list.rowAt(601)!.id, 2);
  });

  test('the filter holds: a session that stops matching leaves, events during the load wait for it', async () => {
    const api = fakeApi([named(1, 'Ida', { idle: true }), named(2, 'Ben', { idle: true }), named(3, 'Cy')]);
    const held = gated(api.fetchPage);
    const list = new SortedSessionList({
      fetchPage: held.fetchPage,
      onChange: () => {},
      order: { key: 'user', descending: false },
      sortValue: (s) => s.user.name,
    });
    const loading = list.reload({ state: 'idle' });
    assert.equal(list.loaded, false);
    list.apply([started(named(4, 'Al', { idle: true })), updated(named(1, 'Ida', { idle: false }))]);
    held.release();
    await loading;
    assert.deepEqual(rows(list), ['Al', 'Ben']);
    assert.deepEqual(
      list.all().map((s) => s.id),
      [4, 2],
    );
  });
});
