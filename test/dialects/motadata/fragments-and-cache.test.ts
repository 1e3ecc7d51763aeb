// Motadata's answer written from remembered entry fragments, and shared through the answer cache:
// byte for byte the answer of the code before fragments (golden/, rendered by it from the golden
// sessions); a heartbeat (last activity moved in place), the clock (duration) and a new snapshot all
// show in the next answer; with the cache on, admins share one computation and anyone else is still
// refused.
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { motadataRoutes } from '../../../src/dialects/motadata/routes.ts';
import { activeUsersAnswer, entryFragments } from '../../../src/dialects/motadata/serializer.ts';
import { mountBeside, type Mounted } from '../../helpers/cached-routes.ts';
import { GOLDEN_NOW, goldenSessions } from '../../helpers/golden-sessions.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { openBody } from '../../helpers/sessions.ts';
import { call, createApiKey, openSession } from '../shared/dialect-client.ts';
import { countCalls } from '../../helpers/count-calls.ts';

const PATH = '/api/v1/settings/users/active-users';

describe('Motadata active users from remembered fragments', () => {
  it('are the bytes of the answer before fragments, made now or reused, whole or sliced', async () => {
    const expected = readFileSync(join(import.meta.dirname, 'golden', 'active-users.json'));
    const sessions = goldenSessions();
    const fragments = entryFragments();
    assert.deepEqual(await activeUsersAnswer(sessions, GOLDEN_NOW, fragments), expected);
    assert.deepEqual(await activeUsersAnswer(sessions, GOLDEN_NOW, fragments), expected);
    assert.deepEqual(await activeUsersAnswer(sessions, GOLDEN_NOW, fragments, 0), expected);
  });

  it('shows a heartbeat, the passing time and a new snapshot in the next answer', async () => {
    let sessions = goldenSessions();
    const fragments = entryFragments();
    const entries = async (now: number) =>
      JSON.parse((await activeUsersAnswer(sessions, now, fragments)).toString('utf8')).result as Record<string, unknown>[];
    const before = await entries(GOLDEN_NOW);
    // A heartbeat moves the stored session's last activity in place; no new object.
    sessions[2]!.lastActivityAt += 7_000;
    // A change makes a new object.
    sessions = sessions.map((s, i) =>
      i === 5 ? { ...s, userAgent: 'curl/8.5.0', agent: { browser: 'curl', version: '8.5.0', majorVersion: 8, os: 'Linux' } } : s,
    );
    const after = await entries(GOLDEN_NOW + 60_000);
    assert.equal(after[2]!['last.active.timestamp'], (before[2]!['last.active.timestamp'] as number) + 7);
    assert.equal(after[0]!.duration, (before[0]!.duration as number) + 60);
    assert.deepEqual([after[5]!.browser, after[5]!.userAgent, after[5]!.majorVersion], ['curl', 'curl/8.5.0', 8]);
    assert.deepEqual(after[9], { ...before[9], duration: (before[9]!.duration as number) + 60 }, 'the rest as it was');
  });
});

describe('Motadata active users with the answer cache on', () => {
  let server: TestServer;
  let mounted: Mounted;
  const mount = async (cacheMs: number) => {
    mounted = await mountBeside(server, (app, { presence, credentials }) =>
      app.register(motadataRoutes, { presence, credentials, cacheMs }),
    );
  };
  const countQueries = (t: TestContext) => countCalls(t, server.rollcall.presence, 'listSessions');
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await mounted?.close();
    await server.close();
  });

  it('shares one computation between admins within the window, and still refuses a reader', async (t) => {
    await mount(60_000);
    await openSession(server, openBody({ user: { id: '7', name: 'Seven', type: 'staff' } }));
    const admin = (await createApiKey(server)).key;
    const otherAdmin = (await createApiKey(server)).key;
    const reader = (await createApiKey(server, { role: 'reader' })).key;
    const queries = countQueries(t);
    const first = await call(mounted, 'GET', PATH, { authorization: `Bearer ${admin}` });
    const second = await call(mounted, 'GET', PATH, { authorization: `Bearer ${otherAdmin}` });
    assert.equal(first.status, 200, first.text);
    assert.equal(second.text, first.text);
    assert.equal(first.json.result.length, 1);
    assert.equal(queries.calls, 1);
    const refused = await call(mounted, 'GET', PATH, { authorization: `Bearer ${reader}` });
    assert.equal(refused.status, 403, 'a cached answer never reaches a reader');
    assert.equal(refused.json['error.code'], 'MD022');
    const nobody = await call(mounted, 'GET', PATH);
    assert.equal(nobody.status, 403);
    assert.equal(queries.calls, 1);
  });

  it('shows a new session in the next answer, however long the window', async () => {
    await mount(60_000);
    const admin = (await createApiKey(server)).key;
    await openSession(server, openBody({ user: { id: '7', name: 'Seven', type: 'staff' } }));
    assert.equal((await call(mounted, 'GET', PATH, { authorization: `Bearer ${admin}` })).json.result.length, 1);
    await openSession(server, openBody({ user: { id: '8', name: 'Eight', type: 'staff' } }));
    const after = (await call(mounted, 'GET', PATH, { authorization: `Bearer ${admin}` })).json.result.length;
    assert.equal(after, 2, 'an answer from before the change is not served after it');
  });
});
