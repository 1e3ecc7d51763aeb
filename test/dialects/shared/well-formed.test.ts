// Half surrogate pairs in client strings: replaced by U+FFFD where text must be encoded, so a user id
// from `"\ud800"` in a JSON body cannot break an answer (Clientexec's links used to throw on it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { userLink } from '../../../src/dialects/clientexec/serializer.ts';
import { wellFormed } from '../../../src/dialects/shared/well-formed.ts';

describe('wellFormed', () => {
  it('replaces half pairs, keeps whole ones and everything else', () => {
    assert.equal(wellFormed('a\ud800b\udc00c'), 'a\ufffdb\ufffdc');
    assert.equal(wellFormed('\udc00\ud800'), '\ufffd\ufffd', 'a reversed pair is two halves');
    assert.equal(wellFormed('emoji 😀 ünï 漢'), 'emoji 😀 ünï 漢');
  });

  it("lets Clientexec's link carry any user id", () => {
    assert.equal(userLink('https://ce.example/?{type}={id}', 'u\ud8001', 'staff'), 'https://ce.example/?staff=u%EF%BF%BD1');
  });
});
