// GET /v1/sessions over real HTTP: every filter (client type, user, user type, node, idle/active, text
// search), their combinations, and pages that carry the total of matches.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';
import { request, type Answer } from '../helpers/http.ts';
import { serverPerFile, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

const current = serverPerFile();
let server: TestServer;
beforeEach(() => {
  server = current();
});

const read = (path: string) => request(server.url, 'GET', path, { headers: server.admin });
const ids = (answer: Answer) => (answer.json.sessions as { id: number }[]).map((s) => s.id);

async function open(overrides: Partial<OpenSessionBody>): Promise<number> {
  const answer = await request(server.url, 'POST', '/v1/sessions', { headers: server.ingest, body: openBody(overrides) });
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

async function expectIds(query: string, expected: number[]): Promise<void> {
  const answer = await read(`/v1/sessions${query}`);
  assert.equal(answer.status, 200, `${query}: ${answer.text}`);
  assert.deepEqual(ids(answer), expected, query);
  assert.equal(answer.json.total, expected.length, `total of ${query}`);
}

describe('GET /v1/sessions filters', () => {
  /** Four people on two kinds of client; one idle from the start, one idle by heartbeat. */
  async function population() {
    const jack = await open({
      user: {
        id: 'jack',
        name: 'Jack Smith',
        type: 'staff',
        username: 'jsmith',
        publicDisplayName: 'Jack S.',
        privateDisplayName: 'Jackie',
      },
      clientType: 'representative',
      hostname: 'JACK-PC',
    });
    const jill = await open({
      user: { id: 'jill', name: 'Jill Jones', type: 'customer' },
      clientType: 'web',
      hostname: 'kiosk-7',
      idle: true,
    });
    const jackWeb = await open({ user: { id: 'jack', name: 'Jack Smith', type: 'staff' }, clientType: 'web', hostname: 'laptop' });
    const bot = await open({
      user: { id: 'bot', name: 'Robot', type: 'system', username: 'crawler' },
      clientType: 'push_agent',
      hostname: 'rack-1',
    });
    const heartbeat = await request(server.url, 'POST', `/v1/sessions/${jackWeb}/heartbeat`, {
      headers: server.ingest,
      body: { idle: true },
    });
    assert.equal(heartbeat.status, 204, heartbeat.text);
    return { jack, jill, jackWeb, bot };
  }

  it('filters by user type, node and idle state', async () => {
    const { jack, jill, jackWeb, bot } = await population();
    const node = server.rollcall.presence.nodeId;
    await expectIds('?userType=staff', [jack, jackWeb]);
    await expectIds('?userType=customer', [jill]);
    await expectIds('?userType=system', [bot]);
    await expectIds('?userType=STAFF', []);
    await expectIds(`?node=${node}`, [jack, jill, jackWeb, bot]);
    await expectIds('?node=another-node', []);
    await expectIds('?state=idle', [jill, jackWeb]);
    await expectIds('?state=active', [jack, bot]);
  });

  it('searches names, usernames, display names and hostnames, ignoring case and surrounding spaces', async () => {
    const { jack, jill, jackWeb, bot } = await population();
    await expectIds('?q=smith', [jack, jackWeb]);
    await expectIds('?q=JSMITH', [jack]);
    await expectIds(`?q=${encodeURIComponent('Jack S.')}`, [jack]);
    await expectIds('?q=jackie', [jack]);
    await expectIds('?q=jack-pc', [jack]);
    await expectIds('?q=Kiosk', [jill]);
    await expectIds('?q=crawl', [bot]);
    await expectIds('?q=laptop', [jackWeb]);
    await expectIds('?q=j', [jack, jill, jackWeb]);
    await expectIds(`?q=${encodeURIComponent('  jones ')}`, [jill]);
    await expectIds('?q=', [jack, jill, jackWeb, bot]);
    await expectIds('?q=nobody', []);
    // Fields that are not searched: user id, email, remote address.
    await expectIds('?q=jack%40example.com', []);
    await expectIds('?q=127.0.0.1', []);
  });

  it('combines every filter: all of them must hold', async () => {
    const { jack, jill, jackWeb } = await population();
    await expectIds('?q=jack&state=idle', [jackWeb]);
    await expectIds('?q=jack&state=active&type=representative', [jack]);
    await expectIds('?type=web&state=idle', [jill, jackWeb]);
    await expectIds('?type=web&state=idle&userType=staff', [jackWeb]);
    await expectIds(`?userId=jack&type=web,representative&node=${server.rollcall.presence.nodeId}`, [jack, jackWeb]);
    await expectIds('?userId=jack&q=kiosk', []);
  });

  it('finds a session by what it is called now, after a PATCH renamed its user and host', async () => {
    const id = await open({ user: { id: 'morph', name: 'Before Name', type: 'customer' }, hostname: 'old-host' });
    await expectIds('?q=before', [id]);
    const patched = await request(server.url, 'PATCH', `/v1/sessions/${id}`, {
      headers: server.ingest,
      body: { user: { name: 'After Name', type: 'staff' }, hostname: 'new-host' },
    });
    assert.equal(patched.status, 200, patched.text);
    await expectIds('?q=before', []);
    await expectIds('?q=old-host', []);
    await expectIds('?q=after', [id]);
    await expectIds('?q=new-host&userType=staff', [id]);
  });

  it('refuses a bad state, an overlong search or user type, and an empty node (400)', async () => {
    for (const query of ['?state=away', '?state=IDLE', `?q=${'x'.repeat(257)}`, `?userType=${'x'.repeat(33)}`, '?node=', '?userType=']) {
      const answer = await read(`/v1/sessions${query}`);
      assert.equal(answer.status, 400, `${query}: ${answer.text}`);
      assert.equal(answer.json.error.code, 'invalid_parameter', query);
    }
    const state = await read('/v1/sessions?state=away');
    assert.match(state.json.error.message, /^state: must be one of idle, active/);
  });
});

describe('GET /v1/sessions pages and total', () => {
  it('pages a filtered search by 2: every match once, ascending, the same total on every page', async () => {
    const matching: number[] = [];
    for (let i = 0; i < 15; i++) {
      const id = await open({ user: { id: `u${i}`, name: i % 3 === 0 ? `Other ${i}` : `Agent ${i}` }, idle: i % 2 === 0 });
      if (i % 3 !== 0 && i % 2 === 0) matching.push(id);
    }
    assert.equal(matching.length, 5);
    const seen: number[] = [];
    let cursor: string | null = null;
    const totals: number[] = [];
    do {
      const answer: Answer = await read(`/v1/sessions?q=agent&state=idle&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      assert.equal(answer.status, 200, answer.text);
      seen.push(...ids(answer));
      totals.push(answer.json.total);
      cursor = answer.json.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(seen, matching);
    assert.deepEqual(totals, [5, 5, 5]);
    const all = await read('/v1/sessions?limit=1');
    assert.equal(all.json.total, 15);
    assert.equal(all.json.sessions.length, 1);
  });

  it('total follows sessions that start and end between pages', async () => {
    const opened: number[] = [];
    for (let i = 0; i < 6; i++) opened.push(await open({ user: { id: `t${i}`, name: `T ${i}` } }));
    const first = await read('/v1/sessions?limit=3');
    assert.equal(first.json.total, 6);
    assert.equal(
      (await request(server.url, 'DELETE', `/v1/sessions/${opened[4]}`, { headers: { authorization: server.ingest.authorization! } }))
        .status,
      204,
    );
    const late = await open({ user: { id: 'late', name: 'Late' } });
    const late2 = await open({ user: { id: 'late2', name: 'Late 2' } });
    const second = await read(`/v1/sessions?limit=3&cursor=${first.json.nextCursor}`);
    assert.deepEqual(ids(second), [opened[3], opened[5], late]);
    assert.equal(second.json.total, 7);
    const third = await read(`/v1/sessions?limit=3&cursor=${second.json.nextCursor}`);
    assert.deepEqual(ids(third), [late2]);
    assert.equal(third.json.nextCursor, null);
  });

  it('answers the largest page (1000) with the defaults of 100 otherwise', async () => {
    for (let i = 0; i < 120; i++) await open({ user: { id: `bulk${i}`, name: `Bulk ${i}` } });
    const byDefault = await read('/v1/sessions');
    assert.equal(byDefault.json.sessions.length, 100);
    assert.equal(byDefault.json.total, 120);
    assert.equal(byDefault.json.nextCursor, String(byDefault.json.sessions[99].id));
    const largest = await read('/v1/sessions?limit=1000');
    assert.equal(largest.json.sessions.length, 120);
    assert.equal(largest.json.nextCursor, null);
  });
});

describe('the session JSON', () => {
  it('carries the parsed user agent and every reported fact, and nothing internal', async () => {
    const id = await open({ timezoneOffset: 3600, privateIp: '10.0.0.7', view: { m: 'm', v: 'v', t: 't' } });
    const answer = await read(`/v1/sessions/${id}`);
    assert.equal(answer.status, 200, answer.text);
    const session = answer.json;
    assert.deepEqual(session.agent, { browser: 'Chrome', version: '134.0.0.0', majorVersion: 134, os: 'Windows' });
    assert.deepEqual(session.platform, { id: 'winNT-64', name: 'Windows 11 (x64)' });
    assert.equal(session.timezoneOffset, 3600);
    assert.equal(session.privateIp, '10.0.0.7');
    assert.equal(session.state, 'connected');
    assert.equal(session.user.type, 'staff');
    assert.equal(session.events[0].kind, 'connected');
    assert.equal(typeof session.events[0].at, 'number');
    assert.equal(session.connections[0].nodeId, server.rollcall.presence.nodeId);
    for (const internal of ['resumeSecretHash', 'expiresAt', 'lifetimeMs', 'detached']) assert.equal(internal in session, false, internal);
    const listed = (await read('/v1/sessions')).json.sessions[0];
    assert.deepEqual(listed, session);
  });
});
