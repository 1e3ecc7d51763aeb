// Watching a place from the SDK: who else is here, live (the server side is core/place-watch.ts). One
// socket carries every watch. Events are user-level: `join` when a user's first session comes into the
// place, `leave` when their last one goes, `update` when what their sessions show changes; a second tab
// changes `members()` and fires nothing. After a reconnect the server sends the members again, and the
// watch fires only what differs from what it held: nobody who never left joins again.
import { Emitter } from './emitter.ts';

export interface PlaceMemberSession {
  id: number;
  clientType: string;
  idle: boolean;
  view?: { m: string; v: string; t: string };
  /** When the session opened, Unix seconds. */
  since: number;
}

export interface PlaceMember {
  user: { id: string; name: string; type: string; publicDisplayName?: string };
  /** Their sessions in the place, in id order. */
  sessions: PlaceMemberSession[];
}

export interface PlaceWatchEvents {
  join: PlaceMember;
  update: PlaceMember;
  leave: { user: { id: string } };
}

/** What the server sends a watcher (parsed loosely: a frame that does not fit is skipped). */
export type PlaceServerFrame =
  | { type: 'members'; place: string; members: PlaceMember[] }
  | { type: 'place'; place: string; event: 'join' | 'update' | 'sessions' | 'leave'; member: PlaceMember };

export class PlaceWatch {
  readonly #events = new Emitter<PlaceWatchEvents>();
  readonly #members = new Map<string, PlaceMember>();
  readonly #stop: () => void;

  constructor(
    readonly place: string,
    stop: (watch: PlaceWatch) => void,
  ) {
    this.#stop = () => stop(this);
  }

  /** Who is in the place now, in order of their first session there. */
  members(): PlaceMember[] {
    return [...this.#members.values()];
  }

  on<K extends keyof PlaceWatchEvents>(name: K, listener: (payload: PlaceWatchEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  /** Stops watching; the watch fires nothing more. */
  unwatch(): void {
    this.#stop();
    this.#events.removeAll();
  }

  /** Applies a frame of this place. */
  receive(frame: PlaceServerFrame): void {
    if (frame.type === 'members') {
      this.#resync(frame.members);
      return;
    }
    const id = frame.member.user.id;
    switch (frame.event) {
      case 'leave':
        if (this.#members.delete(id)) this.#events.emit('leave', { user: { id } });
        return;
      case 'join':
      case 'update': {
        const known = this.#members.has(id);
        this.#members.set(id, frame.member);
        this.#events.emit(known ? 'update' : 'join', frame.member);
        return;
      }
      case 'sessions':
        // Another tab of a member came or went: members() changes, nobody joined or left.
        if (!this.#members.has(id)) this.#events.emit('join', frame.member);
        this.#members.set(id, frame.member);
    }
  }

  /** The members as the server holds them now: fires what differs from what this watch held. */
  #resync(members: readonly PlaceMember[]): void {
    const previous = new Map(this.#members);
    this.#members.clear();
    for (const member of members) this.#members.set(member.user.id, member);
    for (const [id] of previous) if (!this.#members.has(id)) this.#events.emit('leave', { user: { id } });
    for (const member of members) {
      const before = previous.get(member.user.id);
      if (!before) this.#events.emit('join', member);
      else if (showsOtherwise(before, member)) this.#events.emit('update', member);
    }
  }
}

/** Whether a member's sessions show something else (idle, view, client type), tabs aside. */
function showsOtherwise(a: PlaceMember, b: PlaceMember): boolean {
  const shown = (m: PlaceMember) => JSON.stringify([m.user, m.sessions.map((s) => [s.clientType, s.idle, s.view ?? null])]);
  return shown(a) !== shown(b);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isMember = (value: unknown): value is PlaceMember =>
  isRecord(value) && isRecord(value.user) && typeof value.user.id === 'string' && Array.isArray(value.sessions);

/** Reads a `members` or `place` frame (already JSON-parsed); undefined for anything else. */
export function placeFrameOf(value: Record<string, unknown>): PlaceServerFrame | undefined {
  if (typeof value.place !== 'string') return undefined;
  if (value.type === 'members' && Array.isArray(value.members) && value.members.every(isMember)) {
    return { type: 'members', place: value.place, members: value.members };
  }
  if (value.type === 'place' && ['join', 'update', 'sessions', 'leave'].includes(value.event as string) && isRecord(value.member)) {
    const member = value.member;
    if (!isRecord(member.user) || typeof member.user.id !== 'string') return undefined;
    return {
      type: 'place',
      place: value.place,
      event: value.event as 'join',
      member: {
        user: member.user as PlaceMember['user'],
        sessions: Array.isArray(member.sessions) ? (member.sessions as PlaceMemberSession[]) : [],
      },
    };
  }
  return undefined;
}
