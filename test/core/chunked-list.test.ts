import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedList } from '../../src/core/chunked-list.ts';
import { inChunks } from '../../src/core/chunks.ts';

describe('ChunkedList', () => {
  it('keeps items in order across its chunks of 4,096: push, at, set, length, iteration', () => {
    const list = new ChunkedList<number>();
    assert.equal(list.length, 0);
    assert.deepEqual([...list], []);
    for (let i = 0; i < 10_000; i++) list.push(i * 2);
    assert.equal(list.length, 10_000);
    for (const index of [0, 4_095, 4_096, 8_191, 8_192, 9_999]) assert.equal(list.at(index), index * 2, `at ${index}`);
    list.set(4_096, -1);
    list.set(9_999, -2);
    const items = [...list];
    assert.equal(items.length, 10_000);
    assert.equal(items[4_095], 8_190);
    assert.equal(items[4_096], -1);
    assert.equal(items[9_999], -2);
    assert.equal(items[5_000], 10_000);
  });

  it('answers nothing outside the list, and refuses to set there', () => {
    const list = new ChunkedList<string>();
    list.push('a');
    assert.equal(list.at(1), undefined);
    assert.equal(list.at(-1), undefined);
    assert.throws(() => list.set(1, 'b'), RangeError);
    assert.throws(() => list.set(-1, 'b'), RangeError);
    assert.deepEqual([...list], ['a']);
  });
});

describe('inChunks', () => {
  it('cuts items in arrays of the size, the last one shorter, and nothing for nothing', () => {
    assert.deepEqual([...inChunks([1, 2, 3, 4, 5], 2)], [[1, 2], [3, 4], [5]]);
    assert.deepEqual(
      [...inChunks([1, 2, 3, 4], 2)],
      [
        [1, 2],
        [3, 4],
      ],
    );
    assert.deepEqual([...inChunks([], 3)], []);
    assert.throws(() => [...inChunks([1], 0)], RangeError);
  });

  it('takes items from the source only as each chunk is asked for', () => {
    let taken = 0;
    function* source() {
      for (let i = 0; i < 10; i++) {
        taken++;
        yield i;
      }
    }
    const chunks = inChunks(source(), 3);
    assert.deepEqual(chunks.next().value, [0, 1, 2]);
    assert.equal(taken, 3);
    assert.deepEqual(chunks.next().value, [3, 4, 5]);
    assert.equal(taken, 6);
  });
});
