// The WebSocket heartbeat: the plain `{"type":"hb"}` that a bound socket sends takes a fast path (known
// by its bytes, touched in one batch per event-loop turn); everything else keeps the validated path.
// These tests pin down that both answer alike.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PresenceChange } from '../../src/core/model.ts';
import { CloseCode } from '../../src/ingest/protocol.ts';
import { heartbeatFramesChannel, type HeartbeatFramesMessage } from '../../src/ingest/socket-sessions.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { RawClient } from './raw-ws-client.ts';
import type { SessionIndex } from '../../src/live/memory/session-index.ts';

const PLAIN_HB = '{"type":"hb"}';

describe('WebSocket heartbeats', () => {
  let server: TestServer;
  const clients: RawClient[] = [];
  /** Frames the fast path reported finished, as the benchmark counts them. */
  let reportedFrames = 0;
  const onFrames = (message: unknown) => {
    reportedFrames += (message as HeartbeatFramesMessage).frames;
  };

  /** A server whose pings never come during a test, so only frames touch sessions. */
  const start = async () => {
    server = await startTestServer({ wsHeartbeatMs: 60_000 });
    reportedFrames = 0;
    subscribe(heartbeatFramesChannel.name, onFrames);
  };
  const connect = async () => {
    const client = new RawClient(server.wsUrl);
    clients.push(client);
    await client.opened();
    return client;
  };
  /** A socket bound to a fresh session of user `sub`; answers the session id. */
  const bound = async (sub = 'u1') => {
    const client = await connect();
    client.send({ type: 'hello', token: await server.token({ sub, name: 'Una' }), session: { clientType: 'web', hostname: 'una-pc' } });
    const welcome = await client.next('welcome');
    return { client, id: welcome.sessionId as number };
  };
  const session = (id: number) => server.rollcall.presence.getSession(id);
  const accepted = () => server.rollcall.presence.heartbeatsAccepted.websocket;
  /** Waits until the clock has moved past `ms`, so a touch can be told from no touch. */
  const clockPast = (ms: number) => waitFor(() => Date.now() > ms, { what: 'the clock to move' });

  afterEach(async () => {
    unsubscribe(heartbeatFramesChannel.name, onFrames);
    for (const c of clients.splice(0)) c.socket.terminate();
    await server?.close();
  });

  test('a plain hb from a bound socket touches its session, counts as accepted and is reported finished', async () => {
    await start();
    const { client, id } = await bound();
    const before = (await session(id))!.lastActivityAt;
    await clockPast(before);
    client.send(PLAIN_HB);
    await waitFor(async () => (await session(id))!.lastActivityAt > before, { what: 'the hb to touch the session' });
    assert.equal(accepted(), 1);
    assert.equal(reportedFrames, 1);
    assert.deepEqual(
      client.frames.map((f) => f.type),
      ['welcome'],
      'a heartbeat is not answered',
    );
  });

  test('every frame of a burst from several sockets is touched and counted, none twice', async () => {
    await start();
    const sockets = await Promise.all(['a', 'b', 'c'].map((sub) => bound(sub)));
    for (let i = 0; i < 5; i++) for (const { client } of sockets) client.send(PLAIN_HB);
    await waitFor(() => reportedFrames === 15, { what: 'all 15 frames to be reported' });
    assert.equal(accepted(), 15);
    for (const { client } of sockets) assert.equal(client.closed, undefined);
  });

  test('an hb sent together with hello is handled after the welcome', async () => {
    await start();
    const client = await connect();
    client.send({ type: 'hello', token: await server.token({ sub: 'u1', name: 'Una' }), session: { clientType: 'web' } });
    client.send(PLAIN_HB);
    await client.next('welcome');
    await waitFor(() => accepted() === 1, { what: 'the hb to be accepted' });
    assert.deepEqual(
      client.frames.map((f) => f.type),
      ['welcome'],
    );
  });

  test('an hb before hello still gets "send hello or resume first"', async () => {
    await start();
    const client = await connect();
    client.send(PLAIN_HB);
    const error = await client.next('error');
    assert.equal(error.code, 'invalid_body');
    assert.match(String(error.message), /hello or resume first/);
    assert.equal(accepted(), 0);
  });

  test('an hb with idle or view still changes the session and publishes session.updated', async () => {
    await start();
    const { client, id } = await bound();
    const updated: PresenceChange[] = [];
    server.rollcall.presence.subscribe((c) => c.type === 'session.updated' && updated.push(c));
    client.send({ type: 'hb', idle: true });
    await waitFor(() => updated.length === 1, { what: 'session.updated after idle' });
    client.send({ type: 'hb', view: { m: 'support', v: 'getticket', t: 'ticketid|9' } });
    await waitFor(() => updated.length === 2, { what: 'session.updated after view' });
    const now = (await session(id))!;
    assert.equal(now.idle, true);
    assert.deepEqual(now.view, { m: 'support', v: 'getticket', t: 'ticketid|9' });
    assert.equal(accepted(), 2);
  });

  test('near-misses of the plain hb bytes get the answers the validated path gives', async () => {
    await start();
    const { client } = await bound();
    let seen = 1;
    const nextError = async () => {
      const error = await client.next('error', seen);
      seen = client.frames.length;
      return error;
    };
    client.send('{"type":"hb","x":1}');
    assert.match(String((await nextError()).message), /unknown field "x"/);
    client.send('{"type":"hB"}');
    assert.equal((await nextError()).code, 'invalid_body');
    client.send('{"type":"hb"');
    assert.equal((await nextError()).code, 'invalid_message');
    client.send(Buffer.from(PLAIN_HB));
    assert.equal((await nextError()).code, 'invalid_message', 'the same bytes in a binary frame are refused');
    // The same heartbeat spelt differently is a heartbeat.
    client.send('{ "type": "hb" }');
    await waitFor(() => accepted() === 1, { what: 'the spaced hb to be accepted' });
    assert.equal(client.frames.filter((f) => f.type === 'error').length, 4);
  });

  test('an hb right before or after bye does no harm: the session ends once, as closed', async () => {
    await start();
    const ended: PresenceChange[] = [];
    server.rollcall.presence.subscribe((c) => c.type === 'session.ended' && ended.push(c));
    const first = await bound('a');
    first.client.send(PLAIN_HB);
    first.client.send({ type: 'bye' });
    const second = await bound('b');
    second.client.send({ type: 'bye' });
    second.client.send(PLAIN_HB);
    for (const { client, id } of [first, second]) {
      assert.equal((await client.closedWith()).code, CloseCode.normal);
      assert.equal(await session(id), undefined);
      assert.deepEqual(
        client.frames.map((f) => f.type),
        ['welcome'],
      );
    }
    await waitFor(() => ended.length === 2, { what: 'both sessions to end' });
    assert.deepEqual(
      ended.map((c) => c.type === 'session.ended' && c.reason),
      ['closed', 'closed'],
    );
  });

  test('a session that ended unannounced: a plain hb gets what an hb with fields gets, ended/expired and 4000', async () => {
    await start();
    for (const hb of [PLAIN_HB, JSON.stringify({ type: 'hb', idle: true })]) {
      const { client, id } = await bound();
      // The store no longer has it and no notice came: reach into the memory store's index, since
      // every end through the store's interface is announced.
      (server.rollcall.live as unknown as { index: SessionIndex }).index.remove(id);
      client.send(hb);
      assert.equal((await client.next('ended')).reason, 'expired');
      assert.deepEqual(await client.closedWith(), { code: CloseCode.sessionEnded, reason: 'expired' });
    }
    assert.equal(accepted(), 0);
    assert.equal(reportedFrames, 0);
  });

  test('when the store fails, each plain hb is answered with an internal error, as on the full path', async () => {
    await start();
    const { client } = await bound();
    server.rollcall.presence.keepAlive = async () => {
      throw new Error('store down');
    };
    client.send(PLAIN_HB);
    client.send(PLAIN_HB);
    await waitFor(() => client.frames.filter((f) => f.type === 'error').length === 2, { what: 'two error frames' });
    assert.deepEqual(client.frames.slice(1), [
      { type: 'error', code: 'internal', message: 'internal error' },
      { type: 'error', code: 'internal', message: 'internal error' },
    ]);
    assert.equal(reportedFrames, 0);
    assert.equal(client.closed, undefined);
  });

  test('the upgrade request is let go once the socket is open', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await start();
    let upgrade: WeakRef<object> | undefined;
    server.rollcall.app.websocketServer.once('connection', (_socket: unknown, request: object) => {
      upgrade = new WeakRef(request);
    });
    const { client } = await bound();
    await waitFor(
      async () => {
        // A WeakRef holds its target until the job that made it is over: collect on a later turn.
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        return upgrade !== undefined && upgrade.deref() === undefined;
      },
      { what: 'the upgrade request to be collected' },
    );
    // The socket still works without it.
    client.send(PLAIN_HB);
    await waitFor(() => accepted() === 1, { what: 'the hb to be accepted' });
  });
});
