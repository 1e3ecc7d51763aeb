// The SDK against the real server (no fake): a client token opens a session whose fields the server
// shows; views, idle state and updates arrive; a socket cut on the server's side is resumed as the
// same session; an admin's end is final; close() ends the session; a server shutdown (1012) makes the
// client try to come back. Every wait is on an event or a condition, with a deadline.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { ClientTokenClaims } from '../../src/auth/client-tokens.ts';
import { sessionConnections, sessionEvents, type PresenceChange, type Session } from '../../src/core/model.ts';
import {
  CloseCode,
  RollcallClient,
  type RollcallClientEvents,
  type RollcallClientOptions,
  type SessionInit,
} from '../../packages/client/src/index.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';

const WAIT_MS = 5_000;
const HEARTBEAT_MS = 2_000;

const REP_CLAIMS: ClientTokenClaims = {
  sub: '23243',
  name: 'Joshua Post',
  email: 'joshua@example.com',
  utype: 'staff',
  ctypes: ['representative', 'web'],
};

const REP_SESSION: SessionInit = {
  user: { id: '23243', name: 'Joshua Post', username: 'jpost', publicDisplayName: 'Joshua', privateDisplayName: 'Joshua Post (Tier 2)' },
  clientType: 'representative',
  hostname: 'DESKTOP-7KQ2M4R',
  platform: { id: 'winNT-64', name: 'Windows 11 Pro (x64)' },
  timezoneOffset: -18_000,
  userAgent: 'Representative Console/24.3.1 (Windows 11 Pro (x64))',
  privateIp: '10.20.41.105',
  view: { m: 'console', v: 'queue', t: 'team|general' },
  representative: {
    type: 'Normal',
    startSessionUrl: 'https://support.example.com/?name=jpost',
    directLink: 'https://support.example.com/direct/23243',
    supportLicense: 'Standard',
    showingOnRepList: true,
    routingEnabled: true,
  },
};

let server: TestServer;
let clients: RollcallClient[] = [];
let changes: PresenceChange[] = [];

beforeEach(async () => {
  server = await startTestServer({ wsHeartbeatMs: HEARTBEAT_MS });
  changes = [];
  // Copied on arrival: the memory live store hands out its live session objects, which later heartbeats
  // change in place, so a change kept as-is would show later state.
  server.rollcall.presence.subscribe((change) => changes.push(structuredClone(change)));
});

afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  clients = [];
  await server.close();
});

function makeClient(options: Partial<RollcallClientOptions> = {}, claims: ClientTokenClaims = REP_CLAIMS): RollcallClient {
  const client = new RollcallClient({
    url: server.url,
    token: () => server.token(claims),
    session: structuredClone(REP_SESSION),
    // Short reconnect delays keep the tests quick; the schedule itself is covered by backoff.test.ts.
    backoff: { baseMs: 10, maxMs: 50, restartMs: 20 },
    ...options,
  });
  clients.push(client);
  return client;
}

