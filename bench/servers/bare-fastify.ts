// The physical limit of HTTP on this machine: Fastify 5 (the version rollcall runs on) with routes that
// do nothing but answer. Same paths and bodies as rollcall's, so a load generator sends byte-identical
// requests to both.
//   POST /v1/sessions/:id/heartbeat   → 204 (the body is parsed by Fastify's JSON parser, then dropped)
//   POST /v1/heartbeats               → 200 {accepted, unknown: []} (the batch body is parsed)
//   GET  /bare/json                   → 200 a small JSON body
//   GET  /bare/bytes?size=N           → 200 N bytes built once (shipping a cached answer of that size)
//   GET  /bare/bytes?size=N&random=1  → the same with random bytes, as a compressed answer is to a client
//                                       that reads the body as text (autocannon decodes it as UTF-8)
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { serveParent } from '../lib/child.ts';
import { startProfile, stopProfile } from '../lib/profiler.ts';

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
const small = { status: 'ok', users: [{ id: '4145', name: 'Jack Smith', online: true }], count: 1 };
const sized = new Map<number, Buffer>();

app.post('/v1/sessions/:id/heartbeat', async (_request, reply) => reply.status(204).send());
app.post('/v1/heartbeats', { bodyLimit: 8 * 1024 * 1024 }, async (request) => {
  const body = request.body as { heartbeats?: unknown[] } | undefined;
  return { accepted: body?.heartbeats?.length ?? 0, unknown: [] };
});
app.get('/bare/json', async () => small);
app.get<{ Querystring: { size?: string; random?: string } }>('/bare/bytes', async (request, reply) => {
  const size = Math.min(64 * 1024 * 1024, Number(request.query.size ?? 0) || 0);
  const random = request.query.random === '1';
  // Random bodies under negative sizes, so the two kinds never share an entry.
  let body = sized.get(random ? -size - 1 : size);
  if (!body) sized.set(random ? -size - 1 : size, (body = random ? randomBytes(size) : Buffer.alloc(size, 'x')));
  return reply.type('application/octet-stream').send(body);
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (typeof address !== 'object' || !address) throw new Error('no address');

serveParent(
  { profileStart: () => startProfile(), profileStop: ({ file }: { file?: string }) => stopProfile(file) },
  { port: address.port, pid: process.pid },
  () => app.close(),
);
