import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay } from '../../src/webhooks/backoff.ts';

test('retry delays double from the base up to the cap, each between half and all of its ceiling', () => {
  const options = { baseMs: 10_000, maxMs: 3_600_000 };
  const low = (failures: number) => retryDelay(failures, { ...options, random: () => 0 });
  const high = (failures: number) => retryDelay(failures, { ...options, random: () => 0.999999 });
  assert.deepEqual([1, 2, 3, 4].map(low), [5_000, 10_000, 20_000, 40_000]);
  assert.deepEqual([1, 2, 3, 4].map(high), [10_000, 20_000, 40_000, 80_000]);
  assert.ok(high(20) > 3_599_000 && high(20) <= 3_600_000, 'capped');
  assert.equal(low(2_000), 1_800_000, 'no overflow however many failures');
  for (let n = 0; n < 100; n++) {
    const delay = retryDelay(3, options);
    assert.ok(delay >= 20_000 && delay <= 40_000, String(delay));
  }
});
