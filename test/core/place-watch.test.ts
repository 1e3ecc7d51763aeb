// PlaceWatch on a real memory store: the members a watcher gets first, then user-level events: a second
// tab is no join, the last tab leaving is a leave, a change members can see is an update, one they
// cannot see is nothing.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Session } from '../../src/core/model.ts';
import { PlaceWatch, type PlaceFrame } from '../../src/core/place-watch.ts';
import { MemoryLiveStore } from '../../src/live/memory/memory-live-store.ts';
import { makeSession } from '../helpers/sessions.ts';

const TICKET = 'ticket:105792';
const TICKET_VIEW = { m: 'support', v: 'getticket', t: 'ticketid|105792' };

describe('PlaceWatch', () => {
  let store: MemoryLiveStore;
  let watch: PlaceWatch;
  beforeEach(() => {
    store = new MemoryLiveStore();
    watch = new PlaceWatch({
      listSessions: (query) => store.list(query),
      subscribe: (listener) => store.subscribe(listener),
      onResync: () => () => {},
    });
  });

  const watcher = () => {
    const frames: PlaceFrame[] = [];
    return { frames, deliver: (text: string) => frames.push(JSON.parse(text) as PlaceFrame) };
  };
  const open = async (userId: string, extra: Partial<Session> = {}) =>
    (
      await store.open(
        makeSession({
          id: await store.allocateSessionId(),
          user: { id: userId, name: `User ${userId}`, type: 'staff', email: `${userId}@example.com` },
          ...extra,
        }),
      )
    ).session;
  const events = (frames: PlaceFrame[]) =>
    frames.filter((f) => f.type === 'place').map((f) => `${f.type === 'place' ? f.event : ''} ${f.member.user.id}`);

  it('sends the members first: users in order of their first session there, each once, nothing private', async () => {
    const kim1 = await open('kim', { view: TICKET_VIEW });
    const lee = await open('lee', { places: [TICKET] });
    const kim2 = await open('kim', { places: [TICKET] });
    await open('max', { places: ['doc:1'] });
    const w = watcher();
    await watch.watch(TICKET, w);
    assert.equal(w.frames.length, 1);
    const [first] = w.frames;
    assert.ok(first?.type === 'members');
    assert.deepEqual(
      first.members.map((m) => [m.user.id, m.sessions.map((s) => s.id)]),
      [
        ['kim', [kim1.id, kim2.id]],
        ['lee', [lee.id]],
      ],
    );
    assert.deepEqual(first.members[0]!.user, { id: 'kim', name: 'User kim', type: 'staff' }, 'no e-mail');
    assert.deepEqual(first.members[0]!.sessions[0], {
      id: kim1.id,
      clientType: 'web',
      idle: false,
      view: TICKET_VIEW,
      since: Math.floor(kim1.startedAt / 1000),
    });
  });

  it('a first session joins, a second tab changes only the sessions, the last one leaving leaves', async () => {
    const w = watcher();
    await watch.watch(TICKET, w);
    const tab1 = await open('kim', { places: [TICKET] });
    const tab2 = await open('kim', { view: TICKET_VIEW });
    await store.end(tab1.id, { reason: 'closed', at: Date.now() });
    await store.update(tab2.id, (s) => ({ ...s, view: undefined }), Date.now()); // leaves by its view
    assert.deepEqual(events(w.frames), ['join kim', 'sessions kim', 'sessions kim', 'leave kim']);
  });

  it('a change members can see is an update; one they cannot see, or elsewhere, is nothing', async () => {
    const session = await open('kim', { places: [TICKET] });
    const w = watcher();
    await watch.watch(TICKET, w);
    await store.update(session.id, (s) => ({ ...s, idle: true }), Date.now());
    await store.update(session.id, (s) => ({ ...s, hostname: 'elsewhere' }), Date.now());
    const other = await open('lee', { places: ['doc:1'] });
    await store.update(other.id, (s) => ({ ...s, idle: true }), Date.now());
    assert.deepEqual(events(w.frames), ['update kim']);
    const update = w.frames[1];
    assert.ok(update?.type === 'place' && update.event === 'update');
    assert.equal(update.member.sessions?.[0]?.idle, true);
  });

  it('two watchers coming at once both get the members first', async () => {
    await open('kim', { places: [TICKET] });
    const [a, b] = [watcher(), watcher()];
    await Promise.all([watch.watch(TICKET, a), watch.watch(TICKET, b)]);
    for (const w of [a, b]) {
      assert.equal(w.frames[0]?.type, 'members');
      assert.deepEqual(w.frames[0]?.type === 'members' && w.frames[0].members.map((m) => m.user.id), ['kim']);
    }
  });

  it('every watcher of a place gets the same frames; one that unwatched gets none', async () => {
    const [a, b] = [watcher(), watcher()];
    await watch.watch(TICKET, a);
    await watch.watch(TICKET, b);
    await open('kim', { places: [TICKET] });
    watch.unwatch(TICKET, b);
    await open('lee', { places: [TICKET] });
    assert.deepEqual(events(a.frames), ['join kim', 'join lee']);
    assert.deepEqual(events(b.frames), ['join kim']);
    watch.unwatch(TICKET, a);
    assert.equal(watch.watchedPlaces, 0);
  });
});
