// Who else is in a place, live, for the application's own users (core/places.ts): watchers of a place
// get its members once, then a user-level event for each change. A user is a member while at least
// one of their sessions is in the place; a second tab is no news (the member's sessions change, no
// event), the last tab leaving is `leave`, and a change of what members show (idle, view, client type)
// is `update`, never a leave and a join.
//
// Fed by the change feed, so in a cluster it sees every node's sessions. Each event is serialised once
// per place, whatever the number of watchers: a watcher only sends the same text on (transports; the
// WebSocket one also frames it once for all: ingest/prebuilt-frames.ts).
// Nothing here knows a socket.
import { sessionPlaces } from './places.ts';
import { SetMap } from './set-map.ts';
import type { PresenceChange, Session, UserInfo, View } from './model.ts';

/** Who receives a place's frames: a socket, in practice. */
export interface PlaceWatcher {
  deliver(frame: string): void;
}

/** What a watcher sees of a session: no host, address or agent (other users read this). */
export interface MemberSession {
  id: number;
  clientType: Session['clientType'];
  idle: boolean;
  view?: View;
  /** When the session opened, Unix seconds. */
  since: number;
}

export interface Member {
  /** The user as other users may see them: no e-mail, username or private display name. */
  user: { id: string; name: string; type: string; publicDisplayName?: string };
  sessions: MemberSession[];
}

/** Frames to watchers (the WebSocket protocol's `members` and `place` frames). */
export type PlaceFrame =
  | { type: 'members'; place: string; members: Member[] }
  | { type: 'place'; place: string; event: 'join' | 'update' | 'sessions'; member: Member }
  | { type: 'place'; place: string; event: 'leave'; member: { user: { id: string } } };

/** What the watch needs of the presence service. */
export interface PlaceWatchSource {
  listSessions(query: { place: string }): Promise<Session[]>;
  subscribe(listener: (change: PresenceChange) => void): () => void;
  onResync(listener: () => void): () => void;
}

/** One watched place: its members' sessions, by user, and who watches. */
interface WatchedPlace {
  readonly name: string;
  /** Settles once its members were first read: a watcher that comes meanwhile waits for them. */
  ready: Promise<void>;
  readonly watchers: Set<PlaceWatcher>;
  /** User id → their sessions in the place, by session id, each with the version it was seen at. */
  readonly users: Map<string, Map<number, { session: MemberSession; version: number; user: UserInfo }>>;
}

export class PlaceWatch {
  private readonly places = new Map<string, WatchedPlace>();
  /** Session id → the watched places it is in: a change looks at those and the ones it names. */
  private readonly placesOf = new SetMap<number, WatchedPlace>();
  private readonly unsubscribe: (() => void)[];

  constructor(private readonly source: PlaceWatchSource) {
    this.unsubscribe = [source.subscribe((change) => this.apply(change)), source.onResync(() => void this.reloadAll())];
  }

  /** Starts sending `place`'s frames to `watcher`: first its members, then its events. */
  async watch(place: string, watcher: PlaceWatcher): Promise<void> {
    let watched = this.places.get(place);
    if (!watched) {
      const fresh: WatchedPlace = { name: place, ready: Promise.resolve(), watchers: new Set(), users: new Map() };
      fresh.ready = this.source.listSessions({ place }).then((sessions) => this.fill(fresh, sessions));
      this.places.set(place, (watched = fresh));
    }
    try {
      await watched.ready;
    } catch (error) {
      if (this.places.get(place) === watched && watched.watchers.size === 0) this.places.delete(place);
      throw error;
    }
    // Its last watcher left while the members were read, and another read began: wait for that one.
    if (this.places.get(place) !== watched) return this.watch(place, watcher);
    // Added only now, so that its first frame is the members, never an event.
    watched.watchers.add(watcher);
    watcher.deliver(JSON.stringify(membersFrame(watched)));
  }

  unwatch(place: string, watcher: PlaceWatcher): void {
    const watched = this.places.get(place);
    if (!watched) return;
    watched.watchers.delete(watcher);
    if (watched.watchers.size > 0) return;
    this.places.delete(place);
    for (const sessions of watched.users.values()) for (const id of sessions.keys()) this.placesOf.delete(id, watched);
  }

