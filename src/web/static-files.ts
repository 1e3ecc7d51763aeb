// Built files the server hands to browsers (the dashboard's page and bundle, the SDK's bundle): read
// once at start, answered with an ETag, and a 304 to a browser that holds the same copy.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { noneMatchHits } from '../http/entity-tags.ts';

export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
  /** First 12 hex digits of the body's sha256; the `v` that makes a URL immutable. */
  version: string;
}

/** The cache policy of a file whose URL names its content (`?v=<version>`): kept a year, never revalidated. */
export const IMMUTABLE = `public, max-age=${365 * 24 * 3600}, immutable`;

export function staticFile(body: Buffer, contentType: string): StaticFile {
  const digest = createHash('sha256').update(body).digest('hex');
  return { body, contentType, etag: `"${digest.slice(0, 32)}"`, version: digest.slice(0, 12) };
}

export function sendStaticFile(request: FastifyRequest, reply: FastifyReply, file: StaticFile, cacheControl: string) {
  void reply
    .header('content-type', file.contentType)
    .header('cache-control', cacheControl)
    .header('etag', file.etag)
    .header('x-content-type-options', 'nosniff');
  if (noneMatchHits(request.headers['if-none-match'], file.etag)) return reply.status(304).send();
  return reply.send(file.body);
}

/** The answer while `npm run build:client` has not run: says what is missing and how to build it. */
export function sendNotBuilt(reply: FastifyReply, what: string, restart = 'rollcall') {
  return reply
    .status(503)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(`${what} is not built: run \`npm run build:client\` (npm ci does it), then restart ${restart}.\n`);
}

/** Documentation of a response that is a file, not JSON (never used to serialize: files are Buffers). */
export const fileResponse = (description: string, type: string) => ({ description, content: { [type]: { schema: { type: 'string' } } } });
export const NOT_MODIFIED = { type: 'null', description: 'Not modified: the copy the browser has (If-None-Match) is current' };
