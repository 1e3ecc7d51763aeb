// The rules of places: names, the place a view names, every place a session is in, token grants.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRollcallError } from '../../src/core/errors.ts';
import { checkPlaceGrant, grantsPlace, isPlaceName, joinedPlaces, placeGrants, sessionPlaces, viewPlace } from '../../src/core/places.ts';

describe('places', () => {
  it('names: 1 to 128 characters, no whitespace, control characters or *', () => {
    for (const good of ['ticket:105792', 'doc:42', 'queue:billing', 'a', 'ü/ß|€', 'x'.repeat(128)]) assert.ok(isPlaceName(good), good);
    for (const bad of ['', 'x'.repeat(129), 'two words', 'tab\there', 'nl\n', 'ticket:*', '\u0000'])
      assert.ok(!isPlaceName(bad), JSON.stringify(bad));
  });

  it('a view names the place of its target: key without its trailing "id", lowercased, then the value', () => {
    assert.equal(viewPlace({ m: 'support', v: 'getticket', t: 'ticketid|105792' }), 'ticket:105792');
    assert.equal(viewPlace({ m: 'clients', v: 'profile', t: 'ClientID|786599' }), 'client:786599');
    assert.equal(viewPlace({ m: 'billing', v: 'invoice', t: 'invoice|9' }), 'invoice:9');
    assert.equal(viewPlace({ m: 'x', v: 'y', t: 'id|5' }), 'id:5', 'a key that is only "id" stays');
    for (const t of ['', 'ticketid', '|5', 'ticketid|', 'ticketid|two words']) assert.equal(viewPlace({ m: 'x', v: 'y', t }), undefined, t);
    assert.equal(viewPlace(undefined), undefined);
  });

  it("a session is in the places it joined and its view's, in name order, each once", () => {
    const view = { m: 'support', v: 'getticket', t: 'ticketid|1' };
    assert.deepEqual(sessionPlaces({ places: undefined, view: undefined }), []);
    assert.deepEqual(sessionPlaces({ places: undefined, view }), ['ticket:1']);
    assert.deepEqual(sessionPlaces({ places: ['zoo:1', 'doc:1'], view }), ['doc:1', 'ticket:1', 'zoo:1']);
    assert.deepEqual(sessionPlaces({ places: ['ticket:1'], view }), ['ticket:1']);
    assert.deepEqual(joinedPlaces(['b', 'a', 'b']), ['a', 'b']);
    assert.equal(joinedPlaces([]), undefined);
  });

  it('a token grants names and prefixes, and nothing without the claim', () => {
    const grants = placeGrants(['doc:42', 'ticket:*']);
    assert.ok(grantsPlace(grants, 'doc:42'));
    assert.ok(!grantsPlace(grants, 'doc:420'));
    assert.ok(grantsPlace(grants, 'ticket:1'));
    assert.ok(!grantsPlace(grants, 'queue:billing'));
    assert.ok(grantsPlace(placeGrants(['*']), 'anything'));
    assert.ok(!grantsPlace(undefined, 'doc:42'));
    assert.throws(
      () => checkPlaceGrant(grants, 'queue:billing', 'watch'),
      (error: unknown) => isRollcallError(error) && error.code === 'forbidden' && /watch "queue:billing"/.test(error.message),
    );
  });
});
