import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, DEFAULT_BACKOFF } from '../../packages/client/src/backoff.ts';

const almostOne = (): number => 0.999_999;

test('bounds double from the base up to the cap', () => {
  const backoff = new Backoff({ baseMs: 500, maxMs: 30_000 }, almostOne);
  const delays = Array.from({ length: 10 }, () => backoff.next());
  assert.deepEqual(delays, [499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999, 29_999]);
  assert.equal(backoff.attempts, 10);
});

test('full jitter: every delay lies in [0, bound) and the draw decides where', () => {
  assert.equal(new Backoff({}, () => 0).next(), 0);
  assert.equal(new Backoff({ baseMs: 1000 }, () => 0.5).next(), 500);
  const backoff = new Backoff({ baseMs: 100, maxMs: 2_000 });
  for (let i = 0; i < 200; i++) {
    const bound = backoff.nextBoundMs;
    const delay = backoff.next();
    assert.ok(delay >= 0 && delay < bound, `${delay} outside [0, ${bound})`);
    if (i % 20 === 19) backoff.reset();
  }
});

test('stays finite after very many attempts', () => {
  const backoff = new Backoff({ baseMs: 500, maxMs: 30_000 }, almostOne);
  for (let i = 0; i < 2_000; i++) backoff.next();
  assert.equal(backoff.next(), 29_999);
});

test('reset starts again from the base', () => {
  const backoff = new Backoff({ baseMs: 200, maxMs: 10_000 }, almostOne);
  backoff.next();
  backoff.next();
  backoff.next();
  backoff.reset();
  assert.equal(backoff.attempts, 0);
  assert.equal(backoff.next(), 199);
});

test('defaults are 500 ms base, 30 s cap, 2 s restart window', () => {
  assert.deepEqual(DEFAULT_BACKOFF, { baseMs: 500, maxMs: 30_000, restartMs: 2_000 });
  const backoff = new Backoff({}, almostOne);
  assert.equal(backoff.nextBoundMs, 500);
});

test('a cap below the base is raised to the base', () => {
  const backoff = new Backoff({ baseMs: 1_000, maxMs: 10 }, almostOne);
  assert.equal(backoff.next(), 999);
  assert.equal(backoff.next(), 999);
});

test('after a restart: jitter within the restart window, then exponential if it repeats', () => {
  const backoff = new Backoff({ baseMs: 500, maxMs: 30_000, restartMs: 2_000 }, almostOne);
  assert.equal(backoff.afterRestart(), 1_999);
  // No success in between: the second restart is treated as a failing server.
  assert.equal(backoff.afterRestart(), 999);
  backoff.reset();
  assert.equal(backoff.afterRestart(), 1_999);
});
