// /v1's long answers written from remembered fragments are byte for byte what the routes' response
// schemas serialize (the way these routes answered before: the objects of presence-json.ts through
// Fastify's schema serializer), for fragments made now and reused; a heartbeat (lastActivityAt moved
// in place, no new snapshot) and a change (a new snapshot) both show in the next answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Session, UserPresence } from '../../src/core/model.ts';
import { BodyWriter } from '../../src/http/body-writer.ts';
import { SessionJsonSchema, UserJsonSchema, sessionJson, userJson } from '../../src/api/presence-json.ts';
import { PresenceJsonWriter } from '../../src/api/presence-json-writer.ts';
import { goldenSessions, goldenUsers } from '../helpers/golden-sessions.ts';
import { makeSession } from '../helpers/sessions.ts';
import { BLOCK_USERS } from '../../src/api/user-blocks.ts';

/** The route's serializers, as read-routes.ts has them: a reply compiles them. */
async function routeSerializers(json: PresenceJsonWriter) {
  const app = Fastify();
  let serializers: ReturnType<PresenceJsonWriter['serializers']> | undefined;
  app.get('/', async (_request, reply) => {
    serializers = json.serializers((schema) => reply.compileSerializationSchema(schema));
    return {};
  });
  await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return serializers!;
}

/** A writer with its route's serializers, and `count` users of one session each, a second apart. */
async function writerWithUsers(count: number) {
  const json = new PresenceJsonWriter();
  const serializers = await routeSerializers(json);
  const T0 = 1_709_618_828_900;
  const sessions = Array.from({ length: count }, (_, i) => makeSession({ id: 1 + i, startedAt: T0 + i * 1_000 }));
  const users = sessions.map((s): UserPresence => ({ user: s.user, lastSeenAt: s.lastActivityAt, online: true, sessions: [s] }));
  return { json, serializers, sessions, users };
}

const UsersAnswer = Type.Object({ users: Type.Array(UserJsonSchema), count: Type.Integer() });
const SessionsAnswer = Type.Object({ sessions: Type.Array(SessionJsonSchema) });

/**
 * An app answering the same data two ways: `/schema/*` returns the objects and lets the response
 * schema serialize them; `/fragments/*` writes them with the writer under test.
 */
async function twoWays(data: { users: () => UserPresence[]; sessions: () => Session[] }) {
  const json = new PresenceJsonWriter();
  const app = Fastify();
  const serializers = (reply: FastifyReply) => json.serializers((schema) => reply.compileSerializationSchema(schema));
  app.get('/schema/users', { schema: { response: { 200: UsersAnswer } } }, async () => {
    const users = data.users();
    return { users: users.map(userJson), count: users.length };
  });
  app.get('/schema/sessions', { schema: { response: { 200: SessionsAnswer } } }, async () => ({
    sessions: data.sessions().map(sessionJson),
  }));
  app.get('/fragments/users', { schema: { response: { 200: UsersAnswer } } }, async (_request, reply) => {
    const users = data.users();
    const answer = await json.writeUsers(users, serializers(reply), 0);
    const body = Buffer.concat([Buffer.from('{"users":'), ...answer.pieces, Buffer.from(`,"count":${users.length}}`)]);
    answer.release();
    return reply.type('application/json; charset=utf-8').send(body);
  });
  app.get('/fragments/sessions', { schema: { response: { 200: SessionsAnswer } } }, async (_request, reply) => {
    const out = new BodyWriter().ascii('{"sessions":');
    await json.writeSessions(out, data.sessions(), serializers(reply), 0);
    return reply.type('application/json; charset=utf-8').send(out.ascii('}').whole());
  });
  const get = async (path: string) => {
    const answer = await app.inject({ method: 'GET', url: path });
    assert.equal(answer.statusCode, 200, answer.body);
    return { bytes: answer.rawPayload, type: answer.headers['content-type'] };
  };
  return {
    /** Both ways, asserted equal; answers the bytes. */
    async same(what: 'users' | 'sessions'): Promise<Buffer> {
      const expected = await get(`/schema/${what}`);
      const actual = await get(`/fragments/${what}`);
      assert.equal(actual.type, expected.type);
      assert.equal(actual.bytes.toString('utf8'), expected.bytes.toString('utf8'));
      assert.deepEqual(actual.bytes, expected.bytes);
      return actual.bytes;
    },
    close: () => app.close(),
  };
}

