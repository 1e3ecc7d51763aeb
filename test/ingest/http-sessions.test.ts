// HTTP ingest over real HTTP (specs/INGEST.md § HTTP): open, heartbeat, update, close, batch heartbeats
// and expiry, checked through the read API the way an integration would see them.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { request, type Answer } from '../helpers/http.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';

async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  // The ingest key by default; a JSON content type only when there is a body to describe.
  const headers = options.headers ?? (options.body === undefined ? { authorization: server.ingest.authorization! } : server.ingest);
  return request(server.url, method, path, { ...options, headers });
}

async function open(server: TestServer, body: OpenSessionBody = openBody(), headers?: Record<string, string>) {
  const answer = await call(server, 'POST', '/v1/sessions', { body, ...(headers && { headers }) });
  assert.equal(answer.status, 201, answer.text);
  return answer.json as { id: number; resumeToken: string; ttl: number };
}

async function listSessions(server: TestServer, query = '') {
  const answer = await call(server, 'GET', `/v1/sessions${query}`, { headers: server.admin });
  assert.equal(answer.status, 200, answer.text);
  return answer.json.sessions as any[];
}

async function getSession(server: TestServer, id: number) {
  return call(server, 'GET', `/v1/sessions/${id}`, { headers: server.admin });
}

async function getUser(server: TestServer, id: string) {
  return call(server, 'GET', `/v1/users/${encodeURIComponent(id)}`, { headers: server.admin });
}

