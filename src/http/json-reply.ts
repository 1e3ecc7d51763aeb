// JSON answers written to bytes by the route itself (body-writer.ts) go out with the very headers
// Fastify gives a serialized object, so a client cannot tell the two apart.
import type { FastifyReply } from 'fastify';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Sends `body`, JSON already encoded as UTF-8, as one Buffer. */
export function sendJsonBytes(reply: FastifyReply, body: Buffer): FastifyReply {
  return reply.type(JSON_CONTENT_TYPE).send(body);
}