describe('PresenceJsonWriter', () => {
  it('writes users and sessions byte for byte as their schemas do, fragments made and reused', async (t) => {
    const users = goldenUsers();
    const sessions = goldenSessions();
    const app = await twoWays({ users: () => users, sessions: () => sessions });
    t.after(() => app.close());
    const first = await app.same('users');
    assert.deepEqual(await app.same('users'), first, 'reused fragments');
    await app.same('sessions');
    await app.same('sessions');
    const parsed = JSON.parse(first.toString('utf8'));
    assert.equal(parsed.count, users.length);
    assert.ok(
      parsed.users.some((u: { online: boolean }) => !u.online),
      'offline users are in the comparison',
    );
    assert.ok(
      parsed.users.some((u: { lastView?: unknown }) => u.lastView === undefined),
      'and users without a last view',
    );
  });

  it('shows a heartbeat (lastActivityAt moved in place) and a change (a new snapshot) in the next answer', async (t) => {
    let sessions = goldenSessions();
    // Users computed from the sessions of the moment, as the core does per request.
    const users = (): UserPresence[] =>
      goldenUsers().map((u) => {
        if (!u.online) return u;
        const own = u.sessions.map((s) => sessions.find((current) => current.id === s.id)!);
        return { ...u, sessions: own, lastSeenAt: Math.max(...own.map((s) => s.lastActivityAt)) };
      });
    const app = await twoWays({ users, sessions: () => sessions });
    t.after(() => app.close());
    const before = JSON.parse((await app.same('users')).toString('utf8'));
    await app.same('sessions');

    // A heartbeat: the store moves these two fields of the very same object.
    const beating = sessions[4]!;
    beating.lastActivityAt += 42_000;
    beating.expiresAt += 42_000;
    // A change: the store answers a new object from then on.
    sessions = sessions.map((s, i) => (i === 7 ? { ...s, hostname: 'renamed', idle: !s.idle } : s));

    const after = JSON.parse((await app.same('users')).toString('utf8'));
    const sessionsAfter = JSON.parse((await app.same('sessions')).toString('utf8')).sessions;
    const find = (list: { id: number }[], id: number) => list.find((s) => s.id === id) as Record<string, unknown>;
    const all = (answer: { users: { sessions: { id: number }[] }[] }) => answer.users.flatMap((u) => u.sessions);
    assert.equal(find(all(after), beating.id).lastActivityAt, (find(all(before), beating.id).lastActivityAt as number) + 42);
    assert.equal(find(sessionsAfter, beating.id).lastActivityAt, Math.floor(beating.lastActivityAt / 1000));
    assert.equal(find(all(after), sessions[7]!.id).hostname, 'renamed');
    assert.equal(find(sessionsAfter, sessions[7]!.id).hostname, 'renamed');
  });

  it("shows a user's new last view though the user is the same object (another session's view)", async (t) => {
    let users = goldenUsers();
    const app = await twoWays({ users: () => users, sessions: () => [] });
    t.after(() => app.close());
    await app.same('users');
    const index = users.findIndex((u) => u.online && u.lastView !== undefined);
    const noView = users.findIndex((u) => u.online && u.lastView === undefined);
    assert.ok(index >= 0 && noView >= 0);
    users = users.map((u, i) =>
      i === index
        ? { ...u, lastView: { m: 'crm', v: 'contact', t: 'id|9' } }
        : i === noView
          ? { ...u, lastView: { m: 'kb', v: 'a', t: 'b|c' } }
          : u,
    );
    const after = JSON.parse((await app.same('users')).toString('utf8'));
    assert.deepEqual(after.users[index].lastView, { m: 'crm', v: 'contact', t: 'id|9' });
    assert.deepEqual(after.users[noView].lastView, { m: 'kb', v: 'a', t: 'b|c' });
    users = users.map((u, i) => (i === index ? { ...u, lastView: undefined } : u));
    const without = JSON.parse((await app.same('users')).toString('utf8'));
    assert.equal(without.users[index].lastView, undefined);
  });

  it('holds about an answer of memory, however many answers rewrote a few blocks each', async () => {
    const { json, serializers, sessions, users } = await writerWithUsers(BLOCK_USERS * 200);
    let pieces: Buffer[] = [];
    for (let turn = 0; turn < 60; turn++) {
      // Two users a turn move a second on, in blocks that change from one answer to the next.
      for (const i of [(turn * 7) % users.length, (turn * 131 + 5) % users.length]) {
        sessions[i]!.lastActivityAt += 1_000;
        users[i] = { ...users[i]!, lastSeenAt: sessions[i]!.lastActivityAt };
      }
      const answer = await json.writeUsers(users, serializers, 0);
      answer.release();
      pieces = answer.pieces;
    }
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const held = new Set(pieces.map((piece) => piece.buffer));
    const heldBytes = [...held].reduce((sum, buffer) => sum + buffer.byteLength, 0);
    assert.ok(heldBytes <= 2 * length, `the pieces hold ${heldBytes} bytes of memory for an answer of ${length}`);
    const parsed = JSON.parse(Buffer.concat(pieces).toString('utf8'));
    assert.equal(parsed[7].lastSeenAt, Math.floor(sessions[7]!.lastActivityAt / 1000));
  });

  it('writes new seconds over a block only when no answer holds it', async () => {
    const { json, serializers, sessions, users } = await writerWithUsers(BLOCK_USERS * 3);
    const heartbeat = (i: number) => {
      sessions[i]!.lastActivityAt += 5_000;
      users[i] = { ...users[i]!, lastSeenAt: sessions[i]!.lastActivityAt };
    };
    const text = (pieces: Buffer[]) => Buffer.concat(pieces).toString('utf8');
    const seenBy = (pieces: Buffer[], i: number) => JSON.parse(text(pieces))[i].lastSeenAt as number;

    const held = await json.writeUsers(users, serializers, 0);
    const heldText = text(held.pieces);
    heartbeat(3);
    const second = await json.writeUsers(users, serializers, 0);
    assert.equal(text(held.pieces), heldText, 'an answer still held keeps its bytes');
    assert.equal(seenBy(second.pieces, 3), Math.floor(sessions[3]!.lastActivityAt / 1000));
    assert.notEqual(second.pieces[1]!.buffer, held.pieces[1]!.buffer, 'the changed block was written anew');

    held.release();
    second.release();
    const secondText = text(second.pieces);
    heartbeat(4);
    heartbeat(BLOCK_USERS + 1);
    const third = await json.writeUsers(users, serializers, 0);
    assert.equal(third.pieces[1]!.buffer, second.pieces[1]!.buffer, 'a free block is written over in place');
    assert.notEqual(text(second.pieces), secondText, 'so the released answer changed with it');
    assert.equal(seenBy(third.pieces, 4), Math.floor(sessions[4]!.lastActivityAt / 1000));
    assert.equal(seenBy(third.pieces, BLOCK_USERS + 1), Math.floor(sessions[BLOCK_USERS + 1]!.lastActivityAt / 1000));
    assert.equal(seenBy(third.pieces, 3), Math.floor(sessions[3]!.lastActivityAt / 1000));

    // Held again (another response of the same answer), then changed: written anew, the held bytes kept.
    const release = third.hold();
    third.release();
    const thirdText = text(third.pieces);
    heartbeat(5);
    const fourth = await json.writeUsers(users, serializers, 0);
    assert.equal(text(third.pieces), thirdText);
    assert.equal(seenBy(fourth.pieces, 5), Math.floor(sessions[5]!.lastActivityAt / 1000));
    release();
    fourth.release();
  });

  it('rewrites a free block in its own memory, a held one in new memory, the held bytes kept', async () => {
    const json = new PresenceJsonWriter();
    const serializers = await routeSerializers(json);
    const T0 = 1_709_618_828_900;
    const sessions = Array.from({ length: BLOCK_USERS * 2 }, (_, i) =>
      makeSession({ id: 1 + i, startedAt: T0 + i * 1_000, view: { m: 'crm', v: 'contact', t: `id|${i}` } }),
    );
    const users = () =>
      sessions.map((s): UserPresence => ({ user: s.user, lastSeenAt: s.lastActivityAt, lastView: s.view, online: true, sessions: [s] }));
    const text = (pieces: Buffer[]) => Buffer.concat(pieces).toString('utf8');
    // A new snapshot with a longer view: the user's bytes change length, the block is written again.
    const look = (i: number, t: string) => {
      sessions[i] = { ...sessions[i]!, view: { m: 'crm', v: 'contact', t } };
    };
    const first = await json.writeUsers(users(), serializers, 0);
    first.release();
    look(2, 'id|2 and a much longer reference');
    const second = await json.writeUsers(users(), serializers, 0);
    assert.equal(second.pieces[1]!.buffer, first.pieces[1]!.buffer, 'free: written over in its own memory');
    assert.equal(JSON.parse(text(second.pieces))[2].lastView.t, 'id|2 and a much longer reference');
    const secondText = text(second.pieces);
    look(3, 'id|3, held');
    const third = await json.writeUsers(users(), serializers, 0);
    assert.notEqual(third.pieces[1]!.buffer, second.pieces[1]!.buffer, 'held: new memory');
    assert.equal(text(second.pieces), secondText, 'the held answer keeps its bytes');
    assert.deepEqual(
      JSON.parse(text(third.pieces)).map((u: { lastView: { t: string } }) => u.lastView.t),
      sessions.map((s) => s.view!.t),
    );
    second.release();
    third.release();
  });

  it('writes an older listing as it was after a block was rewritten for a newer one (overlapping answers)', async () => {
    const json = new PresenceJsonWriter();
    const serializers = await routeSerializers(json);
    const T0 = 1_709_618_828_900;
    const session = (i: number, t: string) => makeSession({ id: 1 + i, startedAt: T0 + i * 1_000, view: { m: 'crm', v: 'contact', t } });
    const listing = (sessions: Session[]) =>
      sessions.map((s): UserPresence => ({ user: s.user, lastSeenAt: s.lastActivityAt, lastView: s.view, online: true, sessions: [s] }));
    const text = (pieces: Buffer[]) => Buffer.concat(pieces).toString('utf8');
    const older = listing(Array.from({ length: BLOCK_USERS * 2 }, (_, i) => session(i, `id|${i}`)));
    const first = await json.writeUsers(older, serializers, 0);
    const olderText = text(first.pieces);
    first.release();
    // A newer listing: user 2 shows another view, its block rewritten in its own memory.
    const newer = [...older];
    newer[2] = listing([session(2, 'id|2, a new view')])[0]!;
    const second = await json.writeUsers(newer, serializers, 0);
    assert.equal(second.pieces[1]!.buffer, first.pieces[1]!.buffer, 'rewritten in its own memory');
    second.release();
    // The older listing again (an answer that began before the change, written after it).
    const third = await json.writeUsers(older, serializers, 0);
    assert.equal(text(third.pieces), olderText);
    third.release();
  });

  it('keeps users of two tabs right as the tabs take turns being the latest (equal user and view objects)', async (t) => {
    const T0 = 1_709_618_828_900;
    // Each tab has its own user and view objects, equal in content, as sessions opened apart have.
    const tabs = Array.from({ length: BLOCK_USERS * 2 }, (_, i) =>
      makeSession({
        id: 1 + i,
        startedAt: T0 + i * 1_000,
        user: { id: `u${i >> 1}`, name: `User ${i >> 1}`, type: 'staff' },
        view: { m: 'support', v: 'ticket', t: `id|${i >> 1}` },
      }),
    );
    const users = (): UserPresence[] =>
      Array.from({ length: tabs.length / 2 }, (_, u) => {
        const own = [tabs[2 * u]!, tabs[2 * u + 1]!];
        const latest = own[1]!.lastActivityAt > own[0]!.lastActivityAt ? own[1]! : own[0]!;
        return { user: latest.user, lastSeenAt: latest.lastActivityAt, lastView: latest.view, online: true, sessions: own };
      });
    const app = await twoWays({ users, sessions: () => tabs });
    t.after(() => app.close());
    await app.same('users');
    for (let turn = 0; turn < 6; turn++) {
      for (let i = turn % 2; i < tabs.length; i += 5) tabs[i]!.lastActivityAt += 3_000;
      await app.same('users');
    }
  });

  it('keeps many users right as blocks are sent again, rewritten, split and joined', async (t) => {
    const T0 = 1_709_618_828_900;
    let sessions = Array.from({ length: BLOCK_USERS * 5 + 3 }, (_, i) => makeSession({ id: 1 + i, startedAt: T0 + i * 1_000 }));
    const users = (): UserPresence[] => sessions.map((s) => ({ user: s.user, lastSeenAt: s.lastActivityAt, online: true, sessions: [s] }));
    const app = await twoWays({ users, sessions: () => sessions });
    t.after(() => app.close());
    const answers = [await app.same('users')];
    answers.push(await app.same('users'));
    assert.deepEqual(answers[1], answers[0], 'nothing changed: the same bytes');

    // A heartbeat in the middle of a block (in place), a new snapshot at a block's end.
    sessions[BLOCK_USERS + 5]!.lastActivityAt += 7_000;
    sessions = sessions.map((s, i) => (i === 2 * BLOCK_USERS - 1 ? { ...s, idle: true } : s));
    const moved = JSON.parse((await app.same('users')).toString('utf8'));
    assert.equal(moved.users[BLOCK_USERS + 5].lastSeenAt, Math.floor((T0 + (BLOCK_USERS + 5) * 1_000 + 7_000) / 1000));
    assert.equal(moved.users[2 * BLOCK_USERS - 1].sessions[0].idle, true);

    // The user that starts a block leaves, another leaves from inside one, a newcomer comes last.
    sessions = sessions.filter((_, i) => i !== 2 * BLOCK_USERS && i !== 3 * BLOCK_USERS + 4);
    sessions.push(makeSession({ id: 10_000, startedAt: T0 }));
    const changed = JSON.parse((await app.same('users')).toString('utf8'));
    assert.equal(changed.count, sessions.length);
    assert.deepEqual(
      changed.users.map((u: { id: string }) => u.id),
      sessions.map((s) => s.user.id),
    );
    await app.same('users');
    // Everyone but a few leaves: what is left is still written right.
    sessions = sessions.filter((_, i) => i % 40 === 1);
    await app.same('users');
    sessions = [];
    assert.equal(JSON.parse((await app.same('users')).toString('utf8')).count, 0);
  });
});