/** The next `name` event, registered before the action that causes it. */
function nextEvent<K extends keyof RollcallClientEvents>(
  client: RollcallClient,
  name: K,
  accept: (payload: RollcallClientEvents[K]) => boolean = () => true,
): Promise<RollcallClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${WAIT_MS} ms waiting for the '${String(name)}' event`));
    }, WAIT_MS);
    const off = client.on(name, (payload) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

async function liveSession(id: number | undefined): Promise<Session> {
  assert.ok(id !== undefined, 'the client has a session id');
  const session = await server.rollcall.presence.getSession(id);
  assert.ok(session, `session ${id} is live`);
  return session;
}

/** Polls the server's copy of a session until `check` holds. */
function sessionWhere(id: number | undefined, check: (session: Session) => boolean, what: string): Promise<Session> {
  return waitFor(
    async () => {
      const session = id === undefined ? undefined : await server.rollcall.presence.getSession(id);
      return session && check(session) ? session : undefined;
    },
    { what, timeoutMs: WAIT_MS },
  );
}

/** The server's end of the only socket connected to it. */
function onlyServerSocket() {
  const sockets = [...server.rollcall.app.websocketServer.clients];
  assert.equal(sockets.length, 1, 'one socket connected to the server');
  return sockets[0]!;
}

describe('SDK against the real server', () => {
  test('connect with a client token: the session is live with the fields the SDK reported', async () => {
    const client = makeClient();
    const welcome = nextEvent(client, 'welcome');
    await client.connect();
    assert.equal(client.state, 'open');
    assert.deepEqual(await welcome, { sessionId: client.sessionId, heartbeatMs: HEARTBEAT_MS, resumed: false });

    const session = await liveSession(client.sessionId);
    // The user comes from the token's claims, display names and username from the body.
    assert.deepEqual(session.user, { ...REP_SESSION.user, email: 'joshua@example.com', type: 'staff' });
    assert.equal(session.clientType, 'representative');
    assert.equal(session.transport, 'websocket');
    assert.equal(session.remoteAddress, '127.0.0.1');
    assert.equal(session.hostname, REP_SESSION.hostname);
    assert.deepEqual(session.platform, REP_SESSION.platform);
    assert.equal(session.timezoneOffset, -18_000);
    assert.equal(session.userAgent, REP_SESSION.userAgent);
    assert.equal(session.privateIp, '10.20.41.105');
    assert.deepEqual(session.view, REP_SESSION.view);
    assert.equal(session.idle, false);
    assert.equal(session.detached, false);
    assert.deepEqual(session.representative, {
      ...REP_SESSION.representative,
      presentationCount: 0,
      supportSessionCount: 0,
      routingIdle: false,
      routingBusy: false,
      routingAvailable: true,
      supportSessionLsids: [],
    });
    assert.equal(sessionConnections(session)[0]?.privateIp, '10.20.41.105');
    assert.deepEqual(
      sessionEvents(session).map((e) => e.kind),
      ['connected'],
    );
    assert.ok(changes.some((c) => c.type === 'session.started' && c.session.id === session.id));
    assert.ok(changes.some((c) => c.type === 'user.online' && c.user.id === '23243'));
  });

  test('setView and setIdle reach the server', async () => {
    const client = makeClient();
    await client.connect();
    const view = { m: 'support', v: 'getticket', t: 'ticketid|105792' };
    client.setView(view);
    await sessionWhere(client.sessionId, (s) => s.view?.t === view.t, 'the new view');
    assert.deepEqual((await liveSession(client.sessionId)).view, view);

    client.setIdle(true);
    await sessionWhere(client.sessionId, (s) => s.idle, 'idle');
    client.setIdle(false);
    await sessionWhere(client.sessionId, (s) => !s.idle, 'active again');
    assert.ok(changes.some((c) => c.type === 'session.updated' && c.session.idle));
    // The user's last view is remembered too (Clientexec's lastview).
    assert.deepEqual((await server.rollcall.presence.user('23243'))?.lastView, view);
  });

  test('update changes open fields on the server', async () => {
    const client = makeClient();
    await client.connect();
    client.update({
      hostname: 'LAPTOP-3HX9Q2P',
      privateIp: 'fd12:3456:789a:1::23',
      user: { publicDisplayName: 'Josh' },
      representative: { supportSessionLsids: ['e6a5c1a0f4c14a8f8d7e0b1c2d3e4f50'], routingBusy: true, routingAvailable: false },
    });
    const session = await sessionWhere(client.sessionId, (s) => s.hostname === 'LAPTOP-3HX9Q2P', 'the update');
    assert.equal(session.privateIp, 'fd12:3456:789a:1::23');
    assert.equal(session.user.publicDisplayName, 'Josh');
    assert.equal(session.user.name, 'Joshua Post', 'the token’s name stays');
    assert.deepEqual(session.representative?.supportSessionLsids, ['e6a5c1a0f4c14a8f8d7e0b1c2d3e4f50']);
    assert.equal(session.representative?.supportSessionCount, 1, 'the count follows the lsids');
    assert.equal(session.representative?.routingBusy, true);
    assert.equal(session.representative?.routingAvailable, false);
    assert.equal(session.representative?.type, 'Normal', 'fields not named stay as they were');
  });

  test('a socket cut on the server side is resumed as the same session', async () => {
    const client = makeClient();
    await client.connect();
    const id = client.sessionId;
    const disconnected = nextEvent(client, 'disconnect');
    const resumed = nextEvent(client, 'resumed');
    const welcomeAgain = nextEvent(client, 'welcome');
    onlyServerSocket().terminate();

    const drop = await disconnected;
    assert.equal(drop.willReconnect, true);
    // Changes made while the socket is down are sent once the session is back.
    client.setView({ m: 'console', v: 'chat', t: 'lsid|abc123' });
    client.update({ hostname: 'reconnected-pc' });
    assert.deepEqual(await resumed, { sessionId: id });
    assert.deepEqual(await welcomeAgain, { sessionId: id, heartbeatMs: HEARTBEAT_MS, resumed: true });
    assert.equal(client.sessionId, id);
    assert.equal(client.state, 'open');

    const session = await sessionWhere(
      id,
      (s) => s.hostname === 'reconnected-pc' && s.view?.v === 'chat',
      'the changes made while disconnected',
    );
    assert.equal(session.detached, false);
    assert.deepEqual(
      sessionEvents(session).map((e) => e.kind),
      ['connected', 'disconnected', 'resumed'],
    );
    assert.ok(
      changes.some((c) => c.type === 'session.updated' && c.session.id === id && sessionEvents(c.session).at(-1)?.kind === 'resumed'),
    );
    // A resume is neither a leave nor a join.
    assert.ok(!changes.some((c) => c.type === 'session.ended' || c.type === 'user.offline'));
    assert.equal(changes.filter((c) => c.type === 'session.started').length, 1);
  });

  test('an admin ending the session: the SDK reports ended_by_admin and stays closed', async () => {
    const client = makeClient();
    await client.connect();
    const id = client.sessionId;
    const ended = nextEvent(client, 'ended');
    const disconnected = nextEvent(client, 'disconnect');
    const response = await fetch(`${server.url}/v1/sessions/${id}`, { method: 'DELETE', headers: server.admin });
    assert.equal(response.status, 204);

    assert.deepEqual(await ended, { reason: 'ended_by_admin', willReconnect: false });
    assert.equal((await disconnected).willReconnect, false);
    assert.equal(client.state, 'closed');
    assert.equal(client.sessionId, undefined);
    const end = changes.find((c) => c.type === 'session.ended');
    assert.ok(end?.type === 'session.ended' && end.reason === 'ended_by_admin' && end.endedBy === 'admin');
    // Closed holds no timer and no socket: nothing can bring it back. The server agrees.
    await waitFor(() => server.rollcall.app.websocketServer.clients.size === 0, { what: 'the socket to close' });
    assert.equal(await server.rollcall.presence.countSessions(), 0);
    assert.equal(changes.filter((c) => c.type === 'session.started').length, 1);
  });

  test('close() ends the session as closed', async () => {
    // A web session with a token that allows the default client type only.
    const client = makeClient(
      {
        session: {
          view: { m: 'billing', v: 'invoice', t: 'invoiceid|20931' },
          userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0',
        },
      },
      { sub: '4145', name: 'Jack Smith', utype: 'customer' },
    );
    await client.connect();
    const id = client.sessionId;
    const session = await liveSession(id);
    assert.equal(session.clientType, 'web');
    assert.deepEqual(session.user, { id: '4145', name: 'Jack Smith', type: 'customer' });
    await client.close();
    assert.equal(client.state, 'closed');
    const end = await waitFor(() => changes.find((c) => c.type === 'session.ended' && c.session.id === id), { what: 'the session to end' });
    assert.ok(end.type === 'session.ended');
    assert.equal(end.reason, 'closed');
    assert.equal(await server.rollcall.presence.getSession(id!), undefined);
    assert.ok(changes.some((c) => c.type === 'user.offline' && c.user.id === '4145'));
  });

  test('server shutdown: the SDK sees 1012 and tries to come back', async () => {
    const client = makeClient();
    await client.connect();
    const restart = nextEvent(client, 'disconnect');
    // With the server gone, the next attempt fails: a second disconnect proves the client tried.
    const retried = nextEvent(client, 'disconnect', (d) => d.code !== CloseCode.serviceRestart);
    await server.rollcall.close();

    assert.deepEqual(await restart, { code: CloseCode.serviceRestart, reason: 'server restarting', willReconnect: true });
    const retry = await retried;
    assert.equal(retry.willReconnect, true);
    assert.equal(client.state, 'reconnecting');
    await client.close();
    assert.equal(client.state, 'closed');
  });
});
