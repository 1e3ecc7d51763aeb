// Refusals of HTTP ingest (specs/INGEST.md): bad input and bad credentials get a clear 4xx error in
// the v1 shape, and change nothing: no session opened, no user remembered.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, TEST_INGEST_KEY, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { request, type Answer } from '../helpers/http.ts';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { signClientToken } from '../../src/auth/client-tokens.ts';
import { CLIENT_TYPES } from '../../src/core/model.ts';

let server: TestServer;

async function call(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers = options.headers ?? (options.body === undefined ? { authorization: server.ingest.authorization! } : server.ingest);
  return request(server.url, method, path, { ...options, headers });
}

const post = (body: unknown, headers?: Record<string, string>) => call('POST', '/v1/sessions', { body, ...(headers && { headers }) });

async function counts(): Promise<{ sessions: number; users: number }> {
  const sessions = await call('GET', '/v1/sessions?limit=1000', { headers: server.admin });
  const users = await call('GET', '/v1/users?status=all', { headers: server.admin });
  assert.equal(sessions.status, 200, sessions.text);
  assert.equal(users.status, 200, users.text);
  return { sessions: sessions.json.sessions.length, users: users.json.count };
}

/** A v1 error with nothing internal in it: no stack frames, no file paths, no module names. */
function assertCleanError(answer: Answer, status: number, code: string, message?: RegExp): string {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(Object.keys(answer.json ?? {}), ['error'], answer.text);
  assert.deepEqual(Object.keys(answer.json.error).sort(), ['code', 'message']);
  assert.equal(answer.json.error.code, code);
  const text: string = answer.json.error.message;
  assert.equal(typeof text, 'string');
  assert.ok(text.length > 0);
  if (message) assert.match(text, message);
  assert.doesNotMatch(answer.text, /\bat \S+ \(|\n\s+at |at async /, 'no stack frames');
  assert.doesNotMatch(answer.text, /\/work\/|\/src\/|node_modules|\.ts:\d|\.js:\d|file:\/\//, 'no internal paths');
  assert.doesNotMatch(answer.text, /FST_|ajv|typebox/i, 'no framework internals');
  return text;
}

/** Sends `body`, expects the refusal, and checks that nothing changed. */
async function refused(body: unknown, status: number, code: string, message?: RegExp, headers?: Record<string, string>) {
  const before = await counts();
  const answer = await post(body, headers);
  const text = assertCleanError(answer, status, code, message);
  assert.deepEqual(await counts(), before, `nothing changes after: ${text}`);
  return text;
}

async function accepted(body: unknown, headers?: Record<string, string>): Promise<number> {
  const answer = await post(body, headers);
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

describe('HTTP ingest validation', () => {
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  describe('unknown fields', () => {
    it('refuses an unknown top-level field, naming it', async () => {
      await refused({ ...openBody(), colour: 'blue' }, 400, 'invalid_body', /unknown field "colour"/);
    });

    it('refuses an unknown nested field, naming it and where it is', async () => {
      const text = await refused({ ...openBody(), user: { id: 'u', name: 'U', foo: 1 } }, 400, 'invalid_body', /unknown field "foo"/);
      assert.match(text, /^user\b/);
      await refused({ ...openBody(), view: { m: 'a', v: 'b', t: 'c', extra: 'x' } }, 400, 'invalid_body', /view.*unknown field "extra"/);
      await refused(
        { ...openBody(), platform: { id: 'a', name: 'b', arch: 'x64' } },
        400,
        'invalid_body',
        /platform.*unknown field "arch"/,
      );
      await refused(
        { ...openBody(), clientType: 'representative', representative: { routingBusy: true, colour: 'red' } },
        400,
        'invalid_body',
        /representative.*unknown field "colour"/,
      );
      await refused(
        { ...openBody(), clientType: 'support_customer', customer: { lsid: 'x', extra: true } },
        400,
        'invalid_body',
        /customer.*unknown field "extra"/,
      );
    });

    it('refuses unknown fields in heartbeats, PATCH and batches', async () => {
      const id = await accepted(openBody());
      assertCleanError(
        await call('POST', `/v1/sessions/${id}/heartbeat`, { body: { idle: true, mood: 'happy' } }),
        400,
        'invalid_body',
        /unknown field "mood"/,
      );
      assertCleanError(
        await call('PATCH', `/v1/sessions/${id}`, { body: { hostnme: 'typo' } }),
        400,
        'invalid_body',
        /unknown field "hostnme"/,
      );
      assertCleanError(
        await call('POST', '/v1/heartbeats', { body: { heartbeats: [{ id, idel: true }] } }),
        400,
        'invalid_body',
        /heartbeats\[0\].*unknown field "idel"/,
      );
      const session = await call('GET', `/v1/sessions/${id}`, { headers: server.admin });
      assert.equal(session.json.idle, false);
      assert.equal(session.json.hostname, 'jack-pc');
      assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204);
    });
  });

  describe('client types and cross-field rules', () => {
    it('refuses an unknown clientType and lists the allowed values', async () => {
      const text = await refused({ ...openBody(), clientType: 'desktop' }, 400, 'invalid_body', /^clientType: must be one of /);
      for (const type of CLIENT_TYPES) assert.ok(text.includes(type), `${type} in "${text}"`);
    });

    it('refuses a missing user or clientType, naming the field', async () => {
      const { user: _user, ...noUser } = openBody();
      await refused(noUser, 400, 'invalid_body', /user: required/);
      const { clientType: _type, ...noType } = openBody();
      await refused(noType, 400, 'invalid_body', /clientType: required/);
      await refused({ ...openBody(), user: { name: 'No Id' } }, 400, 'invalid_body', /user\.id: required/);
      await refused({ ...openBody(), user: { id: '', name: 'Empty Id' } }, 400, 'invalid_body', /user\.id/);
    });

    it('refuses a representative block with a non-representative clientType', async () => {
      for (const clientType of ['web', 'push_agent', 'presentation_attendee'] as const) {
        await refused({ ...openBody(), clientType, representative: { routingBusy: true } }, 400, 'invalid_body', /representative/);
      }
    });

    it('refuses support_customer without a customer block, and a customer block on other types', async () => {
      await refused({ ...openBody(), clientType: 'support_customer' }, 400, 'invalid_body', /customer/);
      await refused({ ...openBody(), clientType: 'web', customer: { lsid: 'abc' } }, 400, 'invalid_body', /customer/);
      await refused(
        { ...openBody(), clientType: 'support_customer', customer: { lsid: 'abc', nonInteractive: 'vnc' } },
        400,
        'invalid_body',
        /nonInteractive.*rdp, shelljump/,
      );
    });

    it('refuses a privateIp that is not an IP address', async () => {
      for (const privateIp of ['not-an-ip', '10.0.0.256', '10.0.0', 'example.com']) {
        await refused({ ...openBody(), privateIp }, 400, 'invalid_body', /privateIp/);
      }
      for (const privateIp of ['10.0.0.12', 'fe80::1', '::1']) {
        const id = await accepted({ ...openBody(), privateIp });
        assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204);
      }
    });
  });

  describe('length limits', () => {
    const cases: { field: string; limit: number; body: (value: string) => unknown; path: RegExp }[] = [
      { field: 'userAgent', limit: 512, body: (v) => ({ ...openBody(), userAgent: v }), path: /^userAgent:/ },
      { field: 'user.name', limit: 256, body: (v) => ({ ...openBody(), user: { id: 'len', name: v } }), path: /^user\.name:/ },
      { field: 'user.id', limit: 128, body: (v) => ({ ...openBody(), user: { id: v, name: 'N' } }), path: /^user\.id:/ },
      {
        field: 'user.email',
        limit: 256,
        body: (v) => ({ ...openBody(), user: { id: 'len', name: 'N', email: v } }),
        path: /^user\.email:/,
      },
      { field: 'user.type', limit: 32, body: (v) => ({ ...openBody(), user: { id: 'len', name: 'N', type: v } }), path: /^user\.type:/ },
      { field: 'view.m', limit: 128, body: (v) => ({ ...openBody(), view: { m: v, v: 'v', t: 't' } }), path: /^view\.m:/ },
      { field: 'view.v', limit: 128, body: (v) => ({ ...openBody(), view: { m: 'm', v, t: 't' } }), path: /^view\.v:/ },
      { field: 'view.t', limit: 128, body: (v) => ({ ...openBody(), view: { m: 'm', v: 'v', t: v } }), path: /^view\.t:/ },
      { field: 'hostname', limit: 256, body: (v) => ({ ...openBody(), hostname: v }), path: /^hostname:/ },
      { field: 'platform.name', limit: 128, body: (v) => ({ ...openBody(), platform: { id: 'p', name: v } }), path: /^platform\.name:/ },
    ];
    for (const { field, limit, body, path } of cases) {
      it(`accepts ${field} of ${limit} characters and refuses ${limit + 1}`, async () => {
        const id = await accepted(body('a'.repeat(limit)));
        const session = await call('GET', `/v1/sessions/${id}`, { headers: server.admin });
        const stored = field.split('.').reduce((value: any, key) => value?.[key], session.json);
        assert.equal(stored, 'a'.repeat(limit), `${field} stored whole`);
        assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204);
        await refused(body('a'.repeat(limit + 1)), 400, 'invalid_body', path);
      });
    }

    it('counts characters, not bytes, against a limit', async () => {
      const id = await accepted({ ...openBody(), user: { id: 'unicode', name: 'é'.repeat(256) } });
      assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204);
    });

    it('refuses a whole body over 16 KiB with 413', async () => {
      const big = { ...openBody(), hostname: 'h', padding: 'x'.repeat(16 * 1024) };
      await refused(big, 413, 'payload_too_large');
      // Over the limit even though each field alone would be fine is still 413, not a partial open.
      await refused(JSON.stringify(openBody()).padEnd(16 * 1024 + 1, ' '), 413, 'payload_too_large');
    });

    it('accepts a body just under 16 KiB', async () => {
      const text = JSON.stringify(openBody());
      const id = await accepted(text.padEnd(16 * 1024, ' '));
      assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204);
    });
  });

  describe('refused updates', () => {
    it('PATCH and heartbeat refusals leave the session as it was', async () => {
      const web = await accepted(openBody({ user: { id: 'patchy', name: 'Patchy' } }));
      const before = (await call('GET', `/v1/sessions/${web}`, { headers: server.admin })).json;
      const bad: [string, string, unknown, RegExp][] = [
        ['PATCH', `/v1/sessions/${web}`, { representative: { routingBusy: true } }, /representative/],
        ['PATCH', `/v1/sessions/${web}`, { customer: { lsid: 'x' } }, /customer/],
        ['PATCH', `/v1/sessions/${web}`, { privateIp: 'nope', hostname: 'changed' }, /privateIp/],
        ['PATCH', `/v1/sessions/${web}`, { hostname: 'h'.repeat(257) }, /hostname/],
        ['PATCH', `/v1/sessions/${web}`, { idle: 'yes' }, /idle/],
        ['PATCH', `/v1/sessions/${web}`, { user: { name: '' } }, /user\.name/],
        ['POST', `/v1/sessions/${web}/heartbeat`, { idle: 'true' }, /idle/],
        ['POST', `/v1/sessions/${web}/heartbeat`, { view: { m: 'a', v: 'b' } }, /view\.t: required/],
        ['POST', `/v1/sessions/${web}/heartbeat`, { view: { m: 'x'.repeat(129), v: 'b', t: 'c' } }, /view\.m/],
        ['POST', '/v1/heartbeats', { heartbeats: [{ id: web, idle: 'true' }] }, /heartbeats\[0\]\.idle/],
        ['POST', '/v1/heartbeats', { heartbeats: [{ id: 0 }] }, /heartbeats\[0\]\.id/],
        ['POST', '/v1/heartbeats', { beats: [] }, /heartbeats: required|unknown field "beats"/],
        ['POST', '/v1/heartbeats', [{ id: web }], /./],
      ];
      for (const [method, path, body, message] of bad) {
        assertCleanError(await call(method, path, { body }), 400, 'invalid_body', message);
      }
      assert.deepEqual((await call('GET', `/v1/sessions/${web}`, { headers: server.admin })).json, before);
      assert.equal((await call('DELETE', `/v1/sessions/${web}`)).status, 204);
    });
  });

  describe('types and syntax', () => {
    it('accepts timezone offsets at both ends of the range', async () => {
      for (const timezoneOffset of [-50_400, 50_400, 0]) {
        const id = await accepted({ ...openBody(), timezoneOffset });
        assert.equal((await call('GET', `/v1/sessions/${id}`, { headers: server.admin })).json.timezoneOffset, timezoneOffset);
        assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204);
      }
      await refused({ ...openBody(), timezoneOffset: -50_401 }, 400, 'invalid_body', /^timezoneOffset:/);
    });

    it('refuses wrong types without coercing them', async () => {
      await refused({ ...openBody(), timezoneOffset: '-18000' }, 400, 'invalid_body', /^timezoneOffset:/);
      await refused({ ...openBody(), timezoneOffset: 1.5 }, 400, 'invalid_body', /^timezoneOffset:/);
      await refused({ ...openBody(), timezoneOffset: 50_401 }, 400, 'invalid_body', /^timezoneOffset:/);
      await refused({ ...openBody(), idle: 'true' }, 400, 'invalid_body', /^idle:/);
      await refused({ ...openBody(), idle: 1 }, 400, 'invalid_body', /^idle:/);
      await refused({ ...openBody(), user: { id: 4145, name: 'Number Id' } }, 400, 'invalid_body', /^user\.id:/);
      await refused({ ...openBody(), view: 'support' }, 400, 'invalid_body', /^view:/);
      await refused(
        { ...openBody(), clientType: 'representative', representative: { supportSessionLsids: 'abc' } },
        400,
        'invalid_body',
        /supportSessionLsids/,
      );
      await refused(
        {
          ...openBody(),
          clientType: 'representative',
          representative: { supportSessionLsids: Array.from({ length: 101 }, (_, i) => `l${i}`) },
        },
        400,
        'invalid_body',
        /supportSessionLsids: at most 100 items/,
      );
      await refused([openBody()], 400, 'invalid_body');
      await refused('null', 400, 'invalid_body');
    });

    it('refuses invalid JSON with 400', async () => {
      await refused('{"user": {"id": "x", "name": "y"}, "clientType": "web"', 400, 'invalid_body', /JSON/);
      await refused('{user: 1}', 400, 'invalid_body', /JSON/);
      await refused("{'clientType':'web'}", 400, 'invalid_body', /JSON/);
      await refused('', 400, 'invalid_body');
    });

    it('refuses a prototype-polluting body', async () => {
      await refused('{"__proto__": {"admin": true}, "user": {"id": "p", "name": "P"}, "clientType": "web"}', 400, 'invalid_body');
    });

    it('refuses a body that is not JSON', async () => {
      const before = await counts();
      const answer = await post('user=1&clientType=web', {
        authorization: server.ingest.authorization!,
        'content-type': 'application/x-www-form-urlencoded',
      });
      assertCleanError(answer, 415, 'unsupported_media_type');
      assert.deepEqual(await counts(), before);
    });
  });

  describe('credentials', () => {
    it('refuses a request without Authorization (401)', async () => {
      const answer = await post(openBody(), { 'content-type': 'application/json' });
      assertCleanError(answer, 401, 'unauthorized');
      assert.ok(answer.headers.get('www-authenticate'), 'a 401 names how to authenticate');
      await refused(openBody(), 401, 'unauthorized', undefined, { 'content-type': 'application/json' });
    });

    it('refuses a wrong ingest key (401)', async () => {
      await refused(openBody(), 401, 'unauthorized', undefined, bearer('not-the-ingest-key-0123456789'));
      await refused(openBody(), 401, 'unauthorized', undefined, bearer(`${TEST_INGEST_KEY}x`));
      await refused(openBody(), 401, 'unauthorized', undefined, { authorization: TEST_INGEST_KEY, 'content-type': 'application/json' });
      await refused(openBody(), 401, 'unauthorized', undefined, { ...server.admin, 'content-type': 'application/json' });
    });

    it('refuses a read API key for reporting (401)', async () => {
      const admin = await server.rollcall.history.findAccount('admin');
      assert.ok(admin);
      const key = generateApiKey('api');
      await server.rollcall.history.createApiKey({ kind: 'api', accountId: admin.id, prefix: key.prefix, hash: key.hash });
      await refused(openBody(), 401, 'unauthorized', undefined, bearer(key.key));
    });

    it('refuses a wrong key on heartbeat, PATCH and DELETE, changing nothing', async () => {
      const id = await accepted(openBody());
      assertCleanError(
        await call('POST', `/v1/sessions/${id}/heartbeat`, { body: { idle: true }, headers: bearer('wrong-key-0123456789abcdef') }),
        401,
        'unauthorized',
      );
      assertCleanError(
        await call('PATCH', `/v1/sessions/${id}`, { body: { hostname: 'x' }, headers: bearer('wrong-key-0123456789abcdef') }),
        401,
        'unauthorized',
      );
      assertCleanError(
        await call('DELETE', `/v1/sessions/${id}`, { headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } }),
        401,
        'unauthorized',
      );
      const session = await call('GET', `/v1/sessions/${id}`, { headers: server.admin });
      assert.equal(session.json.idle, false);
      assert.equal(session.json.hostname, 'jack-pc');
      assert.equal((await call('DELETE', `/v1/sessions/${id}`)).status, 204);
    });
  });
});

