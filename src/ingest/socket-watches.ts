// The places a socket watches (core/place-watch.ts): `watch {place}` and `unwatch {place}` frames. A
// socket's watcher sends the place's frames, serialised once per place for all its watchers, and made
// into a WebSocket frame once for all of them too (prebuilt-frames.ts); a socket that closes stops
// watching everything.
import type { Actor } from '../core/actor.ts';
import { RollcallError } from '../core/errors.ts';
import type { PlaceWatch, PlaceWatcher } from '../core/place-watch.ts';
import { checkPlaceGrant, isPlaceName } from '../core/places.ts';
import { prebuildTextFrame, type PrebuiltFrame } from './prebuilt-frames.ts';

/** Places one socket may watch at once. */
export const MAX_WATCHES_PER_SOCKET = 100;

/** One socket's watches: made at its first watch. */
export interface SocketWatchState {
  readonly watcher: PlaceWatcher;
  readonly places: Set<string>;
}

export class SocketWatches {
  /**
   * The frame last delivered. PlaceWatch hands one place's event to all its watchers in a row, the same
   * text each time, so the first watcher's frame serves the rest.
   */
  private last: PrebuiltFrame | undefined;

  constructor(private readonly places: PlaceWatch) {}

  /** Starts watching; `state` is the socket's (made here at its first watch), answered for it to keep. */
  async watch(
    state: SocketWatchState | undefined,
    send: (frame: PrebuiltFrame) => void,
    place: string,
    actor: Actor,
  ): Promise<SocketWatchState> {
    if (!isPlaceName(place)) throw new RollcallError('invalid_body', `place: ${JSON.stringify(place)} is not a place name`);
    if (actor.kind === 'client') checkPlaceGrant(actor.places, place, 'watch');
    const watches = state ?? { watcher: { deliver: (text: string) => send(this.frameOf(text)) }, places: new Set<string>() };
    if (watches.places.has(place)) return watches;
    if (watches.places.size >= MAX_WATCHES_PER_SOCKET)
      throw new RollcallError('invalid_body', `place: a socket watches at most ${MAX_WATCHES_PER_SOCKET} places`);
    watches.places.add(place);
    await this.places.watch(place, watches.watcher);
    // The socket closed (or unwatched) while the members were read: nothing may keep it watching.
    if (!watches.places.has(place)) this.places.unwatch(place, watches.watcher);
    return watches;
  }

  unwatch(state: SocketWatchState | undefined, place: string): void {
    if (!state?.places.delete(place)) return;
    this.places.unwatch(place, state.watcher);
  }

  private frameOf(text: string): PrebuiltFrame {
    if (this.last?.text !== text) this.last = prebuildTextFrame(text);
    return this.last;
  }

  /** The socket is gone: it watches nothing any more. */
  release(state: SocketWatchState | undefined): void {
    if (!state) return;
    for (const place of state.places) this.places.unwatch(place, state.watcher);
    state.places.clear();
  }
}
