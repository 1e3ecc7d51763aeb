// SocketSessions on its own: a plain `ws` server hands it real sockets, a real core (memory live store,
// SQLite history) holds the sessions, and the test runs the ping rounds itself, so the lifecycle (who
// is pinged, when a quiet socket ends, what a close or a shutdown does to a session) is exact.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { RollcallError } from '../../src/core/errors.ts';
import type { PresenceChange } from '../../src/core/model.ts';
import { PresenceService } from '../../src/core/presence-service.ts';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';
import { CloseCode } from '../../src/ingest/protocol.ts';
import { SocketSessions } from '../../src/ingest/socket-sessions.ts';
import { MemoryLiveStore } from '../../src/live/memory/memory-live-store.ts';
import { coreOptions } from '../helpers/core.ts';
import { waitFor } from '../helpers/server.ts';
import { RawClient } from './raw-ws-client.ts';

const TOKEN = 'a-good-ingest-credential';
const PLAIN_HB = '{"type":"hb"}';

describe('SocketSessions', () => {
  let dir: string;
  let history: SqliteHistoryStore;
  let live: MemoryLiveStore;
  let presence: PresenceService;
  let sessions: SocketSessions;
  let server: WebSocketServer;
  let url: string;
  let changes: PresenceChange[];
  let errors: unknown[];
  let serverPongs: number[];
  const clients: RawClient[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-sockets-'));
    history = new SqliteHistoryStore(openSqliteDatabase(join(dir, 'h.db')));
    errors = [];
    live = new MemoryLiveStore();
    presence = new PresenceService(
      live,
      history,
      coreOptions({
        onError: (error) => errors.push(error),
      }),
    );
    changes = [];
    presence.subscribe((change) => changes.push(change));
    sessions = new SocketSessions({
      presence,
      // The one credential these tests present; anything else is refused as Credentials would.
      credentials: {
        ingestActor: async (_header, token) => {
          if (token !== TOKEN) throw new RollcallError('unauthorized', 'the token is not valid');
          return { kind: 'ingest' };
        },
      },
      heartbeatMs: 15_000,
      logError: (error) => errors.push(error),
      pingTimer: false,
    });
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    serverPongs = [];
    server.on('connection', (socket: WebSocket, request) => {
      // Pongs as the server receives them, per socket in connection order: what a ping round waits for.
      const index = serverPongs.push(0) - 1;
      socket.on('pong', () => serverPongs[index]!++);
      sessions.accept(socket, { remoteAddress: request.socket.remoteAddress ?? '', authorization: undefined });
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.terminate();
    await sessions.shutdown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await presence.stop();
    await history.close();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(errors, [], 'no fault was logged');
  });

  /** A client bound to a fresh session of `userId`; `autoPong: false` makes it deaf to pings. */
  async function bound(userId: string, options: { autoPong?: boolean } = {}) {
    const answers = options.autoPong ?? true;
    const client = new RawClient(url, { autoPong: answers });
    clients.push(client);
    const index = serverPongs.length; // clients connect one at a time, so this is its server socket's
    let pings = 0;
    client.socket.on('ping', () => pings++);
    await client.opened();
    client.send({ type: 'hello', token: TOKEN, session: { user: { id: userId, name: userId, type: 'staff' }, clientType: 'web' } });
    const welcome = await client.next('welcome');
    return { client, id: welcome.sessionId as number, resumeToken: welcome.resumeToken as string, pings: () => pings, index, answers };
  }
  type Bound = Awaited<ReturnType<typeof bound>>;

  /** A ping round; waits until each of `pinged` got its ping and, if it answers, its pong reached the server. */
  async function round(...pinged: Bound[]): Promise<void> {
    const before = pinged.map((b) => ({ pings: b.pings(), pongs: serverPongs[b.index]! }));
    sessions.pingRound();
    for (const [i, b] of pinged.entries()) {
      await waitFor(() => b.pings() > before[i]!.pings, { what: 'the ping at the client' });
      if (b.answers) await waitFor(() => serverPongs[b.index]! > before[i]!.pongs, { what: 'the pong at the server' });
    }
  }

  test('a socket whose session resumed on another node is let go (4409), and its close detaches nothing', async () => {
    const { client, id, resumeToken } = await bound('roamer');
    // A second node of the cluster: another core on the same live store.
    const other = new PresenceService(live, history, coreOptions({ nodeId: 'node-2', onError: (error) => errors.push(error) }));
    await other.resume(resumeToken, { transport: 'websocket', remoteAddress: '127.0.0.1' });
    assert.deepEqual(await client.closedWith(), { code: CloseCode.replaced, reason: 'resumed on another node' });
    // Once this node has handled the close (it forgets the socket then), a detach would have been
    // queued by that handling: none was, so the session is as the other node left it.
    await waitFor(() => sessions.size === 0, { what: 'the close handled on this node' });
    const session = await presence.getSession(id);
    assert.equal(session?.nodeId, 'node-2');
    assert.equal(session?.detached, false);
    // Nor does a late ping time-out of the socket on this node end it.
    await presence.timeOut(id);
    assert.equal((await presence.getSession(id))?.detached, false);
    assert.equal(changes.filter((c) => c.type === 'session.ended').length, 0);
  });

  test('a socket deaf to two pings in a row is ended as ping_timeout; one that answers stays', async () => {
    const deaf = await bound('deaf', { autoPong: false });
    const answering = await bound('answering');
    await round(); // the hello was their sign of life for this round: no ping yet
    await round(deaf, answering);
    assert.equal(deaf.pings(), 1, 'the first round pinged nobody');
    assert.equal(answering.pings(), 1);
    assert.equal(deaf.client.closed, undefined, 'one missed ping is forgiven');
    await round(answering);
    assert.deepEqual(await deaf.client.closedWith(), { code: CloseCode.sessionEnded, reason: 'ping_timeout' });
    await waitFor(() => changes.some((c) => c.type === 'session.ended' && c.session.id === deaf.id && c.reason === 'ping_timeout'), {
      what: 'the deaf session to end',
    });
    await round(answering);
    assert.equal(answering.client.closed, undefined);
    assert.ok(await presence.getSession(answering.id));
    assert.equal(sessions.size, 1);
  });

  test('with the timer, every socket is checked once per interval, a share at a time: a deaf one ends, one that answers stays', async () => {
    // 1 s between checks of a socket, cut into 4 shares of 250 ms (ping-shares.ts).
    const HEARTBEAT_MS = 1_000;
    const timed = new SocketSessions({
      presence,
      credentials: { ingestActor: async () => ({ kind: 'ingest' }) },
      heartbeatMs: HEARTBEAT_MS,
      logError: (error) => errors.push(error),
    });
    const timedServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    timedServer.on('connection', (socket: WebSocket, request) =>
      timed.accept(socket, { remoteAddress: request.socket.remoteAddress ?? '', authorization: undefined }),
    );
    await new Promise<void>((resolve) => timedServer.once('listening', () => resolve()));
    const timedUrl = `ws://127.0.0.1:${(timedServer.address() as AddressInfo).port}`;
    try {
      const open = async (userId: string, autoPong: boolean) => {
        const client = new RawClient(timedUrl, { autoPong });
        clients.push(client);
        const pingedAt: number[] = [];
        client.socket.on('ping', () => pingedAt.push(Date.now()));
        await client.opened();
        client.send({ type: 'hello', token: TOKEN, session: { user: { id: userId, name: userId, type: 'staff' }, clientType: 'web' } });
        const welcome = await client.next('welcome');
        return { client, id: welcome.sessionId as number, pingedAt };
      };
      const deaf = await open('deaf', false);
      const answering = await Promise.all(['a1', 'a2', 'a3'].map((user) => open(user, true)));
      // Hello counts as a sign of life for the first check; the second pings, the third ends a deaf
      // socket: about 3 s here, within closedWith's 5 s.
      assert.deepEqual(await deaf.client.closedWith(), { code: CloseCode.sessionEnded, reason: 'ping_timeout' });
      assert.equal(deaf.pingedAt.length, 1, 'one ping, then the end');
      await waitFor(() => answering.every((a) => a.pingedAt.length >= 2), {
        what: 'two checks of each answering socket',
        timeoutMs: 10_000,
      });
      for (const a of answering) {
        assert.equal(a.client.closed, undefined);
        assert.ok(await presence.getSession(a.id));
        // Once per interval, not once per tick: a socket is in one share.
        const gap = a.pingedAt[1]! - a.pingedAt[0]!;
        assert.ok(gap >= HEARTBEAT_MS * 0.75, `pinged ${gap} ms apart`);
      }
      assert.equal(timed.size, 3);
    } finally {
      await timed.shutdown();
      // The server closes once its sockets have: end the clients first.
      for (const client of clients.splice(0)) client.socket.terminate();
      await new Promise<void>((resolve) => timedServer.close(() => resolve()));
    }
  });

  test('a socket that sent a frame since the last round is not pinged, and its session is kept alive', async () => {
    const talker = await bound('talker', { autoPong: false });
    for (let i = 0; i < 3; i++) {
      const before = (await presence.getSession(talker.id))!.lastActivityAt;
      await waitFor(() => Date.now() > before, { what: 'the clock to move' });
      talker.client.send(PLAIN_HB);
      await waitFor(async () => (await presence.getSession(talker.id))!.lastActivityAt > before, { what: 'the heartbeat' });
      await round();
    }
    assert.equal(talker.client.closed, undefined);
    await round(talker); // quiet since the last round: pinged now
    assert.equal(talker.pings(), 1, 'never pinged while it spoke before every round, only once it went quiet');
  });

  test('a closed socket leaves its session waiting for a resume, which binds it to the new socket', async () => {
    const first = await bound('mover');
    const welcome = first.client.frames.find((f) => f.type === 'welcome')!;
    first.client.socket.close();
    await waitFor(async () => (await presence.getSession(first.id))?.detached, { what: 'the session to wait for a resume' });
    assert.equal(sessions.size, 0);

    const second = new RawClient(url);
    clients.push(second);
    await second.opened();
    second.send({ type: 'resume', resumeToken: welcome.resumeToken });
    assert.equal((await second.next('welcome')).sessionId, first.id, 'the same session id');
    assert.equal((await presence.getSession(first.id))?.detached, false);
    assert.deepEqual(
      changes.filter((c) => c.type === 'user.offline' || c.type === 'session.ended'),
      [],
      'no leave, no end',
    );
  });

  test('a session ended elsewhere is told why and its socket closed', async () => {
    const target = await bound('target');
    await presence.end(target.id, { kind: 'account', username: 'ops', role: 'admin' });
    assert.deepEqual((await target.client.next('ended')).reason, 'ended_by_admin');
    assert.deepEqual(await target.client.closedWith(), { code: CloseCode.sessionEnded, reason: 'ended_by_admin' });
  });

  test('shutdown touches heartbeats already read and releases sockets, so their close detaches nothing', async () => {
    const staying = await bound('staying');
    staying.client.send(PLAIN_HB);
    await waitFor(() => sessions.size === 1 && staying.client.frames.length === 1, { what: 'the heartbeat to arrive' });
    await sessions.shutdown();
    staying.client.socket.close();
    await staying.client.closedWith();
    await waitFor(() => sessions.size === 0, { what: 'the server to see the close' });
    await new Promise((resolve) => setImmediate(resolve)); // a detach, had one been queued, would have started
    assert.equal((await presence.getSession(staying.id))?.detached, false, 'the core decides what becomes of it, not the close');
  });

  test('a wrong credential is refused with an error frame and the unauthorized close', async () => {
    const client = new RawClient(url);
    clients.push(client);
    await client.opened();
    client.send({ type: 'hello', token: 'wrong', session: { user: { id: 'x', name: 'x', type: 'staff' }, clientType: 'web' } });
    assert.equal((await client.next('error')).code, 'unauthorized');
    assert.equal((await client.closedWith()).code, CloseCode.unauthorized);
    assert.deepEqual(changes, []);
  });
});
