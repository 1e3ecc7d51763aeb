// Places over real HTTP: joined at open (ingest key, client tokens and their grants), changed by PATCH,
// named by views; who is in one (GET /v1/places/:name), which have someone (GET /v1/places), and
// /v1/sessions?place=.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';
import { request } from '../helpers/http.ts';
import { serverPerFile, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

const current = serverPerFile();
let server: TestServer;
beforeEach(() => {
  server = current();
});

const read = (path: string) => request(server.url, 'GET', path, { headers: server.admin });
const user = (id: string) => ({ id, name: `User ${id}` });
const TICKET_VIEW = { m: 'support', v: 'getticket', t: 'ticketid|105792' };

async function open(overrides: Partial<OpenSessionBody>, headers: Record<string, string> = server.ingest) {
  return request(server.url, 'POST', '/v1/sessions', { headers, body: openBody(overrides) });
}

async function opened(overrides: Partial<OpenSessionBody>): Promise<number> {
  const answer = await open(overrides);
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

describe('places over HTTP', () => {
  it('lists who is in a place, one entry per user however many sessions, joined or by view', async () => {
    const kimTab1 = await opened({ user: user('kim'), view: TICKET_VIEW });
    const kimTab2 = await opened({ user: user('kim'), places: ['ticket:105792'] });
    const lee = await opened({ user: user('lee'), places: ['ticket:105792', 'queue:billing'] });
    await opened({ user: user('max'), places: ['queue:billing'] });

    const place = await read('/v1/places/ticket:105792');
    assert.equal(place.status, 200, place.text);
    assert.equal(place.json.name, 'ticket:105792');
    assert.equal(place.json.sessions, 3);
    const members = place.json.users as { user: { id: string }; sessions: { id: number; places: string[] }[] }[];
    assert.deepEqual(
      members.map((m) => [m.user.id, m.sessions.map((s) => s.id)]),
      [
        ['kim', [kimTab1, kimTab2]],
        ['lee', [lee]],
      ],
    );
    assert.deepEqual(members[1]!.sessions[0]!.places, ['queue:billing', 'ticket:105792'], "a session's JSON lists its places");

    const empty = await read('/v1/places/doc:1');
    assert.deepEqual([empty.status, empty.json.users, empty.json.sessions], [200, [], 0]);

    const list = await read('/v1/places');
    assert.deepEqual(list.json, {
      places: [
        { name: 'queue:billing', users: 2, sessions: 2 },
        { name: 'ticket:105792', users: 2, sessions: 3 },
      ],
      nextCursor: null,
    });
    const paged = await read('/v1/places?limit=1');
    assert.deepEqual([paged.json.places.map((p: { name: string }) => p.name), paged.json.nextCursor], [['queue:billing'], 'queue:billing']);
    const next = await read('/v1/places?limit=1&cursor=queue:billing');
    assert.deepEqual([next.json.places.map((p: { name: string }) => p.name), next.json.nextCursor], [['ticket:105792'], null]);
    assert.deepEqual(
      (await read('/v1/places?prefix=ticket:')).json.places.map((p: { name: string }) => p.name),
      ['ticket:105792'],
    );

    const inQueue = await read('/v1/sessions?place=queue:billing');
    assert.deepEqual(inQueue.json.total, 2);
  });

  it("PATCH replaces the joined places; a new view moves the session out of its old view's place", async () => {
    const id = await opened({ user: user('kim'), view: TICKET_VIEW, places: ['doc:42'] });
    const patched = await request(server.url, 'PATCH', `/v1/sessions/${id}`, {
      headers: server.ingest,
      body: { places: ['queue:billing'], view: { m: 'support', v: 'getticket', t: 'ticketid|7' } },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(
      (await read('/v1/places')).json.places.map((p: { name: string }) => p.name),
      ['queue:billing', 'ticket:7'],
    );
  });

  it('a client token joins only the places its claim grants; refusals change nothing', async () => {
    const token = await server.token({ sub: 'kim', name: 'Kim', places: ['doc:42', 'ticket:*'] });
    const asKim = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const granted = await open({ user: { id: 'kim', name: 'Kim' }, places: ['doc:42', 'ticket:9'] }, asKim);
    assert.equal(granted.status, 201, granted.text);

    const refused = await open({ user: { id: 'kim', name: 'Kim' }, places: ['queue:billing'] }, asKim);
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.json.error.message, /does not let its user join "queue:billing"/);
    const noClaim = await open(
      { user: { id: 'lee', name: 'Lee' }, places: ['doc:42'] },
      { 'content-type': 'application/json', authorization: `Bearer ${await server.token({ sub: 'lee', name: 'Lee' })}` },
    );
    assert.equal(noClaim.status, 403, noClaim.text);

    const patch = await request(server.url, 'PATCH', `/v1/sessions/${granted.json.id}`, {
      headers: asKim,
      body: { places: ['queue:billing'] },
    });
    assert.equal(patch.status, 403, patch.text);
    assert.deepEqual(
      (await read('/v1/places')).json.places.map((p: { name: string }) => p.name),
      ['doc:42', 'ticket:9'],
    );
    assert.equal(await server.rollcall.presence.countSessions(), 1);
  });

  it('refuses names that are no place names, and more than 32 places, with a clear error', async () => {
    for (const places of [['two words'], ['ticket:*'], [''], Array.from({ length: 33 }, (_, i) => `p:${i}`)]) {
      const answer = await open({ user: user('kim'), places });
      assert.equal(answer.status, 400, `${JSON.stringify(places)}: ${answer.text}`);
      assert.match(answer.json.error.message, /places/);
    }
    assert.equal(await server.rollcall.presence.countSessions(), 0);
  });
});
