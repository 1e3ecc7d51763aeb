// The streams' entries and what they mean. Every node turns a change entry into the same changes with
// the same seqs, from the entry alone: no replica state goes into a change, so nodes cannot disagree
// about what was announced, and a reader without a replica (a webhook consumer) can read them too.
//
// An entry has three fields: `k` its kind, `o` its origin (pending-mutations.ts), `d` its data: parts
// separated by newlines (JSON never holds a raw newline). A change entry's id is `<first seq>-0`; it
// takes one seq per change, in the order below. Activity entries are in a stream of their own (keys.ts)
// and take no seq. Sessions are as session-codec.ts writes them. By kind, `d` holds:
//   open      `<1 when the user's first session, else 0>` `<profile>` `<session array>` `<places
//             joined>` → session.started, then user.online when first, then place.join per place
//   update    `<at>`, then per session `<profile>` `<session array>` `<places joined>` `<places left>`
//             → session.updated, then place.join and place.leave per place, for each session
//   end       per session eight parts: `<end JSON {reason, at, endedBy?}>` `<lastActivityAt>`
//             `<expiresAt>` `<1 when the user's last session, else 0>` `<user's lastSeenAt>`
//             `<stored session>` `<its profile>` `<places left>` → session.ended, then place.leave
//             per place, then user.offline when last
// Places joined or left are the user's (place.join and place.leave are per user: the scripts count
// each user's sessions per place), names joined by spaces, empty for none.
//   announce  a `<change JSON>` per change → those changes
//   raise     `<the seq before>`, in an entry `<new seq>-0` → no change: the seq jumped forward (a node
//             joined an epoch with a floor above it, recovery.ts); the seqs between are never used
//   reassert  per session `<stored session>` `<profile>` `<lastActivityAt>` `<expiresAt>` → no change:
//             a session put back after Redis lost it, with the id and version it had (announced when it
//             opened). It takes no seq: its id is `<seq>-<n>`, n ≥ 1, between two changes
//   activity  per session `<id>` `<version>` `<lastActivityAt>` `<expiresAt>` → no change: the clock
//             of the session at that version (the version ties it to the session's state, so the
//             order between the two streams does not matter)
// The ended session is derived by endedSession() from the stored one with the clock Redis had, so its
// event log and times are the same on every node.
import type { PresenceChange, Session } from '../../core/model.ts';
import { placeChanges, type PlaceMoves } from '../../core/places.ts';
import { endedSession } from '../../core/session-events.ts';
import type { EndedSession, SessionEnd } from '../live-store.ts';
import { decodeChange, decodeSession, decodeStored } from './session-codec.ts';

interface EntryBase {
  /** The stream id: `<ms>-<n>`. */
  id: string;
  /** Who appended it: matches a mutation of this process waiting for it (pending-mutations.ts). */
  origin: string;
}

interface ChangeEntryBase extends EntryBase {
  firstSeq: number;
  /** In order: change i has seq firstSeq + i. */
  changes: PresenceChange[];
}

export interface OpenEntry extends ChangeEntryBase {
  kind: 'open';
  session: Session;
  firstOfUser: boolean;
}

export interface UpdateEntry extends ChangeEntryBase {
  kind: 'update';
  sessions: Session[];
}

export interface EndedItem {
  ended: EndedSession;
  /** The version the session had before it ended. */
  storedVersion: number;
}

export interface EndEntry extends ChangeEntryBase {
  kind: 'end';
  items: EndedItem[];
}

export interface AnnounceEntry extends ChangeEntryBase {
  kind: 'announce';
}

/** The seq jumps from `firstSeq - 1` to `lastSeq`, with no changes. */
export interface RaiseEntry extends ChangeEntryBase {
  kind: 'raise';
  lastSeq: number;
}

/** Sessions put back into a new epoch, silently; not in the sequence of changes. */
export interface ReassertEntry extends EntryBase {
  kind: 'reassert';
  /** As stored, each with the clock Redis has for it. */
  sessions: Session[];
}

export interface ActivityEntry extends EntryBase {
  kind: 'activity';
  /** Flat, four per session: id, version, lastActivityAt, expiresAt, id, … */
  clocks: number[];
}

export type ChangeEntry = OpenEntry | UpdateEntry | EndEntry | AnnounceEntry | RaiseEntry;
export type StreamEntry = ChangeEntry | ReassertEntry | ActivityEntry;

/** The seq of an entry's last change (the seq it raises to, for a raise). */
export const lastSeqOf = (entry: ChangeEntry): number =>
  entry.kind === 'raise' ? entry.lastSeq : entry.firstSeq + entry.changes.length - 1;

/** An entry as XREAD answers it in RESP2: [id, [field, value, …]]. */
export type RawEntry = [id: string, fields: string[]];

