// A request refused before its body was read (no credentials, too large, …) closes its connection.
// Otherwise Node reads the rest of the body to reuse the connection for the next request: a client
// without credentials could make the server take in megabytes it already refused, as often as it likes.
import type { FastifyInstance } from 'fastify';

export function closeAfterUnreadBodies(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, _payload, done) => {
    if (reply.statusCode >= 400 && !request.raw.complete) void reply.header('connection', 'close');
    done();
  });
}
