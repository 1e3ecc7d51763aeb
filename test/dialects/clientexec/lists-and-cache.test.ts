// Clientexec's answer in two parts: the user lists, written in slices and shared between callers
// through the answer cache, and each caller's own part (superadmin, self, elapsed), written per
// request. Byte for byte the answer of the code before (golden/, rendered by it from the golden users);
// with the cache on, callers with other rights share the lists but never each other's part.
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientexecRoutes } from '../../../src/dialects/clientexec/routes.ts';
import { callerTail, onlineUsersLists, userFragments } from '../../../src/dialects/clientexec/serializer.ts';
import { mountBeside, type Mounted } from '../../helpers/cached-routes.ts';
import { GOLDEN_NOW, goldenUsers } from '../../helpers/golden-sessions.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { openBody } from '../../helpers/sessions.ts';
import { call, createApiKey, openSession } from '../shared/dialect-client.ts';
import { countCalls } from '../../helpers/count-calls.ts';

const PATH = '/api/users/usersonline';
const LINK = 'https://billing.example/admin?{type}={id}';

describe('Clientexec online users in two parts', () => {
  it('are the bytes of the answer before, written afresh or from fragments made and reused, whole or sliced', async () => {
    const expected = readFileSync(join(import.meta.dirname, 'golden', 'usersonline.json'));
    const caller = { superadmin: true, self: 42, elapsed: '0.004' };
    const users = goldenUsers();
    const fragments = userFragments();
    for (const options of [{}, { fragments }, { fragments }, { fragments, sliceMs: 0 }, { sliceMs: 0 }]) {
      const lists = await onlineUsersLists({ users, now: GOLDEN_NOW, linkTemplate: LINK, ...options });
      assert.deepEqual(Buffer.concat([lists, callerTail(caller)]), expected);
    }
  });

  it('shows the passing time, a new last view and a changed user in the next answer', async () => {
    let users = goldenUsers();
    const fragments = userFragments();
    const lists = async (now: number) =>
      JSON.parse(`${(await onlineUsersLists({ users, now, linkTemplate: LINK, fragments })).toString('utf8')}"end":0}`);
    const before = await lists(GOLDEN_NOW);
    // The same user objects, later, with another last view; and one user renamed (a new object).
    users = users.map((u, i) =>
      i === 0 ? { ...u, lastView: { m: 'crm', v: 'contact', t: 'id|1' } } : i === 1 ? { ...u, user: { ...u.user, name: 'Renamed' } } : u,
    );
    const after = await lists(GOLDEN_NOW + 2 * 3_600_000);
    assert.notEqual(after.users[2].time, before.users[2].time);
    assert.match(after.users[2].time, /^\d+h \d+m$/);
    assert.deepEqual(after.users[0].lastview, { m: 'crm', v: 'contact', t: 'id|1' });
    assert.equal(after.users[1].name, 'Renamed');
    assert.equal(after.users[3].name, before.users[3].name);
  });
});

describe('Clientexec online users with the answer cache on', () => {
  let server: TestServer;
  let mounted: Mounted;
  const mount = async (cacheMs: number) => {
    mounted = await mountBeside(server, (app, { presence, credentials }) =>
      app.register(clientexecRoutes, { presence, credentials, linkTemplate: LINK, cacheMs }),
    );
  };
  const countQueries = (t: TestContext) => countCalls(t, server.rollcall.presence, 'users');
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await mounted?.close();
    await server.close();
  });

  it('shares the lists between callers with other rights, and gives each caller its own part', async (t) => {
    await mount(60_000);
    await openSession(server, openBody({ user: { id: '7', name: 'Seven', type: 'staff' } }));
    const admin = (await createApiKey(server)).key;
    const reader = (await createApiKey(server, { role: 'reader', userId: '77' })).key;
    const queries = countQueries(t);
    const asAdmin = await call(mounted, 'GET', PATH, { 'x-api-key': admin });
    const asReader = await call(mounted, 'GET', PATH, { 'x-api-key': reader });
    assert.equal(asAdmin.status, 200, asAdmin.text);
    assert.equal(asReader.status, 200, asReader.text);
    assert.equal(queries.calls, 1, 'one computation of the lists');
    assert.deepEqual([asAdmin.json.superadmin, asAdmin.json.self], [1, 0]);
    assert.deepEqual([asReader.json.superadmin, asReader.json.self], [0, 77], "never the admin's part");
    const lists = (answer: typeof asAdmin) => ({ ...answer.json, superadmin: undefined, self: undefined, elapsed: undefined });
    assert.deepEqual(lists(asReader), lists(asAdmin));
    assert.equal(asAdmin.json.users[0].id, '7');
    for (const answer of [asAdmin, asReader])
      assert.equal(answer.text, JSON.stringify(answer.json), 'compact JSON, as JSON.stringify writes it');
    const refused = await call(mounted, 'GET', PATH);
    assert.equal(refused.status, 401, 'no key: refused, cache or not');
    const wrong = await call(mounted, 'GET', PATH, { 'x-api-key': 'rk_not_a_key' });
    assert.equal(wrong.status, 403);
    assert.equal(queries.calls, 1);
  });

  it('answers a user whose id has half a surrogate pair (no URL encoder can encode it as it is)', async () => {
    await mount(0);
    const key = (await createApiKey(server)).key;
    // Written as JSON text: "\ud800" is the only way such an id arrives.
    const body = JSON.stringify(openBody({ user: { id: 'half-X', name: 'Half', type: 'staff' } })).replace('half-X', 'half-\\ud800');
    const opened = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers: server.ingest, body });
    assert.equal(opened.status, 201, await opened.text());
    const answer = await call(mounted, 'GET', PATH, { 'x-api-key': key });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.users[0].link, 'https://billing.example/admin?staff=half-%EF%BF%BD');
  });

  it('shows a new user in the next answer, however long the window', async () => {
    await mount(60_000);
    const key = (await createApiKey(server)).key;
    await openSession(server, openBody({ user: { id: '7', name: 'Seven', type: 'staff' } }));
    assert.equal((await call(mounted, 'GET', PATH, { 'x-api-key': key })).json.count, 1);
    await openSession(server, openBody({ user: { id: '8', name: 'Eight', type: 'staff' } }));
    assert.equal(
      (await call(mounted, 'GET', PATH, { 'x-api-key': key })).json.count,
      2,
      'an answer from before the change is not served after it',
    );
  });
});
