// Request ids come from batches of random bytes written out as UUID text: every one must be a
// well-formed version 4 UUID, and none may repeat, across batches too.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomUuid } from '../../src/observability/random-uuids.ts';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('makes version 4 UUIDs that never repeat, across many batches', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = randomUuid();
      assert.match(id, V4);
      seen.add(id);
    }
    assert.equal(seen.size, 20_000);
  });

  it('uses every hex digit in every random position', () => {
    // 2,000 ids give each of the 30 free digit positions 2,000 draws from 16 values: a stuck or
    // skipped position (a batch written at the wrong offset) would show here.
    const ids = Array.from({ length: 2_000 }, () => randomUuid().replaceAll('-', ''));
    for (let position = 0; position < 32; position++) {
      if (position === 12) continue; // the version digit
      const digits = new Set(ids.map((id) => id[position]));
      assert.equal(digits.size, position === 16 ? 4 : 16, `position ${position}`);
    }
  });
});
