// Which live sessions are in which place (core/places.ts), for "who is in ticket:105792" and the list
// of places, without looking at sessions elsewhere; and how many of each user's sessions are in each
// place, which decides when the user enters or leaves it (place.join and place.leave are per user: a
// second tab in a place changes nothing). Most sessions are in no place and cost nothing here.
import type { Session } from '../../core/model.ts';
import { NO_PLACE_MOVES, sessionPlaces, type PlaceMoves } from '../../core/places.ts';
import { SetMap } from '../../core/set-map.ts';

const NONE: readonly string[] = [];

export class PlaceIndex {
  private readonly ids = new SetMap<string, number>();
  /** Place → user id → how many of the user's sessions are in it. */
  private readonly users = new Map<string, Map<string, number>>();

  /** Puts a new session in its places; answers those its user was in by no other session. */
  add(session: Session): PlaceMoves {
    return this.move(session, NONE, sessionPlaces(session));
  }

  /** The session's places may have changed from `before`'s to `after`'s. */
  replace(before: Session, after: Session): PlaceMoves {
    if (before.places === after.places && before.view === after.view) return NO_PLACE_MOVES;
    return this.move(after, sessionPlaces(before), sessionPlaces(after));
  }

  /** Takes an ending session out of its places; answers those its user is in no longer. */
  remove(session: Session): PlaceMoves {
    return this.move(session, sessionPlaces(session), NONE);
  }

  /** Ids of the sessions in `place`, in no particular order. */
  sessionIds(place: string): ReadonlySet<number> {
    return this.ids.get(place);
  }

  /** How many users have a session in `place`. */
  userCount(place: string): number {
    return this.users.get(place)?.size ?? 0;
  }

  /** Places whose name starts with `prefix`, in name order. */
  names(prefix: string): string[] {
    const names: string[] = [];
    for (const name of this.ids.keys()) if (name.startsWith(prefix)) names.push(name);
    return names.sort();
  }

  private move(session: Session, was: readonly string[], is: readonly string[]): PlaceMoves {
    if (was.length === 0 && is.length === 0) return NO_PLACE_MOVES;
    const userId = session.user.id;
    const joined: string[] = [];
    const left: string[] = [];
    for (const place of is) {
      if (was.includes(place)) continue;
      this.ids.add(place, session.id);
      if (this.count(place, userId, 1) === 1) joined.push(place);
    }
    for (const place of was) {
      if (is.includes(place)) continue;
      this.ids.delete(place, session.id);
      if (this.count(place, userId, -1) === 0) left.push(place);
    }
    return joined.length === 0 && left.length === 0 ? NO_PLACE_MOVES : { joined, left };
  }

  /** Adds `delta` to the user's sessions in the place; answers the new count (a place drops a user at 0). */
  private count(place: string, userId: string, delta: number): number {
    let counts = this.users.get(place);
    if (!counts) this.users.set(place, (counts = new Map()));
    const count = (counts.get(userId) ?? 0) + delta;
    if (count > 0) {
      counts.set(userId, count);
    } else {
      counts.delete(userId);
      if (counts.size === 0) this.users.delete(place);
    }
    return count;
  }
}
