// Structured logs: every answer carries a request id (the caller's when it looks like one), the log
// lines of a request carry the same id, and no secret reaches the log at debug level, wherever a
// caller puts it (Basic, Bearer, X-API-Key, query strings, form and JSON bodies, WebSocket frames) or
// wherever rollcall answers one (generated passwords and keys, resume tokens, OAuth tokens).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { generateClientSecret } from '../../src/auth/oauth/api-clients.ts';
import { request } from '../helpers/http.ts';
import { TEST_ADMIN_PASSWORD, TEST_INGEST_KEY, startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Log lines as objects (pino writes one JSON object per line). */
const logLines = (server: TestServer): Record<string, unknown>[] =>
  server
    .log()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('request ids', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ logLevel: 'debug' }, undefined, { captureLog: true });
  });
  after(async () => {
    await server.close();
  });

  it('answers every request with an x-request-id, errors and unknown routes included', async () => {
    const seen = new Set<string>();
    for (const [path, headers] of [
      ['/healthz', {}],
      ['/v1/sessions', server.admin],
      ['/v1/sessions', {}],
      ['/v1/no-such-route', {}],
      ['/openapi.json', {}],
    ] as const) {
      const answer = await request(server.url, 'GET', path, { headers });
      const id = answer.headers.get('x-request-id');
      assert.match(id ?? '', UUID, `${path} (${answer.status})`);
      seen.add(id!);
    }
    assert.equal(seen.size, 5, 'a fresh id per request');
  });

  it("passes a caller's id through, and its log lines carry it", async () => {
    const mine = 'lb-7f3a.2025:req/42';
    const answer = await request(server.url, 'GET', '/v1/users', { headers: { ...server.admin, 'x-request-id': mine } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('x-request-id'), mine);
    const lines = await waitFor(
      () => {
        const found = logLines(server).filter((line) => line.reqId === mine);
        return found.length >= 2 ? found : undefined;
      },
      { what: 'the request lines' },
    );
    assert.deepEqual(
      lines.map((line) => line.msg),
      ['incoming request', 'request completed'],
    );
    assert.equal((lines[1]!.res as { statusCode: number }).statusCode, 200);
  });

  it('replaces an id that is too long or holds odd characters', async () => {
    for (const given of ['x'.repeat(129), 'has space', 'new\\nline', '<script>', '']) {
      const answer = await request(server.url, 'GET', '/healthz', { headers: { 'x-request-id': given } });
      assert.match(answer.headers.get('x-request-id') ?? '', UUID, JSON.stringify(given));
    }
  });
});

describe('request ids at the default level (info)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ logLevel: 'info' }, undefined, { captureLog: true });
  });
  after(async () => {
    await server.close();
  });

  it('writes no request lines, and the line of a failed request carries the id it answered with', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await request(server.url, 'GET', '/healthz')).status, 200);
    server.rollcall.presence.users = async () => {
      throw new Error('a fault for the log');
    };
    const answer = await request(server.url, 'GET', '/v1/users', { headers: server.admin });
    assert.equal(answer.status, 500);
    const id = answer.headers.get('x-request-id');
    assert.match(id ?? '', UUID);
    const failed = await waitFor(() => logLines(server).find((line) => line.msg === 'request failed'), { what: 'the error line' });
    assert.equal(failed.reqId, id);
    assert.equal((failed.err as { message: string }).message, 'a fault for the log');
    assert.deepEqual(
      logLines(server)
        .filter((line) => line.reqId !== undefined)
        .map((line) => line.msg),
      ['request failed'],
      'only the failed request wrote a line',
    );
  });
});