function assertError(answer: Answer, status: number, code: string) {
  assert.equal(answer.status, status, answer.text);
  assert.deepEqual(Object.keys(answer.json), ['error']);
  assert.equal(answer.json.error.code, code);
  assert.equal(typeof answer.json.error.message, 'string');
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('HTTP ingest: opening sessions', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ sessionTtl: 120 });
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers 201 with a positive integer id, a resume token for that id, and the configured ttl', async () => {
    const answer = await call(server, 'POST', '/v1/sessions', { body: openBody() });
    assert.equal(answer.status, 201);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(answer.json).sort(), ['id', 'resumeToken', 'ttl']);
    const { id, resumeToken, ttl } = answer.json;
    assert.ok(Number.isInteger(id) && id > 0 && id <= 2 ** 31 - 1, `id ${id}`);
    assert.equal(typeof resumeToken, 'string');
    assert.ok(resumeToken.startsWith(`${id}.`), resumeToken);
    assert.ok(resumeToken.length > `${id}.`.length + 16);
    assert.equal(ttl, 120);
  });

  it('hands out distinct, increasing ids', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await open(server, openBody({ user: { id: `u${i}`, name: `U ${i}` } }))).id);
    assert.equal(new Set(ids).size, 5);
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
    );
  });

  it('lists the session with every field sent, the remote address from the socket, and no internals', async () => {
    const before = nowSeconds();
    const body = openBody({
      user: {
        id: 'u-full',
        name: 'Jack Smith',
        email: 'jack@example.com',
        type: 'staff',
        username: 'jsmith',
        publicDisplayName: 'Jack',
        privateDisplayName: 'Jack Smith (Support)',
      },
      clientType: 'web',
      hostname: 'jack-pc',
      platform: { id: 'winNT-64', name: 'Windows 11 (x64)' },
      timezoneOffset: -18000,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
      privateIp: '10.0.0.12',
      idle: true,
      view: { m: 'support', v: 'getticket', t: 'ticketid|105792' },
    });
    const { id } = await open(server, body);
    const sessions = await listSessions(server);
    assert.equal(sessions.length, 1);
    const s = sessions[0];
    assert.equal(s.id, id);
    assert.deepEqual(s.user, body.user);
    assert.equal(s.clientType, 'web');
    assert.equal(s.transport, 'http');
    assert.equal(s.state, 'connected');
    assert.equal(s.hostname, 'jack-pc');
    assert.deepEqual(s.platform, body.platform);
    assert.equal(s.timezoneOffset, -18000);
    assert.equal(s.userAgent, body.userAgent);
    assert.equal(s.privateIp, '10.0.0.12');
    assert.equal(s.remoteAddress, '127.0.0.1');
    assert.equal(s.idle, true);
    assert.deepEqual(s.view, body.view);
    assert.equal(s.representative, undefined);
    assert.equal(s.customer, undefined);
    assert.ok(s.startedAt >= before && s.startedAt <= nowSeconds(), 'startedAt in Unix seconds');
    assert.ok(s.lastActivityAt >= s.startedAt);
    assert.equal(s.nodeId, server.rollcall.presence.nodeId);
    assert.equal(s.connections.length, 1);
    assert.equal(s.connections[0].nodeId, server.rollcall.presence.nodeId);
    assert.equal(s.connections[0].privateIp, '10.0.0.12');
    assert.equal(s.events[0].kind, 'connected');
    for (const internal of ['resumeSecretHash', 'expiresAt', 'lifetimeMs', 'detached']) {
      assert.ok(!(internal in s), `${internal} must not leave the process`);
    }
    // GET /v1/sessions/:id shows the same session.
    const one = await getSession(server, id);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, s);
  });

  it('defaults the user type to "customer" and idle to false', async () => {
    const { id } = await open(server, { user: { id: 'plain', name: 'Plain' }, clientType: 'web' });
    const { json } = await getSession(server, id);
    assert.deepEqual(json.user, { id: 'plain', name: 'Plain', type: 'customer' });
    assert.equal(json.idle, false);
  });

  it('fills representative defaults; supportSessionCount follows supportSessionLsids unless given', async () => {
    const { id } = await open(
      server,
      openBody({
        user: { id: 'rep', name: 'Rep' },
        clientType: 'representative',
        representative: { supportSessionLsids: ['aa', 'bb', 'cc'] },
      }),
    );
    const { json } = await getSession(server, id);
    assert.deepEqual(json.representative, {
      type: 'Normal',
      presentationCount: 0,
      supportSessionCount: 3,
      showingOnRepList: true,
      routingIdle: false,
      routingBusy: false,
      routingEnabled: true,
      routingAvailable: true,
      supportSessionLsids: ['aa', 'bb', 'cc'],
    });

    const bare = await open(server, openBody({ user: { id: 'rep2', name: 'Rep 2' }, clientType: 'representative' }));
    const bareJson = (await getSession(server, bare.id)).json;
    assert.equal(bareJson.representative.supportSessionCount, 0);
    assert.deepEqual(bareJson.representative.supportSessionLsids, []);

    const given = await open(
      server,
      openBody({
        user: { id: 'rep3', name: 'Rep 3' },
        clientType: 'representative',
        representative: {
          type: 'Embassy',
          supportSessionCount: 7,
          supportSessionLsids: ['x'],
          presentationCount: 1,
          routingBusy: true,
          startSessionUrl: 'https://support.example.com/start',
          directLink: 'https://support.example.com/direct',
          supportLicense: 'Standard',
        },
      }),
    );
    const rep = (await getSession(server, given.id)).json.representative;
    assert.equal(rep.type, 'Embassy');
    assert.equal(rep.supportSessionCount, 7);
    assert.equal(rep.presentationCount, 1);
    assert.equal(rep.routingBusy, true);
    assert.equal(rep.startSessionUrl, 'https://support.example.com/start');
    assert.equal(rep.directLink, 'https://support.example.com/direct');
    assert.equal(rep.supportLicense, 'Standard');
  });

  it('keeps a support customer’s lsid and non-interactive kind', async () => {
    const { id } = await open(
      server,
      openBody({
        user: { id: 'cust', name: 'Customer' },
        clientType: 'support_customer',
        customer: { lsid: 'abc123', nonInteractive: 'rdp' },
      }),
    );
    const { json } = await getSession(server, id);
    assert.deepEqual(json.customer, { lsid: 'abc123', nonInteractive: 'rdp' });
    assert.equal(json.representative, undefined);
  });

  it('takes the remote address from the socket, not from X-Forwarded-For, when trustProxy is off', async () => {
    const { id } = await open(server, openBody(), { ...server.ingest, 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8' });
    const { json } = await getSession(server, id);
    assert.equal(json.remoteAddress, '127.0.0.1');
  });

  it('refuses a body that claims a remote address, and never takes privateIp as the remote address', async () => {
    const refused = await call(server, 'POST', '/v1/sessions', { body: { ...openBody(), remoteAddress: '198.51.100.1' } });
    assertError(refused, 400, 'invalid_body');
    assert.match(refused.json.error.message, /remoteAddress/);
    assert.equal((await listSessions(server)).length, 0);

    const { id } = await open(server, openBody({ privateIp: '192.168.1.20' }));
    const { json } = await getSession(server, id);
    assert.equal(json.remoteAddress, '127.0.0.1');
    assert.equal(json.privateIp, '192.168.1.20');
  });
});