export function decodeEntry([id, fields]: RawEntry): StreamEntry {
  let kind = '';
  let origin = '';
  let data = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    if (fields[i] === 'k') kind = value;
    else if (fields[i] === 'o') origin = value;
    else if (fields[i] === 'd') data = value;
  }
  const parts = data.split('\n');
  const firstSeq = Number(id.slice(0, id.indexOf('-')));
  switch (kind) {
    case 'open':
      return openEntry(id, origin, firstSeq, parts);
    case 'update':
      return updateEntry(id, origin, firstSeq, parts);
    case 'end':
      return endEntry(id, origin, firstSeq, parts);
    case 'announce':
      return { kind, id, origin, firstSeq, changes: parts.map(decodeChange) };
    case 'raise':
      return { kind, id, origin, firstSeq: Number(parts[0]) + 1, lastSeq: firstSeq, changes: [] };
    case 'reassert':
      return { kind, id, origin, sessions: reassertedSessions(parts) };
    case 'activity':
      return { kind, id, origin, clocks: parts.map(Number) };
    default:
      throw new Error(`stream entry ${id} has an unknown kind: ${kind}`);
  }
}

/** Place names as the scripts join them: by spaces, '' for none. */
const placeNames = (joined: string | undefined): string[] => (joined ? joined.split(' ') : []);

function openEntry(id: string, origin: string, firstSeq: number, [first, profile, array, joined]: string[]): OpenEntry {
  const session = decodeSession(profile!, array!, firstSeq);
  const firstOfUser = first === '1';
  const changes: PresenceChange[] = [{ type: 'session.started', at: session.startedAt, session }];
  if (firstOfUser) changes.push({ type: 'user.online', at: session.startedAt, user: session.user });
  changes.push(...placeChanges({ joined: placeNames(joined), left: [] }, session, session.startedAt));
  return { kind: 'open', id, origin, firstSeq, changes, session, firstOfUser };
}

const UPDATE_PARTS = 4;

function updateEntry(id: string, origin: string, firstSeq: number, [at, ...parts]: string[]): UpdateEntry {
  const when = Number(at);
  const sessions: Session[] = [];
  const changes: PresenceChange[] = [];
  for (let i = 0; i + UPDATE_PARTS <= parts.length; i += UPDATE_PARTS) {
    // Its version is the seq of its session.updated, which follows the changes before it.
    const session = decodeSession(parts[i]!, parts[i + 1]!, firstSeq + changes.length);
    const moves: PlaceMoves = { joined: placeNames(parts[i + 2]), left: placeNames(parts[i + 3]) };
    sessions.push(session);
    changes.push({ type: 'session.updated', at: when, session }, ...placeChanges(moves, session, when));
  }
  return { kind: 'update', id, origin, firstSeq, changes, sessions };
}

const END_PARTS = 8;

function endEntry(id: string, origin: string, firstSeq: number, parts: string[]): EndEntry {
  const changes: PresenceChange[] = [];
  const items: EndedItem[] = [];
  for (let i = 0; i + END_PARTS <= parts.length; i += END_PARTS) {
    const end = JSON.parse(parts[i]!) as SessionEnd;
    const stored = decodeStored(parts[i + 5]!, parts[i + 6]!);
    const lastOfUser = parts[i + 3] === '1';
    const clocked = { ...stored, lastActivityAt: Number(parts[i + 1]), expiresAt: Number(parts[i + 2]) };
    const session = { ...endedSession(clocked, end.reason, end.at, end.endedBy), version: firstSeq + changes.length };
    changes.push({
      type: 'session.ended',
      at: end.at,
      session,
      reason: end.reason,
      ...(end.endedBy !== undefined && { endedBy: end.endedBy }),
    });
    changes.push(...placeChanges({ joined: [], left: placeNames(parts[i + 7]) }, session, end.at));
    if (lastOfUser) changes.push({ type: 'user.offline', at: end.at, user: session.user, lastSeenAt: Number(parts[i + 4]) });
    items.push({ ended: { ...end, session, lastOfUser }, storedVersion: stored.version });
  }
  return { kind: 'end', id, origin, firstSeq, changes, items };
}

function reassertedSessions(parts: string[]): Session[] {
  const sessions: Session[] = [];
  for (let i = 0; i + 4 <= parts.length; i += 4) {
    const session = decodeStored(parts[i]!, parts[i + 1]!);
    session.lastActivityAt = Number(parts[i + 2]);
    session.expiresAt = Number(parts[i + 3]);
    sessions.push(session);
  }
  return sessions;
}

/** The end as the END script takes it (JSON, so an account name may hold any character). */
export const encodeEnd = (end: SessionEnd): string =>
  JSON.stringify({ reason: end.reason, at: end.at, ...(end.endedBy !== undefined && { endedBy: end.endedBy }) });
