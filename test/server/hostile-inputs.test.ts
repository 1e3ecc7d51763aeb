// The catalogue of bad inputs from the hardening issue that are answered over HTTP, kept as tests so a
// later change cannot reopen one: other spellings of a session id, `type=all,foo` on the command API,
// and the headers that keep answers from being sniffed, framed, or kept by caches when they hold a
// secret. (Config files, environment and the data dir: test/config and test/server/data-dir; key
// redaction: test/observability/url-for-log; bodies, slow clients and throttling: their own files.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http.ts';
import { openSession } from '../helpers/ingest.ts';
import { openBody } from '../helpers/sessions.ts';
import { TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let id: number;
before(async () => {
  server = await startTestServer();
  id = await openSession(server, openBody());
  assert.equal(id, 1, 'the spellings below are spellings of 1');
});
after(() => server.close());

describe('session ids are plain decimal numbers', () => {
  const spellingsOfOne = ['0x1', '1e0', '+1', '01', '1%20', '%201', '1.0', '0b1'];

  it('on the read route, the ingest routes and the admin end, each other spelling of 1 is a 400', async () => {
    for (const spelling of spellingsOfOne) {
      const calls: [string, string, Record<string, string>, unknown?][] = [
        ['GET', `/v1/sessions/${spelling}`, server.admin],
        ['POST', `/v1/sessions/${spelling}/heartbeat`, { authorization: server.ingest.authorization! }],
        ['PATCH', `/v1/sessions/${spelling}`, server.ingest, { idle: true }],
        ['DELETE', `/v1/sessions/${spelling}`, server.admin],
      ];
      for (const [method, path, headers, body] of calls) {
        const answer = await request(server.url, method, path, { headers, ...(body !== undefined && { body }) });
        assert.equal(answer.status, 400, `${method} ${path}: ${answer.text}`);
        assert.equal(answer.json.error.code, 'invalid_parameter');
        assert.match(answer.json.error.message, /^id: .*decimal/);
      }
    }
    // The plain spelling still works, and the session was not ended by any of the above.
    assert.equal((await request(server.url, 'GET', '/v1/sessions/1', { headers: server.admin })).status, 200);
  });

  it('in query strings too (limit=010 is not 10)', async () => {
    const answer = await request(server.url, 'GET', '/v1/sessions?limit=010', { headers: server.admin });
    assert.equal(answer.status, 400, answer.text);
    assert.equal((await request(server.url, 'GET', '/v1/sessions?limit=10', { headers: server.admin })).status, 200);
  });
});

describe('the command API', () => {
  it('refuses type=all,foo as it refuses type=foo,all', async () => {
    await server.rollcall.history.setCommandPermission('admin', 'full');
    const credentials = `username=admin&password=${TEST_ADMIN_PASSWORD}`;
    for (const type of ['all,foo', 'foo,all', 'representative,all,foo']) {
      const answer = await request(server.url, 'GET', `/api/command?${credentials}&action=get_connected_clients&type=${type}`);
      assert.match(answer.text, /<error>type: &quot;foo&quot; is not a client type/, type);
    }
    const all = await request(server.url, 'GET', `/api/command?${credentials}&action=get_connected_clients&type=all`);
    assert.doesNotMatch(all.text, /<error>/);
  });
});

describe('headers', () => {
  it('/docs has a Content-Security-Policy that allows no other origin and no framing', async () => {
    for (const path of ['/docs', '/docs/', '/docs/static/index.html']) {
      const answer = await request(server.url, 'GET', path);
      if (answer.status >= 300 && answer.status < 400) continue;
      assert.equal(answer.status, 200, path);
      const csp = answer.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.doesNotMatch(csp, /https:|\*|unsafe-eval/, path);
    }
  });

  it('every answer says nosniff: JSON, errors, XML, text and 404s', async () => {
    const answers = await Promise.all([
      request(server.url, 'GET', '/healthz'),
      request(server.url, 'GET', '/v1/users', { headers: server.admin }),
      request(server.url, 'GET', '/v1/users'),
      request(server.url, 'GET', '/no-such-route'),
      request(server.url, 'GET', '/api/command?action=check_health'),
      request(server.url, 'GET', '/api/users/usersonline'),
      request(server.url, 'GET', '/openapi.json'),
    ]);
    for (const answer of answers)
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', `${answer.status} ${answer.text.slice(0, 80)}`);
  });

  it('answers that carry a new secret say Cache-Control: no-store', async () => {
    const json = { ...server.admin, 'content-type': 'application/json' };
    const account = await request(server.url, 'POST', '/v1/accounts', { headers: json, body: { username: 'fresh', role: 'reader' } });
    assert.equal(account.status, 201);
    assert.ok(account.json.password, 'a generated password');
    const key = await request(server.url, 'POST', '/v1/keys', { headers: json, body: { kind: 'api' } });
    assert.equal(key.status, 201);
    const webhook = await request(server.url, 'POST', '/v1/webhooks', {
      headers: json,
      body: { url: 'http://127.0.0.1:9/hook', events: ['user.online'] },
    });
    assert.equal(webhook.status, 201, webhook.text);
    for (const answer of [account, key, webhook]) assert.equal(answer.headers.get('cache-control'), 'no-store', answer.text);
  });
});
