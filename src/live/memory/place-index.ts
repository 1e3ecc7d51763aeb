// Which live sessions are in which place (core/places.ts), for "who is in ticket:105792" and the list
// of places, without looking at sessions elsewhere. Most sessions are in no place and cost nothing here.
import { sessionPlaces } from '../../core/places.ts';
import type { Session } from '../../core/model.ts';
import { SetMap } from '../../core/set-map.ts';

export class PlaceIndex {
  private readonly ids = new SetMap<string, number>();

  add(session: Session): void {
    for (const place of sessionPlaces(session)) this.ids.add(place, session.id);
  }

  /** The session's places may have changed from `before`'s to `after`'s. */
  move(before: Session, after: Session): void {
    if (before.places === after.places && before.view === after.view) return;
    const was = sessionPlaces(before);
    const is = sessionPlaces(after);
    for (const place of was) if (!is.includes(place)) this.ids.delete(place, before.id);
    for (const place of is) if (!was.includes(place)) this.ids.add(place, after.id);
  }

  remove(session: Session): void {
    for (const place of sessionPlaces(session)) this.ids.delete(place, session.id);
  }

  /** Ids of the sessions in `place`, in no particular order. */
  sessionIds(place: string): ReadonlySet<number> {
    return this.ids.get(place);
  }

  /** Places whose name starts with `prefix`, in name order. */
  names(prefix: string): string[] {
    const names: string[] = [];
    for (const name of this.ids.keys()) if (name.startsWith(prefix)) names.push(name);
    return names.sort();
  }
}
