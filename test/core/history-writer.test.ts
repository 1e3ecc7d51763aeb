import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistoryWriter, type HistoryWriterTarget } from '../../src/core/history-writer.ts';
import type { UserRecord } from '../../src/core/model.ts';

/** A history that only records what the writer hands it. */
function recordingHistory() {
  const written: UserRecord[][] = [];
  const history: HistoryWriterTarget = {
    recordUsers: async (records) => void written.push(records.map((r) => ({ ...r }))),
    appendSessionLog: async () => {},
  };
  return { history, written };
}

const ann = { id: 'ann', name: 'Ann', type: 'staff' };
const bob = { id: 'bob', name: 'Bob', type: 'staff' };

test('plain activity waits for a checkpoint; opens, ends and views are written at the next flush', async () => {
  const { history, written } = recordingHistory();
  const writer = new HistoryWriter(history, { flushMs: 2_000, onError: (error) => assert.fail(String(error)) });
  writer.active(ann, 1_000);
  writer.seen(bob, 1_000, { m: 'support', v: 'queue', t: '' });
  await writer.flush({ checkpoint: false });
  assert.deepEqual(
    written.map((batch) => batch.map((r) => r.user.id)),
    [['bob']],
  );
  assert.equal(writer.pendingUser('ann')?.lastSeenAt, 1_000, 'queries still see pending activity');
  writer.active(ann, 2_000);
  await writer.flush({ checkpoint: true });
  assert.deepEqual(written[1], [{ user: ann, lastSeenAt: 2_000 }]);
  assert.equal(writer.pendingUser('ann'), undefined);
});

test('a user seen after plain activity is written at the next flush with the latest time', async () => {
  const { history, written } = recordingHistory();
  const writer = new HistoryWriter(history, { flushMs: 2_000, onError: (error) => assert.fail(String(error)) });
  writer.active(ann, 5_000);
  writer.seen(ann, 4_000);
  assert.deepEqual(
    [...writer.pendingUsers()].map((r) => r.user.id),
    ['ann'],
    'one record per user',
  );
  await writer.flush({ checkpoint: false });
  assert.deepEqual(written, [[{ user: ann, lastSeenAt: 5_000 }]]);
});

test('a large flush is written in chunks, yielding between them; records in flight stay visible', async () => {
  const written: number[] = [];
  const logged: number[] = [];
  let seenBetweenChunks: UserRecord | undefined;
  const history: HistoryWriterTarget = {
    recordUsers: async (records) => void written.push(records.length),
    appendSessionLog: async (writes) => void logged.push(writes.length),
  };
  const writer = new HistoryWriter(history, { flushMs: 2_000, onError: (error) => assert.fail(String(error)) });
  for (let i = 0; i < 5_000; i++) {
    writer.seen({ id: `u${i}`, name: `User ${i}`, type: 'staff' }, 1_000 + i);
    const entry = { sessionId: i + 1, userId: `u${i}`, clientType: 'web', nodeId: 'n', remoteAddress: '::1', startedAt: 0 } as const;
    writer.log({ op: 'end', entry: { ...entry, endedAt: 1_000, endReason: 'expired' } });
  }
  let turns = 0;
  const probe = setInterval(() => {
    turns++;
    seenBetweenChunks ??= writer.pendingUser('u4999');
  }, 0);
  const batchesBefore = writer.batchesWritten;
  await writer.flush();
  clearInterval(probe);
  assert.deepEqual(written, [1_000, 1_000, 1_000, 1_000, 1_000]);
  assert.deepEqual(logged, [1_000, 1_000, 1_000, 1_000, 1_000]);
  assert.ok(turns > 0, 'the event loop ran between chunks');
  assert.equal(seenBetweenChunks?.lastSeenAt, 5_999, 'a user not written yet is still pending for queries');
  assert.equal(writer.pendingUser('u4999'), undefined, 'and no longer once written');
  assert.ok(writer.batchesWritten > batchesBefore + 1, 'the batch count moved at the end of the write too');
});

