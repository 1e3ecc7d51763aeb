// The join and leave frames over a real WebSocket: a client token joins the places it grants and no
// other; a refusal is an error frame that changes nothing and keeps the socket open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WsErrorCode } from '../../src/ingest/protocol.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { RawClient } from './raw-ws-client.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

const placesOf = async (id: number) => (await server.rollcall.presence.getSession(id))?.places;

describe('join and leave frames', () => {
  it('join a granted place, leave it again; a place not granted is refused and changes nothing', async () => {
    const token = await server.token({ sub: 'kim', name: 'Kim', places: ['ticket:*'] });
    const client = new RawClient(server.wsUrl);
    await client.opened();
    client.send({ type: 'hello', token, session: { clientType: 'web', places: ['ticket:1'] } });
    const id = (await client.next('welcome')).sessionId as number;
    assert.deepEqual(await placesOf(id), ['ticket:1']);

    client.send({ type: 'join', place: 'ticket:2' });
    await waitFor(async () => (await placesOf(id))?.length === 2, { what: 'the join applied' });
    assert.deepEqual(await placesOf(id), ['ticket:1', 'ticket:2']);

    client.send({ type: 'join', place: 'queue:billing' });
    const refused = await client.next('error');
    assert.equal(refused.code, WsErrorCode.forbidden);
    assert.match(String(refused.message), /join "queue:billing"/);

    client.send({ type: 'leave', place: 'ticket:1' });
    await waitFor(async () => (await placesOf(id))?.length === 1, { what: 'the leave applied' });
    assert.deepEqual(await placesOf(id), ['ticket:2']);
    client.send({ type: 'leave', place: 'ticket:2' });
    await waitFor(async () => (await placesOf(id)) === undefined, { what: 'no place left' });

    const listed = await request(server.url, 'GET', '/v1/places', { headers: server.admin });
    assert.deepEqual(listed.json.places, []);
    client.send({ type: 'bye' });
    await client.closedWith();
  });

  it('refuses a frame that names no place', async () => {
    const client = new RawClient(server.wsUrl, { headers: { authorization: server.ingest.authorization! } });
    await client.opened();
    client.send({ type: 'hello', session: { user: { id: 'lee', name: 'Lee' }, clientType: 'web' } });
    const id = (await client.next('welcome')).sessionId as number;
    client.send({ type: 'join', place: 'two words' });
    assert.equal((await client.next('error')).code, WsErrorCode.invalidBody);
    client.send({ type: 'join', place: 'queue:billing' });
    await waitFor(async () => (await placesOf(id))?.[0] === 'queue:billing', { what: 'the ingest key joins any place' });
    client.send({ type: 'bye' });
    await client.closedWith();
  });
});
