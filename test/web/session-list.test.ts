// The sessions table's data window, against a fake API that pages and filters like the real one:
// pages load only as the table asks, stream events add and remove rows inside the loaded range, move
// only the total beyond it, and respect the filter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionList } from '../../src/web/client/session-list.ts';
import { ended, fakeApi, gated, session, started, updated } from './fake-sessions-api.ts';

const ids = (list: SessionList) => list.rows.map((s) => s.id);

async function settle(list: SessionList) {
  for (let i = 0; i < 100 && list.loading; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('SessionList', () => {
  test('loads the first page only, then pages as the table scrolls', async () => {
    const api = fakeApi(Array.from({ length: 5000 }, (_, i) => session(i + 1)));
    const list = new SessionList({ fetchPage: api.fetchPage, onChange: () => {}, firstPageSize: 100, pageSize: 500 });
    await list.reload({});
    assert.equal(list.total, 5000);
    assert.equal(list.rows.length, 100);
    list.ensure(50);
    assert.equal(api.requests.length, 1, 'rows in hand need no request');
    list.ensure(130);
    await settle(list);
    assert.equal(list.rows.length, 600);
    assert.deepEqual(ids(list).slice(98, 102), [99, 100, 101, 102]);
    list.ensure(3000);
    await settle(list);
    assert.equal(list.rows.length, 1000 + 600, 'a jump asks for up to 1,000 rows at a time');
    assert.equal(api.requests.at(-1)!.cursor, '600');
  });

  test('live events inside the loaded range add and remove rows; beyond it only the total moves', async () => {
    const api = fakeApi(Array.from({ length: 300 }, (_, i) => session((i + 1) * 2)));
    const list = new SessionList({ fetchPage: api.fetchPage, onChange: () => {}, firstPageSize: 100, reconcileDelayMs: 60_000 });
    await list.reload({});
    assert.equal(list.total, 300);
    list.apply([started(session(51)), ended(session(10)), started(session(9001)), ended(session(500))]);
    assert.ok(ids(list).includes(51), 'a new id inside the loaded range appears at its place');
    assert.ok(!ids(list).includes(10), 'an ended one disappears');
    assert.ok(!ids(list).includes(9001), 'a new id beyond the loaded rows comes with its page');
    assert.equal(list.total, 300 + 1 - 1 + 1 - 1);
    assert.deepEqual(
      ids(list),
      [...ids(list)].sort((a, b) => a - b),
      'rows stay in id order',
    );
    list.apply([updated(session(20, { idle: true }))]);
    assert.equal(list.rows.find((s) => s.id === 20)!.idle, true);
    assert.equal(list.total, 300, 'an update moves no count');
    list.dispose();
  });

  test('when everything is loaded, new sessions are appended and the total is the row count', async () => {
    const api = fakeApi([session(1), session(2)]);
    const list = new SessionList({ fetchPage: api.fetchPage, onChange: () => {}, liveTailLimit: 4 });
    await list.reload({});
    list.apply([started(session(3)), started(session(4)), started(session(3))]);
    assert.deepEqual(ids(list), [1, 2, 3, 4]);
    assert.equal(list.total, 4, 'a repeated start is not counted twice');
    // Past the live tail's limit the list stops growing: the rest is fetched when scrolled to.
    api.live.set(3, session(3)).set(4, session(4)).set(5, session(5)).set(6, session(6));
    list.apply([started(session(5)), started(session(6))]);
    assert.deepEqual(ids(list), [1, 2, 3, 4]);
    assert.equal(list.total, 6);
    list.ensure(6);
    await settle(list);
    assert.deepEqual(ids(list), [1, 2, 3, 4, 5, 6]);
    list.dispose();
  });

  test('the filter decides what events bring in, and an update can move a session in or out', async () => {
    const api = fakeApi([session(1, { idle: true }), session(2), session(3, { idle: true })]);
    const list = new SessionList({ fetchPage: api.fetchPage, onChange: () => {} });
    await list.reload({ state: 'idle' });
    assert.deepEqual(ids(list), [1, 3]);
    list.apply([started(session(4)), started(session(5, { idle: true }))]);
    assert.deepEqual(ids(list), [1, 3, 5]);
    list.apply([updated(session(2, { idle: true })), updated(session(3, { idle: false }))]);
    assert.deepEqual(ids(list), [1, 2, 5]);
    assert.equal(list.total, 3);
  });

  test('events that arrive while a page is on its way are applied after it', async () => {
    const api = fakeApi([session(1), session(2)]);
    const held = gated(api.fetchPage);
    const list = new SessionList({ fetchPage: held.fetchPage, onChange: () => {} });
    const loading = list.reload({});
    list.apply([started(session(3)), ended(session(1))]);
    api.live.set(3, session(3));
    api.live.delete(1);
    held.release();
    await loading;
    assert.deepEqual(ids(list), [2, 3]);
    assert.equal(list.total, 2);
  });
});