describe('HTTP ingest with client tokens', () => {
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(async () => {
    // Each test starts with no live sessions.
    for (const s of (await call('GET', '/v1/sessions?limit=1000', { headers: server.admin })).json.sessions) {
      await call('DELETE', `/v1/sessions/${s.id}`);
    }
  });

  it('opens a session for its own user, taking the user fields from the claims', async () => {
    const token = await server.token({ sub: 'tok-user', name: 'Token Name', email: 'token@example.com', utype: 'staff' });
    const id = await accepted({ user: { id: 'tok-user', name: 'Body Name' }, clientType: 'web' }, bearer(token));
    const session = await call('GET', `/v1/sessions/${id}`, { headers: server.admin });
    assert.deepEqual(session.json.user, { id: 'tok-user', name: 'Token Name', email: 'token@example.com', type: 'staff' });
    const user = await call('GET', '/v1/users/tok-user', { headers: server.admin });
    assert.equal(user.json.online, true);
    assert.equal(user.json.name, 'Token Name');
  });

  it('keeps body fields the claims do not name', async () => {
    const token = await server.token({ sub: 'tok-min' });
    const id = await accepted({ user: { id: 'tok-min', name: 'From Body', username: 'fb' }, clientType: 'web' }, bearer(token));
    const session = await call('GET', `/v1/sessions/${id}`, { headers: server.admin });
    assert.deepEqual(session.json.user, { id: 'tok-min', name: 'From Body', username: 'fb', type: 'customer' });
  });

  it('refuses (403) a body that names another user', async () => {
    const token = await server.token({ sub: 'alice', name: 'Alice' });
    await refused({ user: { id: 'bob', name: 'Bob' }, clientType: 'web' }, 403, 'forbidden', /user\.id/, bearer(token));
  });

  it('refuses (403) a client type the token does not allow, and accepts one it does', async () => {
    const webOnly = await server.token({ sub: 'carol', name: 'Carol' });
    await refused({ user: { id: 'carol', name: 'Carol' }, clientType: 'push_agent' }, 403, 'forbidden', /clientType.*web/, bearer(webOnly));
    await refused({ user: { id: 'carol', name: 'Carol' }, clientType: 'representative' }, 403, 'forbidden', /clientType/, bearer(webOnly));

    const agent = await server.token({ sub: 'carol', name: 'Carol', ctypes: ['push_agent'] });
    const id = await accepted({ user: { id: 'carol', name: 'Carol' }, clientType: 'push_agent' }, bearer(agent));
    assert.equal((await call('GET', `/v1/sessions/${id}`, { headers: server.admin })).json.clientType, 'push_agent');
    await refused({ user: { id: 'carol', name: 'Carol' }, clientType: 'web' }, 403, 'forbidden', /clientType.*push_agent/, bearer(agent));
  });

  it('refuses an expired token (401)', async () => {
    const expired = await server.token({ sub: 'dave', name: 'Dave' }, -10);
    await refused({ user: { id: 'dave', name: 'Dave' }, clientType: 'web' }, 401, 'unauthorized', /expired/, bearer(expired));
  });

  it('refuses a forged token signed with another secret (401)', async () => {
    const forged = await signClientToken(
      'another-secret-that-is-long-enough-0123456789',
      { sub: 'eve', name: 'Eve', ctypes: ['representative'] },
      600,
    );
    await refused({ user: { id: 'eve', name: 'Eve' }, clientType: 'web' }, 401, 'unauthorized', /invalid/, bearer(forged));
  });

  it('refuses a token whose payload was altered (401)', async () => {
    const token = await server.token({ sub: 'frank', name: 'Frank' });
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    await refused(
      { user: { id: 'admin', name: 'Admin' }, clientType: 'web' },
      401,
      'unauthorized',
      undefined,
      bearer(`${header}.${payload}.${signature}`),
    );
  });

  it('cannot heartbeat, update or close another user’s session (404), and can its own', async () => {
    const bobs = await accepted({ user: { id: 'bob', name: 'Bob' }, clientType: 'web', view: { m: 'a', v: 'b', t: 'c' } });
    const alice = await server.token({ sub: 'alice', name: 'Alice' });
    const asAlice = bearer(alice);

    assertCleanError(
      await call('POST', `/v1/sessions/${bobs}/heartbeat`, { body: { idle: true, view: { m: 'x', v: 'y', t: 'z' } }, headers: asAlice }),
      404,
      'not_found',
    );
    assertCleanError(
      await call('POST', `/v1/sessions/${bobs}/heartbeat`, { headers: { authorization: asAlice.authorization } }),
      404,
      'not_found',
    );
    assertCleanError(await call('PATCH', `/v1/sessions/${bobs}`, { body: { hostname: 'hijacked' }, headers: asAlice }), 404, 'not_found');
    assertCleanError(await call('DELETE', `/v1/sessions/${bobs}`, { headers: { authorization: asAlice.authorization } }), 404, 'not_found');

    const session = await call('GET', `/v1/sessions/${bobs}`, { headers: server.admin });
    assert.equal(session.status, 200);
    assert.equal(session.json.idle, false);
    assert.deepEqual(session.json.view, { m: 'a', v: 'b', t: 'c' });
    assert.equal(session.json.hostname, undefined);

    const own = await accepted({ user: { id: 'alice', name: 'Alice' }, clientType: 'web' }, asAlice);
    assert.equal((await call('POST', `/v1/sessions/${own}/heartbeat`, { body: { idle: true }, headers: asAlice })).status, 204);
    const patched = await call('PATCH', `/v1/sessions/${own}`, { body: { hostname: 'alice-pc' }, headers: asAlice });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.hostname, 'alice-pc');
    assertCleanError(
      await call('PATCH', `/v1/sessions/${own}`, { body: { user: { name: 'Mallory' } }, headers: asAlice }),
      403,
      'forbidden',
    );
    assert.equal((await call('DELETE', `/v1/sessions/${own}`, { headers: { authorization: asAlice.authorization } })).status, 204);
  });
});

describe('a configured ingest key', () => {
  it('works whatever characters it has, or is refused when the config is loaded', async () => {
    // The config accepts any ingest key of 16+ characters. A key shaped like "a.b.c" must not be
    // accepted at start and then refused on every request (it would be taken for a client token).
    const dottedKey = 'team.prod.ingest-key-2024';
    let dotted: TestServer;
    try {
      dotted = await startTestServer({ ingestKey: dottedKey });
    } catch (error) {
      assert.match(String(error), /ingestKey/);
      return;
    }
    try {
      const answer = await fetch(`${dotted.url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dottedKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(openBody()),
      });
      assert.equal(answer.status, 201, await answer.text());
    } finally {
      await dotted.close();
    }
  });
});
