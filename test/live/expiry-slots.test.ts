import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpirySlots } from '../../src/live/memory/expiry-slots.ts';
import { UserSessionIndex } from '../../src/live/memory/user-session-index.ts';

const dueSlots = (slots: ExpirySlots, now: number, limit: number) => {
  const due: number[] = [];
  slots.scan(now, limit, (slot) => due.push(slot));
  return due;
};

test('a scan finds exactly the due slots, and nothing once they are released', () => {
  const slots = new ExpirySlots();
  const times = [500, 100, 900, 100, 2_000];
  const ids = times.map((t) => slots.allocate(t));
  assert.deepEqual(dueSlots(slots, 100, 10), [ids[1], ids[3]]);
  for (const slot of [ids[1]!, ids[3]!]) slots.release(slot);
  assert.deepEqual(dueSlots(slots, 100, 10), []);
  assert.deepEqual(dueSlots(slots, 900, 10), [ids[0], ids[2]]);
});

test('a scan stopped by its limit goes on where it stopped, and a slot moved earlier behind it is still found', () => {
  const slots = new ExpirySlots();
  const ids = Array.from({ length: 10 }, () => slots.allocate(100));
  const extended = slots.allocate(5_000);
  assert.deepEqual(dueSlots(slots, 100, 4), ids.slice(0, 4));
  for (const slot of ids.slice(0, 4)) slots.release(slot);
  // Slot 0 is behind the cursor now; giving it (reused) an early expiry must not be missed.
  const reused = slots.allocate(50);
  assert.equal(reused, ids[3]);
  assert.deepEqual(dueSlots(slots, 100, 100), ids.slice(4));
  for (const slot of ids.slice(4)) slots.release(slot);
  // The unfinished scan's earliest kept expiry was the reused slot's, so the next scan looks again.
  assert.deepEqual(dueSlots(slots, 100, 100), [reused]);
  slots.release(reused);
  assert.deepEqual(dueSlots(slots, 4_999, 100), []);
  slots.set(extended, 4_000);
  assert.deepEqual(dueSlots(slots, 4_999, 100), [extended]);
});

test('an expiry moved later is not due at its old time; one moved earlier is due at its new time', () => {
  const slots = new ExpirySlots();
  const a = slots.allocate(100);
  const b = slots.allocate(10_000);
  slots.set(a, 300);
  assert.deepEqual(dueSlots(slots, 200, 10), []);
  slots.set(b, 250);
  assert.deepEqual(dueSlots(slots, 260, 10), [b]);
  assert.deepEqual(dueSlots(slots, 300, 10), [a, b]);
});

test('slots grow past the initial capacity and freed slots are reused', () => {
  const slots = new ExpirySlots();
  const ids = Array.from({ length: 5_000 }, (_, i) => slots.allocate(i));
  assert.equal(new Set(ids).size, 5_000);
  assert.equal(dueSlots(slots, 4_999, 10_000).length, 5_000);
  slots.release(ids[42]!);
  assert.equal(slots.allocate(1), ids[42]);
});

test('the user index keeps one id bare and several in order of arrival, and says when a user has none left', () => {
  const index = new UserSessionIndex();
  assert.equal(index.add('ann', 1), true);
  assert.equal(index.add('ann', 2), false);
  assert.equal(index.add('ann', 3), false);
  assert.equal(index.add('bob', 4), true);
  assert.deepEqual(index.sessionIds('ann'), [1, 2, 3]);
  assert.equal(index.size, 2);
  assert.equal(index.remove('ann', 2), false);
  assert.equal(index.remove('ann', 1), false);
  assert.deepEqual(index.sessionIds('ann'), [3]);
  assert.equal(index.remove('ann', 99), false, 'an id the user does not have changes nothing');
  assert.equal(index.remove('ann', 3), true);
  assert.deepEqual(index.sessionIds('ann'), []);
  assert.deepEqual(index.userIds(), ['bob']);
  assert.equal(index.remove('nobody', 1), true);
});
