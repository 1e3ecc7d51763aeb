// The read API (/v1/sessions, /v1/users) over real HTTP: who may read, filters, cursor pagination, and
// the online/offline semantics of users.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, TEST_ADMIN_PASSWORD, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { request, type Answer } from '../helpers/http.ts';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { ClientType } from '../../src/core/model.ts';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';

let server: TestServer;

function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return request(server.url, method, path, {
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body !== undefined && { body }),
  });
}

const read = (path: string, headers: Record<string, string> = server.admin) => call('GET', path, headers);
const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
});
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function open(overrides: Partial<OpenSessionBody> = {}): Promise<number> {
  const answer = await call('POST', '/v1/sessions', server.ingest, openBody(overrides));
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

async function close(id: number): Promise<void> {
  const answer = await call('DELETE', `/v1/sessions/${id}`, { authorization: server.ingest.authorization! });
  assert.equal(answer.status, 204, answer.text);
}

function assertError(answer: Answer, status: number, code: string, message?: RegExp) {
  assert.equal(answer.status, status, answer.text);
  assert.deepEqual(Object.keys(answer.json), ['error']);
  assert.equal(answer.json.error.code, code);
  if (message) assert.match(answer.json.error.message, message);
  assert.doesNotMatch(answer.text, /\n\s+at |\/work\/|node_modules/);
}

const ids = (list: { id: number | string }[]) => list.map((item) => item.id);
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

describe('read API credentials', () => {
  const endpoints = ['/v1/sessions', '/v1/sessions/1', '/v1/users', '/v1/users/x'];

  it('refuses requests without credentials (401 with WWW-Authenticate)', async () => {
    for (const path of endpoints) {
      const answer = await read(path, {});
      assertError(answer, 401, 'unauthorized');
      assert.match(answer.headers.get('www-authenticate') ?? '', /Basic/);
    }
  });

  it('refuses the ingest key: it reports, it does not read (401)', async () => {
    for (const path of endpoints) assertError(await read(path, { authorization: server.ingest.authorization! }), 401, 'unauthorized');
  });

  it('refuses a client token (401)', async () => {
    const token = await server.token({ sub: 'someone', name: 'Someone' });
    assertError(await read('/v1/sessions', bearer(token)), 401, 'unauthorized');
  });

  it('answers 200 to the admin account with Basic auth', async () => {
    const answer = await read('/v1/sessions');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { sessions: [], nextCursor: null, total: 0 });
  });

  it('refuses a wrong password, an unknown account and malformed Basic credentials (401)', async () => {
    assertError(await read('/v1/sessions', basic('admin', `${TEST_ADMIN_PASSWORD}x`)), 401, 'unauthorized');
    assertError(await read('/v1/sessions', basic('admin', '')), 401, 'unauthorized');
    assertError(await read('/v1/sessions', basic('nobody', TEST_ADMIN_PASSWORD)), 401, 'unauthorized');
    assertError(await read('/v1/sessions', { authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }), 401, 'unauthorized');
    assertError(await read('/v1/sessions', { authorization: 'Basic !!!' }), 401, 'unauthorized');
    assertError(await read('/v1/sessions', { authorization: 'Digest abc' }), 401, 'unauthorized');
    // Unknown names and wrong passwords get the same words.
    const unknown = await read('/v1/sessions', basic('nobody', 'x'));
    const wrong = await read('/v1/sessions', basic('admin', 'x'));
    assert.equal(unknown.json.error.message, wrong.json.error.message);
  });

  it('lets a reader account read', async () => {
    await server.rollcall.history.createAccount({
      username: 'viewer',
      role: 'reader',
      passwordHash: await hashPassword('viewer-password'),
    });
    const id = await open();
    for (const path of ['/v1/sessions', `/v1/sessions/${id}`, '/v1/users', '/v1/users/4145']) {
      const answer = await read(path, basic('viewer', 'viewer-password'));
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
    }
    assertError(await read('/v1/sessions', basic('viewer', 'wrong-password')), 401, 'unauthorized');
  });

  it('accepts an API key of kind api and refuses it at once after it is revoked', async () => {
    const admin = await server.rollcall.history.findAccount('admin');
    assert.ok(admin);
    const key = generateApiKey('api');
    const record = await server.rollcall.history.createApiKey({
      kind: 'api',
      accountId: admin.id,
      label: 'test',
      prefix: key.prefix,
      hash: key.hash,
    });
    const id = await open();

    const sessions = await read('/v1/sessions', bearer(key.key));
    assert.equal(sessions.status, 200, sessions.text);
    assert.deepEqual(ids(sessions.json.sessions), [id]);
    assert.equal((await read('/v1/users', bearer(key.key))).status, 200);
    assert.equal((await read(`/v1/sessions/${id}`, bearer(key.key))).status, 200);

    assert.equal(await server.rollcall.history.revokeApiKey(record.id), true);
    for (const path of endpoints) assertError(await read(path, bearer(key.key)), 401, 'unauthorized');
  });

  it('refuses an API key whose account was removed', async () => {
    const account = await server.rollcall.history.createAccount({
      username: 'temp',
      role: 'reader',
      passwordHash: await hashPassword('temp-password'),
    });
    const key = generateApiKey('api');
    await server.rollcall.history.createApiKey({ kind: 'api', accountId: account.id, prefix: key.prefix, hash: key.hash });
    assert.equal((await read('/v1/sessions', bearer(key.key))).status, 200);
    assert.equal(await server.rollcall.history.removeAccount('temp'), true);
    assertError(await read('/v1/sessions', bearer(key.key)), 401, 'unauthorized');
  });

  it('refuses an ingest-kind key for reading, though it reports', async () => {
    const admin = await server.rollcall.history.findAccount('admin');
    assert.ok(admin);
    const key = generateApiKey('ingest');
    await server.rollcall.history.createApiKey({ kind: 'ingest', accountId: admin.id, prefix: key.prefix, hash: key.hash });
    assertError(await read('/v1/sessions', bearer(key.key)), 401, 'unauthorized');
    const opened = await call('POST', '/v1/sessions', { ...bearer(key.key), 'content-type': 'application/json' }, openBody());
    assert.equal(opened.status, 201, opened.text);
  });

  it('refuses a random or malformed bearer key (401)', async () => {
    assertError(await read('/v1/sessions', bearer(generateApiKey('api').key)), 401, 'unauthorized');
    assertError(await read('/v1/sessions', { authorization: 'Bearer' }), 401, 'unauthorized');
  });
});

