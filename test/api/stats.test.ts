// GET /v1/stats over real HTTP: counts by client type, user type and node, online users, sessions
// started and ended recently, and the samples a fast sampler writes. The window edges are tested with
// a moved clock in test/core/stats.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';
import { request, type Answer } from '../helpers/http.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

/** Milliseconds between samples: fast enough to watch several within a test. */
const SAMPLE_MS = 100;
let server: TestServer;

before(async () => {
  server = await startTestServer({ statsSampleMs: SAMPLE_MS });
});
after(async () => {
  await server.close();
});

const stats = async (headers: Record<string, string> = server.admin): Promise<Answer> =>
  request(server.url, 'GET', '/v1/stats', { headers });

async function open(overrides: Partial<OpenSessionBody>): Promise<number> {
  const answer = await request(server.url, 'POST', '/v1/sessions', { headers: server.ingest, body: openBody(overrides) });
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

async function close(id: number): Promise<void> {
  const answer = await request(server.url, 'DELETE', `/v1/sessions/${id}`, { headers: { authorization: server.ingest.authorization! } });
  assert.equal(answer.status, 204, answer.text);
}

describe('GET /v1/stats', () => {
  it('needs a reader: 401 without credentials, 200 for a reader account', async () => {
    const refused = await stats({});
    assert.equal(refused.status, 401);
    assert.equal(refused.json.error.code, 'unauthorized');
    await server.rollcall.history.createAccount({
      username: 'stats-reader',
      role: 'reader',
      passwordHash: await hashPassword('reader-password'),
    });
    const basic = `Basic ${Buffer.from('stats-reader:reader-password').toString('base64')}`;
    assert.equal((await stats({ authorization: basic })).status, 200);
  });

  it('answers zeros on a fresh server, and a first sample taken at start', async () => {
    const answer = await stats();
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json.sessions, { total: 0, byClientType: {}, byUserType: {}, byNode: {} });
    assert.deepEqual(answer.json.users, { online: 0 });
    assert.deepEqual(answer.json.activity, { lastMinute: { started: 0, ended: 0 }, lastHour: { started: 0, ended: 0 } });
    const first = await waitFor(async () => (await stats()).json.samples.hour[0], { what: 'the first sample' });
    assert.deepEqual(Object.keys(first).sort(), ['at', 'onlineUsers', 'sessions']);
    assert.equal(first.onlineUsers, 0);
    assert.ok(Math.abs(first.at - Date.now() / 1000) < 60, 'at is in Unix seconds');
  });

  it('counts live sessions by client type, user type and node, online users, and recent starts and ends', async () => {
    const node = server.rollcall.presence.nodeId;
    const rep = await open({ user: { id: 'ann', name: 'Ann', type: 'staff' }, clientType: 'representative' });
    await open({ user: { id: 'ann', name: 'Ann', type: 'staff' }, clientType: 'web' });
    await open({ user: { id: 'cy', name: 'Cy', type: 'customer' }, clientType: 'support_customer', customer: { lsid: 'l-1' } });
    const gone = await open({ user: { id: 'dee', name: 'Dee' }, clientType: 'web' });
    await close(gone);
    await close(rep);
    await open({ user: { id: 'eve', name: 'Eve', type: 'system' }, clientType: 'push_agent' });

    const answer = await stats();
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.json.sessions, {
      total: 3,
      byClientType: { web: 1, support_customer: 1, push_agent: 1 },
      byUserType: { staff: 1, customer: 1, system: 1 },
      byNode: { [node]: 3 },
    });
    assert.deepEqual(answer.json.users, { online: 3 });
    // The previous tests of this file started nothing; everything here happened within the minute.
    assert.deepEqual(answer.json.activity, { lastMinute: { started: 5, ended: 2 }, lastHour: { started: 5, ended: 2 } });
  });

  it('samples every statsSampleMs: the hour series follows who is online', async () => {
    const before = (await stats()).json;
    const online = before.users.online as number;
    const sessions = before.sessions.total as number;
    await open({ user: { id: 'sampled', name: 'Sampled', type: 'staff' }, clientType: 'web' });
    const latest = await waitFor(
      async () => {
        const sample = (await stats()).json.samples.hour.at(-1);
        return sample?.onlineUsers === online + 1 && sample?.sessions === sessions + 1 ? sample : undefined;
      },
      { what: 'a sample with the new session' },
    );
    assert.ok(latest.at <= Math.floor(Date.now() / 1000));

    const { hour, day } = (await stats()).json.samples;
    assert.ok(hour.length >= 2, `several samples so far: ${hour.length}`);
    for (let i = 1; i < hour.length; i++) assert.ok(hour[i].at >= hour[i - 1].at, 'oldest first');
    assert.ok(day.length >= 1);
    for (const point of day) assert.equal(point.at % 600, 0, 'the day series steps by 10 minutes');
    assert.ok(day.at(-1).onlineUsers >= online + 1, 'the day series holds the peak');
  });
});
