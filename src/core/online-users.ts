// Online users: the live sessions grouped by user, kept between calls.
//
// Why kept: at 15,000 sessions grouping them afresh cost 10-24 ms per "who is online" answer on these
// machines (a Map lookup per session and an object per user), the largest part of an answer whose
// bytes are mostly kept too (api/user-blocks.ts). Between two answers a busy fleet mostly heartbeats,
// and a heartbeat moves a session's `lastActivityAt` in place without a change in the store's sequence
// (live-store.ts: snapshots are never altered otherwise). So while the store's applied seq has not
// moved, the last listing is still the live sessions, as the same snapshots in the same order; a call
// then reads one number per session and remakes only the users whose sessions' last activity moved.
// When none moved it answers the very array of the last call: callers may take that identity as "the
// same answer as last time" (read-routes.ts sends its last bytes again).
import type { Session, UserPresence } from './model.ts';
import { lastViewed, userFacts } from './user-facts.ts';
import { yieldToEventLoop } from './yield-to-event-loop.ts';

/** Milliseconds of grouping between two yields to the event loop. */
const SLICE_MS = 2;

/** Where the sessions come from: the live store, as the core sees it. */
export interface OnlineSource {
  /** The seq of the newest change applied: a listing is the same while it has not moved. */
  appliedSeq(): number;
  list(): Promise<Session[]>;
}

interface Grouping {
  seq: number;
  sessions: readonly Session[];
  /** Each session's last activity as `users` were made from it. */
  activity: Float64Array;
  /** Per session, the index of its user in `users`. */
  userOf: Int32Array;
  /** Session indexes grouped by user, users in order of their first session. */
  members: Int32Array;
  /** Where each user's session indexes start in `members`; one more entry: the end. */
  starts: Int32Array;
  users: readonly UserPresence[];
}

export class OnlineUsers {
  private last: Grouping | undefined;
  /** Counts forget() calls: a grouping begun before one is not kept. */
  private generation = 0;

  constructor(private readonly source: OnlineSource) {}

  /**
   * Forgets the kept grouping. For when the store replaced its snapshots without a new seq (a replica
   * reloaded after it lost the stream): the kept ones would no longer see heartbeats.
   */
  forget(): void {
    this.last = undefined;
    this.generation++;
  }

  /**
   * Online users with their sessions, in order of their first session, each with the last activity
   * of its sessions read at one moment. Yields to the event loop every SLICE_MS while grouping.
   */
  async users(): Promise<readonly UserPresence[]> {
    // Read before listing: a change applied while listing leaves the grouping behind its seq (grouped
    // again next time), never ahead of it.
    const seq = this.source.appliedSeq();
    const last = this.last;
    if (last && last.seq === seq) return this.refreshed(last);
    const generation = this.generation;
    const grouping = await group(seq, await this.source.list());
    // Two calls may overlap (both yield): keep the newer.
    if (generation === this.generation && (!this.last || this.last.seq <= grouping.seq)) this.last = grouping;
    return grouping.users;
  }

  /** The kept grouping with each user whose sessions' last activity moved made again. */
  private refreshed(last: Grouping): readonly UserPresence[] {
    const { sessions, userOf, members, starts } = last;
    const activity = activityTimes(sessions);
    let users: UserPresence[] | undefined;
    for (let i = 0; i < sessions.length; i++) {
      if (activity[i] === last.activity[i]) continue;
      const u = userOf[i]!;
      users ??= [...last.users];
      // A user with several moved sessions is made again for each: rare, and the same result.
      users[u] = withLastSeen(last.users[u]!, lastSeenOf(activity, members, starts[u]!, starts[u + 1]!));
    }
    if (!users) return last.users;
    this.last = { ...last, activity, users };
    return users;
  }
}

/**
 * Every session's last activity, read at one moment. A plain loop: Float64Array.from with a mapping
 * function takes the generic iterator path, some milliseconds at 10,000 sessions (BENCHMARKS.md).
 */
function activityTimes(sessions: readonly Session[]): Float64Array {
  const activity = new Float64Array(sessions.length);
  for (let i = 0; i < sessions.length; i++) activity[i] = sessions[i]!.lastActivityAt;
  return activity;
}

/**
 * Groups sessions (in id order) by user, users in order of their first session: a counting sort on
 * the users' indexes, so a user costs one Map entry and its one object. Every last activity is read
 * before the first yield, so the users' last seen times are those of one moment.
 */
async function group(seq: number, sessions: readonly Session[]): Promise<Grouping> {
  const n = sessions.length;
  const activity = activityTimes(sessions);
  const userOf = new Int32Array(n);
  const counts = new Int32Array(n + 1);
  const indexOf = new Map<string, number>();
  let sliceStart = performance.now();
  const sliceOver = async () => {
    if (performance.now() - sliceStart < SLICE_MS) return;
    await yieldToEventLoop();
    sliceStart = performance.now();
  };
  for (let i = 0; i < n; i++) {
    const id = sessions[i]!.user.id;
    let u = indexOf.get(id);
    if (u === undefined) {
      u = indexOf.size;
      indexOf.set(id, u);
    }
    userOf[i] = u;
    counts[u + 1]!++;
    if ((i & 1023) === 1023) await sliceOver();
  }
  const userCount = indexOf.size;
  const starts = new Int32Array(userCount + 1);
  for (let u = 0; u < userCount; u++) starts[u + 1] = starts[u]! + counts[u + 1]!;
  const members = new Int32Array(n);
  const next = starts.slice(0, userCount);
  for (let i = 0; i < n; i++) members[next[userOf[i]!]!++] = i;
  const users = new Array<UserPresence>(userCount);
  for (let u = 0; u < userCount; u++) {
    const from = starts[u]!;
    const to = starts[u + 1]!;
    const own = new Array<Session>(to - from);
    for (let k = from; k < to; k++) own[k - from] = sessions[members[k]!]!;
    users[u] = presenceAt(activity, members, from, to, own);
    if ((u & 255) === 255) await sliceOver();
  }
  return { seq, sessions, activity, userOf, members, starts, users };
}

/**
 * One user from the sessions at `members[from..to)` of a listing (`own`, in that order), with their
 * last activity as `activity` holds it; its facts and view as user-facts.ts chooses.
 */
function presenceAt(activity: Float64Array, members: Int32Array, from: number, to: number, own: Session[]): UserPresence {
  const view = lastViewed(own)?.view;
  return {
    user: userFacts(own),
    lastSeenAt: lastSeenOf(activity, members, from, to),
    ...(view && { lastView: view }),
    online: true,
    sessions: own,
  };
}

/** The latest last activity of the sessions at `members[from..to)`. */
function lastSeenOf(activity: Float64Array, members: Int32Array, from: number, to: number): number {
  let lastSeenAt = activity[members[from]!]!;
  for (let k = from + 1; k < to; k++) lastSeenAt = Math.max(lastSeenAt, activity[members[k]!]!);
  return lastSeenAt;
}

/**
 * `was` seen later. Only for a heartbeat's move: facts and view are chosen by the sessions' versions
 * and views (user-facts.ts), which change only with the store's seq, so they are `was`'s own.
 */
function withLastSeen(was: UserPresence, lastSeenAt: number): UserPresence {
  return was.lastView
    ? { user: was.user, lastSeenAt, lastView: was.lastView, online: true, sessions: was.sessions }
    : { user: was.user, lastSeenAt, online: true, sessions: was.sessions };
}
