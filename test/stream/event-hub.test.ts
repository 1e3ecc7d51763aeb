import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceChange } from '../../src/core/model.ts';
import type { EventBacklog, StreamEvent } from '../../src/stream/event-backlog.ts';
import type { SerializedChange } from '../../src/stream/event-json.ts';
import { EventHub } from '../../src/stream/event-hub.ts';
import { MemoryEventBacklog } from '../../src/stream/memory/memory-event-backlog.ts';
import { makeSession } from '../helpers/sessions.ts';

function feed() {
  const listeners = new Set<(change: PresenceChange) => void>();
  return {
    subscribe(listener: (change: PresenceChange) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(change: PresenceChange) {
      for (const listener of listeners) listener(change);
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
  async append(change: SerializedChange): Promise<StreamEvent> {
    const wait = (this.delay = Math.max(0, this.delay - 10));
    await new Promise((resolve) => setTimeout(resolve, wait));
    return this.inner.append(change);
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

  assert.deepEqual(seen.map((e) => [e.id, e.type, e.userId, e.clientType]), [
    [1, 'session.started', 'hub-user', 'representative'],
    [2, 'user.online', 'hub-user', undefined],
    [3, 'user.offline', 'hub-user', undefined],
  ]);
  assert.equal(seenToo.length, 2, 'a listener that stopped hears nothing more');
  assert.deepEqual(JSON.parse(seen[2]!.data), { type: 'user.offline', at: 1_700_000_001, user: session.user, lastSeenAt: 1_700_000_000 });
  assert.equal(JSON.parse(seen[0]!.data).session.id, session.id);
  assert.equal(errors.length, 3, 'a throwing listener is reported, and the others still hear every event');

  await hub.stop();
  assert.equal(changes.size, 0);
});
