// Places: named spots where an application's users can see who else is there (`ticket:105792`,
// `doc:42`, `queue:billing`). A session is in the places it joined (at open, by join and leave frames,
// or by PATCH) and in the place its view names, by one rule (viewPlace), so "who is viewing ticket
// 105792" needs nothing from an application that already reports views.
import { RollcallError } from './errors.ts';
import type { PlaceChange, Session, View } from './model.ts';

/** Longest place name, in characters. */
export const PLACE_NAME_MAX = 128;
/** Most places a session joins (its view's place comes on top). */
export const PLACES_PER_SESSION_MAX = 32;

/**
 * A place name: 1 to 128 characters, none of them whitespace or control characters, and no `*` (a
 * client token's `places` claim ends a prefix with it).
 */
const PLACE_NAME = /^[^\s\p{Cc}*]{1,128}$/u;

export const isPlaceName = (name: string): boolean => PLACE_NAME.test(name);

/**
 * The place a view names: its target `key|value` becomes `key:value`, the key lowercased and
 * without a trailing `id`. `{m: 'support', v: 'getticket', t: 'ticketid|105792'}` is in
 * `ticket:105792`. A target without a `|`, with an empty key or value, or making no valid place name
 * names no place.
 */
export function viewPlace(view: View | undefined): string | undefined {
  if (!view) return undefined;
  const bar = view.t.indexOf('|');
  if (bar <= 0 || bar === view.t.length - 1) return undefined;
  const key = view.t.slice(0, bar).toLowerCase();
  const name = `${key.endsWith('id') && key.length > 2 ? key.slice(0, -2) : key}:${view.t.slice(bar + 1)}`;
  return isPlaceName(name) ? name : undefined;
}

const NO_PLACES: readonly string[] = Object.freeze([]);

/** Every place the session is in: those it joined and its view's, in name order, each once. */
export function sessionPlaces(session: Pick<Session, 'places' | 'view'>): readonly string[] {
  const fromView = viewPlace(session.view);
  const joined = session.places ?? NO_PLACES;
  if (fromView === undefined || joined.includes(fromView)) return joined;
  return joined.length === 0 ? [fromView] : [...joined, fromView].sort();
}

/** A session's joined places as stored: sorted, each once; undefined for none (most sessions). */
export function joinedPlaces(names: readonly string[]): readonly string[] | undefined {
  if (names.length === 0) return undefined;
  return [...new Set(names)].sort();
}

/**
 * The places a client token lets its user join and watch: exact names, and prefixes (`ticket:*`).
 * Absent: none (the ingest key and API keys may use any place).
 */
export interface PlaceGrants {
  names: ReadonlySet<string>;
  prefixes: readonly string[];
}

/** Reads a `places` claim (already checked to be a list of strings). */
export function placeGrants(claim: readonly string[]): PlaceGrants {
  const names = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of claim) {
    if (entry.endsWith('*')) prefixes.push(entry.slice(0, -1));
    else names.add(entry);
  }
  return { names, prefixes };
}

export function grantsPlace(grants: PlaceGrants | undefined, name: string): boolean {
  if (!grants) return false;
  return grants.names.has(name) || grants.prefixes.some((prefix) => name.startsWith(prefix));
}

/** Throws when a client may not join or watch `name`; `what` says which, for the message. */
export function checkPlaceGrant(grants: PlaceGrants | undefined, name: string, what: 'join' | 'watch'): void {
  if (!grantsPlace(grants, name)) {
    throw new RollcallError('forbidden', `places: this client token does not let its user ${what} ${JSON.stringify(name)}`);
  }
}

/**
 * What one change of a session did to its user's presence in places: the places the user entered
 * (their first session there) and left (their last one went), each in name order. The live stores
 * count sessions per place and user to know it, and announce these as place.join and place.leave.
 */
export interface PlaceMoves {
  joined: readonly string[];
  left: readonly string[];
}

export const NO_PLACE_MOVES: PlaceMoves = Object.freeze({ joined: NO_PLACES, left: NO_PLACES });

/** The place.join changes, then the place.leave changes, that `moves` of `session`'s user make. */
export function placeChanges(moves: PlaceMoves, session: Pick<Session, 'id' | 'user'>, at: number): PlaceChange[] {
  const changes: PlaceChange[] = [];
  for (const place of moves.joined) changes.push({ type: 'place.join', at, place, user: session.user, sessionId: session.id });
  for (const place of moves.left) changes.push({ type: 'place.leave', at, place, user: session.user, sessionId: session.id });
  return changes;
}
