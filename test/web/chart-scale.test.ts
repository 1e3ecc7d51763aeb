// Where the users-online chart puts its ticks: whole, round counts from 0 past the highest value, and
// round clock times as many as the width has room for; and which point the pointer is nearest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTicks, nearestIndex, timeTicks } from '../../src/web/client/chart-scale.ts';

describe('chart scales', () => {
  test('count ticks are whole, round, start at 0 and reach the highest value', () => {
    assert.deepEqual(countTicks(4), [0, 1, 2, 3, 4]);
    assert.deepEqual(countTicks(30), [0, 10, 20, 30]);
    assert.deepEqual(countTicks(31), [0, 10, 20, 30, 40]);
    assert.deepEqual(countTicks(0.4), [0, 1]);
    assert.deepEqual(countTicks(20_000), [0, 5_000, 10_000, 15_000, 20_000]);
    for (const max of [1, 7, 13, 99, 101, 1234, 98_765]) {
      const ticks = countTicks(max);
      assert.ok(ticks.at(-1)! >= max && ticks.length <= 5, `${max}: ${ticks}`);
      assert.ok(ticks.every(Number.isInteger));
    }
  });

  test('time ticks fall on round clock times, as many as fit', () => {
    const end = Date.UTC(2025, 2, 4, 14, 37, 12) / 1000;
    const hour = timeTicks(end - 3600, end, 6, 0);
    assert.deepEqual(
      hour.map((at) => new Date(at * 1000).toISOString().slice(11, 16)),
      ['13:40', '13:50', '14:00', '14:10', '14:20', '14:30'],
    );
    assert.equal(timeTicks(end - 3600, end, 2, 0).length, 2, 'a narrow chart gets fewer');
    const day = timeTicks(end - 86_400, end, 8, 120);
    assert.ok(day.length <= 8 && day.length >= 4);
    // In a zone two hours east of UTC, ticks are round there: 3 h steps at 00:00, 03:00… local.
    assert.ok(day.every((at) => (at + 7_200) % 10_800 === 0));
  });

  test('the nearest point to a position', () => {
    assert.equal(nearestIndex([0, 10, 20], 14), 1);
    assert.equal(nearestIndex([0, 10, 20], 16), 2);
    assert.equal(nearestIndex([0, 10, 20], -5), 0);
    assert.equal(nearestIndex([0, 10, 20], 99), 2);
    assert.equal(nearestIndex([], 3), -1);
  });
});
