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
    const array = await json.writeUsers(users, serializers(reply), 0);
    const body = Buffer.concat([Buffer.from('{"users":'), ...array, Buffer.from(`,"count":${users.length}}`)]);
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
