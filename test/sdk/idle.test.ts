import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_IDLE_AFTER_MS, IdleDetector, INPUT_EVENTS } from '../../packages/client/src/idle.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeDocument, FakeEventTarget } from './fake-dom.ts';

function setup(idleAfterMs = 1_000, withInput = true) {
  const clock = new FakeClock();
  const document = new FakeDocument();
  const window = new FakeEventTarget();
  const changes: boolean[] = [];
  const detector = new IdleDetector({
    idleAfterMs,
    clock,
    document,
    inputTarget: withInput ? window : undefined,
    onChange: (idle) => changes.push(idle),
  });
  return { clock, document, window, changes, detector };
}

test('quiet for idleAfterMs → idle; input → active at once', () => {
  const { clock, window, changes, detector } = setup();
  detector.start();
  clock.advance(999);
  assert.deepEqual(changes, []);
  clock.advance(1);
  assert.deepEqual(changes, [true]);
  assert.equal(detector.idle, true);
  window.dispatch('keydown');
  assert.deepEqual(changes, [true, false]);
  clock.advance(1_000);
  assert.deepEqual(changes, [true, false, true]);
});

test('input pushes the deadline back without a timer per event', () => {
  const { clock, window, changes, detector } = setup();
  detector.start();
  clock.advance(600);
  for (let i = 0; i < 50; i++) window.dispatch('pointermove');
  assert.equal(clock.pending, 1);
  clock.advance(600); // 1,200 ms since start, 600 since input
  assert.deepEqual(changes, []);
  clock.advance(399);
  assert.deepEqual(changes, []);
  clock.advance(1);
  assert.deepEqual(changes, [true]);
});

test('every input kind counts, scroll included', () => {
  for (const type of INPUT_EVENTS) {
    const { clock, window, changes, detector } = setup();
    detector.start();
    clock.advance(1_000);
    window.dispatch(type);
    assert.deepEqual(changes, [true, false], type);
    detector.stop();
  }
});

test('a hidden page is idle at once, and active again when visible', () => {
  const { clock, document, changes, detector } = setup();
  detector.start();
  document.setVisibility('hidden');
  assert.deepEqual(changes, [true]);
  assert.equal(clock.pending, 0, 'no idle timer while hidden');
  clock.advance(10_000);
  document.setVisibility('visible');
  assert.deepEqual(changes, [true, false]);
  // Becoming visible restarts the quiet period.
  clock.advance(999);
  assert.deepEqual(changes, [true, false]);
  clock.advance(1);
  assert.deepEqual(changes, [true, false, true]);
});

test('input while hidden does not make the page active', () => {
  const { document, window, changes, detector } = setup();
  detector.start();
  document.setVisibility('hidden');
  window.dispatch('keydown');
  assert.deepEqual(changes, [true]);
});

test('starting on a hidden page reports idle right away', () => {
  const { document, changes, detector } = setup();
  document.visibilityState = 'hidden';
  detector.start();
  assert.deepEqual(changes, [true]);
});

test('without an input source only visibility counts', () => {
  const { clock, document, changes, detector } = setup(1_000, false);
  detector.start();
  clock.advance(60_000);
  assert.deepEqual(changes, []);
  document.setVisibility('hidden');
  document.setVisibility('visible');
  assert.deepEqual(changes, [true, false]);
});

test('stop removes every listener and timer', () => {
  const { clock, document, window, changes, detector } = setup();
  detector.start();
  assert.ok(window.listenerCount > 0);
  detector.stop();
  assert.equal(window.listenerCount, 0);
  assert.equal(document.listenerCount, 0);
  assert.equal(clock.pending, 0);
  clock.advance(5_000);
  document.setVisibility('hidden');
  assert.deepEqual(changes, []);
});

test('defaults to one minute', () => {
  assert.equal(DEFAULT_IDLE_AFTER_MS, 60_000);
  const clock = new FakeClock();
  const changes: boolean[] = [];
  const detector = new IdleDetector({ clock, inputTarget: new FakeEventTarget(), onChange: (idle) => changes.push(idle) });
  detector.start();
  clock.advance(59_999);
  assert.deepEqual(changes, []);
  clock.advance(1);
  assert.deepEqual(changes, [true]);
  detector.stop();
});