test('a failed chunk keeps it and the chunks after it for the next flush, in order', async () => {
  let fail = true;
  const written: string[][] = [];
  const history: HistoryWriterTarget = {
    recordUsers: async (records) => {
      if (written.length === 1 && fail) {
        fail = false;
        throw new Error('disk full');
      }
      written.push(records.map((r) => r.user.id));
    },
    appendSessionLog: async () => {},
  };
  const errors: unknown[] = [];
  const writer = new HistoryWriter(history, { flushMs: 2_000, onError: (error) => errors.push(error) });
  for (let i = 0; i < 4_500; i++) writer.seen({ id: `u${i}`, name: `User ${i}`, type: 'staff' }, 1_000);
  await writer.flush();
  assert.equal(errors.length, 1);
  assert.equal(written.flat().length, 1_000, 'the first chunk');
  await writer.flush();
  assert.equal(new Set(written.flat()).size, 4_500, 'every user written once the store answers again');
});

test('a checkpoint writes the opens and ends, then the plain activity, each visible until written', async () => {
  const written: string[][] = [];
  const pendingDuringWrites: (number | undefined)[] = [];
  const history: HistoryWriterTarget = {
    recordUsers: async (records) => {
      pendingDuringWrites.push(writer.pendingUser('active-2999')?.lastSeenAt);
      written.push(records.map((r) => r.user.id));
    },
    appendSessionLog: async () => {},
  };
  const writer = new HistoryWriter(history, { flushMs: 2_000, onError: (error) => assert.fail(String(error)) });
  for (let i = 0; i < 3_000; i++) writer.active({ id: `active-${i}`, name: `Active ${i}`, type: 'staff' }, 7_000 + i);
  for (let i = 0; i < 1_500; i++) writer.seen({ id: `seen-${i}`, name: `Seen ${i}`, type: 'staff' }, 1_000 + i);
  // One of the active users is seen too: its record moves over, and is written once, with the opens.
  writer.seen({ id: 'active-0', name: 'Active 0', type: 'staff' }, 500);
  await writer.flush({ checkpoint: true });
  const order = written.flat();
  assert.equal(order.length, 4_500, 'every user once');
  assert.equal(new Set(order).size, 4_500);
  assert.deepEqual(order.slice(0, 1_501), [...Array.from({ length: 1_500 }, (_, i) => `seen-${i}`), 'active-0']);
  assert.deepEqual(
    order.slice(1_501),
    Array.from({ length: 2_999 }, (_, i) => `active-${i + 1}`),
  );
  assert.deepEqual(
    written.map((chunk) => chunk.length),
    [1_000, 1_000, 1_000, 1_000, 500],
  );
  assert.deepEqual(pendingDuringWrites, [7_000 + 2_999, 7_000 + 2_999, 7_000 + 2_999, 7_000 + 2_999, 7_000 + 2_999]);
  assert.equal(writer.pendingUser('active-2999'), undefined, 'written');
});

test('a failed session-log chunk is kept with the ones after it, ahead of what was logged meanwhile', async () => {
  let fail = true;
  const logged: number[] = [];
  const history: HistoryWriterTarget = {
    recordUsers: async () => {},
    appendSessionLog: async (writes) => {
      if (logged.length === 1000 && fail) {
        fail = false;
        // Logged while this write is in progress: it must come after everything kept.
        writer.log(endOf(9_999));
        throw new Error('disk full');
      }
      for (const write of writes) logged.push(write.entry.sessionId);
    },
  };
  const errors: unknown[] = [];
  const writer = new HistoryWriter(history, { flushMs: 2_000, onError: (error) => errors.push(error) });
  for (let id = 1; id <= 2_500; id++) writer.log(endOf(id));
  await writer.flush();
  assert.equal(errors.length, 1);
  assert.deepEqual(
    logged,
    Array.from({ length: 1_000 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    [...writer.pendingSessionLog()].map((write) => write.entry.sessionId),
    [...Array.from({ length: 1_500 }, (_, i) => 1_001 + i), 9_999],
    'kept for the next flush, in order',
  );
  await writer.flush();
  assert.deepEqual(logged, [...Array.from({ length: 2_500 }, (_, i) => i + 1), 9_999]);
  assert.deepEqual([...writer.pendingSessionLog()], []);
});

function endOf(sessionId: number) {
  const entry = { sessionId, userId: `u${sessionId}`, clientType: 'web', nodeId: 'n', remoteAddress: '::1', startedAt: 0 } as const;
  return { op: 'end', entry: { ...entry, endedAt: 1_000, endReason: 'expired' } } as const;
}
