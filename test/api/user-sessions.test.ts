// One user's sessions over real HTTP, reported through the real ingest: GET /v1/users/:id/sessions (the
// session log with what it does not hold yet, newest first, paged without gaps or repeats while sessions
// start) and DELETE /v1/users/:id/sessions (an admin ends them all). Who may call them, and bad input.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, requestJson, type Answer } from '../helpers/http.ts';
import { closeSession, openSession } from '../helpers/ingest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  for (const [username, role] of [
    ['viewer', 'reader'],
    ['second-admin', 'admin'],
  ] as const) {
    const created = await call('POST', '/v1/accounts', server.admin, { username, role, password: `${username}-password` });
    assert.equal(created.status, 201, created.text);
  }
});
after(async () => {
  await server.close();
});

const call = (method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> =>
  requestJson(server.url, method, path, headers, body);

const basic = (username: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${username}-password`).toString('base64')}`,
});
const history = (userId: string, query = '', headers: Record<string, string> = server.admin) =>
  call('GET', `/v1/users/${encodeURIComponent(userId)}/sessions${query}`, headers);
const endAll = (userId: string, headers: Record<string, string> = server.admin) =>
  call('DELETE', `/v1/users/${encodeURIComponent(userId)}/sessions`, headers);

const as = (userId: string, overrides: Partial<OpenSessionBody> = {}) =>
  openBody({ user: { id: userId, name: `User ${userId}`, type: 'staff' }, ...overrides });

const WINDOWS_11_CHROME: Partial<OpenSessionBody> = {
  clientHints: {
    platform: 'Windows',
    platformVersion: '19.0.0',
    fullVersionList: [{ brand: 'Google Chrome', version: '134.0.6998.89' }],
  },
};

