// Long JSON answers of sessions and users ("who is online", pages of sessions), written straight into
// bytes (http/body-writer.ts; users as blocks kept between answers, user-blocks.ts) in slices, byte
// for byte what the routes' response schemas would produce. Serializing 15,000 sessions with the
// schema-driven serializer took most of such a request, so each session's JSON is made once per session snapshot and remembered (http/snapshot-memo.ts).
//
// A session's JSON holds one thing that moves in place, `lastActivityAt` (heartbeats move it without a
// new snapshot), so a fragment is the JSON before its value and the JSON after it; the value is
// written per answer. The fragment is made by the route's own serializer (Fastify's
// fast-json-stringify, compiled from the response schema) with a placeholder value, then cut where the
// placeholder is: same keys, same order (that serializer puts required keys first), same escaping,
// nothing the schema does not list. Users are written the same way around `lastSeenAt` and their
// sessions.
import type { TObject } from '@sinclair/typebox';
import type { Session, UserInfo, UserPresence, View } from '../core/model.ts';
import type { BodyWriter } from '../http/body-writer.ts';
import { DEFAULT_SLICE_MS, forEachSliced } from '../http/slices.ts';
import { SnapshotMemo } from '../http/snapshot-memo.ts';
import { SessionJsonSchema, UserJsonSchema, sessionJson, toSeconds, userJson } from './presence-json.ts';
import { UserBlocks, type UsersAnswer, type WrittenUser } from './user-blocks.ts';

type Serialize = (data: Record<string, unknown>) => string;

/** A serializer for a schema, compiled by the route (`reply.compileSerializationSchema`). */
export type CompileSerializer = (schema: TObject) => Serialize;

/**
 * Unix seconds no real time has (the year 33658), written where a moving time goes so the serializer
 * shows where that is. Its key before it makes the mark unique: in JSON text a quote that is not a
 * key's is escaped, and no nested object of these schemas has these keys.
 */
const PLACEHOLDER_SECONDS = 999_999_999_999;

/** Where an answer's own value goes: after `prefix`, in place of `placeholder`, before `suffix`. */
interface Mark {
  prefix: string;
  placeholder: string;
  suffix: string;
}

const timeMark = (key: string): Mark => ({ prefix: `"${key}":`, placeholder: String(PLACEHOLDER_SECONDS), suffix: '' });

/** JSON made with placeholders, cut at them: the parts between, and which value goes in each cut. */
interface Template<H extends string> {
  parts: Buffer[];
  holes: H[];
}

function cutAtMarks<H extends string>(text: string, marks: Record<H, Mark>): Template<H> {
  const cuts = (Object.keys(marks) as H[]).map((hole) => {
    const { prefix, placeholder, suffix } = marks[hole];
    const mark = prefix + placeholder + suffix;
    const at = text.indexOf(mark);
    if (at < 0 || text.indexOf(mark, at + 1) >= 0) throw new Error(`presence-json-writer: ${mark} is not in the JSON exactly once`);
    return { hole, start: at + prefix.length, end: at + prefix.length + placeholder.length };
  });
  cuts.sort((a, b) => a.start - b.start);
  const parts: Buffer[] = [];
  let from = 0;
  for (const { start, end } of cuts) {
    parts.push(Buffer.from(text.slice(from, start), 'utf8'));
    from = end;
  }
  parts.push(Buffer.from(text.slice(from), 'utf8'));
  return { parts, holes: cuts.map((cut) => cut.hole) };
}

type SessionHole = 'lastActivityAt';
type UserHole = 'lastSeenAt' | 'sessions';
const SESSION_MARKS: Record<SessionHole, Mark> = { lastActivityAt: timeMark('lastActivityAt') };
const USER_MARKS: Record<UserHole, Mark> = {
  lastSeenAt: timeMark('lastSeenAt'),
  sessions: { prefix: '"sessions":[', placeholder: '', suffix: ']' },
};

/** The serializers of one route, resolved once per answer. */
export interface Serializers {
  session: Serialize;
  user: Serialize;
}

function sessionTemplate(session: Session, serializers: Serializers): Template<SessionHole> {
  const json = sessionJson(session);
  json.lastActivityAt = PLACEHOLDER_SECONDS;
  return cutAtMarks(serializers.session(json), SESSION_MARKS);
}

/** A user's JSON but for its last seen time and its sessions; `view` is the last view it was made with. */
interface UserTemplate extends Template<UserHole> {
  view: View | undefined;
}

function userTemplate(presence: UserPresence, serializers: Serializers): UserTemplate {
  const json = userJson({ ...presence, sessions: [] });
  json.lastSeenAt = PLACEHOLDER_SECONDS;
  return { ...cutAtMarks(serializers.user(json), USER_MARKS), view: presence.lastView };
}

