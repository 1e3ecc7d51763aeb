// /v1/oauth-clients over real HTTP: OAuth2 API clients created, listed, given a new secret and revoked,
// with the secret shown once and the effect at POST /oauth2/token and the command API at once; the same
// clients the CLI (`rollcall clients`) manages; who may call it, and bad input changing nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, requestJson, type Answer } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { command, requestToken } from '../dialects/beyondtrust/fixtures.ts';
import { only, textOf } from '../dialects/beyondtrust/xml.ts';
import { runCli } from '../cli/cli-process.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const reader = await call('POST', '/v1/accounts', server.admin, {
    username: 'onlyreads',
    role: 'reader',
    password: 'onlyreads-password',
  });
  assert.equal(reader.status, 201, reader.text);
});
after(async () => {
  await server.close();
});

const call = (method: string, path: string, headers: Record<string, string> = server.admin, body?: unknown): Promise<Answer> =>
  requestJson(server.url, method, path, headers, body);

const basicOf = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** A token for the client's credentials, or the status /oauth2/token refused them with. */
async function tokenFor(id: string, secret: string): Promise<string | number> {
  const { response, json } = await requestToken(server, basicOf(id, secret));
  const { access_token: token } = json as { access_token?: string };
  return response.status === 200 && token !== undefined ? token : response.status;
}

/** What the command API lets a bearer token do, or its error. */
async function permissionOf(token: string): Promise<string> {
  const answer = await command(server, 'action=get_api_info', { headers: { authorization: `Bearer ${token}` } });
  return answer.root.name === 'error' ? `error: ${answer.root.text}` : textOf(only(answer.root, 'permissions'), 'perm_command');
}

async function create(body: unknown): Promise<Answer> {
  const answer = await call('POST', '/v1/oauth-clients', server.admin, body);
  assert.equal(answer.status, 201, answer.text);
  return answer;
}