  /** Places watched now (tests, metrics). */
  get watchedPlaces(): number {
    return this.places.size;
  }

  close(): void {
    for (const stop of this.unsubscribe) stop();
    this.places.clear();
    this.placesOf.clear();
  }

  private fill(watched: WatchedPlace, sessions: readonly Session[]): void {
    for (const members of watched.users.values()) for (const id of members.keys()) this.placesOf.delete(id, watched);
    watched.users.clear();
    for (const session of sessions) {
      userSessions(watched, session.user.id).set(session.id, seen(session));
      this.placesOf.add(session.id, watched);
    }
  }

  /** After the feed skipped changes (a replica reloaded): every watcher gets the members anew. */
  private async reloadAll(): Promise<void> {
    for (const watched of this.places.values()) {
      this.fill(watched, await this.source.listSessions({ place: watched.name }));
      this.send(watched, membersFrame(watched));
    }
  }

  private apply(change: PresenceChange): void {
    if (this.places.size === 0 || !('session' in change)) return;
    const { session } = change;
    const now = change.type === 'session.ended' ? [] : sessionPlaces(session);
    const candidates = new Set(this.placesOf.get(session.id));
    for (const name of now) {
      const place = this.places.get(name);
      if (place) candidates.add(place);
    }
    for (const place of candidates) {
      const sessions = place.users.get(session.user.id);
      const known = sessions?.get(session.id);
      if (known && known.version >= session.version) continue;
      const inPlace = now.includes(place.name);
      if (!known && !inPlace) continue;
      this.move(place, session, known?.session, inPlace);
    }
  }

  /** Applies one session's move into, within or out of a place, and tells the watchers. */
  private move(place: WatchedPlace, session: Session, before: MemberSession | undefined, inPlace: boolean): void {
    const userId = session.user.id;
    const sessions = userSessions(place, userId);
    const hadMember = sessions.size > 0;
    const previous = hadMember ? member(sessions) : undefined;
    if (inPlace) {
      sessions.set(session.id, seen(session));
      this.placesOf.add(session.id, place);
    } else {
      sessions.delete(session.id);
      this.placesOf.delete(session.id, place);
    }
    if (sessions.size === 0) {
      place.users.delete(userId);
      this.send(place, { type: 'place', place: place.name, event: 'leave', member: { user: { id: userId } } });
      return;
    }
    const now = member(sessions);
    if (!hadMember) this.send(place, { type: 'place', place: place.name, event: 'join', member: now });
    else if (before === undefined || !inPlace) this.send(place, { type: 'place', place: place.name, event: 'sessions', member: now });
    else if (JSON.stringify(previous) !== JSON.stringify(now))
      this.send(place, { type: 'place', place: place.name, event: 'update', member: now });
  }

  private send(place: WatchedPlace, frame: PlaceFrame): void {
    const text = JSON.stringify(frame);
    for (const watcher of place.watchers) watcher.deliver(text);
  }
}

function userSessions(place: WatchedPlace, userId: string) {
  let sessions = place.users.get(userId);
  if (!sessions) place.users.set(userId, (sessions = new Map()));
  return sessions;
}

function seen(session: Session) {
  const shown: MemberSession = {
    id: session.id,
    clientType: session.clientType,
    idle: session.idle,
    since: Math.floor(session.startedAt / 1000),
  };
  if (session.view) shown.view = session.view;
  return { session: shown, version: session.version, user: session.user };
}

/** A member as watchers see them: the user of their latest-seen session, their sessions in id order. */
function member(sessions: Map<number, { session: MemberSession; user: UserInfo }>): Member {
  const entries = [...sessions.values()].sort((a, b) => a.session.id - b.session.id);
  const { id, name, type, publicDisplayName } = entries.at(-1)!.user;
  return {
    user: { id, name, type, ...(publicDisplayName !== undefined && { publicDisplayName }) },
    sessions: entries.map((e) => e.session),
  };
}

function membersFrame(place: WatchedPlace): PlaceFrame {
  const members = [...place.users.values()].map(member).sort((a, b) => a.sessions[0]!.id - b.sessions[0]!.id);
  return { type: 'members', place: place.name, members };
}