describe('secrets never logged', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ logLevel: 'debug' }, undefined, { captureLog: true });
  });
  after(async () => {
    await server.close();
  });

  it('at debug level, wherever they travel', async () => {
    const { history } = server.rollcall;
    const secrets: string[] = [TEST_ADMIN_PASSWORD, TEST_INGEST_KEY];
    const json = { 'content-type': 'application/json' };
    const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
      request(server.url, method, path, { headers, ...(body !== undefined && { body }) });

    // An API key, used as Bearer, as X-API-Key, and in the query strings that Clientexec callers use.
    const admin = await history.findAccount('admin');
    const apiKey = generateApiKey('api');
    await history.createApiKey({ kind: 'api', accountId: admin!.id, prefix: apiKey.prefix, hash: apiKey.hash });
    secrets.push(apiKey.key);
    await call('GET', '/v1/sessions', { authorization: `Bearer ${apiKey.key}` });
    await call('GET', '/api/users/usersonline', { 'x-api-key': apiKey.key });
    await call('GET', `/api/users/usersonline?apikey=${apiKey.key}`, {});
    await call('GET', `/api/users/usersonline?key=${apiKey.key}&other=1`, {});
    await call('GET', `/api/users/usersonline?APIKEY=${apiKey.key}`, {});

    // Basic passwords, right and wrong, and accounts made over HTTP (chosen and generated passwords).
    const wrongPassword = 'not-the-password-4711';
    secrets.push(wrongPassword);
    await call('GET', '/v1/users', server.admin);
    await call('GET', '/v1/users', { authorization: `Basic ${Buffer.from(`admin:${wrongPassword}`).toString('base64')}` });
    const chosen = 'chosen-password-0815';
    secrets.push(chosen);
    assert.equal(
      (await call('POST', '/v1/accounts', { ...server.admin, ...json }, { username: 'logged1', role: 'reader', password: chosen })).status,
      201,
    );
    const generated = await call('POST', '/v1/accounts', { ...server.admin, ...json }, { username: 'logged2', role: 'admin' });
    secrets.push(generated.json.password);
    // A body that fails validation is not echoed either.
    const refusedPassword = 'short';
    await call(
      'POST',
      '/v1/accounts',
      { ...server.admin, ...json },
      { username: 'logged3', role: 'reader', password: refusedPassword, x: 1 },
    );

    // Keys made over HTTP, then used.
    const created = await call('POST', '/v1/keys', { ...server.admin, ...json }, { kind: 'ingest' });
    secrets.push(created.json.key);
    const opened = await call('POST', '/v1/sessions', { authorization: `Bearer ${created.json.key}`, ...json }, openBody());
    assert.equal(opened.status, 201, opened.text);
    secrets.push(opened.json.resumeToken);

    // The BeyondTrust command API: username and password in the query and in a form body.
    await call('GET', `/api/command?username=admin&password=${TEST_ADMIN_PASSWORD}&action=get_api_info`, {});
    await call(
      'POST',
      '/api/command.ns',
      { 'content-type': 'application/x-www-form-urlencoded' },
      `action=get_api_info&username=admin&password=${TEST_ADMIN_PASSWORD}`,
    );

    // OAuth2: the client secret in Basic, the token it buys in Bearer and in the query.
    const secret = generateClientSecret();
    await history.createApiClient({ id: 'logclient', permission: 'full', secretHash: secret.secretHash });
    secrets.push(secret.secret);
    const token = await call(
      'POST',
      '/oauth2/token',
      {
        authorization: `Basic ${Buffer.from(`logclient:${secret.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      'grant_type=client_credentials',
    );
    assert.equal(token.status, 200, token.text);
    secrets.push(token.json.access_token);
    await call('GET', '/api/command?action=get_api_info', { authorization: `Bearer ${token.json.access_token}` });
    await call('GET', `/api/command?action=get_api_info&access_token=${token.json.access_token}`, {});

    // A client token in the WebSocket hello frame.
    const clientToken = await server.token({ sub: 'ws-logged', name: 'WS' });
    secrets.push(clientToken);
    const socket = new WebSocket(server.wsUrl);
    await new Promise((resolve) => socket.once('open', resolve));
    const welcome = new Promise<{ resumeToken: string }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
    socket.send(JSON.stringify({ type: 'hello', token: clientToken, session: { clientType: 'web' } }));
    secrets.push((await welcome).resumeToken);
    socket.close();

    // The log is not empty: request lines are there, with ids, and they name the routes.
    await waitFor(() => server.log().includes('/api/command.ns'), { what: 'the last request lines' });
    const lines = logLines(server);
    assert.ok(lines.filter((line) => line.msg === 'incoming request').length >= 15, 'debug request lines are written');
    assert.ok(lines.every((line) => line.msg !== 'incoming request' || typeof line.reqId === 'string'));

    const log = server.log();
    for (const secretValue of secrets) {
      assert.ok(secretValue && secretValue.length >= 8, 'a real secret');
      assert.equal(log.includes(secretValue), false, `a secret reached the log: ${secretValue.slice(0, 6)}…`);
    }
    // Nor its Basic encoding, nor the headers that carry them.
    assert.equal(log.includes(server.admin.authorization!.slice('Basic '.length)), false);
    assert.doesNotMatch(log, /"authorization"|x-api-key/i);
  });
});
