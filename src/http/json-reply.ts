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
  return reply.header('content-length', length).send(new PiecesStream(body));
}

/**
 * Pieces already in memory, as a stream Fastify can send. Piped (how Fastify sends a stream), it hands
 * every piece to the response at once, and the socket sends them together as fast as the client reads:
 * they are held anyway, so queueing them costs no memory. A stream read piece by piece, as
 * Readable.from is, waits for the socket to drain below its 16 KB mark before each next piece: a turn
 * of the event loop per piece, which made "who is online" (some 600 pieces of 18 MB at 15,000 sessions)
 * several times slower than one Buffer of the same bytes (BENCHMARKS.md).
 */
class PiecesStream extends Readable {
  private handedOut = false;

  constructor(private readonly pieces: readonly Buffer[]) {
    super();
  }

  override _read(): void {
    if (!this.handedOut) {
      this.handedOut = true;
      for (const piece of this.pieces) this.push(piece);
    }
    this.push(null);
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (this.handedOut) return super.pipe(destination, options);
    this.handedOut = true;
    for (const piece of this.pieces) destination.write(piece);
    if (options?.end !== false) destination.end();
    // Nothing is left to read: the stream ends, as a piped one would after its last piece.
    this.push(null);
    this.resume();
    return destination;
  }
}
