import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryEventBacklog } from '../../src/stream/memory/memory-event-backlog.ts';
import { describeEventBacklogContract } from './event-backlog.contract.ts';

describeEventBacklogContract('memory', async (options) => new MemoryEventBacklog(options));

test('a memory backlog refuses a capacity below 1', () => {
  assert.throws(() => new MemoryEventBacklog({ capacity: 0, firstIdAfter: 0 }), RangeError);
});
