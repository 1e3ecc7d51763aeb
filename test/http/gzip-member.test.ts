// A gzip member made of a shared part deflated once and a request's own bytes stored after it must
// read back, with any standard decoder, as exactly the shared bytes followed by the own bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { gzipEnding, gzipPrefix } from '../../src/http/gzip-member.ts';

const shared = Buffer.from(Array.from({ length: 2_000 }, (_, i) => `{"id":"${i}","name":"Zoë ${i}"}`).join(','), 'utf8');

describe('gzip member of a shared prefix and an own part', () => {
  it('decompresses to the shared bytes alone, and to them followed by a short own part', async () => {
    const prefix = await gzipPrefix(shared);
    assert.ok(prefix.bytes.length < shared.length / 4, 'the shared part is compressed');
    assert.deepEqual(gunzipSync(Buffer.concat([prefix.bytes, gzipEnding(prefix)])), shared);
    const own = Buffer.from('"self":42,"elapsed":"0.004"}', 'utf8');
    assert.deepEqual(gunzipSync(Buffer.concat([prefix.bytes, gzipEnding(prefix, own)])), Buffer.concat([shared, own]));
  });

  it('stores an own part longer than one stored block in several', async () => {
    const prefix = await gzipPrefix(shared);
    const own = Buffer.alloc(150_000, 'x');
    assert.deepEqual(gunzipSync(Buffer.concat([prefix.bytes, gzipEnding(prefix, own)])), Buffer.concat([shared, own]));
  });

  it('works for an empty shared part, and gives equal bytes for equal input', async () => {
    const empty = await gzipPrefix(Buffer.alloc(0));
    assert.deepEqual(gunzipSync(Buffer.concat([empty.bytes, gzipEnding(empty, Buffer.from('{}'))])).toString(), '{}');
    const again = await gzipPrefix(shared);
    assert.deepEqual(again.bytes, (await gzipPrefix(shared)).bytes);
  });
});