describe('HTTP ingest: trustProxy', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ trustProxy: true });
  });
  afterEach(async () => {
    await server.close();
  });

  it('takes the remote address from X-Forwarded-For when trustProxy is on', async () => {
    const { id } = await open(server, openBody(), { ...server.ingest, 'x-forwarded-for': '203.0.113.7' });
    const { json } = await getSession(server, id);
    assert.equal(json.remoteAddress, '203.0.113.7');

    const direct = await open(server, openBody({ user: { id: 'direct', name: 'Direct' } }));
    assert.equal((await getSession(server, direct.id)).json.remoteAddress, '127.0.0.1');
  });
});

describe('HTTP ingest: trustProxy as a list of proxies', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('believes X-Forwarded-For only from a listed proxy address', async () => {
    const trusted = await startTestServer({ trustProxy: '127.0.0.1' });
    servers.push(trusted);
    const viaTrusted = await open(trusted, openBody(), { ...trusted.ingest, 'x-forwarded-for': '198.51.100.9' });
    assert.equal((await getSession(trusted, viaTrusted.id)).json.remoteAddress, '198.51.100.9');

    const other = await startTestServer({ trustProxy: '10.0.0.0/8' });
    servers.push(other);
    const viaUntrusted = await open(other, openBody(), { ...other.ingest, 'x-forwarded-for': '198.51.100.9' });
    assert.equal((await getSession(other, viaUntrusted.id)).json.remoteAddress, '127.0.0.1');
  });
});

