// The physical limit of WebSocket ingest on this machine: a bare `ws` server on 127.0.0.1 that only
// counts messages. Same library and options as rollcall's socket (no compression, 16 KiB frames),
// nothing else: no parsing, no session, no reply.
import { WebSocketServer } from 'ws';
import { serveParent } from '../lib/child.ts';
import { startProfile, stopProfile } from '../lib/profiler.ts';
import { settledMemory } from '../lib/memory.ts';

let messages = 0;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 * 1024 });
server.on('connection', (socket) => {
  socket.on('message', () => {
    messages++;
  });
});
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
if (typeof address !== 'object' || !address) throw new Error('no address');

serveParent(
  {
    stats: () => {
      const cpu = process.cpuUsage();
      return { heartbeats: messages, cpuUs: cpu.user + cpu.system, atMs: performance.now(), sessions: server.clients.size };
    },
    memory: () => settledMemory(),
    profileStart: () => startProfile(),
    profileStop: ({ file }: { file?: string }) => stopProfile(file),
  },
  { port: address.port, pid: process.pid },
  () =>
    new Promise<void>((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(() => resolve());
    }),
);
