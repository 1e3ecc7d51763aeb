// The place frames over a real WebSocket: a client token joins and watches the places it grants and no
// other; a refusal is an error frame that changes nothing and keeps the socket open. Watchers get the
// members, then user-level events.
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

  /** A client socket with a session of `sub`, whose token grants `places`. */
  async function connect(sub: string, places: string[], session: object = {}) {
    const token = await server.token({ sub, name: `User ${sub}`, places });
    const client = new RawClient(server.wsUrl);
    await client.opened();
    client.send({ type: 'hello', token, session: { clientType: 'web', ...session } });
    const welcome = await client.next('welcome');
    return { client, token, id: welcome.sessionId as number, resumeToken: welcome.resumeToken as string };
  }

  it('watch: the members first, then a join, a second tab as sessions, the last tab leaving as leave', async () => {
    const watcher = await connect('ann', ['ticket:*']);
    const kim = await connect('kim', ['ticket:*'], { places: ['ticket:5'] });
    watcher.client.send({ type: 'watch', place: 'ticket:5' });
    const members = await watcher.client.next('members');
    assert.deepEqual([members.place, (members.members as { user: { id: string } }[]).map((m) => m.user.id)], ['ticket:5', ['kim']]);

    const lee = await connect('lee', ['ticket:*'], { view: { m: 'support', v: 'getticket', t: 'ticketid|5' } });
    const events = async (count: number) => {
      const frames = await waitFor(
        () => {
          const placeFrames = watcher.client.frames.filter((f) => f.type === 'place');
          return placeFrames.length >= count ? placeFrames : undefined;
        },
        { what: `${count} place frames` },
      );
      return frames.map((f) => `${String(f.event)} ${(f.member as { user: { id: string } }).user.id}`);
    };
    assert.deepEqual(await events(1), ['join lee']);
    const kimTab2 = await connect('kim', ['ticket:*'], { places: ['ticket:5'] });
    assert.deepEqual(await events(2), ['join lee', 'sessions kim']);
    kim.client.send({ type: 'bye' });
    kimTab2.client.send({ type: 'bye' });
    assert.deepEqual(await events(4), ['join lee', 'sessions kim', 'sessions kim', 'leave kim']);

    watcher.client.send({ type: 'watch', place: 'doc:1' });
    assert.equal((await watcher.client.next('error')).code, WsErrorCode.forbidden);
    for (const c of [watcher, lee]) c.client.send({ type: 'bye' });
  });

  it('a resume keeps the grants only with the client token sent along', async () => {
    const first = await connect('ann', ['ticket:*']);
    first.client.socket.terminate();
    const again = new RawClient(server.wsUrl);
    await again.opened();
    again.send({ type: 'resume', resumeToken: first.resumeToken });
    const welcome = await again.next('welcome');
    assert.equal(welcome.sessionId, first.id);
    again.send({ type: 'watch', place: 'ticket:6' });
    assert.equal((await again.next('error')).code, WsErrorCode.forbidden, 'without the token: no grants');
    again.socket.terminate();

    const third = new RawClient(server.wsUrl);
    await third.opened();
    third.send({ type: 'resume', resumeToken: welcome.resumeToken, token: first.token });
    assert.equal((await third.next('welcome')).sessionId, first.id);
    third.send({ type: 'watch', place: 'ticket:6' });
    assert.equal((await third.next('members')).place, 'ticket:6');
    third.send({ type: 'bye' });
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