describe('HTTP ingest: heartbeats, updates and closing', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers 204 to a bare heartbeat (no body, no content type) and keeps the session as it was', async () => {
    const { id } = await open(server, openBody({ idle: true, view: { m: 'a', v: 'b', t: 'c' } }));
    const answer = await call(server, 'POST', `/v1/sessions/${id}/heartbeat`);
    assert.equal(answer.status, 204, answer.text);
    assert.equal(answer.text, '');
    const { json } = await getSession(server, id);
    assert.equal(json.idle, true);
    assert.deepEqual(json.view, { m: 'a', v: 'b', t: 'c' });
  });

  it('answers 204 to a bare heartbeat and a DELETE sent with Content-Type: application/json and no body', async () => {
    // Many HTTP clients send their JSON content type on every request. The heartbeat body is optional
    // (specs/INGEST.md) and a DELETE has none, so an empty body must not be "not valid JSON".
    const { id } = await open(server);
    const beat = await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { headers: server.ingest });
    assert.equal(beat.status, 204, beat.text);
    const bye = await call(server, 'DELETE', `/v1/sessions/${id}`, { headers: server.ingest });
    assert.equal(bye.status, 204, bye.text);
  });

  it('answers 204 to a heartbeat with an empty JSON object', async () => {
    const { id } = await open(server);
    const answer = await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { body: {} });
    assert.equal(answer.status, 204, answer.text);
  });

  it('updates idle and view from a heartbeat body', async () => {
    const { id } = await open(server);
    const view = { m: 'support', v: 'queue', t: 'queue|general' };
    const answer = await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { body: { idle: true, view } });
    assert.equal(answer.status, 204, answer.text);
    let { json } = await getSession(server, id);
    assert.equal(json.idle, true);
    assert.deepEqual(json.view, view);

    assert.equal((await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { body: { idle: false } })).status, 204);
    ({ json } = await getSession(server, id));
    assert.equal(json.idle, false);
    assert.deepEqual(json.view, view, 'a heartbeat without view keeps the view');
  });

  it('merges a partial representative block from a heartbeat', async () => {
    const { id } = await open(
      server,
      openBody({ clientType: 'representative', representative: { supportSessionLsids: ['a', 'b'], routingBusy: false } }),
    );
    const answer = await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { body: { representative: { routingBusy: true } } });
    assert.equal(answer.status, 204, answer.text);
    const rep = (await getSession(server, id)).json.representative;
    assert.equal(rep.routingBusy, true);
    assert.deepEqual(rep.supportSessionLsids, ['a', 'b']);
    assert.equal(rep.supportSessionCount, 2);

    // A representative block on a web session is refused.
    const web = await open(server, openBody({ user: { id: 'w', name: 'W' } }));
    assertError(
      await call(server, 'POST', `/v1/sessions/${web.id}/heartbeat`, { body: { representative: { routingBusy: true } } }),
      400,
      'invalid_body',
    );
  });

  it('answers 404 not_found to a heartbeat for an unknown or ended session', async () => {
    const unknown = await call(server, 'POST', '/v1/sessions/987654/heartbeat', { body: {} });
    assertError(unknown, 404, 'not_found');

    const { id } = await open(server);
    assert.equal((await call(server, 'DELETE', `/v1/sessions/${id}`)).status, 204);
    assertError(await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { body: {} }), 404, 'not_found');
    assertError(await call(server, 'POST', `/v1/sessions/${id}/heartbeat`), 404, 'not_found');
  });

  it('answers 400 for a session id that is not a positive 32-bit integer', async () => {
    for (const id of ['abc', '0', '-1', '1.5', String(2 ** 31)]) {
      assertError(await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { body: {} }), 400, 'invalid_parameter');
    }
  });

  it('PATCH updates fields and answers the session', async () => {
    const { id } = await open(server);
    const answer = await call(server, 'PATCH', `/v1/sessions/${id}`, {
      body: {
        user: { name: 'Jack Q. Smith', username: 'jqs' },
        hostname: 'jack-laptop',
        view: { m: 'm2', v: 'v2', t: 't2' },
        idle: true,
        timezoneOffset: 3600,
      },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.id, id);
    assert.equal(answer.json.user.id, '4145');
    assert.equal(answer.json.user.name, 'Jack Q. Smith');
    assert.equal(answer.json.user.username, 'jqs');
    assert.equal(answer.json.user.email, 'jack@example.com', 'fields not named stay');
    assert.equal(answer.json.hostname, 'jack-laptop');
    assert.deepEqual(answer.json.view, { m: 'm2', v: 'v2', t: 't2' });
    assert.equal(answer.json.idle, true);
    assert.equal(answer.json.timezoneOffset, 3600);
    assert.equal(answer.json.clientType, 'web');
    assert.deepEqual((await getSession(server, id)).json, answer.json);
  });

  it('PATCH refuses to change user.id or clientType (400) and leaves the session alone', async () => {
    const { id } = await open(server);
    const before = (await getSession(server, id)).json;

    const userId = await call(server, 'PATCH', `/v1/sessions/${id}`, { body: { user: { id: 'someone-else' } } });
    assertError(userId, 400, 'invalid_body');
    assert.match(userId.json.error.message, /\bid\b/);

    const clientType = await call(server, 'PATCH', `/v1/sessions/${id}`, { body: { clientType: 'representative' } });
    assertError(clientType, 400, 'invalid_body');
    assert.match(clientType.json.error.message, /clientType/);

    assert.deepEqual((await getSession(server, id)).json, before);
  });

  it('PATCH on an unknown session answers 404', async () => {
    assertError(await call(server, 'PATCH', '/v1/sessions/424242', { body: { hostname: 'x' } }), 404, 'not_found');
  });

  it('DELETE answers 204, the session is gone, and the user is offline with a last seen', async () => {
    const before = nowSeconds();
    const view = { m: 'support', v: 'ticket', t: 'ticketid|1' };
    const { id } = await open(server, openBody({ user: { id: 'leaver', name: 'Leaver', type: 'staff' }, view }));
    const answer = await call(server, 'DELETE', `/v1/sessions/${id}`);
    assert.equal(answer.status, 204);
    assert.equal(answer.text, '');

    assertError(await getSession(server, id), 404, 'not_found');
    assert.equal((await listSessions(server)).length, 0);

    const user = await getUser(server, 'leaver');
    assert.equal(user.status, 200, user.text);
    assert.equal(user.json.id, 'leaver');
    assert.equal(user.json.name, 'Leaver');
    assert.equal(user.json.online, false);
    assert.deepEqual(user.json.sessions, []);
    assert.ok(user.json.lastSeenAt >= before && user.json.lastSeenAt <= nowSeconds(), `lastSeenAt ${user.json.lastSeenAt}`);
    assert.deepEqual(user.json.lastView, view);

    const offline = await call(server, 'GET', '/v1/users?status=offline', { headers: server.admin });
    assert.deepEqual(
      offline.json.users.map((u: { id: string }) => u.id),
      ['leaver'],
    );
    const online = await call(server, 'GET', '/v1/users?status=online', { headers: server.admin });
    assert.equal(online.json.count, 0);

    // Closing twice: the second is a 404, not a second end.
    assertError(await call(server, 'DELETE', `/v1/sessions/${id}`), 404, 'not_found');
  });

  it('DELETE with admin Basic credentials ends a session of any user, and history says who', async () => {
    const { id } = await open(server, openBody({ user: { id: 'victim', name: 'Victim' } }));
    const answer = await call(server, 'DELETE', `/v1/sessions/${id}`, { headers: server.admin });
    assert.equal(answer.status, 204, answer.text);
    assertError(await getSession(server, id), 404, 'not_found');
    await server.rollcall.presence.flushHistory();
    const [entry] = await server.rollcall.history.listSessionLog({ userId: 'victim' });
    assert.equal(entry?.sessionId, id);
    assert.equal(entry?.endReason, 'ended_by_admin');
    assert.equal(entry?.endedBy, 'admin');
  });

  it('DELETE with a reader account is refused (403) and with a wrong admin password (401); the session stays', async () => {
    await server.rollcall.history.createAccount({
      username: 'viewer',
      role: 'reader',
      passwordHash: await hashPassword('viewer-password'),
    });
    const { id } = await open(server);
    const reader = { authorization: `Basic ${Buffer.from('viewer:viewer-password').toString('base64')}` };
    assertError(await call(server, 'DELETE', `/v1/sessions/${id}`, { headers: reader }), 403, 'forbidden');
    const wrong = { authorization: `Basic ${Buffer.from('admin:not-the-password').toString('base64')}` };
    assertError(await call(server, 'DELETE', `/v1/sessions/${id}`, { headers: wrong }), 401, 'unauthorized');
    assert.equal((await getSession(server, id)).status, 200);
  });

  it('DELETE without credentials is refused (401) and the session stays', async () => {
    const { id } = await open(server);
    assertError(await call(server, 'DELETE', `/v1/sessions/${id}`, { headers: {} }), 401, 'unauthorized');
    assert.equal((await getSession(server, id)).status, 200);
  });

  it('keeps a user online until their last session ends', async () => {
    const user = { id: 'multi', name: 'Multi Device' };
    const a = await open(server, openBody({ user, hostname: 'desk' }));
    const b = await open(server, openBody({ user, hostname: 'phone' }));
    const c = await open(server, openBody({ user, clientType: 'push_agent', hostname: 'agent' }));

    const online = await getUser(server, 'multi');
    assert.equal(online.json.online, true);
    assert.deepEqual(
      online.json.sessions.map((s: { id: number }) => s.id),
      [a.id, b.id, c.id],
    );

    const users = await call(server, 'GET', '/v1/users?status=online', { headers: server.admin });
    assert.equal(users.json.count, 1, 'one user, however many sessions');

    for (const [ended, left] of [
      [a, [b.id, c.id]],
      [c, [b.id]],
    ] as const) {
      assert.equal((await call(server, 'DELETE', `/v1/sessions/${ended.id}`)).status, 204);
      const now = await getUser(server, 'multi');
      assert.equal(now.json.online, true);
      assert.deepEqual(
        now.json.sessions.map((s: { id: number }) => s.id),
        left,
      );
      const offline = await call(server, 'GET', '/v1/users?status=offline', { headers: server.admin });
      assert.equal(offline.json.count, 0);
    }

    assert.equal((await call(server, 'DELETE', `/v1/sessions/${b.id}`)).status, 204);
    const gone = await getUser(server, 'multi');
    assert.equal(gone.json.online, false);
    assert.deepEqual(gone.json.sessions, []);
    const offline = await call(server, 'GET', '/v1/users?status=offline', { headers: server.admin });
    assert.deepEqual(
      offline.json.users.map((u: { id: string }) => u.id),
      ['multi'],
    );
  });
});

