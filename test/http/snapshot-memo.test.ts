// SnapshotMemo: one value per object for as long as the object is the key, made once, and everything
// forgotten after a period nobody asked. Timers are mocked: no test waits for real time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotMemo } from '../../src/http/snapshot-memo.ts';

describe('SnapshotMemo', () => {
  it('makes a value once per object and gives it back until the object is replaced', () => {
    const memo = new SnapshotMemo<{ name: string }, string>();
    let made = 0;
    const render = (key: { name: string }, suffix: string) => {
      made++;
      return `${key.name}${suffix}`;
    };
    const first = { name: 'a' };
    assert.equal(memo.get(first, render, '!'), 'a!');
    assert.equal(memo.get(first, render, '?'), 'a!', 'remembered: the context only matters when making');
    assert.equal(made, 1);
    const changed = { ...first, name: 'b' }; // a new snapshot of the same session
    assert.equal(memo.get(changed, render, '!'), 'b!');
    assert.equal(made, 2);
    memo.clear();
    assert.equal(memo.get(first, render, '.'), 'a.');
    assert.equal(made, 3);
  });

  it('forgets everything once a whole idle period passed without a get, not while it is used', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const memo = new SnapshotMemo<object, number>(1_000);
    let made = 0;
    const make = () => ++made;
    const key = {};
    memo.get(key, make);
    t.mock.timers.tick(900);
    memo.get(key, make);
    t.mock.timers.tick(900); // a check passed; the memo was used in that period
    memo.get(key, make);
    assert.equal(made, 1);
    t.mock.timers.tick(1_000); // used since the last check: kept
    assert.equal(memo.get(key, make), 1);
    // A whole period with no use: forgotten (one tick per period: a mocked timer set while the clock
    // is ticked runs on the next tick).
    t.mock.timers.tick(1_000);
    t.mock.timers.tick(1_000);
    assert.equal(memo.get(key, make), 2);
    memo.clear();
  });
});
