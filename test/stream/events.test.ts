// GET /v1/events against a real server on 127.0.0.1 port 0, read with a raw HTTP client; sessions are
// reported through the real ingest routes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateApiKey } from '../../src/auth/api-keys.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { request } from '../helpers/http.ts';
import { closeSession, openSession, updateSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { SseClient, type SseEvent } from './sse-client.ts';

const user = (id: string) => ({ user: { id, name: `User ${id}`, type: 'staff' } });

/** Opens a stream and waits until it stands somewhere (its id-only block, a replay or a resync). */
async function stream(server: TestServer, query = '', headers: Record<string, string> = server.admin): Promise<SseClient> {
  const client = await SseClient.connect(`${server.url}/v1/events${query}`, headers);
  assert.equal(client.status, 200, await Promise.race([client.body, Promise.resolve('(streaming)')]));
  await waitFor(() => client.blocks.some((block) => block.id !== undefined), { what: 'the stream to start' });
  return client;
}

const types = (events: SseEvent[]) => events.map((event) => event.event);

describe('change stream', () => {
  let server: TestServer;
  const clients: SseClient[] = [];
  const track = (client: SseClient) => {
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startTestServer({ streamHeartbeatMs: 50 });
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.close();
  });

  it('needs a reader: none, a wrong password and the ingest key get 401; an API key and a reader account work', async () => {
    const none = await SseClient.connect(`${server.url}/v1/events`);
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(await none.body).error.code, 'unauthorized');
    const wrong = await SseClient.connect(`${server.url}/v1/events`, {
      authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}`,
    });
    assert.equal(wrong.status, 401);
    const ingest = await SseClient.connect(`${server.url}/v1/events`, { authorization: server.ingest.authorization! });
    assert.equal(ingest.status, 401);

    const { history } = server.rollcall;
    const reader = await history.createAccount({
      username: 'watcher',
      role: 'reader',
      passwordHash: await hashPassword('watcher-password'),
    });
    const key = generateApiKey('api');
    await history.createApiKey({ kind: 'api', accountId: reader.id, prefix: key.prefix, hash: key.hash });
    track(await stream(server, '', { authorization: `Bearer ${key.key}` }));
    track(await stream(server, '', { authorization: `Basic ${Buffer.from('watcher:watcher-password').toString('base64')}` }));
  });

  it('answers event-stream headers at once, a retry hint, then an id-only block saying where it stands', async () => {
    const client = track(await stream(server));
    assert.match(String(client.headers['content-type']), /^text\/event-stream/);
    assert.match(String(client.headers['cache-control']), /no-cache/);
    const [hint, position] = client.blocks;
    assert.deepEqual(hint, { retry: '3000', comments: [] });
    assert.match(position?.id ?? '', /^\d+$/);
    assert.equal(position?.data, undefined, 'the position is no event');
  });

  it('sends every change in order with increasing ids, in the public JSON shape', async () => {
    const client = track(await stream(server));
    const id = await openSession(server, openBody(user('order-1')));
    // The view names a place (ticket:9): its user enters it with this update and leaves it with the end.
    await updateSession(server, id, { view: { m: 'support', v: 'ticket', t: 'ticketid|9' } });
    await closeSession(server, id);
    const events = await client.waitForEvents(7);
    assert.deepEqual(types(events), [
      'session.started',
      'user.online',
      'session.updated',
      'place.join',
      'session.ended',
      'place.leave',
      'user.offline',
    ]);
    const ids = events.map((event) => Number(event.id));
    assert.ok(
      ids.every((value, i) => i === 0 || value === ids[i - 1]! + 1),
      `consecutive ids: ${ids.join(', ')}`,
    );
    assert.ok(ids[0]! > Number(client.blocks[1]?.id), 'after the position the stream started at');

    const [started, online, updated, joined, ended, left, offline] = events.map((event) => event.json);
    assert.equal(started.type, 'session.started');
    assert.ok(Number.isInteger(started.at) && Math.abs(started.at - Date.now() / 1000) < 60, 'at is Unix seconds');
    assert.equal(started.session.id, id);
    assert.equal(started.session.user.id, 'order-1');
    assert.equal(started.session.clientType, 'web');
    assert.ok(!('resumeSecretHash' in started.session) && !('expiresAt' in started.session), 'no internals');
    assert.deepEqual(online.user, { id: 'order-1', name: 'User order-1', type: 'staff' });
    assert.deepEqual(updated.session.view, { m: 'support', v: 'ticket', t: 'ticketid|9' });
    assert.deepEqual(updated.session.places, ['ticket:9']);
    assert.deepEqual(joined, { type: 'place.join', at: updated.at, place: 'ticket:9', user: online.user, sessionId: id });
    assert.deepEqual(left, { type: 'place.leave', at: ended.at, place: 'ticket:9', user: online.user, sessionId: id });
    assert.equal(ended.reason, 'closed');
    assert.equal(ended.session.id, id);
    assert.equal(offline.user.id, 'order-1');
    assert.ok(Number.isInteger(offline.lastSeenAt));
    for (const event of events) assert.equal(event.json.type, event.event, 'the data names its type too');
  });

  it('announces a user once however many sessions they have', async () => {
    const client = track(await stream(server, '?userId=tabs'));
    const first = await openSession(server, openBody(user('tabs')));
    const second = await openSession(server, openBody(user('tabs')));
    const third = await openSession(server, openBody(user('tabs')));
    await closeSession(server, second);
    await closeSession(server, first);
    await closeSession(server, third);
    const events = await client.waitForEvents(8);
    assert.deepEqual(types(events), [
      'session.started',
      'user.online',
      'session.started',
      'session.started',
      'session.ended',
      'session.ended',
      'session.ended',
      'user.offline',
    ]);
  });

  it('filters by type, user and client type; user events have no client type', async () => {
    const byType = track(await stream(server, '?types=user.online,user.offline'));
    const byUser = track(await stream(server, '?userId=filter-b'));
    const byClient = track(await stream(server, '?clientType=representative'));
    const a = await openSession(server, openBody({ ...user('filter-a'), clientType: 'web' }));
    const b = await openSession(server, openBody({ ...user('filter-b'), clientType: 'representative' }));
    await closeSession(server, a);
    await closeSession(server, b);

    const seen = await byType.waitForEvents(4);
    assert.deepEqual(
      seen.map((e) => [e.event, e.json.user.id]),
      [
        ['user.online', 'filter-a'],
        ['user.online', 'filter-b'],
        ['user.offline', 'filter-a'],
        ['user.offline', 'filter-b'],
      ],
    );
    assert.deepEqual(types(await byUser.waitForEvents(4)), ['session.started', 'user.online', 'session.ended', 'user.offline']);
    assert.ok(byUser.events().every((e) => (e.json.session ?? e.json).user?.id === 'filter-b' || e.json.user?.id === 'filter-b'));
    const representative = await byClient.waitForEvents(2);
    assert.deepEqual(
      representative.map((e) => [e.event, e.json.session.id]),
      [
        ['session.started', b],
        ['session.ended', b],
      ],
    );
    // Everything above arrived; nothing else may follow for these three.
    assert.equal(byType.events().length, 4);
    assert.equal(byUser.events().length, 4);
    assert.equal(byClient.events().length, 2);
  });

  it('filters by place: its users entering and leaving, and the sessions in it, with their updates and ends', async () => {
    const doc = track(await stream(server, '?place=doc:7'));
    const joins = track(await stream(server, '?place=doc:7&types=place.join,place.leave'));
    const inside = await openSession(server, openBody({ ...user('place-a'), places: ['doc:7'] }));
    const second = await openSession(server, openBody({ ...user('place-a'), places: ['doc:7', 'doc:8'] }));
    const elsewhere = await openSession(server, openBody({ ...user('place-b'), places: ['doc:8'] }));
    await updateSession(server, elsewhere, { places: ['doc:7'] });
    await closeSession(server, inside);
    await closeSession(server, second);
    await closeSession(server, elsewhere);

    const said = (events: SseEvent[]) =>
      events.map((e) => `${e.event} ${e.json.user?.id ?? e.json.session.user.id}${e.json.place ? ` ${e.json.place}` : ''}`);
    assert.deepEqual(said(await joins.waitForEvents(4)), [
      'place.join place-a doc:7',
      'place.join place-b doc:7',
      'place.leave place-a doc:7',
      'place.leave place-b doc:7',
    ]);
    assert.deepEqual(said(await doc.waitForEvents(10)), [
      'session.started place-a',
      'place.join place-a doc:7',
      'session.started place-a',
      'session.updated place-b',
      'place.join place-b doc:7',
      'session.ended place-a',
      'session.ended place-a',
      'place.leave place-a doc:7',
      'session.ended place-b',
      'place.leave place-b doc:7',
    ]);
    // No user events (they are about no place), no events of doc:8 alone: nothing else arrived.
    assert.equal(doc.events().length, 10);
    assert.equal(joins.events().length, 4);
  });

  it('refuses an unknown type, client type, place or malformed Last-Event-ID with 400', async () => {
    for (const query of [
      '?types=user.online,user.away',
      '?clientType=fax',
      '?lastEventId=abc',
      '?types=',
      '?place=a%20b',
      '?place=doc:*',
    ]) {
      const answer = await request(server.url, 'GET', `/v1/events${query}`, { headers: server.admin });
      assert.equal(answer.status, 400, `${query}: ${answer.text}`);
      assert.equal(answer.json.error.code, 'invalid_parameter');
    }
    const header = await request(server.url, 'GET', '/v1/events', { headers: { ...server.admin, 'last-event-id': 'x1' } });
    assert.equal(header.status, 400);
    const typed = await request(server.url, 'GET', '/v1/events?types=user.away', { headers: server.admin });
    assert.match(typed.json.error.message, /^types: must be a comma list of session\.started/);
  });

  it('replays what a client missed after its Last-Event-ID, then goes on live', async () => {
    const first = track(await stream(server, '?userId=replay'));
    const id = await openSession(server, openBody(user('replay')));
    const [started] = await first.waitForEvents(2);
    first.close();

    await updateSession(server, id, { idle: true });
    await closeSession(server, id);

    const again = track(await stream(server, '?userId=replay', { ...server.admin, 'last-event-id': started!.id! }));
    const missed = await again.waitForEvents(4);
    assert.deepEqual(types(missed), ['user.online', 'session.updated', 'session.ended', 'user.offline']);
    assert.ok(Number(missed[0]!.id) > Number(started!.id));
    assert.ok(!again.blocks.some((block) => block.event === 'resync'));
    const live = await openSession(server, openBody(user('replay')));
    const next = await again.waitForEvents(6);
    assert.deepEqual(types(next.slice(4)), ['session.started', 'user.online']);
    assert.equal(next[4]!.json.session.id, live);
    again.close();

    // The query parameter does what the header does, for clients that cannot set headers.
    await closeSession(server, live);
    const byQuery = track(await stream(server, `?userId=replay&lastEventId=${next[5]!.id}`));
    assert.deepEqual(types(await byQuery.waitForEvents(2)), ['session.ended', 'user.offline']);
    assert.equal(byQuery.events()[0]!.json.session.id, live);
  });

  it('sends nothing twice when the newest id is given', async () => {
    const client = track(await stream(server));
    const position = client.blocks[1]!.id!;
    client.close();
    // Nothing to replay and no position to tell: the stream starts with its retry hint only.
    const again = track(await SseClient.connect(`${server.url}/v1/events`, { ...server.admin, 'last-event-id': position }));
    await waitFor(() => again.blocks.length > 0, { what: 'the retry hint' });
    const id = await openSession(server, openBody(user('newest')));
    const events = await again.waitForEvents(2);
    assert.equal(events[0]!.json.session.id, id);
    assert.equal(Number(events[0]!.id), Number(position) + 1);
    await closeSession(server, id);
  });

  it('says keep-alive while idle', async () => {
    const client = track(await stream(server));
    await waitFor(() => client.blocks.some((block) => block.comments.includes('keep-alive')), { what: 'a keep-alive comment' });
  });

  it('stops listening when the client goes away', async () => {
    const { events } = server.rollcall;
    const before = events.listenerCount;
    const client = await stream(server);
    assert.equal(events.listenerCount, before + 1);
    client.close();
    await waitFor(() => events.listenerCount === before, { what: 'the listener to go' });
  });
});

describe('change stream backlog', () => {
  it('tells a client resync when its Last-Event-ID is older than the backlog, or unknown, then goes on live', async () => {
    const server = await startTestServer({ streamBacklog: 3 });
    try {
      const first = await stream(server);
      const position = first.blocks[1]!.id!;
      first.close();
      const ids: number[] = [];
      for (const name of ['b1', 'b2']) ids.push(await openSession(server, openBody(user(name)))); // 4 events, 3 kept

      for (const lastEventId of [position, String(Number(position) + 1000), '1']) {
        const client = await stream(server, '', { ...server.admin, 'last-event-id': lastEventId });
        const [resync] = client.events();
        assert.equal(resync?.event, 'resync', `after ${lastEventId}`);
        assert.equal(resync?.json.type, 'resync');
        assert.equal(resync?.json.reason, 'too_old');
        assert.match(resync?.json.message, /reload state from the API/);
        assert.equal(Number(resync?.id), Number(position) + 4, 'the resync carries the newest id');
        assert.equal(client.events().length, 1, 'nothing replayed');
        client.close();
      }

      // Within the backlog (the oldest kept is position + 2): a replay, no resync.
      const within = await stream(server, '', { ...server.admin, 'last-event-id': String(Number(position) + 1) });
      assert.deepEqual(types(await within.waitForEvents(3)), ['user.online', 'session.started', 'user.online']);
      within.close();

      const live = await stream(server, '', { ...server.admin, 'last-event-id': position });
      await closeSession(server, ids[0]!);
      const events = await live.waitForEvents(3);
      assert.deepEqual(types(events), ['resync', 'session.ended', 'user.offline']);
      assert.equal(Number(events[1]!.id), Number(events[0]!.id) + 1);
      live.close();
    } finally {
      await server.close();
    }
  });

  it('ends open streams when the server stops, so stopping never waits for clients', async () => {
    const server = await startTestServer();
    const client = await stream(server);
    const started = Date.now();
    await server.close();
    assert.ok(Date.now() - started < 5_000);
    await waitFor(() => client.ended, { what: 'the stream to end' });
  });
});