describe('HTTP ingest: batch heartbeats', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers the accepted count and the unknown ids, and applies idle and view', async () => {
    const a = await open(server, openBody({ user: { id: 'a', name: 'A' } }));
    const b = await open(server, openBody({ user: { id: 'b', name: 'B' } }));
    const ended = await open(server, openBody({ user: { id: 'c', name: 'C' } }));
    assert.equal((await call(server, 'DELETE', `/v1/sessions/${ended.id}`)).status, 204);

    const view = { m: 'x', v: 'y', t: 'z' };
    const answer = await call(server, 'POST', '/v1/heartbeats', {
      body: { heartbeats: [{ id: a.id, idle: true }, { id: 999_999 }, { id: b.id, view }, { id: ended.id }] },
    });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { accepted: 2, unknown: [999_999, ended.id] });
    assert.equal((await getSession(server, a.id)).json.idle, true);
    assert.deepEqual((await getSession(server, b.id)).json.view, view);
  });

  it('accepts an empty batch', async () => {
    const answer = await call(server, 'POST', '/v1/heartbeats', { body: { heartbeats: [] } });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json, { accepted: 0, unknown: [] });
  });

  it('accepts exactly 10,000 entries and refuses 10,001 (400)', async () => {
    const { id } = await open(server);
    const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i === 0 ? id : 1_000_000 + i }));
    const atLimit = await call(server, 'POST', '/v1/heartbeats', { body: { heartbeats: entries(10_000) } });
    assert.equal(atLimit.status, 200, atLimit.text.slice(0, 300));
    assert.equal(atLimit.json.accepted, 1);
    assert.equal(atLimit.json.unknown.length, 9_999);

    const over = await call(server, 'POST', '/v1/heartbeats', { body: { heartbeats: entries(10_001) } });
    assertError(over, 400, 'invalid_body');
    assert.match(over.json.error.message, /heartbeats/);
    assert.match(over.json.error.message, /10000/);
  });

  it('accepts 10,000 entries that each carry a view at the maximum field length', async () => {
    // The contract allows ≤10,000 entries and view fields of ≤128 characters; the route's own comment
    // says such a batch "stays well under" its body limit.
    const { id } = await open(server);
    const field = 'v'.repeat(128);
    const heartbeats = Array.from({ length: 10_000 }, (_, i) => ({
      id: i === 0 ? id : 2_000_000_000 + i,
      idle: false,
      view: { m: field, v: field, t: field },
    }));
    const answer = await call(server, 'POST', '/v1/heartbeats', { body: { heartbeats } });
    assert.equal(answer.status, 200, answer.text.slice(0, 300));
    assert.equal(answer.json.accepted, 1);
  });

  it('refuses batch heartbeats without the ingest key', async () => {
    assertError(
      await call(server, 'POST', '/v1/heartbeats', { body: { heartbeats: [] }, headers: { 'content-type': 'application/json' } }),
      401,
      'unauthorized',
    );
    const token = await server.token({ sub: 'someone' });
    assertError(
      await call(server, 'POST', '/v1/heartbeats', {
        body: { heartbeats: [] },
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      }),
      403,
      'forbidden',
    );
  });
});

