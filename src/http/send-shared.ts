// Sends an answer shared by a cache window (shared-answer.ts) the way HTTP lets a crowd of pollers
// cost little: a client that already holds it gets 304 with no body, a client that takes gzip gets
// the bytes compressed once per answer. Only for answers that really are shared: an uncached answer
// (a cache window of 0) or an error goes out as before, without a tag.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { acceptsGzip } from './accepts-gzip.ts';
import { entityTag, noneMatchHits } from './entity-tags.ts';
import { gzipEnding } from './gzip-member.ts';
import { sendBytes } from './json-reply.ts';
import type { SharedAnswer } from './shared-answer.ts';

/** Below this many bytes an answer goes out as it is: gzip would save less than it costs. */
export const MIN_GZIP_BYTES = 1024;

/**
 * `private`: these answers are for an authorised caller, and some dialects carry the credentials
 * where a shared cache would not see them (BeyondTrust's `password=` in the URL, Clientexec's
 * X-API-Key), so no proxy or CDN may keep them. `no-cache`: a client's own cache may keep the answer
 * but must ask before each use, since presence can change any second; asking with the tag costs a
 * 304 when nothing changed.
 */
export const REVALIDATE_PRIVATELY = 'private, no-cache';

/** A part of the answer that is the request's own, written after the shared bytes. */
export interface OwnPart {
  /** What in it changes the answer's meaning (Clientexec: `superadmin` and `self`), for the tag. */
  tag: string;
  /** Its bytes, made only when a body is sent, as late as possible (Clientexec's `elapsed`). */
  bytes: () => Buffer;
}

export async function sendShared(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: SharedAnswer,
  { contentType, own }: { contentType: string; own?: OwnPart },
): Promise<FastifyReply> {
  const compressible = answer.body.length >= MIN_GZIP_BYTES;
  const gzip = compressible && acceptsGzip(request.headers);
  void reply.type(contentType);
  // Whether it was compressed depends on Accept-Encoding for every answer that could be.
  if (compressible) void reply.header('vary', 'Accept-Encoding');

  // A POST (the command API takes its parameters as a form too) is no read a cache could keep or
  // validate: it gets no tag, and If-None-Match on it is not a question this route answers.
  if (request.method === 'GET' || request.method === 'HEAD') {
    // Strong only when every request sharing the answer gets the very same bytes: not where the
    // request adds its own (Clientexec's `elapsed` differs, its meaning does not), and not for gzip,
    // whose bytes depend on the zlib build of the node that made them (the content does not).
    const opaque = `${await answer.digest()}${own ? `-${own.tag}` : ''}${gzip ? '-gzip' : ''}`;
    const tag = entityTag(opaque, own !== undefined || gzip);
    void reply.header('etag', tag).header('cache-control', REVALIDATE_PRIVATELY);
    if (noneMatchHits(request.headers['if-none-match'], tag)) return reply.status(304).send();
  } else {
    void reply.header('cache-control', 'no-store');
  }

  if (!gzip) return sendBytes(reply, own ? [answer.body, own.bytes()] : answer.body);
  void reply.header('content-encoding', 'gzip');
  if (!own) return sendBytes(reply, await answer.gzipped());
  const prefix = await answer.gzipPrefix();
  return sendBytes(reply, [prefix.bytes, gzipEnding(prefix, own.bytes())]);
}
