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