describe('HTTP ingest: expiry', () => {
  let server: TestServer;
  beforeEach(async () => {
    // 2 s: long enough that a loaded machine cannot expire a session between two steps of a test.
    server = await startTestServer({ sessionTtl: 2, sweepIntervalMs: 50, historyFlushMs: 50 });
  });
  afterEach(async () => {
    await server.close();
  });

  it('ends a session that gets no heartbeat within the ttl, and history shows it ended', async () => {
    const view = { m: 'support', v: 'idle', t: 'x|1' };
    const { id, ttl } = await open(server, openBody({ user: { id: 'quiet', name: 'Quiet' }, view }));
    assert.equal(ttl, 2);
    assert.equal((await listSessions(server)).length, 1);

    await waitFor(async () => (await listSessions(server)).length === 0, {
      what: 'the quiet session to expire',
      intervalMs: 25,
      timeoutMs: 10_000,
    });
    assertError(await getSession(server, id), 404, 'not_found');
    assertError(await call(server, 'POST', `/v1/sessions/${id}/heartbeat`, { body: {} }), 404, 'not_found');

    const user = await getUser(server, 'quiet');
    assert.equal(user.status, 200);
    assert.equal(user.json.online, false);
    assert.deepEqual(user.json.lastView, view);
    const offline = await call(server, 'GET', '/v1/users?status=offline', { headers: server.admin });
    assert.deepEqual(
      offline.json.users.map((u: { id: string }) => u.id),
      ['quiet'],
    );

    await server.rollcall.presence.flushHistory();
    const [entry] = await server.rollcall.history.listSessionLog({ userId: 'quiet' });
    assert.equal(entry?.sessionId, id);
    assert.equal(entry?.endReason, 'expired');
    assert.ok(entry?.endedAt !== undefined && entry.endedAt >= entry.startedAt + 2000, 'ended no earlier than the ttl');
  });

  it('keeps a heartbeating session alive while a quiet one expires', async () => {
    const busy = await open(server, openBody({ user: { id: 'busy', name: 'Busy' } }));
    const quiet = await open(server, openBody({ user: { id: 'quiet', name: 'Quiet' } }));
    await waitFor(
      async () => {
        const beat = await call(server, 'POST', `/v1/sessions/${busy.id}/heartbeat`, { body: {} });
        assert.equal(beat.status, 204, 'the heartbeating session must stay live');
        return (await getSession(server, quiet.id)).status === 404;
      },
      { what: 'the quiet session to expire', intervalMs: 50, timeoutMs: 10_000 },
    );
    assert.equal((await getSession(server, busy.id)).status, 200);
    assert.equal((await getUser(server, 'busy')).json.online, true);
  });

  it('ends a session whose batch heartbeats stopped', async () => {
    const { id } = await open(server, openBody({ user: { id: 'batched', name: 'Batched' } }));
    const answer = await call(server, 'POST', '/v1/heartbeats', { body: { heartbeats: [{ id }] } });
    assert.deepEqual(answer.json, { accepted: 1, unknown: [] });
    await waitFor(async () => (await getSession(server, id)).status === 404, { what: 'expiry after the batch', timeoutMs: 10_000 });
    assert.equal((await getUser(server, 'batched')).json.online, false);
  });
});
