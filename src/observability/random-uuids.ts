// Random (version 4) UUIDs for request ids, made in batches. crypto.randomUUID assembles each id from
// twenty string pieces, about 600 bytes of garbage per request on the heartbeat path (BENCHMARKS.md,
// section 6). Here one batch of random bytes is written out as UUID text at once, and each id is a
// slice of that text (a small view that shares its characters).
import { randomFillSync } from 'node:crypto';

/** Ids per batch (crypto.randomUUID buffers 128 too). */
const BATCH = 128;
const BYTES = 16;
const TEXT_LENGTH = 36;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;

const random = Buffer.alloc(BYTES * BATCH);
const text = Buffer.alloc(TEXT_LENGTH * BATCH);
/** The current batch as one string, and the index of its next unused id. */
let batch = '';
let next = BATCH;

/** A random UUID (RFC 9562 version 4) in its 36-character lowercase form. */
export function randomUuid(): string {
  if (next === BATCH) refill();
  const start = next++ * TEXT_LENGTH;
  return batch.slice(start, start + TEXT_LENGTH);
}

function refill(): void {
  randomFillSync(random);
  let at = 0;
  for (let id = 0; id < BATCH; id++) {
    for (let i = 0; i < BYTES; i++) {
      let byte = random[id * BYTES + i]!;
      if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
      if (i === 8) byte = (byte & 0x3f) | 0x80; // variant 10
      // xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
      if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = DASH;
      text[at++] = HEX_DIGITS[byte >> 4]!;
      text[at++] = HEX_DIGITS[byte & 0x0f]!;
    }
  }
  batch = text.toString('latin1');
  next = 0;
}