describe('GET /v1/users/:id/sessions', () => {
  it('lists a session from the moment it opens and its end from the moment it ends, before history is written', async () => {
    const before = Math.floor(Date.now() / 1000);
    const id = await openSession(server, as('fresh', WINDOWS_11_CHROME));
    const live = await history('fresh');
    assert.equal(live.status, 200, live.text);
    assert.deepEqual(Object.keys(live.json), ['sessions'], 'no nextCursor on the last page');
    const [entry] = live.json.sessions;
    assert.deepEqual(Object.keys(entry).sort(), [
      'agent',
      'clientType',
      'hostname',
      'id',
      'live',
      'nodeId',
      'remoteAddress',
      'startedAt',
      'transport',
    ]);
    assert.deepEqual(
      { ...entry, startedAt: undefined },
      {
        id,
        clientType: 'web',
        transport: 'http',
        nodeId: server.rollcall.presence.nodeId,
        remoteAddress: '127.0.0.1',
        hostname: 'jack-pc',
        agent: { browser: 'Chrome 134', os: 'Windows 11' },
        startedAt: undefined,
        live: true,
      },
    );
    assert.ok(entry.startedAt >= before && entry.startedAt <= Date.now() / 1000, 'Unix seconds');

    await closeSession(server, id);
    const ended = (await history('fresh')).json.sessions[0];
    assert.equal(ended.live, false);
    assert.equal(ended.endReason, 'closed');
    assert.equal(ended.durationSeconds, ended.endedAt - ended.startedAt);
    assert.equal('endedBy' in ended, false);

    await server.rollcall.presence.flushHistory();
    assert.deepEqual((await history('fresh')).json.sessions, [ended], 'the same once history is written');
  });

  it('pages newest first without a gap or a repeat while sessions start, from the log and from what is not written yet', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await openSession(server, as('pager', { hostname: `pc-${i}` })));
    await closeSession(server, ids[1]!);
    await server.rollcall.presence.flushHistory();
    // These are not in the log yet: the first page comes from the live store and pending writes.
    for (let i = 5; i < 8; i++) ids.push(await openSession(server, as('pager', { hostname: `pc-${i}` })));
    await closeSession(server, ids[6]!);
    await openSession(server, as('someone-else'));

    const paged: { id: number; live: boolean }[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const answer = await history('pager', `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(answer.status, 200, answer.text);
      paged.push(...answer.json.sessions);
      cursor = answer.json.nextCursor;
      if (cursor === undefined) break;
      assert.match(cursor, /^[A-Za-z0-9_-]+$/);
      // Started between pages: before the first page, never in a later one.
      await openSession(server, as('pager', { hostname: 'late' }));
    }
    assert.deepEqual(
      paged.map((s) => s.id),
      [...ids].reverse(),
      'every session once, newest first',
    );
    assert.deepEqual(
      paged.filter((s) => !s.live).map((s) => s.id),
      [ids[6], ids[1]],
    );
    const all = await history('pager', '?limit=200');
    assert.equal(all.json.sessions.length, ids.length + 2, 'and the two that started between the three pages, first');
    assert.deepEqual(
      all.json.sessions.slice(0, 2).map((s: { hostname: string }) => s.hostname),
      ['late', 'late'],
    );
  });

  it('lists the ended sessions of a user who is offline now, and answers 404 for a user nobody knows', async () => {
    const id = await openSession(server, as('gone'));
    await closeSession(server, id);
    const answer = await history('gone');
    assert.deepEqual(
      answer.json.sessions.map((s: { id: number; live: boolean }) => [s.id, s.live]),
      [[id, false]],
    );
    assertError(await history('nobody-at-all'), 404, 'not_found', /no user nobody-at-all is online or remembered/);
  });

  it('refuses bad parameters with 400 and says which', async () => {
    await openSession(server, as('params'));
    const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
    for (const [query, message] of [
      ['?limit=0', /limit/],
      ['?limit=201', /limit/],
      ['?limit=ten', /limit/],
      ['?cursor=not%20a%20cursor', /cursor/],
      [`?cursor=${cursorOf('foo.bar')}`, /cursor: not a nextCursor this route answered/],
      [`?cursor=${cursorOf('9999999999999999.1')}`, /cursor: not a nextCursor/],
      ['?page=2', /page/],
    ] as const) {
      assertError(await history('params', query), 400, 'invalid_parameter', message);
    }
    assertError(await history('x'.repeat(129)), 400, 'invalid_parameter', /id/);
  });

  it('is for readers: 401 without credentials or with the ingest key, 200 for a reader account', async () => {
    await openSession(server, as('watched'));
    assertError(await history('watched', '', {}), 401, 'unauthorized');
    assertError(await history('watched', '', { authorization: server.ingest.authorization! }), 401, 'unauthorized');
    assert.equal((await history('watched', '', basic('viewer'))).status, 200);
  });
});

describe('DELETE /v1/users/:id/sessions', () => {
  it("ends every live session of the user as the admin, tells a socket client why, and leaves others' sessions alone", async () => {
    const first = await openSession(server, as('crowd'));
    const second = await openSession(server, as('crowd', { clientType: 'representative' }));
    const bystander = await openSession(server, as('bystander'));
    const socket = new RawClient(server.wsUrl, { headers: { authorization: server.ingest.authorization! } });
    await socket.opened();
    socket.send({ type: 'hello', session: { user: { id: 'crowd', name: 'Crowd' }, clientType: 'web' } });
    const viaSocket = (await socket.next('welcome')).sessionId as number;

    const answer = await endAll('crowd');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { ended: 3 });
    assert.equal((await socket.next('ended')).reason, 'ended_by_admin');
    await socket.closedWith();
    for (const id of [first, second, viaSocket]) assertError(await call('GET', `/v1/sessions/${id}`, server.admin), 404, 'not_found');
    assert.equal((await call('GET', `/v1/sessions/${bystander}`, server.admin)).status, 200, 'another user keeps theirs');

    const listed = (await history('crowd')).json.sessions;
    assert.deepEqual(
      listed.map((s: { id: number; live: boolean; endReason: string; endedBy: string }) => [s.id, s.live, s.endReason, s.endedBy]),
      [viaSocket, second, first].map((id) => [id, false, 'ended_by_admin', 'admin']),
    );
    await server.rollcall.presence.flushHistory();
    const logged = await server.rollcall.history.listSessionLog({ userId: 'crowd' });
    assert.deepEqual(
      logged.map((e) => [e.endReason, e.endedBy]),
      [0, 1, 2].map(() => ['ended_by_admin', 'admin']),
    );

    assert.deepEqual((await endAll('crowd')).json, { ended: 0 }, 'none left: 0');
  });

  it("ends them as the account behind an admin's API key", async () => {
    const key = await call('POST', '/v1/keys', basic('second-admin'), { kind: 'api' });
    assert.equal(key.status, 201, key.text);
    const id = await openSession(server, as('keyed'));
    assert.deepEqual((await endAll('keyed', { authorization: `Bearer ${key.json.key}` })).json, { ended: 1 });
    const [entry] = (await history('keyed')).json.sessions;
    assert.deepEqual([entry.id, entry.endReason, entry.endedBy], [id, 'ended_by_admin', 'second-admin']);
  });

  it('answers 404 for a user nobody knows, and 400 for an id too long', async () => {
    assertError(await endAll('nobody-here'), 404, 'not_found', /nobody-here/);
    assertError(await endAll('x'.repeat(129)), 400, 'invalid_parameter');
  });

  it('is for admins: 401 without credentials or with the ingest key, 403 for a reader, and nothing ends', async () => {
    const id = await openSession(server, as('protected'));
    assertError(await endAll('protected', {}), 401, 'unauthorized');
    assertError(await endAll('protected', { authorization: server.ingest.authorization! }), 401, 'unauthorized');
    assertError(await endAll('protected', basic('viewer')), 403, 'forbidden');
    assert.equal((await call('GET', `/v1/sessions/${id}`, server.admin)).status, 200, 'still live');
  });
});
