// A fleet of socket clients in one child process, bound to one loopback source address (127.0.0.x), so
// that several such processes together hold more sockets than one process may (20,000 files here) and
// more than one address has source ports for. Driven over IPC by bench/workloads/ws-ingest.ts:
//   connect  opens `count` clients of a kind to a server, `concurrency` at a time
//   credit   writes up to `frames` heartbeats, `batch` frames per write, one socket after the other
// Kinds:
//   rollcall  the SDK protocol on rollcall's /v1/connect: hello {token, session} → welcome, then {"type":"hb"}
//   bare      the same frames to the bare ws server (it answers nothing: open + hello sent is connected)
//   socketio  socket.io-client (websocket transport) to the Socket.IO peer: token and session in `auth`, emit('hb')
// Every client authenticates with a client token (HS256 JWT) for its fleet member, as browsers do.
//
// Pacing is by credit, and costs the server nothing: the workload reads how many heartbeats the server
// has finished and hands out credit so that at most a fixed number of frames is in flight (see
// ws-ingest.ts). The server never faces a backlog that would outlast a window, and never writes a byte
// for the pacing (a ping/pong per batch would cost it a write, which on loopback is as dear as reading
// the batch).
// The frames are encoded once, masked with a fixed key, and written straight to the client's TCP
// socket, `batch` to a write: byte for byte what the SDK (`{"type":"hb"}`) or socket.io-client
// (`42["hb"]`) would send, at a fraction of the client-side cost, so that on a 2-core machine the load
// generator takes as little CPU as possible from the server under test.
import WebSocket from 'ws';
import { serveParent } from '../lib/child.ts';
import { sessionBody } from '../lib/fleet.ts';
import { connectFleet, openSocketIo, openWs, type FleetConnect } from '../lib/fleet-sockets.ts';

type Kind = 'rollcall' | 'bare' | 'socketio';

interface Client {
  /** The WebSocket the frames travel on (for socket.io: engine.io's underlying `ws`). */
  raw: WebSocket;
  /** What one heartbeat is on the wire for this kind of client. */
  heartbeat: Buffer;
}

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

/** One masked client frame (payloads under 126 bytes). */
function clientFrame(opcode: number, payload: string): Buffer {
  const data = Buffer.from(payload, 'utf8');
  if (data.length >= 126) throw new Error('frame too long');
  const frame = Buffer.alloc(6 + data.length);
  frame[0] = 0x80 | opcode; // FIN + opcode
  frame[1] = 0x80 | data.length; // MASK bit + length
  MASK.copy(frame, 2);
  for (let i = 0; i < data.length; i++) frame[6 + i] = data[i]! ^ MASK[i % 4]!;
  return frame;
}
const WS_HEARTBEAT = clientFrame(0x1, '{"type":"hb"}');
const SOCKETIO_HEARTBEAT = clientFrame(0x1, '42["hb"]');
const rawSocket = (ws: WebSocket) => (ws as unknown as { _socket: import('node:net').Socket })._socket;
const fleets = new Map<string, Client[]>();
/** Where the next credit starts, per fleet: credit goes round the sockets. */
const cursors = new Map<string, number>();
/** `batch` heartbeat frames in one Buffer, per fleet. */
const writes = new Map<string, Buffer>();

function connectWs(kind: 'rollcall' | 'bare', url: string, index: number, localAddress: string, token: string): Promise<Client> {
  const hello = JSON.stringify({ type: 'hello', token, session: sessionBody(index, false) });
  return openWs(url, localAddress, hello, kind !== 'bare').then((ws) => ({ raw: ws, heartbeat: WS_HEARTBEAT }));
}

function connectSocketIoClient(url: string, index: number, localAddress: string, token: string): Promise<Client> {
  // engine.io-client's websocket transport in Node runs on `ws`; its socket carries the heartbeats.
  return openSocketIo(url, localAddress, { token, session: sessionBody(index, false) }).then(({ raw }) => ({
    raw,
    heartbeat: SOCKETIO_HEARTBEAT,
  }));
}

serveParent(
  {
    connect: async ({ target, kind, ...fleet }: FleetConnect & { target: string; kind: Kind }) => {
      const { url, localAddress } = fleet;
      const { opened, failed, errors, startedAt, endedAt } = await connectFleet(fleet, (index, token) =>
        kind === 'socketio' ? connectSocketIoClient(url, index, localAddress, token) : connectWs(kind, url, index, localAddress, token),
      );
      fleets.set(target, opened);
      return { connected: opened.length, failed, errors, startedAt, endedAt };
    },
    /**
     * Writes up to `frames` heartbeats to the fleet `target`, `batch` per write, each write to the next
     * socket round the fleet. A socket whose kernel buffer is full (bytes waiting in user space) is
     * skipped, so nothing piles up here. Answers how many were written.
     */
    credit: ({ target, frames, batch }: { target: string; frames: number; batch: number }) => {
      const clients = fleets.get(target) ?? [];
      if (clients.length === 0) return { sent: 0 };
      let buffer = writes.get(`${target}/${batch}`);
      if (!buffer) writes.set(`${target}/${batch}`, (buffer = Buffer.concat(Array.from({ length: batch }, () => clients[0]!.heartbeat))));
      let cursor = cursors.get(target) ?? 0;
      let sent = 0;
      let skipped = 0;
      while (sent + batch <= frames && skipped < clients.length) {
        const client = clients[cursor++ % clients.length]!;
        const socket = rawSocket(client.raw);
        if (client.raw.readyState !== WebSocket.OPEN || socket.writableLength > 0) {
          skipped++;
          continue;
        }
        skipped = 0;
        socket.write(buffer);
        sent += batch;
      }
      cursors.set(target, cursor % clients.length);
      return { sent };
    },
  },
  { pid: process.pid },
  () => {
    for (const clients of fleets.values()) for (const c of clients) c.raw.terminate();
  },
);