describe('GET /v1/sessions', () => {
  it('answers the public session shape', async () => {
    const id = await open({ view: { m: 'm', v: 'v', t: 't' } });
    const answer = await read('/v1/sessions');
    assert.equal(answer.status, 200);
    assert.deepEqual(Object.keys(answer.json).sort(), ['nextCursor', 'sessions', 'total']);
    const [session] = answer.json.sessions;
    assert.equal(session.id, id);
    assert.equal(session.user.id, '4145');
    assert.equal(session.transport, 'http');
    assert.deepEqual(session.view, { m: 'm', v: 'v', t: 't' });
    assert.ok(Math.abs(session.startedAt - nowSeconds()) <= 5, 'startedAt in Unix seconds');
    assert.equal('resumeSecretHash' in session, false);
  });

  it('filters by client type (a comma list) and by user id, and by both', async () => {
    const aWeb = await open({ user: { id: 'a', name: 'A' }, clientType: 'web' });
    const bWeb = await open({ user: { id: 'b', name: 'B' }, clientType: 'web' });
    const aAgent = await open({ user: { id: 'a', name: 'A' }, clientType: 'push_agent' });
    const cRep = await open({ user: { id: 'c', name: 'C' }, clientType: 'representative' });
    const dCust = await open({ user: { id: 'd', name: 'D' }, clientType: 'support_customer', customer: { lsid: 'l1' } });
    const eAtt = await open({ user: { id: 'e', name: 'E' }, clientType: 'presentation_attendee' });

    const cases: [string, number[]][] = [
      ['', [aWeb, bWeb, aAgent, cRep, dCust, eAtt]],
      ['?type=web', [aWeb, bWeb]],
      ['?type=web,push_agent', [aWeb, bWeb, aAgent]],
      ['?type=representative,support_customer', [cRep, dCust]],
      ['?type=web,%20representative', [aWeb, bWeb, cRep]],
      ['?type=presentation_attendee', [eAtt]],
      ['?userId=a', [aWeb, aAgent]],
      ['?userId=a&type=web', [aWeb]],
      ['?userId=a&type=representative', []],
      ['?userId=nobody', []],
    ];
    for (const [query, expected] of cases) {
      const answer = await read(`/v1/sessions${query}`);
      assert.equal(answer.status, 200, `${query}: ${answer.text}`);
      assert.deepEqual(ids(answer.json.sessions), expected, query);
      assert.equal(answer.json.nextCursor, null, query);
    }
  });

  it('refuses a bad type, limit, cursor or unknown parameter (400 invalid_parameter)', async () => {
    await open();
    const typeError = await read('/v1/sessions?type=web,desktop');
    assertError(typeError, 400, 'invalid_parameter', /^type:/);
    for (const type of ['representative', 'support_customer', 'presentation_attendee', 'push_agent', 'web'] satisfies ClientType[]) {
      assert.ok(typeError.json.error.message.includes(type));
    }
    assertError(await read('/v1/sessions?type=WEB'), 400, 'invalid_parameter');
    assertError(await read('/v1/sessions?limit=0'), 400, 'invalid_parameter', /limit/);
    assertError(await read('/v1/sessions?limit=1001'), 400, 'invalid_parameter', /limit/);
    assertError(await read('/v1/sessions?limit=ten'), 400, 'invalid_parameter', /limit/);
    assertError(await read('/v1/sessions?cursor=abc'), 400, 'invalid_parameter', /cursor/);
    assertError(await read('/v1/sessions?cursor=-1'), 400, 'invalid_parameter', /cursor/);
    assertError(await read('/v1/sessions?userid=a'), 400, 'invalid_parameter', /userid/);
  });

  it('pages 25 sessions by 10: every session exactly once, ascending, nextCursor null at the end', async () => {
    const opened: number[] = [];
    for (let i = 0; i < 25; i++) opened.push(await open({ user: { id: `p${i % 7}`, name: `P ${i}` } }));

    const seen: number[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const answer: Answer = await read(`/v1/sessions?limit=10${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(answer.status, 200, answer.text);
      const page = ids(answer.json.sessions) as number[];
      pageSizes.push(page.length);
      seen.push(...page);
      cursor = answer.json.nextCursor;
      if (cursor === null) break;
      assert.equal(typeof cursor, 'string');
      assert.equal(cursor, String(page.at(-1)));
    }
    assert.equal(cursor, null);
    assert.deepEqual(pageSizes, [10, 10, 5]);
    assert.deepEqual(seen, opened);
    assert.equal(new Set(seen).size, 25);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
  });

  it('answers nextCursor null when the last page is exactly full, and never an empty extra page', async () => {
    const opened: number[] = [];
    for (let i = 0; i < 20; i++) opened.push(await open({ user: { id: `q${i}`, name: `Q ${i}` } }));
    const first = await read('/v1/sessions?limit=10');
    assert.equal(first.json.sessions.length, 10);
    assert.equal(first.json.nextCursor, String(opened[9]));
    const second = await read(`/v1/sessions?limit=10&cursor=${first.json.nextCursor}`);
    assert.deepEqual(ids(second.json.sessions), opened.slice(10));
    assert.equal(second.json.nextCursor, null);

    const all = await read('/v1/sessions?limit=20');
    assert.equal(all.json.sessions.length, 20);
    assert.equal(all.json.nextCursor, null);
  });

  it('pages with filters, and keeps its place when sessions come and go between pages', async () => {
    const webs: number[] = [];
    for (let i = 0; i < 12; i++) {
      webs.push(await open({ user: { id: `w${i}`, name: `W ${i}` }, clientType: 'web' }));
      await open({ user: { id: `x${i}`, name: `X ${i}` }, clientType: 'push_agent' });
    }
    const first = await read('/v1/sessions?type=web&limit=5');
    assert.deepEqual(ids(first.json.sessions), webs.slice(0, 5));

    // One session of the first page ends, one not yet listed ends, and a new one starts.
    await close(webs[0]!);
    await close(webs[7]!);
    const late = await open({ user: { id: 'late', name: 'Late' }, clientType: 'web' });

    const rest: number[] = [];
    let cursor: string | null = first.json.nextCursor;
    while (cursor !== null) {
      const page: Answer = await read(`/v1/sessions?type=web&limit=5&cursor=${cursor}`);
      assert.equal(page.status, 200, page.text);
      rest.push(...(ids(page.json.sessions) as number[]));
      cursor = page.json.nextCursor;
    }
    assert.deepEqual(rest, [...webs.slice(5, 7), ...webs.slice(8), late]);
  });

  it('GET /v1/sessions/:id answers one live session, 404 for unknown or ended ones, 400 for a bad id', async () => {
    const id = await open();
    const answer = await read(`/v1/sessions/${id}`);
    assert.equal(answer.status, 200);
    assert.equal(answer.json.id, id);
    assertError(await read('/v1/sessions/99999'), 404, 'not_found');
    await close(id);
    assertError(await read(`/v1/sessions/${id}`), 404, 'not_found');
    assertError(await read('/v1/sessions/abc'), 400, 'invalid_parameter');
    assertError(await read('/v1/sessions/0'), 400, 'invalid_parameter');
  });
});

describe('GET /v1/users', () => {
  /** alice online (2 sessions), bob online, carol offline (closed), dave offline (closed). */
  async function population() {
    const before = nowSeconds();
    const alice1 = await open({ user: { id: 'alice', name: 'Alice', type: 'staff' }, view: { m: 'a', v: '1', t: 'x' } });
    const alice2 = await open({ user: { id: 'alice', name: 'Alice', type: 'staff' }, clientType: 'push_agent' });
    const bob = await open({ user: { id: 'bob', name: 'Bob' } });
    const carol = await open({ user: { id: 'carol', name: 'Carol', email: 'carol@example.com' }, view: { m: 'c', v: 'v', t: 't' } });
    const dave = await open({ user: { id: 'dave', name: 'Dave' } });
    await close(carol);
    await close(dave);
    return { before, alice1, alice2, bob, carol, dave };
  }

  it('status=online (the default) lists users with live sessions, with their sessions', async () => {
    const { alice1, alice2, bob } = await population();
    for (const query of ['', '?status=online']) {
      const answer = await read(`/v1/users${query}`);
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.count, 2);
      const byId = new Map(answer.json.users.map((u: { id: string }) => [u.id, u]));
      assert.deepEqual([...byId.keys()].sort(), ['alice', 'bob']);
      const alice = byId.get('alice') as any;
      assert.equal(alice.online, true);
      assert.equal(alice.name, 'Alice');
      assert.equal(alice.type, 'staff');
      assert.deepEqual(ids(alice.sessions), [alice1, alice2]);
      assert.deepEqual(alice.lastView, { m: 'a', v: '1', t: 'x' });
      assert.deepEqual(ids((byId.get('bob') as any).sessions), [bob]);
    }
  });

  it('status=offline lists users seen recently with no live session, most recent first', async () => {
    const { before } = await population();
    const answer = await read('/v1/users?status=offline');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.count, 2);
    assert.deepEqual(new Set(ids(answer.json.users)), new Set(['carol', 'dave']));
    for (const user of answer.json.users) {
      assert.equal(user.online, false);
      assert.deepEqual(user.sessions, []);
      assert.ok(user.lastSeenAt >= before && user.lastSeenAt <= nowSeconds());
    }
    const lastSeen = answer.json.users.map((u: { lastSeenAt: number }) => u.lastSeenAt);
    assert.deepEqual(
      lastSeen,
      [...lastSeen].sort((a: number, b: number) => b - a),
    );
    const carol = answer.json.users.find((u: { id: string }) => u.id === 'carol');
    assert.equal(carol.email, 'carol@example.com');
    assert.deepEqual(carol.lastView, { m: 'c', v: 'v', t: 't' });
  });

  it('status=all is online and offline together, each user once', async () => {
    await population();
    const answer = await read('/v1/users?status=all');
    assert.equal(answer.status, 200);
    assert.equal(answer.json.count, 4);
    assert.deepEqual(ids(answer.json.users).sort(), ['alice', 'bob', 'carol', 'dave']);
    const online = answer.json.users.filter((u: { online: boolean }) => u.online).map((u: { id: string }) => u.id);
    assert.deepEqual(online.sort(), ['alice', 'bob']);
  });

  it('moves a user between lists as sessions start and end', async () => {
    const { alice1, alice2 } = await population();
    await close(alice1);
    assert.deepEqual(ids((await read('/v1/users?status=online')).json.users).sort(), ['alice', 'bob']);
    await close(alice2);
    assert.deepEqual(ids((await read('/v1/users?status=online')).json.users), ['bob']);
    assert.deepEqual(ids((await read('/v1/users?status=offline')).json.users).sort(), ['alice', 'carol', 'dave']);

    await open({ user: { id: 'carol', name: 'Carol' } });
    assert.deepEqual(ids((await read('/v1/users?status=online')).json.users).sort(), ['bob', 'carol']);
    assert.deepEqual(ids((await read('/v1/users?status=offline')).json.users).sort(), ['alice', 'dave']);
    assert.equal((await read('/v1/users?status=all')).json.count, 4);
  });

  it('refuses an unknown status (400)', async () => {
    assertError(await read('/v1/users?status=away'), 400, 'invalid_parameter', /status/);
    assertError(await read('/v1/users?state=online'), 400, 'invalid_parameter');
  });

  it('answers empty lists on a fresh server', async () => {
    for (const status of ['online', 'offline', 'all']) {
      assert.deepEqual((await read(`/v1/users?status=${status}`)).json, { users: [], count: 0 });
    }
  });
});

describe('GET /v1/users/:id', () => {
  it('answers an online user with their sessions', async () => {
    const view = { m: 'support', v: 'ticket', t: 'id|9' };
    const first = await open({ user: { id: 'olive', name: 'Olive', email: 'olive@example.com', type: 'staff' } });
    const second = await open({ user: { id: 'olive', name: 'Olive', email: 'olive@example.com', type: 'staff' }, view });
    const answer = await read('/v1/users/olive');
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.id, 'olive');
    assert.equal(answer.json.name, 'Olive');
    assert.equal(answer.json.email, 'olive@example.com');
    assert.equal(answer.json.type, 'staff');
    assert.equal(answer.json.online, true);
    assert.deepEqual(ids(answer.json.sessions), [first, second]);
    assert.deepEqual(answer.json.lastView, view);
    assert.ok(Math.abs(answer.json.lastSeenAt - nowSeconds()) <= 5);
  });

  it('answers an offline user with last seen and last view', async () => {
    const before = nowSeconds();
    const view = { m: 'm', v: 'v', t: 't' };
    const id = await open({ user: { id: 'oscar', name: 'Oscar' }, view });
    await call('POST', `/v1/sessions/${id}/heartbeat`, server.ingest, { view: { m: 'm2', v: 'v2', t: 't2' } });
    await close(id);
    const answer = await read('/v1/users/oscar');
    assert.equal(answer.status, 200);
    assert.equal(answer.json.online, false);
    assert.deepEqual(answer.json.sessions, []);
    assert.ok(answer.json.lastSeenAt >= before && answer.json.lastSeenAt <= nowSeconds());
    assert.deepEqual(answer.json.lastView, { m: 'm2', v: 'v2', t: 't2' });

    // Once written to history, the same answer.
    await server.rollcall.presence.flushHistory();
    assert.deepEqual((await read('/v1/users/oscar')).json, answer.json);
  });

  it('answers 404 not_found for a user never seen', async () => {
    assertError(await read('/v1/users/nobody'), 404, 'not_found');
  });

  it('finds a user whose id has the maximum length of 128 characters', async () => {
    // specs/INGEST.md: user.id is 1..128 characters; every id that can be reported can be looked up.
    for (const length of [100, 101, 128]) {
      const userId = 'u'.repeat(length);
      await open({ user: { id: userId, name: `Long ${length}` } });
      const answer = await read(`/v1/users/${userId}`);
      assert.equal(answer.status, 200, `id of ${length} characters: ${answer.text.slice(0, 200)}`);
      assert.equal(answer.json.id, userId);
    }
  });

  it('answers a malformed path in the v1 error shape', async () => {
    for (const path of ['/v1/users/%E0%A4%A', '/v1/sessions/%ZZ']) {
      const answer = await read(path);
      assert.equal(answer.status, 400, answer.text);
      assert.deepEqual(Object.keys(answer.json), ['error'], answer.text);
      assert.equal(typeof answer.json.error, 'object', answer.text);
      assert.deepEqual(Object.keys(answer.json.error).sort(), ['code', 'message'], answer.text);
      assert.doesNotMatch(answer.text, /FST_/);
    }
  });

  it('finds user ids with spaces, slashes and non-ASCII characters', async () => {
    for (const userId of ['jack smith', 'dept/jack', 'jürgen@example.com']) {
      await open({ user: { id: userId, name: 'Odd Id' } });
      const answer = await read(`/v1/users/${encodeURIComponent(userId)}`);
      assert.equal(answer.status, 200, `${userId}: ${answer.text}`);
      assert.equal(answer.json.id, userId);
      const sessions = await read(`/v1/sessions?userId=${encodeURIComponent(userId)}`);
      assert.equal(sessions.json.sessions.length, 1, userId);
    }
  });
});

describe('the offline window', () => {
  it('drops a user from the offline list once they were last seen longer ago than offlineWindow', async () => {
    await server.close();
    server = await startTestServer({ offlineWindow: 2 });
    const id = await open({ user: { id: 'fading', name: 'Fading' } });
    const stays = await open({ user: { id: 'staying', name: 'Staying' } });
    await close(id);
    assert.deepEqual(ids((await read('/v1/users?status=offline')).json.users), ['fading']);
    await waitFor(async () => (await read('/v1/users?status=offline')).json.count === 0, { what: 'the offline window to pass' });
    // Online users are online however long ago their sessions started.
    assert.deepEqual(ids((await read('/v1/users?status=online')).json.users), ['staying']);
    assert.deepEqual(ids((await read('/v1/users?status=all')).json.users), ['staying']);
    assert.equal((await read(`/v1/sessions/${stays}`)).status, 200);
  });
});
