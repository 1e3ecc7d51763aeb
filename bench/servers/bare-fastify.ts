// The physical limit of HTTP on this machine: Fastify 5 (the version rollcall runs on) with routes that
// do nothing but answer. Same paths and bodies as rollcall's, so a load generator sends byte-identical
// requests to both.
//   POST /v1/sessions/:id/heartbeat   → 204 (the body is parsed by Fastify's JSON parser, then dropped)
//   POST /v1/heartbeats               → 200 {accepted, unknown: []} (the batch body is parsed)
//   GET  /bare/json                   → 200 a small JSON body
//   GET  /bare/held/:name             → 200 bytes the parent handed over (call `hold`): the very bytes of
//                                       an answer of rollcall's, to ship without any work of rollcall's
import Fastify from 'fastify';
import { serveParent } from '../lib/child.ts';
import { startProfile, stopProfile } from '../lib/profiler.ts';

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
const small = { status: 'ok', users: [{ id: '4145', name: 'Jack Smith', online: true }], count: 1 };
/**
 * Bodies to ship as they are. The very bytes, not a filler of the same length: the load generator
 * decodes every body as UTF-8 text, which costs it several times more for a body with a few thousand
 * non-ASCII bytes (names) than for ASCII alone, so only the same bytes cost the client the same.
 */
const held = new Map<string, Buffer>();

app.post('/v1/sessions/:id/heartbeat', async (_request, reply) => reply.status(204).send());
app.post('/v1/heartbeats', { bodyLimit: 8 * 1024 * 1024 }, async (request) => {
  const body = request.body as { heartbeats?: unknown[] } | undefined;
  return { accepted: body?.heartbeats?.length ?? 0, unknown: [] };
});
app.get('/bare/json', async () => small);
app.get<{ Params: { name: string } }>('/bare/held/:name', async (request, reply) => {
  const body = held.get(request.params.name);
  if (!body) return reply.status(404).send({ error: `nothing held as ${request.params.name}` });
  return reply.type('application/octet-stream').send(body);
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (typeof address !== 'object' || !address) throw new Error('no address');

serveParent(
  {
    profileStart: () => startProfile(),
    profileStop: ({ file }: { file?: string }) => stopProfile(file),
    // IPC hands a Uint8Array over (structured clone); a Buffer view of it ships without a copy.
    hold: ({ name, body }: { name: string; body: Uint8Array }) => {
      held.set(name, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    },
  },
  { port: address.port, pid: process.pid },
  () => app.close(),
);
