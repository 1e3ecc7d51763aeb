// /v1/sessions pages through the answer cache (mounted with a window, beside a test server that holds
// the sessions): identical queries share one computation, other queries do not, the shared page is the
// very bytes the uncached route answers, credentials are checked on every request, and a change shows
// once the window has passed. And without the cache, "who is online" shows a change at once.
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { renderV1Error } from '../../src/api/errors.ts';
import { PresenceJsonWriter } from '../../src/api/presence-json-writer.ts';
import { readRoutes } from '../../src/api/read-routes.ts';
import { mountBeside, type Mounted } from '../helpers/cached-routes.ts';
import { request } from '../helpers/http.ts';
import { closeSession, heartbeat, openSession, updateSession } from '../helpers/ingest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { countCalls } from '../helpers/count-calls.ts';

describe('/v1/sessions pages with the answer cache on', () => {
  let server: TestServer;
  let mounted: Mounted;
  const mount = async (cacheMs: number) => {
    mounted = await mountBeside(server, (app, { presence, credentials, stats }) => {
      // The v1 error shape, as the composition root sets it for every v1 route.
      app.setErrorHandler(renderV1Error);
      return app.register(readRoutes, { presence, credentials, stats, cacheMs });
    });
  };
  const get = (base: { url: string }, path: string, headers = server.admin) => request(base.url, 'GET', path, { headers });
  const countQueries = (t: TestContext) => countCalls(t, server.rollcall.presence, 'listSessions');
  beforeEach(async () => {
    server = await startTestServer();
    for (let i = 0; i < 5; i++)
      await openSession(server, openBody({ user: { id: `u${i}`, name: `User ${i}`, type: i % 2 ? 'staff' : 'customer' } }));
  });
  afterEach(async () => {
    await mounted?.close();
    await server.close();
  });

  it('tags a shared page (304 when the client holds it) and compresses it for gzip clients', async () => {
    await mount(60_000);
    const path = '/v1/sessions?limit=5';
    const identity = { ...server.admin, 'accept-encoding': 'identity' };
    const plain = await get(mounted, path, identity);
    const tag = plain.headers.get('etag');
    assert.match(tag ?? '', /^"[A-Za-z0-9_-]+"$/);
    assert.equal((await get(mounted, path, { ...identity, 'if-none-match': tag! })).status, 304);
    assert.equal((await get(mounted, path, { ...identity, 'if-none-match': '"stale"' })).status, 200);
    // fetch decompresses what it asked for: the header says what came over the wire.
    const zipped = await get(mounted, path, { ...server.admin, 'accept-encoding': 'gzip' });
    assert.equal(zipped.headers.get('content-encoding'), 'gzip');
    assert.equal(zipped.text, plain.text);
    assert.equal((await get(server, path, { ...server.admin, 'accept-encoding': 'gzip' })).headers.get('etag'), null, 'uncached: no tag');
  });

  it('shares identical queries, keeps other queries apart, and answers the uncached bytes', async (t) => {
    await mount(60_000);
    const queries = countQueries(t);
    const first = await get(mounted, '/v1/sessions?limit=2');
    const again = await get(mounted, '/v1/sessions?limit=2');
    assert.equal(first.status, 200, first.text);
    assert.equal(again.text, first.text);
    assert.equal(queries.calls, 1);
    assert.equal(first.text, (await get(server, '/v1/sessions?limit=2')).text, 'the bytes the uncached route answers');
    assert.match(first.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
    assert.deepEqual(Object.keys(first.json), ['sessions', 'nextCursor', 'total']);
    assert.equal(first.text, JSON.stringify(first.json), 'compact JSON, keys in the schema order');
    queries.calls = 0;
    const next = await get(mounted, `/v1/sessions?limit=2&cursor=${first.json.nextCursor}`);
    const filtered = await get(mounted, '/v1/sessions?limit=2&userType=staff');
    const bigger = await get(mounted, '/v1/sessions?limit=3');
    assert.equal(queries.calls, 3, 'each other query computes');
    assert.notEqual(next.json.sessions[0].id, first.json.sessions[0].id);
    assert.ok(filtered.json.sessions.every((s: { user: { type: string } }) => s.user.type === 'staff'));
    assert.equal(bigger.json.sessions.length, 3);
    for (const [answer, path] of [
      [next, `/v1/sessions?limit=2&cursor=${first.json.nextCursor}`],
      [filtered, '/v1/sessions?limit=2&userType=staff'],
    ] as const) {
      assert.equal(answer.text, (await get(server, path)).text);
    }
  });

  it('checks credentials on every request, cached answer or not', async (t) => {
    await mount(60_000);
    const queries = countQueries(t);
    assert.equal((await get(mounted, '/v1/sessions')).status, 200);
    assert.equal((await get(mounted, '/v1/sessions', {})).status, 401);
    assert.equal((await get(mounted, '/v1/sessions', server.ingest)).status, 401, 'the ingest key reports, it does not read');
    assert.equal(queries.calls, 1);
  });

  it('shows a change in the next answer, however long the window', async () => {
    await mount(60_000);
    assert.equal((await get(mounted, '/v1/sessions')).json.total, 5);
    await openSession(server, openBody({ user: { id: 'late', name: 'Late', type: 'staff' } }));
    assert.equal((await get(mounted, '/v1/sessions')).json.total, 6, 'an answer from before the change is not served after it');
  });
});

/** A server with three users online, the writer's answers watched, and "who is online" to ask. */
async function threeUsers(t: TestContext) {
  const server = await startTestServer();
  t.after(() => server.close());
  const ids: number[] = [];
  for (const n of [1, 2, 3]) ids.push(await openSession(server, openBody({ user: { id: `u${n}`, name: `User ${n}`, type: 'staff' } })));
  const made = t.mock.method(PresenceJsonWriter.prototype, 'writeUsers');
  const online = () => request(server.url, 'GET', '/v1/users?status=online', { headers: server.admin });
  return { server, ids, made, online };
}

describe('who is online without an answer cache', () => {
  it('shows a changed session in the next answer', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const id = await openSession(server, openBody({ user: { id: 'u1', name: 'One', type: 'staff' }, hostname: 'desk-1' }));
    const online = async () => (await request(server.url, 'GET', '/v1/users?status=online', { headers: server.admin })).json;
    assert.equal((await online()).users[0].sessions[0].hostname, 'desk-1');
    await online();
    await updateSession(server, id, { hostname: 'desk-2', view: { m: 'crm', v: 'contact', t: 'id|1' } });
    const after = await online();
    assert.equal(after.users[0].sessions[0].hostname, 'desk-2');
    assert.deepEqual(after.users[0].lastView, { m: 'crm', v: 'contact', t: 'id|1' });
  });

  it('lets the next answer write over the last one once its response is finished', async (t) => {
    const { server, ids, made, online } = await threeUsers(t);
    await online();
    const before = Date.now();
    while (Math.floor(Date.now() / 1000) === Math.floor(before / 1000)) await new Promise((resolve) => setTimeout(resolve, 10));
    await heartbeat(server, ids[1]!);
    const after = await online();
    const [first, second] = await Promise.all(made.mock.calls.map((call) => call.result!));
    // The same memory: the first answer was released when its response closed, so its block was free.
    assert.equal(second!.pieces[1]!.buffer, first!.pieces[1]!.buffer);
    const fresh = (await server.rollcall.presence.users('online')).find((u) => u.user.id === 'u2')!;
    assert.equal(after.json.users[1].lastSeenAt, Math.floor(fresh.lastSeenAt / 1000));
  });

  it('sends the same bytes again while nothing changed, and makes a new answer once anything did', async (t) => {
    const { server, ids, made, online } = await threeUsers(t);
    const first = await online();
    const again = await online();
    assert.equal(made.mock.callCount(), 1, 'nothing changed: the answer was sent again');
    assert.equal(again.text, first.text);
    // A heartbeat moves a last activity in place, with no change announced.
    const before = Date.now();
    while (Date.now() === before) await new Promise((resolve) => setImmediate(resolve));
    await heartbeat(server, ids[1]!);
    const afterHeartbeat = await online();
    assert.equal(made.mock.callCount(), 2, 'a moved last activity makes a new answer');
    const fresh = (await server.rollcall.presence.users('online')).find((u) => u.user.id === 'u2')!;
    assert.equal(afterHeartbeat.json.users[1].lastSeenAt, Math.floor(fresh.lastSeenAt / 1000));
    await closeSession(server, ids[0]!);
    const afterEnd = await online();
    assert.deepEqual(
      afterEnd.json.users.map((u: { id: string }) => u.id),
      ['u2', 'u3'],
      'an ended session is gone from the next answer',
    );
    assert.equal((await online()).text, afterEnd.text);
    assert.equal(made.mock.callCount(), 3, 'an answer is written once per change');
    assert.equal((await request(server.url, 'GET', '/v1/users?status=online', {})).status, 401, 'credentials are still checked');
  });
});
