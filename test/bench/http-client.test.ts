// The benchmark's own HTTP client (bench/lib/http.ts): a request that meets a kept-alive connection the
// server is closing is sent again once on a new one; any other failure is reported with its request.
// A raw TCP server plays the server, so the closing happens exactly when the test wants it.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { fetchOnce } from '../../bench/lib/http.ts';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok';

/**
 * Answers requests; `drop(connection, request)` says which request to answer with a FIN instead
 * (connections and requests on each connection counted from 1). Requests are told apart by their
 * head's end, which is enough for the bodiless GETs of this test.
 */
async function rawServer(drop: (connection: number, request: number) => boolean) {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const connection = ++connections;
    let requests = 0;
    let pending = '';
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      while (pending.includes('\r\n\r\n')) {
        pending = pending.slice(pending.indexOf('\r\n\r\n') + 4);
        if (drop(connection, ++requests)) socket.end();
        else socket.write(OK);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/anything?password=secret`,
    connections: () => connections,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('bench HTTP client', () => {
  const servers: Array<{ close: () => Promise<void> }> = [];
  after(async () => {
    for (const server of servers) await server.close();
  });

  it('sends a request again on a new connection when a kept-alive one closes under it', async () => {
    const server = await rawServer((connection, request) => connection === 1 && request === 2);
    servers.push(server);
    assert.equal((await fetchOnce(server.url)).status, 200);
    const again = await fetchOnce(server.url);
    assert.equal(again.status, 200);
    assert.equal(again.body.toString(), 'ok');
    assert.equal(server.connections(), 2, 'the second request went out again on a second connection');
  });

  it('reports a hang-up on a new connection, naming the request without its password', async () => {
    const server = await rawServer(() => true);
    servers.push(server);
    await assert.rejects(fetchOnce(server.url), (error: Error) => {
      assert.match(error.message, /^GET http:\/\/127\.0\.0\.1:\d+\/anything\?password=…: socket hang up$/);
      return true;
    });
    assert.equal(server.connections(), 1, 'not sent again: the connection was not a kept-alive one');
  });

  it('sends again only once', async () => {
    const server = await rawServer((connection, request) => request === 2 || (connection > 1 && request === 1));
    servers.push(server);
    assert.equal((await fetchOnce(server.url)).status, 200);
    await assert.rejects(fetchOnce(server.url), /socket hang up/);
    assert.equal(server.connections(), 2);
  });
});
