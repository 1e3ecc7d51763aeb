import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { SharedAnswer } from '../../src/http/shared-answer.ts';

const body = (text: string) => Buffer.from(text.repeat(200), 'utf8');

describe('SharedAnswer', () => {
  it('tags by content: equal bytes, equal tag (in any window, on any node); other bytes, another', async () => {
    const a = await new SharedAnswer(body('Zoë,')).digest();
    assert.equal(await new SharedAnswer(body('Zoë,')).digest(), a);
    assert.notEqual(await new SharedAnswer(body('Zoe,')).digest(), a);
    assert.match(a, /^[A-Za-z0-9_-]{22}$/);
  });

  it('makes its tag and its gzip form once, and the gzip form reads back as the body', async () => {
    const answer = new SharedAnswer(body('<user id="1"/>\n'));
    assert.equal(answer.digest(), answer.digest());
    assert.equal(answer.gzipped(), answer.gzipped());
    assert.equal(answer.gzipPrefix(), answer.gzipPrefix());
    assert.deepEqual(gunzipSync(await answer.gzipped()), answer.body);
  });
});
