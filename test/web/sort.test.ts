// How the dashboard's tables sort: the order as an address parameter, a header press, and a comparison
// that keeps empty values last and puts names in the reader's order (numbers by value, accents and
// case aside).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareValues, parseSort, sortParam, toggledSort } from '../../src/web/client/sort.ts';

describe('table sorting', () => {
  test('the order in the address: "user" or "-user", unknown keys refused', () => {
    assert.deepEqual(parseSort('-lastActive', ['user', 'lastActive']), { key: 'lastActive', descending: true });
    assert.deepEqual(parseSort('user', ['user']), { key: 'user', descending: false });
    assert.equal(parseSort('password', ['user']), undefined);
    assert.equal(parseSort(null, ['user']), undefined);
    assert.equal(sortParam({ key: 'user', descending: true }), '-user');
  });

  test('a header press sorts by its column, and a second press turns the order round', () => {
    assert.deepEqual(toggledSort(undefined, 'user'), { key: 'user', descending: false });
    assert.deepEqual(toggledSort({ key: 'user', descending: false }, 'user'), { key: 'user', descending: true });
    assert.deepEqual(toggledSort({ key: 'user', descending: true }, 'started', true), { key: 'started', descending: true });
  });

  test('names in the reader’s order, numbers by value, empty values last both ways', () => {
    const names = ['zoe', 'Émile', 'User 10', 'User 9', '', 'adam'];
    assert.deepEqual(
      [...names].sort((a, b) => compareValues(a, b, false)),
      ['adam', 'Émile', 'User 9', 'User 10', 'zoe', ''],
    );
    assert.deepEqual(
      [...names].sort((a, b) => compareValues(a, b, true)),
      ['zoe', 'User 10', 'User 9', 'Émile', 'adam', ''],
    );
    assert.deepEqual(
      [3, undefined, 20, 1].sort((a, b) => compareValues(a, b, false)),
      [1, 3, 20, undefined],
    );
  });
});
