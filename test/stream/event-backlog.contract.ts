// The EventBacklog contract: every implementation runs this suite from
// its own *.test.ts, which supplies a fresh backlog of a given capacity whose first id follows `firstIdAfter`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventBacklog, StreamEvent } from '../../src/stream/event-backlog.ts';
import type { SerializedChange } from '../../src/stream/event-json.ts';

export type OpenBacklog = (options: { capacity: number; firstIdAfter: number }) => Promise<EventBacklog>;

const change = (n: number): SerializedChange => ({
  type: n % 2 === 0 ? 'user.online' : 'session.started',
  userId: `u${n}`,
  ...(n % 2 === 1 && { clientType: 'web' as const }),
  places: n % 3 === 0 ? ['doc:1'] : [],
  data: JSON.stringify({ n }),
});

/** Appends `count` changes with the ids that follow the newest. */
async function fill(backlog: EventBacklog, count: number): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  const after = await backlog.latestId();
  for (let n = 1; n <= count; n++) events.push(await backlog.append(after + n, change(n)));
  return events;
}

/** What a reader of an event sees (an implementation may compute `data` on first read). */
const fields = (event: StreamEvent) => ({
  id: event.id,
  type: event.type,
  userId: event.userId,
  clientType: event.clientType,
  places: event.places,
  data: event.data,
});

const ids = (replay: Awaited<ReturnType<EventBacklog['since']>>) => (replay.kind === 'events' ? replay.events.map((e) => e.id) : 'gap');

export function describeEventBacklogContract(name: string, open: OpenBacklog): void {
  describe(`EventBacklog contract: ${name}`, () => {
    it('keeps each change under the id it is given, after firstIdAfter, with every field', async () => {
      const backlog = await open({ capacity: 10, firstIdAfter: 500 });
      assert.equal(await backlog.latestId(), 500, 'before any event');
      const events = await fill(backlog, 3);
      assert.deepEqual(
        events.map((e) => e.id),
        [501, 502, 503],
      );
      assert.deepEqual(fields(events[0]!), { ...change(1), id: 501 });
      assert.deepEqual(fields(events[1]!), { ...change(2), id: 502, clientType: undefined });
      assert.equal(await backlog.latestId(), 503);
    });

    it('answers what came after an id, oldest first; nothing after the newest', async () => {
      const backlog = await open({ capacity: 10, firstIdAfter: 0 });
      const events = await fill(backlog, 4);
      const replay = await backlog.since(0);
      assert.equal(replay.kind, 'events');
      assert.deepEqual(replay.kind === 'events' && replay.events.map(fields), events.map(fields));
      assert.deepEqual(ids(await backlog.since(2)), [3, 4]);
      assert.deepEqual(ids(await backlog.since(4)), []);
    });

    it('forgets the oldest beyond its capacity: an id whose successors are gone is a gap', async () => {
      const backlog = await open({ capacity: 3, firstIdAfter: 100 });
      await fill(backlog, 5); // 101..105; 103..105 kept
      assert.deepEqual(ids(await backlog.since(102)), [103, 104, 105], 'everything after 102 is still there');
      assert.deepEqual(ids(await backlog.since(104)), [105]);
      assert.equal(ids(await backlog.since(101)), 'gap');
      assert.equal(ids(await backlog.since(0)), 'gap');
      assert.equal((await backlog.since(103)).kind, 'events');
    });

    it('calls an id it never gave out a gap: a later one, or one before its first', async () => {
      const backlog = await open({ capacity: 10, firstIdAfter: 1_000 });
      assert.deepEqual(ids(await backlog.since(1_000)), [], 'nothing yet after the start');
      assert.equal(ids(await backlog.since(999)), 'gap', 'from before this backlog began');
      assert.equal(ids(await backlog.since(1_001)), 'gap', 'not given out yet');
      await fill(backlog, 2);
      assert.equal(ids(await backlog.since(1_003)), 'gap');
      assert.deepEqual(ids(await backlog.since(1_000)), [1_001, 1_002]);
    });

    it('refuses an id that does not come after the newest, and changes nothing', async () => {
      const backlog = await open({ capacity: 10, firstIdAfter: 0 });
      await fill(backlog, 2);
      await assert.rejects(backlog.append(2, change(3)), RangeError);
      await assert.rejects(backlog.append(1, change(3)), RangeError);
      assert.equal(await backlog.latestId(), 2);
      assert.deepEqual(ids(await backlog.since(0)), [1, 2]);
    });

    it('starts over after a jump in the ids (a recreated sequence): what came before is a gap', async () => {
      const backlog = await open({ capacity: 10, firstIdAfter: 0 });
      await fill(backlog, 3);
      await backlog.append(1_000, change(4));
      await backlog.append(1_001, change(5));
      assert.equal(ids(await backlog.since(3)), 'gap', 'the events before the jump do not lead to it');
      assert.equal(ids(await backlog.since(1)), 'gap');
      assert.deepEqual(ids(await backlog.since(1_000)), [1_001]);
      assert.equal(await backlog.latestId(), 1_001);
    });
  });
}
