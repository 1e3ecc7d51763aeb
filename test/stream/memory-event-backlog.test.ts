import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEventBacklog } from '../../src/stream/memory/memory-event-backlog.ts';
import { describeEventBacklogContract } from './event-backlog.contract.ts';

describeEventBacklogContract('memory', async (options) => new MemoryEventBacklog(options));

test('a memory backlog starts its ids at the start time × 1000, so ids from before a restart read as too old', async () => {
  const before = Date.now() * 1000;
  const backlog = new MemoryEventBacklog({ capacity: 5 });
  const start = await backlog.latestId();
  assert.ok(start >= before && start <= Date.now() * 1000);
  assert.ok(Number.isSafeInteger(start * 2), 'far from the largest safe integer');
  assert.equal((await backlog.since(start - 1)).kind, 'gap');
});

test('a memory backlog refuses a capacity below 1', () => {
  assert.throws(() => new MemoryEventBacklog({ capacity: 0 }), RangeError);
});
