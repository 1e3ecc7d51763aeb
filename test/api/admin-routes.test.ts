// Admin operations over real HTTP: accounts (their command-API permission and password too) and API keys,
// who may use them (admins only; readers 403), secrets shown once, the last admin kept, and ending a
// session as an admin.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, request, requestJson, type Answer } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
});
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const call = (method: string, path: string, headers: Record<string, string> = server.admin, body?: unknown): Promise<Answer> =>
  requestJson(server.url, method, path, headers, body);

async function createAccount(username: string, role: 'admin' | 'reader', password?: string): Promise<Answer> {
  const answer = await call('POST', '/v1/accounts', server.admin, { username, role, ...(password !== undefined && { password }) });
  assert.equal(answer.status, 201, answer.text);
  return answer;
}

describe('accounts', () => {
  it('lists accounts without any password hash', async () => {
    const answer = await call('GET', '/v1/accounts');
    assert.equal(answer.status, 200, answer.text);
    const admin = answer.json.accounts.find((a: { username: string }) => a.username === 'admin');
    assert.deepEqual(Object.keys(admin).sort(), ['commandPermission', 'createdAt', 'id', 'role', 'username']);
    assert.equal(admin.role, 'admin');
    assert.equal(admin.commandPermission, 'full');
    assert.ok(Math.abs(admin.createdAt - Date.now() / 1000) < 300, 'createdAt in Unix seconds');
    assert.doesNotMatch(answer.text, /scrypt|passwordHash/);
  });

  it('creates a reader with a chosen password: it reads, and gets 403 on admin routes', async () => {
    const created = await createAccount('reader1', 'reader', 'reader1-password');
    assert.equal(created.json.username, 'reader1');
    assert.equal(created.json.role, 'reader');
    assert.equal(created.json.commandPermission, 'read_only');
    assert.equal('password' in created.json, false, 'a chosen password is not echoed');
    const reader = basic('reader1', 'reader1-password');
    assert.equal((await call('GET', '/v1/sessions', reader)).status, 200);
    assertError(await call('GET', '/v1/accounts', reader), 403, 'forbidden', /admin/);
  });

  it('generates a password when none is given and answers it this once', async () => {
    const created = await createAccount('generated1', 'admin');
    const password = created.json.password as string;
    assert.match(password, /^[A-Za-z0-9_-]{24}$/);
    assert.equal(
      (await call('GET', '/v1/accounts', basic('generated1', password))).status,
      200,
      'the generated password works, as an admin',
    );
    const again = await call('GET', '/v1/accounts/generated1');
    assert.equal(again.status, 200);
    assert.equal('password' in again.json, false);
    assert.doesNotMatch((await call('GET', '/v1/accounts')).text, new RegExp(password));
  });

  it('takes a command-API permission', async () => {
    const created = await call('POST', '/v1/accounts', server.admin, {
      username: 'denied1',
      role: 'reader',
      password: 'denied1-password',
      commandPermission: 'deny',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.commandPermission, 'deny');
  });

  it('refuses a taken username (409) and invalid bodies (400)', async () => {
    await createAccount('taken1', 'reader', 'taken1-password');
    assertError(await call('POST', '/v1/accounts', server.admin, { username: 'taken1', role: 'reader' }), 409, 'conflict');
    const invalid: [unknown, RegExp][] = [
      [{ username: 'has:colon', role: 'reader' }, /username/],
      [{ username: 'has space', role: 'reader' }, /username/],
      [{ username: 'x'.repeat(65), role: 'reader' }, /username/],
      [{ username: 'short1', role: 'reader', password: 'seven77' }, /password/],
      [{ username: 'role1', role: 'owner' }, /role: must be one of admin, reader/],
      [{ username: 'perm1', role: 'reader', commandPermission: 'some' }, /commandPermission/],
      [{ username: 'extra1', role: 'reader', email: 'x@example.com' }, /unknown field "email"/],
      [{ role: 'reader' }, /username: required/],
    ];
    for (const [body, message] of invalid)
      assertError(await call('POST', '/v1/accounts', server.admin, body), 400, 'invalid_body', message);
    assertError(await call('POST', '/v1/accounts', server.admin), 400, 'invalid_body');
    assertError(
      await request(server.url, 'POST', '/v1/accounts', { headers: { ...server.admin, 'content-type': 'application/xml' }, body: '<x/>' }),
      415,
      'unsupported_media_type',
    );
  });

  it('answers one account, and 404 for an unknown one', async () => {
    await createAccount('single1', 'reader', 'single1-password');
    const answer = await call('GET', '/v1/accounts/single1');
    assert.equal(answer.status, 200);
    assert.equal(answer.json.username, 'single1');
    assertError(await call('GET', '/v1/accounts/nobody'), 404, 'not_found');
  });

  it('removes an account: its password and its keys stop working at once', async () => {
    await createAccount('leaving1', 'reader', 'leaving1-password');
    const key = await call('POST', '/v1/keys', server.admin, { kind: 'api', account: 'leaving1' });
    assert.equal(key.status, 201, key.text);
    assert.equal((await call('GET', '/v1/users', bearer(key.json.key))).status, 200);

    const removed = await call('DELETE', '/v1/accounts/leaving1');
    assert.equal(removed.status, 204, removed.text);
    assert.equal(removed.text, '');
    assertError(await call('GET', '/v1/sessions', basic('leaving1', 'leaving1-password')), 401, 'unauthorized');
    assertError(await call('GET', '/v1/sessions', bearer(key.json.key)), 401, 'unauthorized');
    const listed = (await call('GET', `/v1/keys/${key.json.id}`)).json;
    assert.equal(listed.account, null, 'the key of a removed account names no account');
    assert.equal(typeof listed.revokedAt, 'number');
    assertError(await call('DELETE', '/v1/accounts/leaving1'), 404, 'not_found');
  });

  it('never removes the last admin (409), and removes an admin that is not the last', async () => {
    const fresh = await startTestServer();
    try {
      const remove = (name: string, headers = fresh.admin) => request(fresh.url, 'DELETE', `/v1/accounts/${name}`, { headers });
      assertError(await remove('admin'), 409, 'conflict', /last admin/);
      const second = await request(fresh.url, 'POST', '/v1/accounts', {
        headers: { ...fresh.admin, 'content-type': 'application/json' },
        body: { username: 'second', role: 'admin', password: 'second-password' },
      });
      assert.equal(second.status, 201, second.text);
      // Two concurrent removals of the two admins: exactly one is refused.
      const results = await Promise.all([remove('admin'), remove('second', basic('second', 'second-password'))]);
      assert.deepEqual(results.map((r) => r.status).sort(), [204, 409]);
    } finally {
      await fresh.close();
    }
  });
});

describe("changing an account's permission and password", () => {
  it('sets the command-API permission, which the command API follows at once; 404 and 400 change nothing', async () => {
    await createAccount('perm2', 'reader', 'perm2-password');
    const permissionOf = async () => {
      const answer = await request(server.url, 'GET', '/api/command?username=perm2&password=perm2-password&action=get_api_info');
      return /<perm_command>([^<]*)<\/perm_command>/.exec(answer.text)?.[1] ?? answer.text;
    };
    assert.equal(await permissionOf(), 'read_only');
    const changed = await call('PATCH', '/v1/accounts/perm2', server.admin, { commandPermission: 'full' });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(
      { ...changed.json, id: undefined, createdAt: undefined },
      {
        id: undefined,
        username: 'perm2',
        role: 'reader',
        commandPermission: 'full',
        createdAt: undefined,
      },
    );
    assert.equal(await permissionOf(), 'full');

    assertError(await call('PATCH', '/v1/accounts/ghost', server.admin, { commandPermission: 'deny' }), 404, 'not_found', /ghost/);
    for (const [body, message] of [
      [{ commandPermission: 'some' }, /commandPermission: must be one of full, read_only, deny/],
      [{}, /commandPermission: required/],
      [{ commandPermission: 'deny', role: 'admin' }, /unknown field "role"/],
    ] as const) {
      assertError(await call('PATCH', '/v1/accounts/perm2', server.admin, body), 400, 'invalid_body', message);
    }
    assert.equal((await call('GET', '/v1/accounts/perm2')).json.commandPermission, 'full');
  });

  it('sets a password given, or generates one answered once; the old one stops working at once, keys go on', async () => {
    await createAccount('pw2', 'reader', 'pw2-first-password');
    const key = (await call('POST', '/v1/keys', server.admin, { kind: 'api', account: 'pw2' })).json.key as string;
    const given = await call('POST', '/v1/accounts/pw2/password', server.admin, { password: 'pw2-second-password' });
    assert.equal(given.status, 200, given.text);
    assert.equal(given.json.username, 'pw2');
    assert.equal('password' in given.json, false, 'a chosen password is not echoed');
    assertError(await call('GET', '/v1/sessions', basic('pw2', 'pw2-first-password')), 401, 'unauthorized');
    assert.equal((await call('GET', '/v1/sessions', basic('pw2', 'pw2-second-password'))).status, 200);

    const generated = await request(server.url, 'POST', '/v1/accounts/pw2/password', { headers: server.admin });
    assert.equal(generated.status, 200, generated.text);
    assert.equal(generated.headers.get('cache-control'), 'no-store');
    assert.match(generated.json.password, /^[A-Za-z0-9_-]{24}$/);
    assertError(await call('GET', '/v1/sessions', basic('pw2', 'pw2-second-password')), 401, 'unauthorized');
    assert.equal((await call('GET', '/v1/sessions', basic('pw2', generated.json.password))).status, 200);
    assert.equal((await call('GET', '/v1/sessions', bearer(key))).status, 200, 'its API keys stay valid');

    assertError(await call('POST', '/v1/accounts/ghost/password', server.admin, {}), 404, 'not_found', /ghost/);
    for (const [body, message] of [
      [{ password: 'seven77' }, /password/],
      [{ password: 'long-enough', role: 'admin' }, /unknown field "role"/],
    ] as const) {
      assertError(await call('POST', '/v1/accounts/pw2/password', server.admin, body), 400, 'invalid_body', message);
    }
    assert.equal((await call('GET', '/v1/sessions', basic('pw2', generated.json.password))).status, 200, 'unchanged');
  });
});

describe('API keys', () => {
  it('creates an api key for the caller by default: answered once, reads with Bearer, listed by prefix only', async () => {
    const created = await call('POST', '/v1/keys', server.admin, { kind: 'api', label: 'grafana' });
    assert.equal(created.status, 201, created.text);
    const { key, id, prefix } = created.json;
    assert.match(key, /^rc_api_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.json.account, 'admin');
    assert.equal(created.json.kind, 'api');
    assert.equal(created.json.label, 'grafana');
    assert.ok(key.startsWith(prefix));
    assert.equal('revokedAt' in created.json, false);

    assert.equal((await call('GET', '/v1/sessions', bearer(key))).status, 200);
    // An admin's key may administer.
    assert.equal((await call('GET', '/v1/accounts', bearer(key))).status, 200);

    const list = await call('GET', '/v1/keys');
    assert.equal(list.status, 200);
    const listed = list.json.keys.find((k: { id: number }) => k.id === id);
    assert.deepEqual(listed, { id, kind: 'api', account: 'admin', label: 'grafana', prefix, createdAt: created.json.createdAt });
    assert.doesNotMatch(list.text, new RegExp(key));
    assert.deepEqual((await call('GET', `/v1/keys/${id}`)).json, listed);
  });

  it('creates an ingest key that reports sessions and cannot read', async () => {
    const created = await call('POST', '/v1/keys', server.admin, { kind: 'ingest' });
    assert.equal(created.status, 201, created.text);
    assert.match(created.json.key, /^rc_in_/);
    const opened = await call('POST', '/v1/sessions', bearer(created.json.key), openBody());
    assert.equal(opened.status, 201, opened.text);
    assertError(await call('GET', '/v1/sessions', bearer(created.json.key)), 401, 'unauthorized');
  });

  it('a key of a reader account reads but may not administer; a key may speak for a user', async () => {
    await createAccount('keyreader', 'reader', 'keyreader-password');
    const created = await call('POST', '/v1/keys', server.admin, { kind: 'api', account: 'keyreader', userId: '4145' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.userId, '4145');
    assert.equal(created.json.account, 'keyreader');
    assert.equal((await call('GET', '/v1/stats', bearer(created.json.key))).status, 200);
    assertError(await call('GET', '/v1/keys', bearer(created.json.key)), 403, 'forbidden');
  });

  it('refuses a user for an ingest key, an unknown account, and invalid bodies', async () => {
    assertError(
      await call('POST', '/v1/keys', server.admin, { kind: 'ingest', userId: '1' }),
      400,
      'invalid_parameter',
      /a user id applies to api keys only/,
    );
    assertError(await call('POST', '/v1/keys', server.admin, { kind: 'api', account: 'ghost' }), 404, 'not_found', /ghost/);
    assertError(await call('POST', '/v1/keys', server.admin, { kind: 'root' }), 400, 'invalid_body', /kind: must be one of ingest, api/);
    assertError(await call('POST', '/v1/keys', server.admin, { kind: 'api', secret: 'x' }), 400, 'invalid_body', /unknown field/);
    assertError(await call('POST', '/v1/keys', server.admin, { kind: 'api', label: '' }), 400, 'invalid_body', /label/);
  });

  it('revokes a key: refused from the next request, listed with revokedAt, a second revoke is 404', async () => {
    const created = await call('POST', '/v1/keys', server.admin, { kind: 'api' });
    const { id, key } = created.json;
    assert.equal((await call('GET', '/v1/users', bearer(key))).status, 200);
    const revoked = await call('DELETE', `/v1/keys/${id}`);
    assert.equal(revoked.status, 204, revoked.text);
    assertError(await call('GET', '/v1/users', bearer(key)), 401, 'unauthorized');
    const listed = await call('GET', `/v1/keys/${id}`);
    assert.ok(listed.json.revokedAt >= created.json.createdAt);
    assertError(await call('DELETE', `/v1/keys/${id}`), 404, 'not_found');
    assertError(await call('GET', '/v1/keys/999999'), 404, 'not_found');
    assertError(await call('GET', '/v1/keys/abc'), 400, 'invalid_parameter');
    assertError(await call('DELETE', '/v1/keys/0'), 400, 'invalid_parameter');
  });
});

describe('who may administer', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/v1/accounts'],
    ['POST', '/v1/accounts', { username: 'never', role: 'admin' }],
    ['GET', '/v1/accounts/admin'],
    ['PATCH', '/v1/accounts/admin', { commandPermission: 'deny' }],
    ['POST', '/v1/accounts/admin/password', { password: 'never-this-password' }],
    ['DELETE', '/v1/accounts/admin'],
    ['GET', '/v1/keys'],
    ['POST', '/v1/keys', { kind: 'api' }],
    ['GET', '/v1/keys/1'],
    ['DELETE', '/v1/keys/1'],
  ];

  it('no credentials: 401; the ingest key: 401; a reader account: 403, and nothing changes', async () => {
    await createAccount('onlyreads', 'reader', 'onlyreads-password');
    const before = (await call('GET', '/v1/accounts')).json;
    for (const [method, path, body] of routes) {
      assertError(await call(method, path, {}, body), 401, 'unauthorized');
      assertError(await call(method, path, { authorization: server.ingest.authorization! }, body), 401, 'unauthorized');
      assertError(await call(method, path, basic('onlyreads', 'onlyreads-password'), body), 403, 'forbidden');
    }
    assert.deepEqual((await call('GET', '/v1/accounts')).json, before);
    assert.equal((await call('GET', '/v1/keys/1')).status, 200, 'the first-start key is still there');
  });
});

describe('DELETE /v1/sessions/:id as an admin', () => {
  it("ends anyone's session with reason ended_by_admin and the admin's name; a reader gets 403", async () => {
    const opened = await call('POST', '/v1/sessions', server.ingest, openBody({ user: { id: 'ended-user', name: 'Ended' } }));
    const id = opened.json.id as number;
    await createAccount('cannotend', 'reader', 'cannotend-password');
    assertError(await call('DELETE', `/v1/sessions/${id}`, basic('cannotend', 'cannotend-password')), 403, 'forbidden');
    assert.equal((await call('GET', `/v1/sessions/${id}`)).status, 200, 'still live');

    const ended = await call('DELETE', `/v1/sessions/${id}`, server.admin);
    assert.equal(ended.status, 204, ended.text);
    assertError(await call('GET', `/v1/sessions/${id}`), 404, 'not_found');
    await server.rollcall.presence.flushHistory();
    const [entry] = await server.rollcall.history.listSessionLog({ userId: 'ended-user' });
    assert.equal(entry?.endReason, 'ended_by_admin');
    assert.equal(entry?.endedBy, 'admin');
  });
});
