// The LiveStore contract: every implementation (memory, Redis) runs this same suite.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sessionEvents, type PresenceChange } from '../../src/core/model.ts';
import type { LiveNode, LiveStore } from '../../src/live/live-store.ts';
import { makeSession } from '../helpers/sessions.ts';

export interface LiveStoreFixture {
  store: LiveStore;
  cleanup: () => Promise<void>;
}

export function describeLiveStoreContract(name: string, open: () => Promise<LiveStoreFixture>): void {
  describe(`LiveStore contract: ${name}`, () => {
    let fixture: LiveStoreFixture;
    let store: LiveStore;
    let nextId: () => Promise<number>;

    before(async () => {
      fixture = await open();
    });
    after(async () => {
      await fixture.cleanup();
    });
    beforeEach(async () => {
      // Each test gets a fresh store from the fixture's factory semantics: reuse but drain it.
      store = fixture.store;
      for (const s of await store.list()) await store.end(s.id, { reason: 'closed', at: Date.now() });
      nextId = () => store.allocateSessionId();
    });

    test('allocates distinct positive 32-bit ids', async () => {
      const ids = new Set<number>();
      for (let i = 0; i < 2_000; i++) ids.add(await nextId());
      assert.equal(ids.size, 2_000);
      for (const id of ids) assert.ok(Number.isInteger(id) && id >= 1 && id <= 2 ** 31 - 1);
    });

    /** Records what the store announces, with each change's seq, until `stop`. */
    const hear = () => {
      const heard: { type: string; seq: number; change: PresenceChange }[] = [];
      const stop = store.subscribe((change, seq) => heard.push({ type: change.type, seq, change }));
      return { heard, stop };
    };
    const close = (id: number) => store.end(id, { reason: 'closed', at: Date.now() });

    test('open announces the session, and the user when it is their first; end announces the last', async () => {
      const { heard, stop } = hear();
      const a = makeSession({ id: await nextId(), user: { id: 'alice', name: 'Alice', type: 'staff' } });
      const b = makeSession({ id: await nextId(), user: { id: 'alice', name: 'Alice', type: 'staff' } });
      const openedA = await store.open(a);
      assert.equal(openedA.firstOfUser, true);
      // A mutation settles after its own changes reached this node's listeners.
      assert.deepEqual(
        heard.map((h) => h.type),
        ['session.started', 'user.online'],
      );
      assert.equal(openedA.session.version, heard[0]!.seq, "a session's version is the seq of its last change");
      assert.equal(heard[1]!.seq, heard[0]!.seq + 1, 'seqs follow one another');
      assert.equal(store.appliedSeq(), heard[1]!.seq);
      assert.equal((await store.open(b)).firstOfUser, false);
      assert.deepEqual(await store.onlineUserIds(), ['alice']);

      const first = await store.end(a.id, { reason: 'ended_by_admin', at: 5_000, endedBy: 'root' });
      assert.equal(first?.lastOfUser, false);
      assert.equal(first?.session.id, a.id);
      assert.equal(first?.reason, 'ended_by_admin');
      assert.equal(first?.endedBy, 'root');
      assert.deepEqual(sessionEvents(first!.session).at(-1), { at: 5_000, kind: 'ended', text: 'Session ended: ended by admin by root' });
      const second = await close(b.id);
      assert.equal(second?.lastOfUser, true);
      assert.deepEqual(await store.onlineUserIds(), []);
      stop();
      assert.deepEqual(
        heard.map((h) => h.type),
        ['session.started', 'user.online', 'session.started', 'session.ended', 'session.ended', 'user.offline'],
      );
      const seqs = heard.map((h) => h.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => seqs[0]! + i),
        'one seq per change, in order',
      );
      const ended = heard[3]!.change;
      assert.ok(ended.type === 'session.ended' && ended.reason === 'ended_by_admin' && ended.endedBy === 'root' && ended.at === 5_000);
      assert.equal(ended.session.version, heard[3]!.seq);
    });

    test("user.offline carries the latest activity of any of the user's sessions", async () => {
      const now = Date.now();
      const user = { id: 'erin', name: 'Erin', type: 'staff' };
      const early = makeSession({ id: await nextId(), user, startedAt: now - 10_000, lastActivityAt: now - 1_000 });
      const late = makeSession({ id: await nextId(), user, startedAt: now - 10_000, lastActivityAt: now - 9_000 });
      await store.open(early);
      await store.open(late);
      const { heard, stop } = hear();
      await close(early.id);
      await close(late.id);
      stop();
      const offline = heard.find((h) => h.type === 'user.offline')?.change;
      assert.ok(offline?.type === 'user.offline');
      assert.equal(offline.lastSeenAt, now - 1_000);
    });

    test('end hands a session to exactly one caller, and it is announced once', async () => {
      const s = makeSession({ id: await nextId() });
      await store.open(s);
      const { heard, stop } = hear();
      const results = await Promise.all([close(s.id), close(s.id), close(s.id)]);
      stop();
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.get(s.id), undefined);
      assert.equal(heard.filter((h) => h.type === 'session.ended').length, 1);
    });

    test('update applies a change, announces it with a higher version, and leaves unknown ids alone', async () => {
      const s = makeSession({ id: await nextId() });
      const { session: opened } = await store.open(s);
      const { heard, stop } = hear();
      const updated = await store.update(s.id, (c) => ({ ...c, hostname: 'renamed' }), 7_000);
      assert.equal(updated?.hostname, 'renamed');
      assert.ok(updated!.version > opened.version);
      assert.equal((await store.get(s.id))?.hostname, 'renamed');
      assert.equal(opened.hostname, s.hostname, 'a session handed out keeps its state');
      assert.equal(await store.update(s.id, () => undefined, 8_000).then((x) => x?.version), updated!.version, 'declining changes nothing');
      assert.equal(await store.update(987_654_321, (c) => c, 8_000), undefined);
      stop();
      assert.deepEqual(
        heard.map((h) => [h.type, h.change.at, h.seq]),
        [['session.updated', 7_000, updated!.version]],
      );
    });

    test('concurrent updates of one session all apply', async () => {
      const s = makeSession({ id: await nextId(), representative: undefined });
      await store.open(s);
      await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          store.update(
            s.id,
            (c) => ({ ...c, events: [...(c.events ?? []), { at: n, kind: 'resumed' as const, text: `r${n}` }] }),
            Date.now(),
          ),
        ),
      );
      const stored = await store.get(s.id);
      assert.deepEqual(
        stored?.events?.map((e) => e.at).sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
    });

    test('touch extends expiry by the session lifetime, reports changes and unknown ids', async () => {
      const now = Date.now();
      const s = makeSession({ id: await nextId(), startedAt: now, expiresAt: now + 1_000, lifetimeMs: 5_000 });
      const detached = makeSession({ id: await nextId(), detached: true });
      await store.open(s);
      await store.open(detached);
      const later = now + 500;
      const result = await store.touch(
        [{ id: s.id, view: { m: 'support', v: 'getticket', t: 'ticketid|1' } }, { id: 424_242 }, { id: detached.id }],
        later,
      );
      assert.deepEqual(result.unknown.sort(), [424_242, detached.id].sort());
      assert.deepEqual(
        result.touched.map((t) => t.id),
        [s.id],
      );
      assert.equal(result.changed.length, 1);
      const stored = await store.get(s.id);
      assert.equal(stored?.expiresAt, later + 5_000);
      assert.equal(stored?.lastActivityAt, later);
      assert.deepEqual(stored?.view, { m: 'support', v: 'getticket', t: 'ticketid|1' });
      const again = await store.touch([{ id: s.id, view: { m: 'support', v: 'getticket', t: 'ticketid|1' }, idle: false }], later + 1);
      assert.equal(again.changed.length, 0, 'the same view and idle flag is no change');
    });

    test('keepAlive extends live sessions like a touch and answers unknown and detached ids', async () => {
      const now = Date.now();
      const s = makeSession({ id: await nextId(), startedAt: now, expiresAt: now + 1_000, lifetimeMs: 5_000 });
      const detached = makeSession({ id: await nextId(), detached: true, expiresAt: now + 2_000 });
      await store.open(s);
      await store.open(detached);
      const later = now + 500;
      const unknown = await store.keepAlive([s.id, 424_242, detached.id, s.id], later);
      assert.deepEqual(unknown.sort(), [424_242, detached.id].sort());
      const stored = await store.get(s.id);
      assert.equal(stored?.expiresAt, later + 5_000);
      assert.equal(stored?.lastActivityAt, later);
      assert.equal((await store.get(detached.id))?.expiresAt, now + 2_000, 'a detached session keeps its grace deadline');
    });

    test('a session already answered or reported keeps its state when a later touch changes it', async () => {
      const s = makeSession({ id: await nextId() });
      await store.open(s);
      const first = await store.touch([{ id: s.id, idle: true }], Date.now());
      const answered = await store.get(s.id);
      await store.touch([{ id: s.id, idle: false, view: { m: 'a', v: 'b', t: 'c' } }], Date.now());
      assert.equal(first.changed[0]?.idle, true);
      assert.equal(first.changed[0]?.view, undefined);
      assert.equal(answered?.idle, true);
      assert.equal((await store.get(s.id))?.idle, false);
    });

    test('claimExpired takes due sessions only, honours touches and the limit', async () => {
      const now = Date.now();
      const due = [];
      for (let i = 0; i < 5; i++) {
        const s = makeSession({ id: await nextId(), expiresAt: now - 1_000 + i, lifetimeMs: 60_000 });
        due.push(s);
        await store.open(s);
      }
      const extended = makeSession({ id: await nextId(), expiresAt: now - 500, lifetimeMs: 60_000 });
      const future = makeSession({ id: await nextId(), expiresAt: now + 60_000 });
      await store.open(extended);
      await store.open(future);
      await store.touch([{ id: extended.id }], now - 600);

      const firstBatch = await store.claimExpired(now, 3);
      assert.equal(firstBatch.length, 3);
      const rest = await store.claimExpired(now, 100);
      assert.deepEqual(
        [...firstBatch, ...rest].map((r) => r.session.id).sort((a, b) => a - b),
        due.map((s) => s.id).sort((a, b) => a - b),
      );
      assert.ok(await store.get(extended.id), 'a touched session is not claimed');
      assert.ok(await store.get(future.id));
      assert.deepEqual(await store.claimExpired(now, 100), []);
      const much = await store.claimExpired(now + 120_000, 100);
      assert.deepEqual(
        much.map((r) => r.session.id).sort((a, b) => a - b),
        [extended.id, future.id].sort((a, b) => a - b),
      );
    });

    test('an expiry moved earlier by update is honoured', async () => {
      const now = Date.now();
      const s = makeSession({ id: await nextId(), expiresAt: now + 60_000 });
      await store.open(s);
      await store.update(s.id, (c) => ({ ...c, detached: true, expiresAt: now - 1 }), now);
      const claimed = await store.claimExpired(now, 10);
      assert.deepEqual(
        claimed.map((r) => r.session.id),
        [s.id],
      );
    });

    test('list filters by type, user and ids, pages by cursor in id order', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        const id = await nextId();
        ids.push(id);
        await store.open(
          makeSession({
            id,
            clientType: i % 2 === 0 ? 'representative' : 'web',
            user: { id: i < 3 ? 'bob' : 'carol', name: 'x', type: 'staff' },
          }),
        );
      }
      ids.sort((a, b) => a - b);
      assert.deepEqual(
        (await store.list()).map((s) => s.id),
        ids,
      );
      assert.equal(await store.count(), 6);
      assert.equal((await store.list({ clientTypes: ['representative'] })).length, 3);
      assert.equal((await store.list({ userId: 'bob' })).length, 3);
      assert.equal((await store.list({ userId: 'bob', clientTypes: ['web'] })).length, 1);
      assert.deepEqual(
        (await store.list({ ids: [ids[1]!, ids[4]!, 999_999_999] })).map((s) => s.id),
        [ids[1], ids[4]],
      );
      const page1 = await store.list({ limit: 4 });
      const page2 = await store.list({ afterId: page1.at(-1)!.id, limit: 4 });
      assert.deepEqual(
        [...page1, ...page2].map((s) => s.id),
        ids,
      );
    });

    test('list and count filter by user type, node, idle state and text, alone and together', async () => {
      const add = async (overrides: Parameters<typeof makeSession>[0]) => {
        const session = makeSession({ id: await nextId(), ...overrides });
        await store.open(session);
        return session.id;
      };
      const jack = await add({
        user: {
          id: 'jack',
          name: 'Jack Smith',
          type: 'staff',
          username: 'jsmith',
          publicDisplayName: 'Jack S.',
          privateDisplayName: 'Jackie',
        },
        hostname: 'JACK-PC',
        nodeId: 'node-a',
      });
      const jill = await add({
        user: { id: 'jill', name: 'Jill Jones', type: 'customer' },
        hostname: 'kiosk-7',
        nodeId: 'node-b',
        idle: true,
      });
      const bot = await add({
        user: { id: 'bot', name: 'Robot', type: 'system', username: 'crawler' },
        nodeId: 'node-b',
        clientType: 'push_agent',
      });
      const jackIdle = await add({
        user: { id: 'jack', name: 'Jack Smith', type: 'staff' },
        hostname: 'laptop',
        nodeId: 'node-b',
        idle: true,
      });

      const cases: [Parameters<LiveStore['list']>[0], number[]][] = [
        [{ userType: 'staff' }, [jack, jackIdle]],
        [{ userType: 'customer' }, [jill]],
        [{ userType: 'Staff' }, []],
        [{ nodeId: 'node-b' }, [jill, bot, jackIdle]],
        [{ idle: true }, [jill, jackIdle]],
        [{ idle: false }, [jack, bot]],
        [{ q: 'smith' }, [jack, jackIdle]],
        [{ q: 'JSMITH' }, [jack]],
        [{ q: 'jack s.' }, [jack]],
        [{ q: 'jackie' }, [jack]],
        [{ q: 'jack-pc' }, [jack]],
        [{ q: 'KIOSK' }, [jill]],
        [{ q: 'crawl' }, [bot]],
        [{ q: 'j' }, [jack, jill, jackIdle]],
        [{ q: '' }, [jack, jill, bot, jackIdle]],
        [{ q: 'nobody' }, []],
        // Pattern characters are plain text.
        [{ q: '.*' }, []],
        [{ q: 's.' }, [jack]],
        [{ q: '(' }, []],
        // A term never spans two fields.
        [{ q: 'smith\njsmith' }, []],
        [{ q: 'jack', idle: true }, [jackIdle]],
        [{ q: 'jack', nodeId: 'node-a', userType: 'staff' }, [jack]],
        [{ userId: 'jack', idle: false }, [jack]],
        [{ nodeId: 'node-b', clientTypes: ['push_agent'] }, [bot]],
        [{ nodeId: 'node-b', idle: true, q: 'j' }, [jill, jackIdle]],
      ];
      for (const [query, expected] of cases) {
        assert.deepEqual(
          (await store.list(query)).map((s) => s.id),
          expected,
          JSON.stringify(query),
        );
        assert.equal(await store.count(query), expected.length, `count ${JSON.stringify(query)}`);
      }
      assert.equal(await store.count(), 4);
      assert.equal(await store.count({}), 4);
    });

    test('text search ignores case beyond ASCII', async () => {
      const id = await nextId();
      await store.open(makeSession({ id, user: { id: 'jurgen', name: 'Jürgen Øster', type: 'staff' }, hostname: 'ΣΙΣΥΦΟΣ' }));
      for (const q of ['JÜRGEN', 'øster', 'σισυφος'])
        assert.deepEqual(
          (await store.list({ q })).map((s) => s.id),
          [id],
          q,
        );
    });

    test('a filtered page stops at the limit and the next one starts after the cursor', async () => {
      const webs: number[] = [];
      for (let i = 0; i < 30; i++) {
        const id = await nextId();
        await store.open(makeSession({ id, clientType: i % 3 === 0 ? 'web' : 'representative', idle: i % 2 === 0 }));
        if (i % 3 === 0) webs.push(id);
      }
      const seen: number[] = [];
      let afterId: number | undefined;
      for (;;) {
        const page = await store.list({ clientTypes: ['web'], limit: 3, ...(afterId !== undefined && { afterId }) });
        seen.push(...page.map((s) => s.id));
        if (page.length < 3) break;
        afterId = page.at(-1)!.id;
      }
      assert.deepEqual(seen, webs);
      assert.equal(await store.count({ clientTypes: ['web'] }), 10);
      assert.equal(await store.count({ clientTypes: ['web'], idle: true }), 5);
      assert.deepEqual(await store.list({ limit: 0 }), []);
      // A cursor past every id, and one between ids, answer what comes after it.
      assert.deepEqual(await store.list({ afterId: webs.at(-1)! + 1_000_000 }), []);
      const middle = await store.list({ afterId: webs[4]! - 1, clientTypes: ['web'], limit: 2 });
      assert.deepEqual(
        middle.map((s) => s.id),
        [webs[4], webs[5]],
      );
    });

    test('a page stays in ascending id order when sessions were added out of order', async () => {
      const ids = [await nextId(), await nextId(), await nextId(), await nextId()];
      for (const id of [ids[2]!, ids[0]!, ids[3]!, ids[1]!]) await store.open(makeSession({ id }));
      assert.deepEqual(
        (await store.list()).map((s) => s.id),
        ids,
      );
      assert.deepEqual(
        (await store.list({ afterId: ids[0], limit: 2 })).map((s) => s.id),
        [ids[1], ids[2]],
      );
      await store.end(ids[1]!, { reason: 'closed', at: Date.now() });
      assert.deepEqual(
        (await store.list({ afterId: ids[0] })).map((s) => s.id),
        [ids[2], ids[3]],
      );
    });

    test('places: sessions are in the places they joined and their view names; list, count and tally by place', async () => {
      const user = (id: string) => ({ id, name: id, type: 'staff' });
      const ticket = { m: 'support', v: 'getticket', t: 'ticketid|105792' };
      const a = (await store.open(makeSession({ id: await nextId(), user: user('kim'), places: ['doc:42', 'queue:billing'] }))).session;
      const b = (await store.open(makeSession({ id: await nextId(), user: user('kim'), view: ticket }))).session;
      const c = (await store.open(makeSession({ id: await nextId(), user: user('lee'), view: ticket, places: ['ticket:105792'] }))).session;
      await store.open(makeSession({ id: await nextId(), user: user('max') }));

      const ids = async (place: string) => (await store.list({ place })).map((s) => s.id);
      assert.deepEqual(await ids('ticket:105792'), [b.id, c.id], 'by view, and joined and by view at once (listed once)');
      assert.deepEqual(await ids('doc:42'), [a.id]);
      assert.deepEqual(await ids('doc:43'), []);
      assert.equal(await store.count({ place: 'ticket:105792' }), 2);
      assert.equal(await store.count({ place: 'ticket:105792', userId: 'lee' }), 1);
      assert.deepEqual(await store.places({ prefix: '', limit: 10 }), [
        { name: 'doc:42', sessions: 1, users: 1 },
        { name: 'queue:billing', sessions: 1, users: 1 },
        { name: 'ticket:105792', sessions: 2, users: 2 },
      ]);
      assert.deepEqual(
        (await store.places({ prefix: 'q', limit: 10 })).map((p) => p.name),
        ['queue:billing'],
      );
      assert.deepEqual(
        (await store.places({ prefix: '', after: 'doc:42', limit: 1 })).map((p) => p.name),
        ['queue:billing'],
        'a page after a cursor',
      );

      // A change of view or of joined places moves the session; an end takes it out.
      await store.update(b.id, (s) => ({ ...s, view: { m: 'support', v: 'getticket', t: 'ticketid|7' } }), Date.now());
      await store.update(a.id, (s) => ({ ...s, places: ['doc:42'] }), Date.now());
      assert.deepEqual(await ids('ticket:105792'), [c.id]);
      assert.deepEqual(await ids('ticket:7'), [b.id]);
      assert.deepEqual(await ids('queue:billing'), []);
      await close(c.id);
      assert.deepEqual(
        (await store.places({ prefix: 'ticket:', limit: 10 })).map((p) => p.name),
        ['ticket:7'],
      );
    });

    test('place.join and place.leave are per user, numbered among the changes that made them', async () => {
      const user = (id: string) => ({ id, name: id, type: 'staff' });
      const { heard, stop } = hear();
      const placeEvents = () =>
        heard.flatMap(({ change }) => (change.type === 'place.join' || change.type === 'place.leave' ? [change] : []));
      const said = () => placeEvents().map((c) => `${c.user.id} ${c.type === 'place.join' ? 'joins' : 'leaves'} ${c.place}`);

      // kim's first tab joins two places, one of them by its view; her second tab only one of them again.
      const ticket = { m: 'support', v: 'getticket', t: 'ticketid|105792' };
      const tab1 = (await store.open(makeSession({ id: await nextId(), user: user('kim'), places: ['doc:42'], view: ticket }))).session;
      const tab2 = (await store.open(makeSession({ id: await nextId(), user: user('kim'), places: ['doc:42'] }))).session;
      assert.deepEqual(said(), ['kim joins doc:42', 'kim joins ticket:105792']);
      assert.deepEqual(
        heard.slice(0, 4).map((h) => h.type),
        ['session.started', 'user.online', 'place.join', 'place.join'],
        'after the session and the user it belongs to',
      );
      const first = placeEvents()[0]!;
      assert.equal(first.sessionId, tab1.id);
      assert.equal(first.at, tab1.startedAt);

      // The first tab leaves doc:42 (the second is still there) and moves its view to another ticket.
      await store.update(tab1.id, (s) => ({ ...s, places: undefined, view: { m: 'support', v: 'getticket', t: 'ticketid|7' } }), 9_000);
      assert.deepEqual(said().slice(2), ['kim joins ticket:7', 'kim leaves ticket:105792']);
      const [joined, left] = placeEvents().slice(2);
      assert.equal(joined!.at, 9_000);
      assert.equal(left!.sessionId, tab1.id);

      // An update that moves no place says nothing of places.
      const before = heard.length;
      await store.update(tab2.id, (s) => ({ ...s, hostname: 'elsewhere' }), 9_500);
      assert.deepEqual(
        heard.slice(before).map((h) => h.type),
        ['session.updated'],
      );

      // The last tab in doc:42 ends: kim leaves it, then (her other tab still live) stays online.
      await close(tab2.id);
      assert.deepEqual(said().slice(4), ['kim leaves doc:42']);
      // Her last session ends: its places go before the user does.
      await close(tab1.id);
      stop();
      assert.deepEqual(said().slice(5), ['kim leaves ticket:7']);
      assert.deepEqual(
        heard.slice(-3).map((h) => h.type),
        ['session.ended', 'place.leave', 'user.offline'],
      );
      const seqs = heard.map((h) => h.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => seqs[0]! + i),
        'one seq per change, place changes included',
      );
      for (const { seq, change } of heard) {
        if (change.type === 'session.started' || change.type === 'session.updated') {
          assert.equal(change.session.version, seq, "a session's version is the seq of its own change");
        }
      }
      assert.deepEqual(await store.places({ prefix: '', limit: 10 }), []);
    });

    test('tally counts sessions by client type, user type and node, and online users', async () => {
      assert.deepEqual(await store.tally(), { sessions: 0, onlineUsers: 0, byClientType: {}, byUserType: {}, byNode: {} });
      const add = async (overrides: Parameters<typeof makeSession>[0]) => store.open(makeSession({ id: await nextId(), ...overrides }));
      await add({ user: { id: 'a', name: 'A', type: 'staff' }, clientType: 'representative', nodeId: 'n1' });
      await add({ user: { id: 'a', name: 'A', type: 'staff' }, clientType: 'web', nodeId: 'n2' });
      await add({ user: { id: 'b', name: 'B', type: 'customer' }, clientType: 'support_customer', nodeId: 'n1' });
      await add({ user: { id: 'c', name: 'C', type: 'customer' }, clientType: 'web', nodeId: 'n1' });
      assert.deepEqual(await store.tally(), {
        sessions: 4,
        onlineUsers: 3,
        byClientType: { representative: 1, web: 2, support_customer: 1 },
        byUserType: { staff: 2, customer: 2 },
        byNode: { n1: 3, n2: 1 },
      });
    });

    test('lists registered nodes in order of first registration; registering again replaces the entry', async () => {
      // The fixture's store is shared by the suite's tests, so this test uses ids of its own and
      // looks only at them.
      const tag = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const node = (id: string, extra: Partial<LiveNode> = {}): LiveNode => ({
        id: `${id}-${tag}`,
        role: 'master',
        hostname: `${id}.internal`,
        publicHostname: `${id}.example.com`,
        version: '1.0.0',
        timezoneOffset: 0,
        startedAt: 1_000,
        ...extra,
      });
      const mine = async () => (await store.listNodes()).filter((n) => n.id.endsWith(tag));
      await store.registerNode(node('a'));
      await store.registerNode(node('b', { role: 'traffic', timezoneOffset: -18_000 }));
      assert.deepEqual(await mine(), [node('a'), node('b', { role: 'traffic', timezoneOffset: -18_000 })]);

      await store.registerNode(node('a', { version: '1.1.0', startedAt: 2_000 }));
      assert.deepEqual(await mine(), [
        node('a', { version: '1.1.0', startedAt: 2_000 }),
        node('b', { role: 'traffic', timezoneOffset: -18_000 }),
      ]);

      const [listed] = await mine();
      listed!.hostname = 'changed by a caller';
      assert.equal((await mine())[0]?.hostname, 'a.internal', 'callers get copies');
    });

    test('announce puts changes in the sequence for every subscriber, in order, until it unsubscribes', async () => {
      const seen: [string, number][] = [];
      const stop = store.subscribe((c, seq) => seen.push([c.type, seq]));
      const user = { id: 'dave', name: 'Dave', type: 'staff' };
      const changes: PresenceChange[] = [
        { type: 'user.online', at: 1, user },
        { type: 'user.offline', at: 2, user, lastSeenAt: 2 },
      ];
      const before = store.appliedSeq();
      await store.announce(changes);
      assert.deepEqual(seen, [
        ['user.online', before + 1],
        ['user.offline', before + 2],
      ]);
      stop();
      await store.announce([changes[0]!]);
      assert.equal(seen.length, 2);
    });

    test('claimExpired gives each ended session the reason of its expiry and announces it', async () => {
      const now = Date.now();
      const http = makeSession({ id: await nextId(), transport: 'http', expiresAt: now - 1 });
      const detached = makeSession({ id: await nextId(), transport: 'websocket', detached: true, expiresAt: now - 1 });
      await store.open(http);
      await store.open(detached);
      const { heard, stop } = hear();
      const claimed = await store.claimExpired(now, 10);
      stop();
      const reasons = new Map(claimed.map((c) => [c.session.id, c.reason]));
      assert.equal(reasons.get(http.id), 'expired');
      assert.equal(reasons.get(detached.id), 'connection_lost');
      assert.equal(heard.filter((h) => h.type === 'session.ended').length, 2);
    });

    test('touch announces the sessions whose idle flag or view changed', async () => {
      const s = makeSession({ id: await nextId() });
      await store.open(s);
      const { heard, stop } = hear();
      const result = await store.touch([{ id: s.id, idle: true }], Date.now());
      await store.touch([{ id: s.id, idle: true }], Date.now());
      stop();
      assert.deepEqual(
        heard.map((h) => h.type),
        ['session.updated'],
      );
      assert.equal(result.changed[0]?.version, heard[0]?.seq);
    });
  });
}
