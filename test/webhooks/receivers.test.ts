// Receivers: slots per receiver, and when a receiver seems down (then one probe at a time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURES_BEFORE_DOWN, Receivers } from '../../src/webhooks/receivers.ts';

test('a healthy receiver takes up to its share of slots, and is busy at it', () => {
  const receivers = new Receivers(2);
  assert.equal(receivers.take(1), true);
  assert.equal(receivers.take(1), true);
  assert.equal(receivers.take(1), false);
  assert.equal(receivers.take(2), true, 'another receiver has its own slots');
  assert.deepEqual(receivers.busy(), [1]);
  receivers.release(1);
  assert.deepEqual(receivers.busy(), []);
});

test('no answer makes a receiver seem down at once: one slot until it answers 2xx', () => {
  const receivers = new Receivers(4);
  for (let i = 0; i < 3; i++) receivers.take(7);
  assert.equal(receivers.failed(7, 'no_answer'), true);
  for (let i = 0; i < 3; i++) receivers.release(7);
  assert.equal(receivers.take(7), true, 'one probe');
  assert.equal(receivers.take(7), false);
  receivers.answered(7);
  receivers.release(7);
  assert.equal(receivers.take(7), true);
  assert.equal(receivers.take(7), true, 'healthy again: its full share');
});

test(`unwell answers make a receiver seem down only after ${FAILURES_BEFORE_DOWN} in a row; a 4xx never does`, () => {
  const receivers = new Receivers(4);
  for (let i = 1; i < FAILURES_BEFORE_DOWN; i++) assert.equal(receivers.failed(3, 'unwell'), false);
  receivers.answered(3);
  for (let i = 1; i < FAILURES_BEFORE_DOWN; i++) assert.equal(receivers.failed(3, 'unwell'), false, 'a 2xx started the count again');
  assert.equal(receivers.failed(3, 'unwell'), true);
  for (let i = 0; i < 10; i++) assert.equal(receivers.failed(9, 'refused'), false);
});

test('Retry-After is read in seconds or as an HTTP date; anything else is ignored', async () => {
  const { retryAfterMs } = await import('../../src/webhooks/worker.ts');
  const now = Date.parse('2026-12-03T10:00:00Z');
  assert.equal(retryAfterMs('120', now), 120_000);
  assert.equal(retryAfterMs(' 0 ', now), 0);
  assert.equal(retryAfterMs('Thu, 03 Dec 2026 10:01:30 GMT', now), 90_000);
  assert.equal(retryAfterMs('Thu, 03 Dec 2026 09:00:00 GMT', now), 0, 'a date past is now');
  assert.equal(retryAfterMs(null, now), undefined);
  assert.equal(retryAfterMs('-5', now), undefined);
  assert.equal(retryAfterMs('soon', now), undefined);
});
