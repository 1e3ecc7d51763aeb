// Which live sessions are in which place (core/places.ts), for "who is in ticket:105792" and the list
// of places, without looking at sessions elsewhere; and how many of each user's sessions are in each
// place, which decides when the user enters or leaves it (place.join and place.leave are per user: a
// second tab in a place changes nothing). A session in no place costs nothing here.
//
// Most places hold one session of one user: a view names a ticket or a document that nobody else has
// open. Such a place is one entry holding the bare session id (its user is the session's), as in
// user-session-index.ts, and a place of a few sessions a small array of their ids (whether a user is
// there is a look at each one's user). A Set and a Map per place (their hash tables some 400 B) made a
// million sessions viewing tickets cost 962 B each instead of 530 (BENCHMARKS.md, second round). A
// crowded place (a queue everyone watches) gets them back, so entering and leaving it stays O(1).
import type { Session } from '../../core/model.ts';
import { NO_PLACE_MOVES, sessionPlaces, type PlaceMoves } from '../../core/places.ts';
import { ShardedMap } from '../../core/sharded-map.ts';

const NONE: readonly string[] = [];

/** Most sessions a place holds as an array of ids; one more makes it a Crowd. */
const FEW = 8;

/** A place with more than FEW sessions: which, and how many of each user's are there. */
interface Crowd {
  ids: Set<number>;
  /** User id → how many of the user's sessions are in the place (a user leaves it at 0). */
  users: Map<string, number>;
}

type Entry = number | number[] | Crowd;

export class PlaceIndex {
  /** Place → the one session in it, the few (2 to FEW), or its crowd. */
  private readonly places = new ShardedMap<string, Entry>();

  /** `userOf`: the user id of a session in the index (how a place of few sessions knows their users). */
  constructor(private readonly userOf: (sessionId: number) => string) {}

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
  sessionIds(place: string): Iterable<number> {
    const entry = this.places.get(place);
    if (entry === undefined) return NO_IDS;
    if (typeof entry === 'number') return [entry];
    return Array.isArray(entry) ? entry : entry.ids;
  }

  /** How many sessions are in `place`. */
  sessionCount(place: string): number {
    const entry = this.places.get(place);
    if (entry === undefined) return 0;
    if (typeof entry === 'number') return 1;
    return Array.isArray(entry) ? entry.length : entry.ids.size;
  }

  /** How many users have a session in `place`. */
  userCount(place: string): number {
    const entry = this.places.get(place);
    if (entry === undefined) return 0;
    if (typeof entry === 'number') return 1;
    return Array.isArray(entry) ? new Set(entry.map(this.userOf)).size : entry.users.size;
  }

  /** Places whose name starts with `prefix`, in name order. */
  names(prefix: string): string[] {
    const names: string[] = [];
    for (const name of this.places.keys()) if (name.startsWith(prefix)) names.push(name);
    return names.sort();
  }

  private move(session: Session, was: readonly string[], is: readonly string[]): PlaceMoves {
    if (was.length === 0 && is.length === 0) return NO_PLACE_MOVES;
    const joined: string[] = [];
    const left: string[] = [];
    for (const place of is) {
      if (was.includes(place)) continue;
      if (this.enter(place, session)) joined.push(place);
    }
    for (const place of was) {
      if (is.includes(place)) continue;
      if (this.leave(place, session)) left.push(place);
    }
    return joined.length === 0 && left.length === 0 ? NO_PLACE_MOVES : { joined, left };
  }

  /** Puts the session in the place; answers true when no other session of its user is there. */
  private enter(place: string, { id, user }: Session): boolean {
    const entry = this.places.get(place);
    if (entry === undefined) {
      this.places.set(place, id);
      return true;
    }
    if (typeof entry === 'number' || Array.isArray(entry)) {
      const few = typeof entry === 'number' ? [entry] : entry;
      if (few.includes(id)) return false;
      const first = !this.hasUser(few, user.id);
      few.push(id);
      this.places.set(place, few.length <= FEW ? few : this.crowdOf(few));
      return first;
    }
    if (entry.ids.has(id)) return false;
    entry.ids.add(id);
    const count = (entry.users.get(user.id) ?? 0) + 1;
    entry.users.set(user.id, count);
    return count === 1;
  }

  /** Takes the session out of the place; answers true when no other session of its user is left there. */
  private leave(place: string, { id, user }: Session): boolean {
    const entry = this.places.get(place);
    if (entry === undefined) return false;
    if (typeof entry === 'number') {
      if (entry !== id) return false;
      this.places.delete(place);
      return true;
    }
    if (Array.isArray(entry)) {
      const at = entry.indexOf(id);
      if (at < 0) return false;
      entry.splice(at, 1);
      if (entry.length === 1) this.places.set(place, entry[0]!);
      return !this.hasUser(entry, user.id);
    }
    if (!entry.ids.delete(id)) return false;
    const count = (entry.users.get(user.id) ?? 0) - 1;
    if (count > 0) entry.users.set(user.id, count);
    else entry.users.delete(user.id);
    // Back to an array once it is few again (not at FEW itself: a place going back and forth there
    // would make a Set and a Map each time).
    if (entry.ids.size <= FEW / 2) this.places.set(place, [...entry.ids]);
    return count <= 0;
  }

  private hasUser(ids: readonly number[], userId: string): boolean {
    for (const id of ids) if (this.userOf(id) === userId) return true;
    return false;
  }

  private crowdOf(ids: readonly number[]): Crowd {
    const users = new Map<string, number>();
    for (const id of ids) {
      const userId = this.userOf(id);
      users.set(userId, (users.get(userId) ?? 0) + 1);
    }
    return { ids: new Set(ids), users };
  }
}

const NO_IDS: readonly number[] = [];
