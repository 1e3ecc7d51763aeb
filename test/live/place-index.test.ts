import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Session } from '../../src/core/model.ts';
import { sessionPlaces, type PlaceMoves } from '../../src/core/places.ts';
import { PlaceIndex } from '../../src/live/memory/place-index.ts';

/** The index as it was before a place of one session became a bare id: a Set and a Map per place. */
class ReferencePlaces {
  readonly ids = new Map<string, Set<number>>();
  readonly users = new Map<string, Map<string, number>>();

  move(session: Session, was: readonly string[], is: readonly string[]): PlaceMoves {
    const joined: string[] = [];
    const left: string[] = [];
    for (const place of is) {
      if (was.includes(place)) continue;
      if (!this.ids.has(place)) this.ids.set(place, new Set());
      this.ids.get(place)!.add(session.id);
      if (this.count(place, session.user.id, 1) === 1) joined.push(place);
    }
    for (const place of was) {
      if (is.includes(place)) continue;
      this.ids.get(place)?.delete(session.id);
      if (this.ids.get(place)?.size === 0) this.ids.delete(place);
      if (this.count(place, session.user.id, -1) === 0) left.push(place);
    }
    return { joined, left };
  }

  private count(place: string, userId: string, delta: number): number {
    let counts = this.users.get(place);
    if (!counts) this.users.set(place, (counts = new Map()));
    const count = (counts.get(userId) ?? 0) + delta;
    if (count > 0) counts.set(userId, count);
    else counts.delete(userId);
    if (counts.size === 0) this.users.delete(place);
    return count;
  }
}

const session = (id: number, userId: string, places: string[]): Session =>
  ({
    id,
    user: { id: userId, name: userId, type: 'staff' },
    places: places.length > 0 ? [...new Set(places)].sort() : undefined,
  }) as Session;

const op = fc.record({
  kind: fc.constantFrom('open', 'open', 'change', 'end'),
  session: fc.integer({ min: 1, max: 14 }),
  user: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  // Often the same place, so places pass from one session to a few to a crowd (over 8) and back.
  places: fc.array(fc.constantFrom('ticket:1', 'ticket:1', 'ticket:1', 'ticket:2', 'doc:3'), { maxLength: 3 }),
});

test('places of one session, of a few and crowded ones answer as the Set-and-Map index did, through any opens, changes and ends', () => {
  let crowded = 0;
  fc.assert(
    fc.property(fc.array(op, { minLength: 30, maxLength: 120 }), (ops) => {
      const live = new Map<number, Session>();
      const index = new PlaceIndex((id) => live.get(id)!.user.id);
      const reference = new ReferencePlaces();
      const movesOf = (moves: PlaceMoves) => ({ joined: [...moves.joined], left: [...moves.left] });
      for (const { kind, session: id, user, places } of ops) {
        const current = live.get(id);
        if (kind === 'open' && !current) {
          const next = session(id, user, places);
          live.set(id, next);
          assert.deepEqual(movesOf(index.add(next)), reference.move(next, [], sessionPlaces(next)));
        } else if (kind === 'change' && current) {
          const next = session(id, current.user.id, places);
          live.set(id, next);
          assert.deepEqual(movesOf(index.replace(current, next)), reference.move(next, sessionPlaces(current), sessionPlaces(next)));
        } else if (kind === 'end' && current) {
          live.delete(id);
          assert.deepEqual(movesOf(index.remove(current)), reference.move(current, sessionPlaces(current), []));
        }
        assert.deepEqual(index.names(''), [...reference.ids.keys()].sort());
        for (const place of ['ticket:1', 'ticket:2', 'doc:3']) {
          const ids = reference.ids.get(place) ?? new Set();
          assert.deepEqual([...index.sessionIds(place)].sort(), [...ids].sort());
          assert.equal(index.sessionCount(place), ids.size);
          assert.equal(index.userCount(place), reference.users.get(place)?.size ?? 0);
          if (ids.size > 8) crowded++;
        }
      }
    }),
    { numRuns: 300 },
  );
  assert.ok(crowded > 0, 'some place held more than 8 sessions');
});
