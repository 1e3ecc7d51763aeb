// /v1/webhooks: managing subscriptions and redelivering their deliveries over HTTP, admin only. (The
// worker sending a redelivery to a real receiver: delivery.test.ts.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('webhook subscriptions API', () => {
  let server: TestServer;
  let json: Record<string, string>;
  let readerHeaders: Record<string, string>;
  let adminKey: Record<string, string>;

  before(async () => {
    server = await startTestServer();
    json = { ...server.admin, 'content-type': 'application/json' };
    const { history } = server.rollcall;
    await history.createAccount({ username: 'viewer', role: 'reader', passwordHash: await hashPassword('viewer-password') });
    readerHeaders = { authorization: `Basic ${Buffer.from('viewer:viewer-password').toString('base64')}` };
    const admin = await history.findAccount('admin');
    const key = generateApiKey('api');
    await history.createApiKey({ kind: 'api', accountId: admin!.id, prefix: key.prefix, hash: key.hash });
    adminKey = { authorization: `Bearer ${key.key}` };
  });
  after(async () => {
    await server.close();
  });

  it('creates a subscription with a generated secret shown once, then lists and shows it without the secret', async () => {
    const before = Math.floor(Date.now() / 1000);
    const created = await request(server.url, 'POST', '/v1/webhooks', {
      headers: json,
      body: { url: 'http://127.0.0.1:9/hook', events: ['user.online', 'user.offline'] },
    });
    assert.equal(created.status, 201, created.text);
    const { id, secret, ...rest } = created.json;
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.ok(Number.isInteger(id));
    assert.deepEqual(rest, {
      url: 'http://127.0.0.1:9/hook',
      events: ['user.online', 'user.offline'],
      active: true,
      createdAt: rest.createdAt,
    });
    assert.ok(rest.createdAt >= before && rest.createdAt <= Date.now() / 1000);

    const one = await request(server.url, 'GET', `/v1/webhooks/${id}`, { headers: server.admin });
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, { id, ...rest });
    const listed = await request(server.url, 'GET', '/v1/webhooks', { headers: adminKey });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.json.webhooks.find((w: { id: number }) => w.id === id),
      { id, ...rest },
    );
    assert.ok(!listed.text.includes(secret), 'the secret is never listed');
  });

  it('keeps a secret that is given, and drops duplicate event types', async () => {
    const created = await request(server.url, 'POST', '/v1/webhooks', {
      headers: json,
      body: { url: 'https://hooks.example.test/x?y=1', events: ['session.ended'], secret: 'my-own-secret-0123456789' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.secret, 'my-own-secret-0123456789');
    assert.equal(created.json.url, 'https://hooks.example.test/x?y=1');
    const stored = await server.rollcall.history.getWebhook(created.json.id);
    assert.equal(stored?.secret, 'my-own-secret-0123456789');
  });

  it('refuses bad URLs, event types, secrets and unknown fields with 400', async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: 'ftp://example.test/x', events: ['user.online'] }, /^url: must use http or https$/],
      [{ url: 'not a url', events: ['user.online'] }, /^url: must be an absolute http or https URL$/],
      [{ url: 'http://x.test/', events: ['user.away'] }, /^events\[0\]: must be one of session\.started, /],
      [{ url: 'http://x.test/', events: [] }, /^events: /],
      [{ url: 'http://x.test/', events: ['user.online', 'user.online'] }, /^events: /],
      [{ url: 'http://x.test/', events: ['user.online'], secret: 'short' }, /^secret: /],
      [{ url: 'http://x.test/', events: ['user.online'], secret: 'with a space in it, long enough' }, /^secret: /],
      [{ url: 'http://x.test/', events: ['user.online'], active: false }, /unknown field "active"/],
      [{ events: ['user.online'] }, /^url: required$/],
    ];
    for (const [body, message] of cases) {
      const answer = await request(server.url, 'POST', '/v1/webhooks', { headers: json, body });
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.text}`);
      assert.match(answer.json.error.message, message, JSON.stringify(body));
    }
  });

  it('changes, lists deliveries of, and removes a subscription; unknown ids are 404', async () => {
    const created = await request(server.url, 'POST', '/v1/webhooks', {
      headers: json,
      body: { url: 'http://127.0.0.1:9/a', events: ['user.online'] },
    });
    const { id } = created.json;
    const changed = await request(server.url, 'PATCH', `/v1/webhooks/${id}`, {
      headers: json,
      body: { url: 'http://127.0.0.1:9/b', events: ['session.started', 'session.ended'], active: false },
    });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(
      [changed.json.url, changed.json.events, changed.json.active],
      ['http://127.0.0.1:9/b', ['session.started', 'session.ended'], false],
    );
    assert.equal((await request(server.url, 'PATCH', `/v1/webhooks/${id}`, { headers: json, body: {} })).status, 400, 'an empty change');
    assert.equal(
      (await request(server.url, 'PATCH', `/v1/webhooks/${id}`, { headers: json, body: { url: 'file:///etc/passwd' } })).status,
      400,
    );

    const none = await request(server.url, 'GET', `/v1/webhooks/${id}/deliveries?status=pending&limit=5`, { headers: server.admin });
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.json, { deliveries: [] });
    assert.equal((await request(server.url, 'GET', `/v1/webhooks/${id}/deliveries?status=lost`, { headers: server.admin })).status, 400);

    const removed = await request(server.url, 'DELETE', `/v1/webhooks/${id}`, { headers: server.admin });
    assert.equal(removed.status, 204);
    assert.equal(removed.text, '');
    for (const [method, path] of [
      ['GET', `/v1/webhooks/${id}`],
      ['DELETE', `/v1/webhooks/${id}`],
      ['GET', `/v1/webhooks/${id}/deliveries`],
    ] as const) {
      const answer = await request(server.url, method, path, { headers: server.admin });
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.equal(answer.json.error.message, `no webhook subscription ${id}`);
    }
    const patched = await request(server.url, 'PATCH', `/v1/webhooks/${id}`, { headers: json, body: { active: true } });
    assert.equal(patched.status, 404);
    assert.equal((await request(server.url, 'GET', '/v1/webhooks/abc', { headers: server.admin })).status, 400);
  });

  it('redelivers only deliveries it has: 404 for an unknown subscription or delivery, or one of another subscription', async () => {
    const created = async (url: string) =>
      (await request(server.url, 'POST', '/v1/webhooks', { headers: json, body: { url, events: ['user.online'] } })).json.id as number;
    // Inactive subscriptions get no new deliveries: put one in the outbox by hand, and finish it.
    const mine = await created('http://127.0.0.1:9/mine');
    const theirs = await created('http://127.0.0.1:9/theirs');
    const { history } = server.rollcall;
    await history.updateWebhook(mine, { active: false });
    await history.enqueueWebhookDeliveries([
      { id: 'mine-1', subscriptionId: mine, eventType: 'user.online', payload: '{}', createdAt: 1_000 },
    ]);
    await history.expireWebhookDeliveries(2_000, 2_000, 'gave up');
    const path = (subscription: number, delivery: string) => `/v1/webhooks/${subscription}/deliveries/${delivery}/redeliver`;
    const post = (p: string, headers = server.admin) => request(server.url, 'POST', p, { headers });

    for (const [p, message] of [
      [path(theirs, 'mine-1'), `webhook subscription ${theirs} has no delivery mine-1`],
      [path(mine, 'nope'), `webhook subscription ${mine} has no delivery nope`],
      [path(987_654, 'mine-1'), 'no webhook subscription 987654'],
    ] as const) {
      const answer = await post(p);
      assert.equal(answer.status, 404, `${p}: ${answer.text}`);
      assert.equal(answer.json.error.message, message);
    }
    assert.equal((await post(path(mine, 'x'.repeat(65)))).status, 400);
    assert.equal((await post(path(0, 'mine-1'))).status, 400);

    // A reader, or no credentials: nothing changes.
    assert.equal((await post(path(mine, 'mine-1'), readerHeaders)).status, 403);
    assert.equal((await post(path(mine, 'mine-1'), {})).status, 401);
    assert.equal((await history.listWebhookDeliveries(mine))[0]?.status, 'failed');

    const answer = await post(path(mine, 'mine-1'), adminKey);
    assert.equal(answer.status, 202, answer.text);
    assert.equal(answer.json.status, 'pending');
    assert.equal((await post(path(mine, 'mine-1'))).status, 409, 'pending now: it waits for its subscription to be active');
  });

  it('is for admins only: 401 without credentials or with the ingest key, 403 for a reader', async () => {
    for (const [method, path] of [
      ['GET', '/v1/webhooks'],
      ['POST', '/v1/webhooks'],
      ['GET', '/v1/webhooks/1'],
      ['PATCH', '/v1/webhooks/1'],
      ['DELETE', '/v1/webhooks/1'],
      ['GET', '/v1/webhooks/1/deliveries'],
      ['POST', '/v1/webhooks/1/deliveries/d1/redeliver'],
    ] as const) {
      assert.equal((await request(server.url, method, path)).status, 401, `${method} ${path} without credentials`);
      assert.equal((await request(server.url, method, path, { headers: { authorization: server.ingest.authorization! } })).status, 401);
      const reader = await request(server.url, method, path, { headers: readerHeaders });
      assert.equal(reader.status, 403, `${method} ${path} as a reader`);
      assert.equal(reader.json.error.code, 'forbidden');
    }
  });
});
