// PresenceService rules with a controlled clock, the in-memory live store and a real SQLite history.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Actor } from '../../src/core/actor.ts';
import type { RollcallError } from '../../src/core/errors.ts';
import { EVENT_LOG_LIMIT, sessionEvents, type PresenceChange } from '../../src/core/model.ts';
import { PresenceService } from '../../src/core/presence-service.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { MemoryLiveStore } from '../../src/live/memory/memory-live-store.ts';
import { coreOptions } from '../helpers/core.ts';
import { openBody } from '../helpers/sessions.ts';

const INGEST: Actor = { kind: 'ingest' };
const HTTP = { transport: 'http' as const, remoteAddress: '127.0.0.1' };
const WS = { transport: 'websocket' as const, remoteAddress: '127.0.0.1' };

describe('PresenceService', () => {
  let dir: string;
  let history: HistoryStore;
  let live: MemoryLiveStore;
  let presence: PresenceService;
  let clock: number;
  let changes: PresenceChange[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-core-'));
    history = new SqliteHistoryStore(openSqliteDatabase(join(dir, 'h.db')));
    live = new MemoryLiveStore();
    clock = 1_700_000_000_000;
    presence = new PresenceService(
      live,
      history,
      coreOptions({
        now: () => clock,
        onError: (error) => {
          throw error;
        },
      }),
    );
    changes = [];
    presence.subscribe((c) => changes.push(c));
  });

  afterEach(async () => {
    await presence.stop();
    await history.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const types = () => changes.map((c) => c.type);

  test('user online fires on the first session only, offline on the last only', async () => {
    const a = await presence.open(openBody(), INGEST, HTTP);
    const b = await presence.open(openBody({ clientType: 'web' }), INGEST, HTTP);
    assert.deepEqual(types(), ['session.started', 'user.online', 'session.started']);
    await presence.end(a.session.id, INGEST);
    assert.deepEqual(types().slice(3), ['session.ended']);
    clock += 5_000;
    await presence.heartbeat(b.session.id, {}, INGEST);
    await presence.end(b.session.id, INGEST);
    assert.deepEqual(types().slice(4), ['session.ended', 'user.offline']);
    const offline = changes.at(-1);
    assert.equal(offline?.type === 'user.offline' && offline.lastSeenAt, clock, 'last seen is the latest activity of any session');
  });

  test('an HTTP session ends TTL after its last heartbeat, with reason expired', async () => {
    const { session } = await presence.open(openBody(), INGEST, HTTP);
    clock += 60_000;
    await presence.heartbeat(session.id, {}, INGEST);
    clock += 89_999;
    await presence.sweep();
    assert.ok(await presence.getSession(session.id), 'still inside the TTL');
    clock += 2;
    await presence.sweep();
    assert.equal(await presence.getSession(session.id), undefined);
    const ended = changes.find((c) => c.type === 'session.ended');
    assert.equal(ended?.type === 'session.ended' && ended.reason, 'expired');
    assert.equal(ended?.type === 'session.ended' && sessionEvents(ended.session).at(-1)?.kind, 'ended');
    await presence.flushHistory();
    const [log] = await history.listSessionLog({ userId: '4145' });
    assert.equal(log?.endReason, 'expired');
  });

  test('a sweep ends expired sessions in slices: each once, and not those touched meanwhile', async () => {
    const sliced = new PresenceService(
      live,
      history,
      coreOptions({ now: () => clock, sweepSliceMs: 0, onError: (e) => assert.fail(String(e)) }),
    );
    const ids: number[] = [];
    for (let i = 0; i < 3_500; i++) {
      const { session } = await sliced.open(openBody({ user: { id: `u${i % 2_000}`, name: `User ${i}`, type: 'staff' } }), INGEST, HTTP);
      ids.push(session.id);
    }
    // Opened in this order, the last 500 are in the sweep's third or fourth batch of 1,000.
    const touched = ids.slice(-500);
    const endedByHand = ids[2_500]!;
    clock += 90_001;
    changes.length = 0;
    let turns = 0;
    const sweeping = sliced.sweep();
    // Runs in the first turn the sweep gives back, before its second batch.
    const meanwhile = new Promise<void>((resolve) =>
      setImmediate(async () => {
        turns++;
        const { unknown } = await sliced.heartbeats({ heartbeats: touched.map((id) => ({ id })) }, INGEST);
        assert.deepEqual(unknown, [], 'the sweep had not reached them yet');
        await sliced.end(endedByHand, INGEST);
        resolve();
      }),
    );
    await Promise.all([sweeping, meanwhile]);
    assert.equal(turns, 1);
    const endedIds = changes.flatMap((c) => (c.type === 'session.ended' ? [c.session.id] : []));
    assert.equal(new Set(endedIds).size, endedIds.length, 'no session ended twice');
    assert.deepEqual(
      endedIds.toSorted((a, b) => a - b),
      ids.slice(0, -500),
      'every expired session ended, the touched ones not',
    );
    assert.equal(await sliced.countSessions(), 500);
    for (const id of touched) assert.ok(await sliced.getSession(id), `session ${id} was touched and stays`);
    const reasons = changes.flatMap((c) => (c.type === 'session.ended' && c.session.id !== endedByHand ? [c.reason] : []));
    assert.ok(reasons.every((r) => r === 'expired'));
    await sliced.flushHistory();
    const log = await history.listSessionLog({ limit: 5_000 });
    assert.equal(log.filter((entry) => entry.endedAt !== undefined).length, 3_000, 'one end row per ended session');
  });

  test('users are grouped as one pass over the sessions would: order, last seen, last view', async () => {
    const views = [undefined, { m: 'crm', v: 'contact', t: 'id|1' }, { m: 'support', v: 'queue', t: '' }];
    for (let i = 0; i < 2_000; i++) {
      clock += i % 7;
      const { session } = await presence.open(
        openBody({ user: { id: `u${(i * 7919) % 1_300}`, name: `User ${i}`, type: 'staff' }, ...(views[i % 3] && { view: views[i % 3] }) }),
        INGEST,
        HTTP,
      );
      if (i % 5 === 0) {
        clock += 3;
        await presence.heartbeat(session.id, {}, INGEST);
      }
    }
    // The reference: one synchronous pass, as users() was written before it yielded.
    const reference = async () => {
      const sessions = await presence.listSessions();
      const byUser = new Map<string, typeof sessions>();
      for (const s of sessions) byUser.set(s.user.id, [...(byUser.get(s.user.id) ?? []), s]);
      return [...byUser.values()].map((list) => {
        const lastSeenAt = Math.max(...list.map((s) => s.lastActivityAt));
        // Facts as the session that changed last has them; the view of the tab last turned to: active
        // before idle, then the latest change (stable sorts: the first of equals).
        const changedLast = list.toSorted((a, b) => b.version - a.version)[0]!;
        const withView = list.filter((s) => s.view).sort((a, b) => Number(a.idle) - Number(b.idle) || b.version - a.version)[0];
        return { user: changedLast.user, lastSeenAt, lastView: withView?.view, ids: list.map((s) => s.id) };
      });
    };
    const grouped = async () =>
      (await presence.users('online')).map((u) => ({
        user: u.user,
        lastSeenAt: u.lastSeenAt,
        lastView: u.lastView,
        ids: u.sessions.map((s) => s.id),
      }));
    assert.deepEqual(await grouped(), await reference());

    // Kept between calls: the same array while nothing moved; after heartbeats only the users whose
    // sessions moved are new objects; after a change (a session ends, another opens) grouped afresh.
    const first = await presence.users('online');
    assert.equal(await presence.users('online'), first, 'nothing moved: the same answer');
    const live = await presence.listSessions();
    for (let round = 0; round < 4; round++) {
      clock += 1_000;
      const beaten = live.filter((_, i) => i % 97 === round);
      for (const session of beaten) await presence.heartbeat(session.id, {}, INGEST);
      const before = await presence.users('online');
      assert.deepEqual(await grouped(), await reference(), `after heartbeats, round ${round}`);
      const movedUsers = new Set(beaten.map((s) => s.user.id));
      const after = await presence.users('online');
      assert.equal(after, before, 'read twice with nothing moved in between: the same array');
      if (round === 0) {
        for (const [i, user] of after.entries()) {
          if (movedUsers.has(user.user.id)) assert.notEqual(user, first[i], `user ${user.user.id} moved: made again`);
          else assert.equal(user, first[i], `user ${user.user.id} did not move: the same object`);
        }
      }
      await presence.end(live[round * 13]!.id, INGEST);
      await presence.open(openBody({ user: { id: `u${round}`, name: 'Again', type: 'staff' } }), INGEST, HTTP);
      assert.deepEqual(await grouped(), await reference(), `after a session ended and one opened, round ${round}`);
    }
  });

  test("a user's name and last view come from the tab that changed last, and heartbeats do not move them", async () => {
    const ticket = (n: number) => ({ m: 'support', v: 'getticket', t: `ticketid|${n}` });
    const kim = { id: 'kim', name: 'Kim', type: 'staff' as const };
    const kimOnline = async () => (await presence.users('online')).find((u) => u.user.id === 'kim');
    const lastView = async () => (await kimOnline())?.lastView;
    const single = async () => (await presence.user('kim'))?.lastView;
    const a = (await presence.open(openBody({ user: kim, view: ticket(1) }), INGEST, HTTP)).session.id;
    clock += 1_000;
    const b = (await presence.open(openBody({ user: { ...kim, name: 'Kim Renamed' }, view: ticket(2) }), INGEST, HTTP)).session.id;
    assert.deepEqual(await lastView(), ticket(2), 'the tab opened last');
    // Tab 1 heartbeats later than tab 2, with its view unchanged: still tab 2's view and name.
    for (const id of [b, a, b, a]) {
      clock += 1_000;
      await presence.heartbeat(id, { view: id === a ? ticket(1) : ticket(2) }, INGEST);
      assert.deepEqual(await lastView(), ticket(2), `after a heartbeat of session ${id}`);
      assert.deepEqual(await single(), ticket(2));
      assert.equal((await kimOnline())?.user.name, 'Kim Renamed');
      assert.equal((await presence.user('kim'))?.user.name, 'Kim Renamed');
      assert.equal((await kimOnline())?.lastSeenAt, clock, 'last seen is the latest heartbeat');
    }
    clock += 1_000;
    await presence.heartbeat(a, { view: ticket(3) }, INGEST);
    assert.deepEqual(await lastView(), ticket(3), 'a new view in tab 1');
    clock += 1_000;
    await presence.heartbeat(a, { idle: true }, INGEST);
    assert.deepEqual(await lastView(), ticket(2), 'tab 1 went idle: the active tab');
    assert.deepEqual(await single(), ticket(2));
    clock += 1_000;
    await presence.heartbeat(b, { idle: true }, INGEST);
    assert.deepEqual(await lastView(), ticket(2), 'both idle: the one that changed last');
    clock += 1_000;
    await presence.heartbeat(a, { idle: false }, INGEST);
    assert.deepEqual(await lastView(), ticket(3), 'tab 1 came back');
    assert.deepEqual(await single(), ticket(3));
  });

  test('a detached socket session resumes within the grace period with no leave or join', async () => {
    const opened = await presence.open(openBody(), INGEST, WS);
    await presence.detach(opened.session.id);
    clock += 9_000;
    const resumed = await presence.resume(opened.resumeToken, WS);
    assert.equal(resumed.session.id, opened.session.id);
    assert.notEqual(resumed.resumeToken, opened.resumeToken, 'the token rotates on resume');
    assert.deepEqual(
      sessionEvents(resumed.session).map((e) => e.kind),
      ['connected', 'disconnected', 'resumed'],
    );
    assert.ok(!types().includes('user.offline'));
    assert.equal(types().filter((t) => t === 'user.online').length, 1);
    await assert.rejects(presence.resume(opened.resumeToken, WS), (e: RollcallError) => e.code === 'not_found', 'an old token is spent');
  });

  test('a detached socket session ends after the grace period with reason connection_lost', async () => {
    const opened = await presence.open(openBody(), INGEST, WS);
    await presence.detach(opened.session.id);
    clock += 10_001;
    await presence.sweep();
    const ended = changes.find((c) => c.type === 'session.ended');
    assert.equal(ended?.type === 'session.ended' && ended.reason, 'connection_lost');
    await assert.rejects(presence.resume(opened.resumeToken, WS), (e: RollcallError) => e.code === 'not_found');
  });

  test('a socket session that stops answering pings expires with reason ping_timeout', async () => {
    const { session } = await presence.open(openBody(), INGEST, WS);
    clock += 15_000;
    assert.deepEqual(await presence.keepAlive([session.id]), []);
    clock += 37_499;
    await presence.sweep();
    assert.ok(await presence.getSession(session.id));
    clock += 2;
    await presence.sweep();
    const ended = changes.find((c) => c.type === 'session.ended');
    assert.equal(ended?.type === 'session.ended' && ended.reason, 'ping_timeout');
  });

  test('a forged resume token is refused', async () => {
    const opened = await presence.open(openBody(), INGEST, WS);
    await assert.rejects(presence.resume(`${opened.session.id}.forged`, WS), (e: RollcallError) => e.code === 'not_found');
    await assert.rejects(presence.resume('garbage', WS), (e: RollcallError) => e.code === 'not_found');
  });

  test('the event log keeps the last 20 events', async () => {
    const opened = await presence.open(openBody(), INGEST, WS);
    let token = opened.resumeToken;
    for (let i = 0; i < 15; i++) {
      await presence.detach(opened.session.id);
      token = (await presence.resume(token, WS)).resumeToken;
    }
    const session = await presence.getSession(opened.session.id);
    assert.equal(session && sessionEvents(session).length, EVENT_LOG_LIMIT);
    assert.equal(session && sessionEvents(session).at(-1)?.kind, 'resumed');
    assert.notEqual(session && sessionEvents(session)[0]?.kind, 'connected', 'the oldest events were dropped');
  });

  test('a client token opens sessions only for its own user and allowed client types', async () => {
    const client: Actor = { kind: 'client', userId: 'u7', name: 'Token Name', clientTypes: ['web'] };
    const { session } = await presence.open({ clientType: 'web' }, client, WS);
    assert.equal(session.user.id, 'u7');
    assert.equal(session.user.name, 'Token Name');
    await assert.rejects(presence.open(openBody(), client, WS), (e: RollcallError) => e.code === 'forbidden');
    await assert.rejects(
      presence.open({ clientType: 'representative' }, client, WS),
      (e: RollcallError) => e.code === 'forbidden' && /allows only web/.test(e.message),
    );
    const other = await presence.open(openBody(), INGEST, HTTP);
    await assert.rejects(presence.heartbeat(other.session.id, {}, client), (e: RollcallError) => e.code === 'not_found');
    await assert.rejects(presence.end(other.session.id, client), (e: RollcallError) => e.code === 'not_found');
  });

  test('representative counts follow lsids unless given, and heartbeats merge routing flags', async () => {
    const { session } = await presence.open(
      openBody({ clientType: 'representative', representative: { supportSessionLsids: ['a', 'b'] } }),
      INGEST,
      HTTP,
    );
    assert.equal(session.representative?.supportSessionCount, 2);
    assert.equal(session.representative?.type, 'Normal');
    await presence.heartbeat(session.id, { representative: { routingBusy: true } }, INGEST);
    const after = await presence.getSession(session.id);
    assert.equal(after?.representative?.routingBusy, true);
    assert.deepEqual(after?.representative?.supportSessionLsids, ['a', 'b']);
    const web = await presence.open(openBody(), INGEST, HTTP);
    await assert.rejects(
      presence.heartbeat(web.session.id, { representative: { routingBusy: true } }, INGEST),
      (e: RollcallError) => e.code === 'invalid_body',
    );
  });

  test("only admins end other people's sessions, and the log says who", async () => {
    const { session } = await presence.open(openBody(), INGEST, HTTP);
    await assert.rejects(
      presence.end(session.id, { kind: 'account', username: 'r', role: 'reader' }),
      (e: RollcallError) => e.code === 'forbidden',
    );
    const ended = await presence.end(session.id, { kind: 'account', username: 'alice', role: 'admin' });
    assert.match(sessionEvents(ended).at(-1)!.text, /ended by admin by alice/);
    await presence.flushHistory();
    const [log] = await history.listSessionLog({ userId: '4145' });
    assert.equal(log?.endReason, 'ended_by_admin');
    assert.equal(log?.endedBy, 'alice');
  });

  test('last seen and last view reach history in batches, and offline users come from it', async () => {
    const { session } = await presence.open(openBody(), INGEST, HTTP);
    await presence.heartbeat(session.id, { view: { m: 'support', v: 'getticket', t: 'ticketid|1' } }, INGEST);
    assert.equal(await history.getUser('4145'), undefined, 'nothing is written per heartbeat');
    clock += 1_000;
    await presence.end(session.id, INGEST);
    const offline = await presence.users('offline');
    assert.equal(offline[0]?.user.id, '4145', 'pending records already count');
    await presence.flushHistory();
    const record = await history.getUser('4145');
    assert.equal(record?.lastSeenAt, clock - 1_000);
    assert.deepEqual(record?.lastView, { m: 'support', v: 'getticket', t: 'ticketid|1' });
  });

  test('plain heartbeats reach history at the next checkpoint, with the latest activity the live store holds', async () => {
    const http = await presence.open(openBody(), INGEST, HTTP);
    const ws = await presence.open(openBody({ user: { id: 'socket-user', name: 'Socket User', type: 'staff' } }), INGEST, WS);
    await presence.flushHistory();
    const openedAt = clock;
    clock += 5_000;
    await presence.heartbeat(http.session.id, {}, INGEST);
    await presence.keepAlive([ws.session.id]);
    assert.equal((await history.getUser('4145'))?.lastSeenAt, openedAt, 'nothing is written per heartbeat');
    await presence.flushHistory();
    assert.equal((await history.getUser('4145'))?.lastSeenAt, clock);
    assert.equal((await history.getUser('socket-user'))?.lastSeenAt, clock);
    clock += 5_000;
    await presence.keepAlive([ws.session.id]);
    await presence.flushHistory();
    assert.equal((await history.getUser('socket-user'))?.lastSeenAt, clock, 'each checkpoint takes what moved since the one before');
    assert.equal((await history.getUser('4145'))?.lastSeenAt, clock - 5_000);
  });

  test('a checkpoint collects the activity of every session, page after page of the live store', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 4_500; i++) {
      const user = { id: `paged-${i}`, name: `Paged ${i}`, type: 'staff' };
      ids.push((await presence.open(openBody({ user }), INGEST, WS)).session.id);
    }
    await presence.flushHistory();
    clock += 5_000;
    await presence.keepAlive(ids);
    await presence.flushHistory();
    const stale = [];
    for (let i = 0; i < 4_500; i++) {
      if ((await history.getUser(`paged-${i}`))?.lastSeenAt !== clock) stale.push(i);
    }
    assert.deepEqual(stale, [], 'users whose activity the checkpoint missed');
  });

  test('offline users read from history are reused until this node writes history or a flush interval passes', async () => {
    const { session } = await presence.open(openBody(), INGEST, HTTP);
    await presence.end(session.id, INGEST);
    await presence.flushHistory();
    assert.deepEqual(
      (await presence.users('offline')).map((u) => u.user.id),
      ['4145'],
    );
    // Another node writes a user to the shared history: not read again at once…
    await history.recordUsers([{ user: { id: 'n2', name: 'Seen Elsewhere', type: 'staff' }, lastSeenAt: clock }]);
    assert.deepEqual(
      (await presence.users('offline')).map((u) => u.user.id),
      ['4145'],
    );
    // …but once a flush interval (60 s here) has passed.
    clock += 60_000;
    assert.deepEqual((await presence.users('offline')).map((u) => u.user.id).sort(), ['4145', 'n2']);
    // What this node writes invalidates what was read at once.
    const other = await presence.open(openBody({ user: { id: 'x9', name: 'X', type: 'staff' } }), INGEST, HTTP);
    await presence.end(other.session.id, INGEST);
    await presence.flushHistory();
    await history.recordUsers([{ user: { id: 'n3', name: 'Also Elsewhere', type: 'staff' }, lastSeenAt: clock }]);
    assert.deepEqual((await presence.users('offline')).map((u) => u.user.id).sort(), ['4145', 'n2', 'n3', 'x9']);
  });

  test('users outside the offline window are not offline users', async () => {
    const { session } = await presence.open(openBody(), INGEST, HTTP);
    await presence.end(session.id, INGEST);
    await presence.flushHistory();
    clock += 86_400_001;
    assert.deepEqual(await presence.users('offline'), []);
  });

  test('stopping a node whose store dies with it ends its sessions in history', async () => {
    await presence.open(openBody(), INGEST, WS);
    await presence.stop();
    const [log] = await history.listSessionLog({ userId: '4145' });
    assert.equal(log?.endReason, 'server_shutdown');
    assert.equal((await history.getUser('4145'))?.user.name, 'Jack Smith');
  });
});
