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
