// Slow and numerous clients. A client that sends a byte now and then was held forever; now headers,
// bodies and idle keep-alive connections have time limits (short ones here, set per server), and
// connections beyond maxConnections are closed as they arrive. WebSocket and change-stream connections
// are long-lived by design: the request limits never cut them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RawClient } from '../ingest/raw-ws-client.ts';
import { rawConnect, requestHead, statusOf, type RawConnection } from '../helpers/raw-http.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';

const LIMITS = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300 };
/** Generous: the cut-off must come within the limit plus Node's checking interval, not within this. */
const DEADLINE = { timeoutMs: 8_000 };

/** Writes one byte every 50 ms until the connection is gone; the client's behaviour, not a wait. */
function trickle(connection: RawConnection, byte = 'x'): () => void {
  const timer = setInterval(() => void connection.write(byte), 50);
  return () => clearInterval(timer);
}

describe('slow clients', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(LIMITS);
  });
  after(() => server.close());

  /** Opens a connection whose headers never end, and answers when the server has cut it off. */
  async function trickledHeadersCutOff(): Promise<number> {
    const connection = await rawConnect(server.url);
    const started = Date.now();
    await connection.write('GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ');
    const stop = trickle(connection);
    try {
      await waitFor(() => connection.closed(), { ...DEADLINE, what: 'the server to cut off trickled headers' });
    } finally {
      stop();
      connection.destroy();
    }
    return Date.now() - started;
  }

  it('cuts off a client that trickles its headers', async () => {
    const took = await trickledHeadersCutOff();
    assert.ok(took >= LIMITS.headersTimeoutMs, `cut after ${took} ms, before the limit`);
  });

  it('cuts off a client that trickles its body, with 408', async () => {
    const connection = await rawConnect(server.url);
    await connection.write(
      requestHead('POST', '/v1/heartbeats', {
        authorization: server.ingest.authorization!,
        'content-type': 'application/json',
        'content-length': 10_000,
      }),
    );
    const stop = trickle(connection, ' ');
    try {
      await waitFor(() => connection.closed(), { ...DEADLINE, what: 'the server to cut off a trickled body' });
    } finally {
      stop();
    }
    assert.equal(statusOf(connection.received()), 408, connection.received().slice(0, 200));
  });

  it('drains the rest of a refused body for no longer than the request timeout', async () => {
    const connection = await rawConnect(server.url);
    await connection.write(requestHead('POST', '/v1/heartbeats', { 'content-type': 'application/json', 'content-length': 10_000_000 }));
    const timer = setInterval(() => void connection.write(Buffer.alloc(1_000, 0x20)), 50);
    try {
      await waitFor(() => statusOf(connection.received()) === 401, { what: 'the 401' });
      await waitFor(() => connection.closed(), { ...DEADLINE, what: 'the refused sender to be cut off' });
    } finally {
      clearInterval(timer);
    }
  });

  it('closes a keep-alive connection left idle', async () => {
    const connection = await rawConnect(server.url);
    await connection.write(requestHead('GET', '/healthz', {}));
    await waitFor(() => statusOf(connection.received()) === 200, { what: 'the answer' });
    await waitFor(() => connection.closed(), { ...DEADLINE, what: 'the idle connection to close' });
  });

  it('never cuts a WebSocket or a change stream: both outlive two trickled requests that were cut', async () => {
    const socket = new RawClient(server.wsUrl, { headers: { authorization: server.ingest.authorization! } });
    await socket.opened();
    socket.send({ type: 'hello', session: { user: { id: 'slow-1', name: 'Slow' }, clientType: 'web' } });
    await socket.next('welcome');

    const stream = await rawConnect(server.url);
    await stream.write(requestHead('GET', '/v1/events', { authorization: server.admin.authorization! }));
    await waitFor(() => stream.received().includes('retry: 3000'), { what: 'the stream to open' });

    // Each cut-off takes longer than both request limits; two of them, one after the other.
    await trickledHeadersCutOff();
    await trickledHeadersCutOff();
    const body = await rawConnect(server.url);
    await body.write(
      requestHead('POST', '/v1/heartbeats', {
        authorization: server.ingest.authorization!,
        'content-type': 'application/json',
        'content-length': 10,
      }),
    );
    await waitFor(() => body.closed(), { ...DEADLINE, what: 'a trickled body to be cut off' });

    assert.equal(socket.closed, undefined, 'the WebSocket was closed');
    assert.equal(stream.closed(), false, 'the change stream was closed');
    // Both still carry traffic: an update answers on the socket's session, and the stream sees it.
    socket.send({ type: 'update', idle: true });
    await waitFor(() => stream.received().includes('session.updated'), { what: 'the update on the stream' });
    socket.socket.close();
    stream.destroy();
  });
});

describe('connection cap', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ maxConnections: 3 });
  });
  after(() => server.close());

  it('closes connections beyond maxConnections as they arrive, and takes new ones once others left', async () => {
    const held = await Promise.all([rawConnect(server.url), rawConnect(server.url), rawConnect(server.url)]);
    // The three are the server's (it answers on them), so the next is over the cap.
    for (const connection of held) await connection.write(requestHead('GET', '/healthz', {}));
    await waitFor(() => held.every((c) => statusOf(c.received()) === 200), { what: 'answers on the held connections' });
    const over = await rawConnect(server.url);
    await over.write(requestHead('GET', '/healthz', {}));
    await waitFor(() => over.closed(), { ...DEADLINE, what: 'the connection over the cap to be closed' });
    assert.equal(statusOf(over.received()), undefined, 'no answer over the cap');

    held[0]!.destroy();
    await waitFor(
      async () => {
        const next = await rawConnect(server.url);
        await next.write(requestHead('GET', '/healthz', { connection: 'close' }));
        await waitFor(() => next.closed() || statusOf(next.received()) !== undefined, { what: 'an answer or a close' });
        const answered = statusOf(next.received()) === 200;
        next.destroy();
        return answered;
      },
      { ...DEADLINE, what: 'a connection to be taken again' },
    );
    for (const connection of held) connection.destroy();
  });
});

describe('settings', () => {
  it('refuses a headers timeout longer than the request timeout, naming both', async () => {
    const { loadConfig } = await import('../../src/config/load.ts');
    assert.throws(
      () => loadConfig({ flags: { headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 } }),
      /--headers-timeout-ms: must not exceed requestTimeoutMs/,
    );
  });
});
