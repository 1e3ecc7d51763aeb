// The WebSocket ingest protocol against a real server and real sockets.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type WebSocket from 'ws';
import { sessionEvents, type PresenceChange } from '../../src/core/model.ts';
import { CloseCode, MAX_INVALID_FRAMES } from '../../src/ingest/protocol.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { RawClient } from './raw-ws-client.ts';

describe('WebSocket ingest /v1/connect', () => {
  let server: TestServer;
  const clients: RawClient[] = [];

  const connect = async (options: WebSocket.ClientOptions = {}) => {
    const client = new RawClient(server.wsUrl, options);
    clients.push(client);
    await client.opened();
    return client;
  };
  const hello = async (client: RawClient, claims = { sub: 'u1', name: 'Una', ctypes: ['web' as const] }) => {
    client.send({ type: 'hello', token: await server.token(claims), session: { clientType: 'web', hostname: 'una-pc' } });
    return client.next('welcome');
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.terminate();
    await server?.close();
  });

  test('hello with a client token gets a welcome, and the session is live over websocket', async () => {
    server = await startTestServer({ wsHeartbeatMs: 5_000 });
    const client = await connect();
    const welcome = await hello(client);
    assert.equal(typeof welcome.sessionId, 'number');
    assert.equal(welcome.heartbeatMs, 5_000);
    assert.match(String(welcome.resumeToken), /^\d+\.[\w-]+$/);
    const session = await server.rollcall.presence.getSession(welcome.sessionId as number);
    assert.equal(session?.transport, 'websocket');
    assert.equal(session?.user.name, 'Una');
    assert.equal(session?.remoteAddress, '127.0.0.1');
  });

  test('hello with the ingest key in the upgrade header reports any user', async () => {
    server = await startTestServer();
    const client = await connect({ headers: server.ingest });
    client.send({ type: 'hello', session: openBody({ user: { id: 'x9', name: 'Xavier' } }) });
    const welcome = await client.next('welcome');
    assert.equal((await server.rollcall.presence.getSession(welcome.sessionId as number))?.user.id, 'x9');
  });

  test('hb and update change the session; bye ends it and closes normally', async () => {
    server = await startTestServer();
    const client = await connect();
    const { sessionId } = await hello(client);
    const id = sessionId as number;
    client.send({ type: 'hb', idle: true, view: { m: 'support', v: 'getticket', t: 'ticketid|9' } });
    await waitFor(async () => (await server.rollcall.presence.getSession(id))?.idle === true);
    client.send({ type: 'update', hostname: 'renamed' });
    await waitFor(async () => (await server.rollcall.presence.getSession(id))?.hostname === 'renamed');
    const ended: PresenceChange[] = [];
    server.rollcall.presence.subscribe((c) => c.type === 'session.ended' && ended.push(c));
    client.send({ type: 'bye' });
    assert.equal((await client.closedWith()).code, CloseCode.normal);
    const change = await waitFor(() => ended[0]);
    assert.equal(change.type === 'session.ended' && change.reason, 'closed');
  });

  test('a dropped socket resumes with the same id and no leave or join', async () => {
    server = await startTestServer({ wsResumeGraceMs: 5_000 });
    const changes: PresenceChange[] = [];
    server.rollcall.presence.subscribe((c) => changes.push(c));
    const first = await connect();
    const welcome = await hello(first);
    first.socket.terminate();
    await waitFor(async () => (await server.rollcall.presence.getSession(welcome.sessionId as number))?.detached);
    const second = await connect();
    second.send({ type: 'resume', resumeToken: welcome.resumeToken });
    const again = await second.next('welcome');
    assert.equal(again.sessionId, welcome.sessionId);
    const session = await server.rollcall.presence.getSession(welcome.sessionId as number);
    assert.equal(session?.detached, false);
    assert.deepEqual(session && sessionEvents(session).map((e) => e.kind), ['connected', 'disconnected', 'resumed']);
    assert.equal(changes.filter((c) => c.type === 'user.online').length, 1);
    assert.equal(changes.filter((c) => c.type === 'user.offline' || c.type === 'session.ended').length, 0);
  });

  test('a resume after the grace period gets unknown_session, then hello opens a new session', async () => {
    server = await startTestServer({ wsResumeGraceMs: 50, sweepIntervalMs: 20 });
    const first = await connect();
    const welcome = await hello(first);
    first.socket.terminate();
    await waitFor(async () => !(await server.rollcall.presence.getSession(welcome.sessionId as number)), {
      what: 'the grace period to end the session',
    });
    const second = await connect();
    second.send({ type: 'resume', resumeToken: welcome.resumeToken });
    assert.equal((await second.next('error')).code, 'unknown_session');
    const fresh = await hello(second);
    assert.notEqual(fresh.sessionId, welcome.sessionId);
  });

  test('a socket that stops answering pings is terminated and its session ends with ping_timeout', async () => {
    server = await startTestServer({ wsHeartbeatMs: 100 });
    const ended: PresenceChange[] = [];
    server.rollcall.presence.subscribe((c) => c.type === 'session.ended' && ended.push(c));
    const client = await connect({ autoPong: false });
    await hello(client);
    const change = await waitFor(() => ended[0], { what: 'the ping timeout' });
    assert.equal(change.type === 'session.ended' && change.reason, 'ping_timeout');
    await client.closedWith();
  });

  test('a socket that answers pings stays alive past several ping intervals', async () => {
    // A socket session lives two pings plus half an interval after its last sign of life, so a stall
    // of half an interval (the loop, or the whole process on a loaded machine) at the wrong moment can
    // end it. 500 ms pings leave 250 ms for that: 300 ms pings (150 ms) were not enough on a CI machine
    // running the browser tests beside this one.
    server = await startTestServer({ wsHeartbeatMs: 500, sweepIntervalMs: 20 });
    const ended: PresenceChange[] = [];
    server.rollcall.presence.subscribe((c) => c.type === 'session.ended' && ended.push(c));
    const client = await connect();
    const { sessionId } = await hello(client);
    const startedAt = Date.now();
    // Watch it across eight ping intervals: it must stay live the whole time.
    await waitFor(
      () => {
        const end = ended[0];
        assert.equal(end, undefined, `session ended (${end?.type === 'session.ended' && end.reason}) while answering pings`);
        return Date.now() - startedAt > 4_000;
      },
      { timeoutMs: 10_000 },
    );
    assert.ok(await server.rollcall.presence.getSession(sessionId as number));
    assert.equal(client.closed, undefined);
  });

  test('a socket that sent a frame since the last ping tick is not pinged; a quiet one is', async () => {
    server = await startTestServer({ wsHeartbeatMs: 500 });
    const quiet = await connect();
    await hello(quiet, { sub: 'q', name: 'Quiet', ctypes: ['web'] });
    const talker = await connect();
    await hello(talker, { sub: 't', name: 'Talker', ctypes: ['web'] });
    let quietPings = 0;
    let talkerPings = 0;
    talker.socket.on('ping', () => talkerPings++);
    // Every tick pings the quiet socket; the talker answers each tick with a heartbeat, so it always
    // has a frame in before the next one.
    quiet.socket.on('ping', () => {
      quietPings++;
      talker.send({ type: 'hb' });
    });
    await waitFor(() => quietPings >= 4, { timeoutMs: 10_000, what: 'four ping ticks' });
    // At most one tick may have found the talker late on a loaded machine; without the rule it gets four.
    assert.ok(talkerPings <= 1, `the talker was pinged ${talkerPings} times in ${quietPings} ticks`);
    assert.equal(quiet.closed, undefined);
    assert.equal(talker.closed, undefined);
    assert.equal(await server.rollcall.presence.countSessions(), 2);
  });

  test('an admin ending the session tells the client why and closes with 4000', async () => {
    server = await startTestServer();
    const client = await connect();
    const { sessionId } = await hello(client);
    const response = await fetch(`${server.url}/v1/sessions/${sessionId}`, { method: 'DELETE', headers: server.admin });
    assert.equal(response.status, 204);
    assert.equal((await client.next('ended')).reason, 'ended_by_admin');
    assert.equal((await client.closedWith()).code, CloseCode.sessionEnded);
  });

  test('invalid frames get error frames; repeated abuse closes the socket, and nothing was opened', async () => {
    server = await startTestServer();
    const client = await connect();
    client.send('not json');
    assert.equal((await client.next('error')).code, 'invalid_message');
    client.send({ type: 'hello', token: await server.token({ sub: 'u1', name: 'U' }), session: { clientType: 'web', extra: 1 } });
    const refused = await client.next('error', 1);
    assert.equal(refused.code, 'invalid_body');
    assert.match(String(refused.message), /unknown field "extra"/);
    client.send({ type: 'hb' });
    assert.match(String((await client.next('error', 2)).message), /hello or resume first/);
    for (let i = 3; i < MAX_INVALID_FRAMES; i++) client.send({ type: 'dance' });
    assert.equal((await client.closedWith()).code, CloseCode.protocolAbuse);
    assert.equal(await server.rollcall.presence.countSessions(), 0);
  });

  test('an expired or forged token is refused and the socket closed with 4401', async () => {
    server = await startTestServer();
    const expired = await connect();
    expired.send({ type: 'hello', token: await server.token({ sub: 'u1', name: 'U' }, -10), session: { clientType: 'web' } });
    assert.match(String((await expired.next('error')).message), /expired/);
    assert.equal((await expired.closedWith()).code, CloseCode.unauthorized);
    const forged = await connect();
    const [head, body] = (await server.token({ sub: 'u1', name: 'U' })).split('.');
    forged.send({ type: 'hello', token: `${head}.${body}.AAAA`, session: { clientType: 'web' } });
    assert.equal((await forged.next('error')).code, 'unauthorized');
    assert.equal((await forged.closedWith()).code, CloseCode.unauthorized);
    assert.equal(await server.rollcall.presence.countSessions(), 0);
  });

  test('a frame over 16 KiB closes the socket', async () => {
    server = await startTestServer();
    const client = await connect();
    await hello(client);
    client.send({ type: 'update', hostname: 'x'.repeat(17 * 1024) });
    assert.equal((await client.closedWith()).code, 1009);
  });

  test('shutdown tells clients to reconnect with 1012', async () => {
    server = await startTestServer();
    const client = await connect();
    await hello(client);
    await server.rollcall.close();
    assert.equal((await client.closedWith()).code, CloseCode.serviceRestart);
  });
});
