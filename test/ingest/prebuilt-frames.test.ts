// Prebuilt frames over real sockets: a frame built once reaches a ws client as the same text at every
// length class of the header (7-bit, 16-bit, 64-bit lengths) and with multi-byte characters; with
// permessage-deflate negotiated the payload goes through ws's own send and still arrives whole.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { prebuildTextFrame, sendPrebuilt } from '../../src/ingest/prebuilt-frames.ts';
import { waitFor } from '../helpers/server.ts';

/** A server on port 0 and a client connected to it; answers the server's side of the socket. */
async function pair(perMessageDeflate: boolean) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate });
  const received: string[] = [];
  client.on('message', (data, isBinary) => received.push(isBinary ? '(binary)' : String(data)));
  const [socket] = await accepted;
  await once(client, 'open');
  const close = async () => {
    client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { socket, received, close };
}

const texts = [
  '',
  'x'.repeat(125),
  'y'.repeat(126),
  'é'.repeat(40_000),
  'z'.repeat(65_535),
  'w'.repeat(65_536),
  '{"type":"place","member":"Zoë Nguyễn 🙂"}',
];

describe('prebuilt frames', () => {
  for (const deflate of [false, true]) {
    it(`reach a ws client as the same text${deflate ? ', with permessage-deflate' : ''}`, async () => {
      const { socket, received, close } = await pair(deflate);
      try {
        assert.equal(socket.extensions === '', !deflate);
        for (const text of texts) {
          const frame = prebuildTextFrame(text);
          assert.equal(frame.payload.toString('utf8'), text);
          // The same frame, twice: it is shared, so sending must leave it as it was.
          sendPrebuilt(socket, frame);
          sendPrebuilt(socket, frame);
        }
        await waitFor(() => received.length === 2 * texts.length, { what: 'every frame' });
        assert.deepEqual(
          received,
          texts.flatMap((t) => [t, t]),
        );
      } finally {
        await close();
      }
    });
  }
});