describe('/v1/oauth-clients', () => {
  it('creates a client: its secret answered once, never listed, and good at /oauth2/token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const created = await create({ permission: 'full', label: 'monitoring' });
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const { id, secret, ...rest } = created.json;
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.match(secret, /^rc_cs_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(Object.keys(rest).sort(), ['createdAt', 'label', 'permission', 'secretCreatedAt']);
    assert.deepEqual([rest.label, rest.permission], ['monitoring', 'full']);
    assert.ok(rest.createdAt >= before && rest.createdAt <= Date.now() / 1000, 'Unix seconds');
    assert.equal(rest.secretCreatedAt, rest.createdAt);

    const list = await call('GET', '/v1/oauth-clients');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.json.clients.find((c: { id: string }) => c.id === id),
      { id, ...rest },
    );
    assert.doesNotMatch(list.text, new RegExp(secret));
    assert.doesNotMatch(list.text, /secret"|secretHash/);

    const token = await tokenFor(id, secret);
    assert.equal(typeof token, 'string');
    assert.equal(await permissionOf(token as string), 'full');
    const unlabelled = await create({ permission: 'read_only' });
    assert.equal('label' in unlabelled.json, false);
    assert.equal(await permissionOf((await tokenFor(unlabelled.json.id, unlabelled.json.secret)) as string), 'read_only');
  });

  it('gives a client a new secret, shown once: the old secret and every token it got stop working at once', async () => {
    const { id, secret: oldSecret, secretCreatedAt } = (await create({ permission: 'read_only' })).json;
    const oldToken = (await tokenFor(id, oldSecret)) as string;
    assert.equal(await permissionOf(oldToken), 'read_only');

    const replaced = await call('POST', `/v1/oauth-clients/${id}/secret`);
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.headers.get('cache-control'), 'no-store');
    assert.equal(replaced.json.id, id);
    assert.notEqual(replaced.json.secret, oldSecret);
    assert.ok(replaced.json.secretCreatedAt >= secretCreatedAt);

    assert.match(await permissionOf(oldToken), /^error: the access token is invalid/);
    assert.equal(await tokenFor(id, oldSecret), 401);
    assert.equal(await permissionOf((await tokenFor(id, replaced.json.secret)) as string), 'read_only');
    assert.doesNotMatch((await call('GET', '/v1/oauth-clients')).text, new RegExp(replaced.json.secret));
  });

  it('revokes a client: its tokens stop working at once, it stays listed with revokedAt, and is gone for later calls (404)', async () => {
    const { id, secret } = (await create({ permission: 'full' })).json;
    const token = (await tokenFor(id, secret)) as string;
    const revoked = await call('DELETE', `/v1/oauth-clients/${id}`);
    assert.equal(revoked.status, 204, revoked.text);
    assert.equal(revoked.text, '');
    assert.match(await permissionOf(token), /^error: the access token is invalid/);
    assert.equal(await tokenFor(id, secret), 401);
    const listed = (await call('GET', '/v1/oauth-clients')).json.clients.find((c: { id: string }) => c.id === id);
    assert.ok(Number.isInteger(listed.revokedAt) && listed.revokedAt >= listed.createdAt);
    assertError(await call('DELETE', `/v1/oauth-clients/${id}`), 404, 'not_found', /no live API client/);
    assertError(await call('POST', `/v1/oauth-clients/${id}/secret`), 404, 'not_found', /no live API client/);
    assertError(await call('POST', '/v1/oauth-clients/0123456789abcdef0123456789abcdef/secret'), 404, 'not_found');
  });

  it('manages the same clients as `rollcall clients`, by the same rules', async () => {
    const cli = await runCli(['clients', 'create', '--permission', 'deny', '--label', 'from the CLI', '--data-dir', server.dataDir]);
    assert.equal(cli.code, 0, cli.stderr);
    const id = /client id: ([0-9a-f]{32})/.exec(cli.stdout)?.[1];
    assert.ok(id, cli.stdout);
    const listed = (await call('GET', '/v1/oauth-clients')).json.clients.find((c: { id: string }) => c.id === id);
    assert.deepEqual([listed?.permission, listed?.label], ['deny', 'from the CLI']);
    assert.equal((await call('DELETE', `/v1/oauth-clients/${id}`)).status, 204);
    const again = await runCli(['clients', 'revoke', id, '--data-dir', server.dataDir]);
    assert.equal(again.stderr, `rollcall: no live API client with id ${id}\n`, 'the same answer the API gave');
    const tooLong = await runCli(['clients', 'create', '--label', 'x'.repeat(257), '--data-dir', server.dataDir]);
    assert.equal(tooLong.code, 1);
    assert.match(tooLong.stderr, /label: 1-256 characters/);
  });

  it('refuses bad bodies and parameters with 400, creating nothing', async () => {
    const before = (await call('GET', '/v1/oauth-clients')).json;
    for (const [body, message] of [
      [{}, /permission: required/],
      [{ permission: 'everything' }, /permission: must be one of full, read_only, deny/],
      [{ permission: 'full', label: '' }, /label/],
      [{ permission: 'full', label: 'x'.repeat(257) }, /label/],
      [{ permission: 'full', secret: 'mine' }, /unknown field "secret"/],
    ] as const) {
      assertError(await call('POST', '/v1/oauth-clients', server.admin, body), 400, 'invalid_body', message);
    }
    assertError(await call('POST', '/v1/oauth-clients', server.admin), 400, 'invalid_body');
    assertError(await call('DELETE', `/v1/oauth-clients/${'a'.repeat(65)}`), 400, 'invalid_parameter');
    assert.deepEqual((await call('GET', '/v1/oauth-clients')).json, before);
  });

  it('is for admins: 401 without credentials or with the ingest key, 403 for a reader, and nothing changes', async () => {
    const { id, secret } = (await create({ permission: 'read_only' })).json;
    const before = (await call('GET', '/v1/oauth-clients')).json;
    const reader = { authorization: `Basic ${Buffer.from('onlyreads:onlyreads-password').toString('base64')}` };
    const routes: [string, string, unknown?][] = [
      ['GET', '/v1/oauth-clients'],
      ['POST', '/v1/oauth-clients', { permission: 'full' }],
      ['POST', `/v1/oauth-clients/${id}/secret`],
      ['DELETE', `/v1/oauth-clients/${id}`],
    ];
    for (const [method, path, body] of routes) {
      assertError(await call(method, path, {}, body), 401, 'unauthorized');
      assertError(await call(method, path, { authorization: server.ingest.authorization! }, body), 401, 'unauthorized');
      assertError(await call(method, path, reader, body), 403, 'forbidden');
    }
    assert.deepEqual((await call('GET', '/v1/oauth-clients')).json, before);
    assert.equal(typeof (await tokenFor(id, secret)), 'string', 'the secret still works');
  });
});
