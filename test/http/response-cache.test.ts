// ResponseCache on its own, with a fake clock: windows, single flight, failures, the size bound.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseCache } from '../../src/http/response-cache.ts';

function counting<V>(value: V) {
  let calls = 0;
  return {
    compute: async () => {
      calls++;
      return value;
    },
    get calls() {
      return calls;
    },
  };
}

describe('ResponseCache', () => {
  it('shares an answer while its computation started less than windowMs ago', async () => {
    let now = 1_000;
    const cache = new ResponseCache<string>({ windowMs: 100, now: () => now });
    const a = counting('a');
    assert.equal(await cache.get('k', a.compute), 'a');
    now = 1_099;
    assert.equal(await cache.get('k', a.compute), 'a');
    assert.equal(a.calls, 1);
    now = 1_100;
    assert.equal(await cache.get('k', a.compute), 'a');
    assert.equal(a.calls, 2, 'the window is over: computed again');
    cache.clear();
  });

  it('computes again within the window once the data version moved (a change anywhere in the cluster)', async () => {
    let version = 7;
    const cache = new ResponseCache<string>({ windowMs: 60_000, version: () => version });
    const a = counting('a');
    await cache.get('k', a.compute);
    await cache.get('k', a.compute);
    assert.equal(a.calls, 1, 'the same version within the window is shared');
    version = 8;
    await cache.get('k', a.compute);
    assert.equal(a.calls, 2, 'a newer version is computed anew');
    await cache.get('k', a.compute);
    assert.equal(a.calls, 2);
    cache.clear();
  });

  it('lets concurrent callers share one computation that is still running', async () => {
    const cache = new ResponseCache<number>({ windowMs: 1_000 });
    let release!: (value: number) => void;
    let calls = 0;
    const compute = () => {
      calls++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const waiting = [cache.get('k', compute), cache.get('k', compute), cache.get('k', compute)];
    release(42);
    assert.deepEqual(await Promise.all(waiting), [42, 42, 42]);
    assert.equal(calls, 1);
    cache.clear();
  });

  it('does not join a computation that started before the window, however long it runs', async () => {
    let now = 0;
    const cache = new ResponseCache<string>({ windowMs: 100, now: () => now });
    let releaseSlow!: (value: string) => void;
    const slow = cache.get('k', () => new Promise<string>((resolve) => (releaseSlow = resolve)));
    now = 150;
    const fresh = cache.get('k', async () => 'fresh');
    releaseSlow('stale');
    assert.equal(await slow, 'stale');
    assert.equal(await fresh, 'fresh');
    cache.clear();
  });

  it('forgets failures, so the next caller computes again', async () => {
    const cache = new ResponseCache<string>({ windowMs: 1_000 });
    await assert.rejects(
      cache.get('k', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await cache.get('k', async () => 'ok'), 'ok');
    assert.equal(cache.size, 1);
    cache.clear();
  });

  it('turns a synchronous throw into a rejection', async () => {
    const cache = new ResponseCache<string>({ windowMs: 1_000 });
    await assert.rejects(
      cache.get('k', () => {
        throw new Error('sync');
      }),
      /sync/,
    );
    cache.clear();
  });

  it('computes every time with a window of 0 and keeps nothing', async () => {
    const cache = new ResponseCache<string>({ windowMs: 0 });
    const a = counting('a');
    await Promise.all([cache.get('k', a.compute), cache.get('k', a.compute)]);
    assert.equal(a.calls, 2);
    assert.equal(cache.size, 0);
  });

  it('holds at most maxEntries keys, dropping the oldest', async () => {
    const cache = new ResponseCache<string>({ windowMs: 60_000, maxEntries: 2 });
    const a = counting('a');
    await cache.get('a', a.compute);
    await cache.get('b', async () => 'b');
    await cache.get('c', async () => 'c');
    assert.equal(cache.size, 2);
    await cache.get('a', a.compute);
    assert.equal(a.calls, 2, '"a" was dropped');
    cache.clear();
    assert.equal(cache.size, 0);
  });

  it('drops an answer when its window ends, without waiting for another request', async () => {
    const cache = new ResponseCache<string>({ windowMs: 20 });
    await cache.get('k', async () => 'v');
    assert.equal(cache.size, 1);
    const deadline = Date.now() + 5_000;
    while (cache.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(cache.size, 0);
  });
});
