import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceChange } from '../../src/core/model.ts';
import type { EventBacklog, StreamEvent } from '../../src/stream/event-backlog.ts';
import { eventJson, type SerializedChange } from '../../src/stream/event-json.ts';
import { EventHub } from '../../src/stream/event-hub.ts';
import { MemoryEventBacklog } from '../../src/stream/memory/memory-event-backlog.ts';
import { MemoryLiveStore } from '../../src/live/memory/memory-live-store.ts';
import { deliveryBody } from '../../src/webhooks/outbox.ts';
import { makeSession } from '../helpers/sessions.ts';

function feed() {
  const listeners = new Set<(change: PresenceChange, seq: number) => void>();
  const resyncListeners = new Set<() => void>();
  let seq = 0;
  return {
    subscribe(listener: (change: PresenceChange, seq: number) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    publish(change: PresenceChange) {
      seq++;
      for (const listener of listeners) listener(change, seq);
    },
    onResync(listener: () => void) {
      resyncListeners.add(listener);
      return () => void resyncListeners.delete(listener);
    },
    resync() {
      for (const listener of resyncListeners) listener();
    },
    async changesSince() {
      return undefined;
    },
    get size() {
      return listeners.size;
    },
  };
}

/** A backlog whose appends finish in reverse order, as a remote one might. */
class SlowFirstBacklog implements EventBacklog {
  private readonly inner = new MemoryEventBacklog({ capacity: 100, firstIdAfter: 0 });
  private delay = 30;
  async append(id: number, change: SerializedChange): Promise<StreamEvent> {
    const wait = (this.delay = Math.max(0, this.delay - 10));
    await new Promise((resolve) => setTimeout(resolve, wait));
    return this.inner.append(id, change);
  }
  latestId() {
    return this.inner.latestId();
  }
  since(afterId: number) {
    return this.inner.since(afterId);
  }
}

test('the hub serializes each change once, numbers changes in feed order and hands them to every listener', async () => {
  const changes = feed();
  const errors: unknown[] = [];
  const hub = new EventHub(changes, new SlowFirstBacklog(), (error) => errors.push(error));
  hub.start();
  const seen: StreamEvent[] = [];
  const seenToo: StreamEvent[] = [];
  hub.listen((event) => seen.push(event));
  const stop = hub.listen((event) => seenToo.push(event));
  hub.listen(() => {
    throw new Error('a broken listener');
  });

  const session = makeSession({ user: { id: 'hub-user', name: 'H', type: 'staff' }, clientType: 'representative' });
  changes.publish({ type: 'session.started', at: 1_700_000_000_500, session });
  changes.publish({ type: 'user.online', at: 1_700_000_000_600, user: session.user });
  await hub.settled();
  stop();
  changes.publish({ type: 'user.offline', at: 1_700_000_001_000, user: session.user, lastSeenAt: 1_700_000_000_900 });
  await hub.settled();

  assert.deepEqual(
    seen.map((e) => [e.id, e.type, e.userId, e.clientType]),
    [
      [1, 'session.started', 'hub-user', 'representative'],
      [2, 'user.online', 'hub-user', undefined],
      [3, 'user.offline', 'hub-user', undefined],
    ],
  );
  assert.equal(seenToo.length, 2, 'a listener that stopped hears nothing more');
  assert.deepEqual(JSON.parse(seen[2]!.data), { type: 'user.offline', at: 1_700_000_001, user: session.user, lastSeenAt: 1_700_000_000 });
  assert.equal(JSON.parse(seen[0]!.data).session.id, session.id);
  assert.equal(errors.length, 3, 'a throwing listener is reported, and the others still hear every event');

  await hub.stop();
  assert.equal(changes.size, 0);
});

test('an event is serialized only when read, and once however often it is read (live, replayed, as a webhook body)', async () => {
  const changes = feed();
  const backlog = new MemoryEventBacklog({ capacity: 10, firstIdAfter: 0 });
  const hub = new EventHub(changes, backlog, (error) => assert.fail(String(error)));
  hub.start();
  const seen: StreamEvent[] = [];
  hub.listen((event) => seen.push(event));

  // Serializing a session reads its host name: counting those reads counts serializations.
  const session = makeSession({ hostname: 'counted-pc' });
  let serializations = 0;
  Object.defineProperty(session, 'hostname', {
    get: () => {
      serializations++;
      return 'counted-pc';
    },
  });
  changes.publish({ type: 'session.started', at: 1_700_000_000_000, session });
  await hub.settled();
  const replay = await backlog.since(0);
  assert.equal(replay.kind, 'events');
  assert.equal(seen[0]?.type, 'session.started', 'listeners and filters see the facts without the JSON');
  assert.equal(serializations, 0, 'nobody read it: never serialized');

  const live = seen[0]!.data;
  const replayed = replay.kind === 'events' ? replay.events[0]!.data : '';
  const body = deliveryBody(seen[0]!, 'delivery-1');
  assert.equal(JSON.parse(live).session.hostname, 'counted-pc');
  assert.equal(replayed, live);
  assert.equal(JSON.parse(body).hostname, undefined);
  assert.equal(JSON.parse(body).session.hostname, 'counted-pc');
  assert.equal(serializations, 1, 'read three times, serialized once');
  await hub.stop();
});

test('an event read after later heartbeats says what it said at the change: live and replayed alike', async () => {
  // The memory store moves a live session's lastActivityAt in place on every heartbeat.
  const store = new MemoryLiveStore({ firstSeqAfter: 0 });
  const backlog = new MemoryEventBacklog({ capacity: 10, firstIdAfter: 0 });
  const hub = new EventHub(store, backlog, (error) => assert.fail(String(error)));
  hub.start();
  const seen: StreamEvent[] = [];
  hub.listen((event) => seen.push(event));

  const startedAt = 1_700_000_000_000;
  const session = makeSession({ startedAt });
  const { session: stored } = await store.open(session);
  const change: PresenceChange = { type: 'session.started', at: startedAt, session: stored };
  const atTheChange = JSON.stringify(eventJson({ ...change, session: { ...stored } }));
  await store.touch([{ id: session.id }], startedAt + 45_000);
  await hub.settled();
  await store.touch([{ id: session.id }], startedAt + 90_000);
  assert.equal((await store.get(session.id))?.lastActivityAt, startedAt + 90_000, 'the stored session moved on');

  const replay = await backlog.since(0);
  assert.equal(replay.kind === 'events' && replay.events[0]!.data, atTheChange, 'a replay shows the change as it was');
  assert.equal(seen[0]!.data, atTheChange, 'a live listener reading late gets the same bytes');
  assert.equal(JSON.parse(atTheChange).session.lastActivityAt, startedAt / 1000);
  await hub.stop();
  await store.close();
});

test('the hub tells its resync listeners after the events taken before, in order', async () => {
  const changes = feed();
  const hub = new EventHub(changes, new SlowFirstBacklog(), (error) => assert.fail(String(error)));
  hub.start();
  const seen: string[] = [];
  hub.listen((event) => seen.push(String(event.id)));
  hub.onResync(() => seen.push('resync'));
  const session = makeSession();
  changes.publish({ type: 'session.started', at: 1, session });
  changes.publish({ type: 'session.updated', at: 2, session });
  changes.resync();
  changes.publish({ type: 'session.updated', at: 3, session });
  await hub.settled();
  assert.deepEqual(seen, ['1', '2', 'resync', '3']);
  await hub.stop();
});
