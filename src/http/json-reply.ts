// JSON answers written to bytes by the route itself (body-writer.ts) go out with the very headers
// Fastify gives a serialized object, so a client cannot tell the two apart.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Sends `body`, JSON already encoded as UTF-8 (see `sendBytes`).
 */
export function sendJsonBytes(reply: FastifyReply, body: Buffer | readonly Buffer[]): FastifyReply {
  return sendBytes(reply.type(JSON_CONTENT_TYPE), body);
}

/**
 * Sends `body`: one Buffer, or pieces written one after the other (a shared answer and a part of this
 * request's own), which saves copying the shared megabytes into a new Buffer per request. The length
 * is declared either way.
 */
export function sendBytes(reply: FastifyReply, body: Buffer | readonly Buffer[]): FastifyReply {
  if (Buffer.isBuffer(body)) return reply.send(body);
  const length = body.reduce((sum, piece) => sum + piece.length, 0);
  return reply.header('content-length', length).send(Readable.from(body, { objectMode: false }));
}
