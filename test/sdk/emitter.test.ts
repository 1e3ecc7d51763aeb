import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../../packages/client/src/emitter.ts';

interface Events {
  count: number;
  name: { value: string };
}

test('on delivers payloads and its return value unsubscribes', () => {
  const emitter = new Emitter<Events>();
  const seen: number[] = [];
  const off = emitter.on('count', (n) => seen.push(n));
  emitter.emit('count', 1);
  off();
  emitter.emit('count', 2);
  assert.deepEqual(seen, [1]);
});

test('once runs a single time', () => {
  const emitter = new Emitter<Events>();
  const seen: string[] = [];
  emitter.once('name', ({ value }) => seen.push(value));
  emitter.emit('name', { value: 'a' });
  emitter.emit('name', { value: 'b' });
  assert.deepEqual(seen, ['a']);
});

test('a listener may unsubscribe another during emit without skipping the rest', () => {
  const emitter = new Emitter<Events>();
  const seen: string[] = [];
  let offB = (): void => {};
  emitter.on('count', () => {
    seen.push('a');
    offB();
  });
  offB = emitter.on('count', () => seen.push('b'));
  emitter.on('count', () => seen.push('c'));
  emitter.emit('count', 0);
  emitter.emit('count', 0);
  assert.deepEqual(seen, ['a', 'b', 'c', 'a', 'c']);
});

test('removeAll drops every listener', () => {
  const emitter = new Emitter<Events>();
  let calls = 0;
  emitter.on('count', () => calls++);
  emitter.removeAll();
  emitter.emit('count', 1);
  assert.equal(calls, 0);
});
