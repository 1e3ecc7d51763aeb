import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryLiveStore } from '../../src/live/memory/memory-live-store.ts';
import { MAX_SESSION_ID, SessionIdAllocator } from '../../src/live/session-ids.ts';
import { describeLiveStoreContract } from './live-store.contract.ts';

describeLiveStoreContract('memory', async () => ({ store: new MemoryLiveStore(), cleanup: async () => {} }));

test('ids continue from the persistent block source after a restart', async () => {
  let counter = 0;
  const source = { reserve: async (size: number) => ((counter += size), counter - size) };
  const first = new MemoryLiveStore({ idSource: source });
  const a = await first.allocateSessionId();
  const restarted = new MemoryLiveStore({ idSource: source });
  const b = await restarted.allocateSessionId();
  assert.ok(b > a, `an id after restart (${b}) must not repeat one handed out before (${a})`);
});

test('ids wrap past 2^31 - 1 and skip ids still live', async () => {
  const live = new Set([1, 2]);
  const source = { reserve: async () => MAX_SESSION_ID - 1 };
  const allocator = new SessionIdAllocator(source, (id) => live.has(id));
  assert.equal(await allocator.next(), MAX_SESSION_ID);
  assert.equal(await allocator.next(), 3);
});
