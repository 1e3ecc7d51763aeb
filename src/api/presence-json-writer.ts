// Long JSON answers of sessions and users ("who is online", pages of sessions), written straight into
// one Buffer (http/body-writer.ts) in slices, byte for byte what the routes' response schemas would
// produce. Serializing 15,000 sessions with the schema-driven serializer took most of such a request,
// so each session's JSON is made once per session snapshot and remembered (http/snapshot-memo.ts).
//
// A session's JSON holds one thing that moves in place, `lastActivityAt` (heartbeats move it without a
// new snapshot), so a fragment is the JSON before it and the JSON after it; the value is written per
// answer. Both halves come from the response schema cut in two, serialized by the route's own
// compiler (Fastify's fast-json-stringify), so the bytes are those of the whole schema: same keys,
// same order, same escaping, nothing the schema does not list. Users are written the same way around
// `lastSeenAt` and their sessions.
import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import type { Session, UserInfo, UserPresence } from '../core/model.ts';
import type { BodyWriter } from '../http/body-writer.ts';
import { DEFAULT_SLICE_MS, forEachSliced } from '../http/slices.ts';
import { SnapshotMemo } from '../http/snapshot-memo.ts';
import { SessionJsonSchema, UserJsonSchema, sessionJson, toSeconds } from './presence-json.ts';

type Serialize = (data: Record<string, unknown>) => string;

/** A serializer for a schema, compiled by the route (`reply.compileSerializationSchema`). */
export type CompileSerializer = (schema: TObject) => Serialize;

/** The properties of `schema` before `key` and those after it, as two object schemas. */
function cutAt(schema: TObject, key: string): [TObject, TObject] {
  const names = Object.keys(schema.properties);
  const at = names.indexOf(key);
  if (at < 0) throw new Error(`cutAt: the schema has no property ${key}`);
  const pick = (list: string[]) => Type.Object(Object.fromEntries(list.map((name) => [name, schema.properties[name]!])) as TProperties);
  return [pick(names.slice(0, at)), pick(names.slice(at + 1))];
}

const [SessionBeforeActivity, SessionAfterActivity] = cutAt(SessionJsonSchema, 'lastActivityAt');
const [UserBeforeSeen, UserAfterSeen] = cutAt(UserJsonSchema, 'lastSeenAt');
const [UserBetweenSeenAndSessions, UserAfterSessions] = cutAt(UserAfterSeen, 'sessions');
// The writer below ends a user with its sessions; a property added after them must be written too.
if (Object.keys(UserAfterSessions.properties).length > 0) throw new Error('presence-json-writer: UserJsonSchema has properties after sessions');

/**
 * `{"a":1}` and `{"c":3}` around the key `b` as `{"a":1,"b":` and `,"c":3}`, for the value to go
 * between them. Either side may be `{}`.
 */
function around(before: string, key: string, after: string): [string, string] {
  const head = before === '{}' ? '{' : `${before.slice(0, -1)},`;
  const tail = after === '{}' ? '}' : `,${after.slice(1)}`;
  return [`${head}${JSON.stringify(key)}:`, tail];
}

/** A remembered piece of JSON with one number left out: `head`, the number, `tail`. */
interface Fragment {
  head: Buffer;
  tail: Buffer;
}

/** The serializers of one route, resolved once per answer. */
export interface Serializers {
  sessionBefore: Serialize;
  sessionAfter: Serialize;
  userBefore: Serialize;
  userBetween: Serialize;
}

export class PresenceJsonWriter {
  /** Per session snapshot: its JSON around `lastActivityAt`. */
  private readonly sessions = new SnapshotMemo<Session, Fragment>();
  /** Per user of an online user's newest session: `{…user,"online":true,"lastSeenAt":`. */
  private readonly onlineUsers = new SnapshotMemo<UserInfo, Buffer>();

  /** The serializers `compile` makes for the pieces; call once per answer. */
  serializers(compile: CompileSerializer): Serializers {
    return {
      sessionBefore: compile(SessionBeforeActivity),
      sessionAfter: compile(SessionAfterActivity),
      userBefore: compile(UserBeforeSeen),
      userBetween: compile(UserBetweenSeenAndSessions),
    };
  }

  /** One session as `SessionJsonSchema` serializes it. */
  writeSession(out: BodyWriter, session: Session, serializers: Serializers): void {
    const fragment = this.sessions.get(session, () => {
      const json = sessionJson(session);
      const [head, tail] = around(serializers.sessionBefore(json), 'lastActivityAt', serializers.sessionAfter(json));
      return { head: Buffer.from(head, 'utf8'), tail: Buffer.from(tail, 'utf8') };
    });
    // Read now, not when the fragment was made: heartbeats move it in place.
    out.bytes(fragment.head).ascii(String(toSeconds(session.lastActivityAt))).bytes(fragment.tail);
  }

  /** Sessions as a JSON array, yielding to the event loop between slices of `sliceMs`. */
  async writeSessions(out: BodyWriter, sessions: readonly Session[], serializers: Serializers, sliceMs = DEFAULT_SLICE_MS): Promise<void> {
    out.ascii('[');
    await forEachSliced(sessions.keys(), (i) => {
      if (i > 0) out.ascii(',');
      this.writeSession(out, sessions[i]!, serializers);
    }, sliceMs);
    out.ascii(']');
  }

  /** Users as a JSON array, yielding to the event loop between slices of `sliceMs`. */
  async writeUsers(out: BodyWriter, users: readonly UserPresence[], serializers: Serializers, sliceMs = DEFAULT_SLICE_MS): Promise<void> {
    out.ascii('[');
    await forEachSliced(users.keys(), (i) => {
      if (i > 0) out.ascii(',');
      this.writeUser(out, users[i]!, serializers);
    }, sliceMs);
    out.ascii(']');
  }

  /** One user as `UserJsonSchema` serializes it. */
  writeUser(out: BodyWriter, presence: UserPresence, serializers: Serializers): void {
    const head = (user: UserInfo) => {
      const [text] = around(serializers.userBefore({ ...user, online: presence.online }), 'lastSeenAt', '{}');
      return Buffer.from(text, 'utf8');
    };
    // Offline users come from history, a new object per answer: nothing to remember them by.
    out.bytes(presence.online ? this.onlineUsers.get(presence.user, head) : head(presence.user));
    out.ascii(String(toSeconds(presence.lastSeenAt)));
    const between = serializers.userBetween({ lastView: presence.lastView });
    if (between !== '{}') out.ascii(',').utf8(between.slice(1, -1));
    out.ascii(',"sessions":[');
    presence.sessions.forEach((session, i) => {
      if (i > 0) out.ascii(',');
      this.writeSession(out, session, serializers);
    });
    out.ascii(']}');
  }

  clear(): void {
    this.sessions.clear();
    this.onlineUsers.clear();
  }
}