export class PresenceJsonWriter {
  /** Per session snapshot: its JSON around `lastActivityAt`. */
  private readonly sessions = new SnapshotMemo<Session, Template<SessionHole>>();
  /**
   * Per user of an online user's newest session: its JSON around `lastSeenAt` and the sessions. The
   * last view may come from another of the user's sessions, so a template is used only with its view.
   */
  private readonly onlineUsers = new SnapshotMemo<UserInfo, UserTemplate>();
  /** The last answer's users as blocks of JSON, most of which the next answer sends again (user-blocks.ts). */
  private readonly userBlocks = new UserBlocks();

  /** The serializers `compile` makes for the pieces; call once per answer. */
  serializers(compile: CompileSerializer): Serializers {
    return { session: compile(SessionJsonSchema), user: compile(UserJsonSchema) };
  }

  /** One session as `SessionJsonSchema` serializes it. */
  writeSession(out: BodyWriter, session: Session, serializers: Serializers): void {
    const { parts } = this.sessions.get(session, sessionTemplate, serializers);
    // Read now, not when the template was made: heartbeats move it in place.
    out
      .bytes(parts[0]!)
      .ascii(String(toSeconds(session.lastActivityAt)))
      .bytes(parts[1]!);
  }

  /** Sessions as a JSON array, yielding to the event loop between slices of `sliceMs`. */
  writeSessions(out: BodyWriter, sessions: readonly Session[], serializers: Serializers, sliceMs = DEFAULT_SLICE_MS): Promise<void> {
    return writeArray(out, sessions, (session) => this.writeSession(out, session, serializers), sliceMs);
  }

  /**
   * Users as a JSON array, in pieces to send one after the other (most of them the last answer's, sent
   * again: user-blocks.ts); yields to the event loop between slices of `sliceMs`.
   */
  writeUsers(users: readonly UserPresence[], serializers: Serializers, sliceMs = DEFAULT_SLICE_MS): Promise<UsersAnswer> {
    return this.userBlocks.write(users, (out, presence) => this.writeUser(out, presence, serializers), sliceMs);
  }

  /** One user as `UserJsonSchema` serializes it; answers what an online user was written from. */
  private writeUser(out: BodyWriter, presence: UserPresence, serializers: Serializers): WrittenUser | undefined {
    const start = out.byteLength;
    // Read once: the bytes hold the times the record says, even if a heartbeat moves one meanwhile.
    const seconds = [toSeconds(presence.lastSeenAt)];
    for (const session of presence.sessions) seconds.push(toSeconds(session.lastActivityAt));
    // Where each of those times is written, from the user's first byte (user-blocks.ts patches them).
    const at: number[] = [];
    const { parts, holes } = this.userTemplate(presence, serializers);
    for (let i = 0; i < holes.length; i++) {
      out.bytes(parts[i]!);
      if (holes[i] === 'lastSeenAt') {
        at[0] = out.byteLength - start;
        out.ascii(String(seconds[0]));
      } else this.writeUserSessions(out, presence.sessions, serializers, seconds, start, at);
    }
    out.bytes(parts[holes.length]!);
    if (!presence.online) return undefined;
    return { presence, user: presence.user, view: presence.lastView, sessions: presence.sessions, seconds, at };
  }

  clear(): void {
    this.sessions.clear();
    this.onlineUsers.clear();
    this.userBlocks.clear();
  }

  private userTemplate(presence: UserPresence, serializers: Serializers): UserTemplate {
    // Offline users come from history, a new object per answer: nothing to remember them by.
    if (!presence.online) return userTemplate(presence, serializers);
    const remembered = this.onlineUsers.lookup(presence.user);
    if (remembered !== undefined && remembered.view === presence.lastView) return remembered;
    const template = userTemplate(presence, serializers);
    this.onlineUsers.remember(presence.user, template);
    return template;
  }

  private writeUserSessions(
    out: BodyWriter,
    sessions: readonly Session[],
    serializers: Serializers,
    seconds: readonly number[],
    userStart: number,
    at: number[],
  ): void {
    for (let i = 0; i < sessions.length; i++) {
      if (i > 0) out.ascii(',');
      const { parts } = this.sessions.get(sessions[i]!, sessionTemplate, serializers);
      out.bytes(parts[0]!);
      at[i + 1] = out.byteLength - userStart;
      out.ascii(String(seconds[i + 1])).bytes(parts[1]!);
    }
  }
}

/** `items` as a JSON array, each written by `writeOne`, yielding to the event loop between slices. */
async function writeArray<T>(out: BodyWriter, items: readonly T[], writeOne: (item: T) => void, sliceMs: number): Promise<void> {
  out.ascii('[');
  await forEachSliced(
    items.keys(),
    (i) => {
      if (i > 0) out.ascii(',');
      writeOne(items[i]!);
    },
    sliceMs,
  );
  out.ascii(']');
}
