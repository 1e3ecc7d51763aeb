// Who may use the command API, over real HTTP: legacy username/password parameters (query or form),
// OAuth2 client credentials (POST /oauth2/token, form or JSON, Basic client id and secret) and bearer
// tokens, 30 valid tokens per client, invalidation by a new secret or revocation, and the per-account
// and per-client permission full | read_only | deny.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateClientSecret } from '../../../src/auth/oauth/api-clients.ts';
import type { TestServer } from '../../helpers/server.ts';
import { adminQuery, bearerFor, command, commandForm, createApiClient, DOC_CREDENTIALS, requestToken, startBtServer } from './fixtures.ts';
import { only, textOf } from './xml.ts';

describe('command API authentication', () => {
  let server: TestServer;

  before(async () => {
    server = await startBtServer({ btCacheMs: 0 });
  });
  after(async () => {
    await server.close();
  });

  const permissionWith = async (headers: Record<string, string>, query = 'action=get_api_info'): Promise<string> => {
    const answer = await command(server, query, { headers });
    assert.equal(answer.status, 200);
    if (answer.root.name === 'error') return `error: ${answer.root.text}`;
    return textOf(only(answer.root, 'permissions'), 'perm_command');
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  describe('legacy username and password', () => {
    it('takes them from the query string or a form body', async () => {
      assert.equal(textOf(only((await command(server, `${adminQuery}&action=get_api_info`)).root, 'permissions'), 'perm_command'), 'full');
      const form = await commandForm(server, `${DOC_CREDENTIALS}&action=get_api_info`);
      assert.equal(textOf(only(form.root, 'permissions'), 'perm_command'), 'read_only');
    });

    it('refuses a password given twice instead of guessing which one counts', async () => {
      const answer = await command(server, `username=test&password=test&password=other&action=get_api_info`);
      assert.equal(answer.root.name, 'error');
      assert.match(answer.root.text, /^password: given 2 times/);
    });

    it('follows a permission change at the next request', async () => {
      await server.rollcall.history.setCommandPermission('test', 'full');
      assert.equal(
        textOf(only((await command(server, `${DOC_CREDENTIALS}&action=get_api_info`)).root, 'permissions'), 'perm_command'),
        'full',
      );
      await server.rollcall.history.setCommandPermission('test', 'deny');
      const denied = await command(server, `${DOC_CREDENTIALS}&action=get_connected_clients`);
      assert.equal(denied.root.name, 'error');
      assert.equal(denied.root.text, 'this account is not allowed to use the command API');
      await server.rollcall.history.setCommandPermission('test', 'read_only');
    });
  });

  describe('POST /oauth2/token', () => {
    it('issues a one-hour bearer token for Basic client credentials and a form body', async () => {
      const client = await createApiClient(server, 'full');
      const { response, json } = await requestToken(server, client.basic);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.deepEqual(Object.keys(json), ['access_token', 'token_type', 'expires_in']);
      assert.equal(json['token_type'], 'Bearer');
      assert.equal(json['expires_in'], 3600);
      assert.match(String(json['access_token']), /^\S{32,}$/);
      assert.equal(await permissionWith(bearer(String(json['access_token']))), 'full');
    });

    it("takes the grant as a JSON body too, and reports the client's permission", async () => {
      const client = await createApiClient(server, 'read_only');
      const { response, json } = await requestToken(
        server,
        client.basic,
        JSON.stringify({ grant_type: 'client_credentials' }),
        'application/json',
      );
      assert.equal(response.status, 200, JSON.stringify(json));
      assert.equal(await permissionWith(bearer(String(json['access_token']))), 'read_only');
      // A bearer token answers every action; the legacy parameters are not needed.
      const clients = await command(server, 'action=get_connected_clients', { headers: bearer(String(json['access_token'])) });
      assert.equal(clients.root.name, 'connected_clients');
    });

    it('refuses bad client credentials with 401 invalid_client and a Basic challenge', async () => {
      const client = await createApiClient(server);
      const wrongSecret = `Basic ${Buffer.from(`${client.id}:${generateClientSecret().secret}`).toString('base64')}`;
      const unknownClient = `Basic ${Buffer.from(`0123456789abcdef:${client.secret}`).toString('base64')}`;
      for (const authorization of [wrongSecret, unknownClient, undefined, 'Bearer something', 'Basic bm9jb2xvbg==']) {
        const { response, json } = await requestToken(server, authorization);
        assert.equal(response.status, 401, String(authorization));
        assert.equal(json['error'], 'invalid_client');
        assert.equal(typeof json['error_description'], 'string');
        assert.equal(response.headers.get('www-authenticate'), 'Basic realm="rollcall"');
        assert.ok(!('access_token' in json));
      }
    });

    it('refuses a missing or other grant type with 400', async () => {
      const client = await createApiClient(server);
      const missing = await requestToken(server, client.basic, 'scope=all');
      assert.equal(missing.response.status, 400);
      assert.equal(missing.json['error'], 'invalid_request');
      const password = await requestToken(server, client.basic, 'grant_type=password&username=a&password=b');
      assert.equal(password.response.status, 400);
      assert.equal(password.json['error'], 'unsupported_grant_type');
      const unreadable = await requestToken(server, client.basic, '{not json', 'application/json');
      assert.equal(unreadable.response.status, 400);
      assert.equal(unreadable.json['error'], 'invalid_request');
      const multipart = new FormData();
      multipart.set('grant_type', 'client_credentials');
      const response = await fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: client.basic },
        body: multipart,
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
    });

    it('keeps 30 valid tokens per client: the 31st invalidates the oldest', async () => {
      const client = await createApiClient(server);
      const tokens: string[] = [];
      for (let i = 0; i < 31; i++) tokens.push(await bearerFor(server, client.basic));
      assert.equal(new Set(tokens).size, 31, 'every token is new');
      assert.match(await permissionWith(bearer(tokens[0]!)), /^error: the access token is invalid or has expired/);
      for (const token of [tokens[1]!, tokens[15]!, tokens[30]!]) assert.equal(await permissionWith(bearer(token)), 'read_only');
    });

    it('a new secret invalidates every token and the old secret; revoking does too', async () => {
      const client = await createApiClient(server);
      const first = await bearerFor(server, client.basic);
      const second = await bearerFor(server, client.basic);
      const { secret, secretHash } = generateClientSecret();
      assert.equal(await server.rollcall.history.replaceApiClientSecret(client.id, secretHash), true);
      for (const token of [first, second]) assert.match(await permissionWith(bearer(token)), /^error: the access token is invalid/);
      assert.equal((await requestToken(server, client.basic)).response.status, 401, 'the old secret is refused');
      const renewed = await bearerFor(server, `Basic ${Buffer.from(`${client.id}:${secret}`).toString('base64')}`);
      assert.equal(await permissionWith(bearer(renewed)), 'read_only');

      assert.equal(await server.rollcall.history.revokeApiClient(client.id), true);
      assert.match(await permissionWith(bearer(renewed)), /^error: the access token is invalid/);
      assert.equal((await requestToken(server, `Basic ${Buffer.from(`${client.id}:${secret}`).toString('base64')}`)).response.status, 401);
    });

    it('a client with permission deny gets a token but no command', async () => {
      const client = await createApiClient(server, 'deny');
      const token = await bearerFor(server, client.basic);
      assert.equal(await permissionWith(bearer(token)), 'error: this account is not allowed to use the command API');
    });

    it('an unknown bearer token is a root <error>, never a fallback to other credentials', async () => {
      assert.match(
        await permissionWith(bearer('rc_at_not-a-token'), `${DOC_CREDENTIALS}&action=get_api_info`),
        /^error: the access token is invalid/,
      );
    });
  });
});
