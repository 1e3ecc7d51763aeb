import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entityTag, noneMatchHits } from '../../src/http/entity-tags.ts';

describe('entity tags and If-None-Match', () => {
  it('writes strong and weak tags', () => {
    assert.equal(entityTag('abc', false), '"abc"');
    assert.equal(entityTag('abc', true), 'W/"abc"');
  });

  it('compares weakly: a tag matches whether either side is weak', () => {
    for (const tag of ['"abc"', 'W/"abc"']) {
      assert.equal(noneMatchHits('"abc"', tag), true);
      assert.equal(noneMatchHits('W/"abc"', tag), true);
      assert.equal(noneMatchHits('"abd"', tag), false);
    }
  });

  it('finds a tag in a list, also when another listed tag holds a comma', () => {
    assert.equal(noneMatchHits('"x,y", W/"old",  "abc"', '"abc"'), true);
    assert.equal(noneMatchHits('"x,y", W/"old"', '"abc"'), false);
    assert.equal(noneMatchHits('"abc-gzip"', 'W/"abc"'), false, 'a prefix is no match');
  });

  it('matches anything with *, nothing without the field or with a bare token', () => {
    assert.equal(noneMatchHits(' * ', '"abc"'), true);
    assert.equal(noneMatchHits(undefined, '"abc"'), false);
    assert.equal(noneMatchHits('abc', '"abc"'), false, 'an unquoted value is no entity tag');
  });
});
