// How the command API says something went wrong (WIRE-FORMATS.md §1): HTTP 200 with an XML body,
// because real clients treat any other status as a transport failure and never read the body.
// A failure before the action runs (credentials, permission, a missing or unknown action, an unreadable
// body) is the root `<error>`; an action's own failure (a bad `type` or `id`) is an `<error>` inside
// the action's root. Only an internal fault answers 500, with a reference to the log, no internals.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { setRetryAfter, toRollcallError } from '../../api/errors.ts';
import { RollcallError } from '../../core/errors.ts';
import { joinPieces } from '../../http/body-writer.ts';
import type { XmlDocument } from './serializer.ts';
import { XmlLines } from './xml-writer.ts';

export const XML_CONTENT_TYPE = 'text/xml; charset=UTF-8';

/** `<error xmlns="…">message</error>` as the whole document. */
export function rootErrorXml(message: string, namespace: string): XmlDocument {
  return [Buffer.from(new XmlLines().prolog().element('error', message, { xmlns: namespace }).take(), 'utf8')];
}

/** The action's root holding only `<error>message</error>`. */
export function actionErrorXml(root: string, message: string, namespace: string): XmlDocument {
  return [Buffer.from(new XmlLines().declaration(root, namespace).element('error', message).close(root).take(), 'utf8')];
}

/**
 * Sends a document as one Buffer, handed to the socket in one write (the kernel and the client take it
 * at their pace; the event loop is not held). The serializer's pieces lie one after the other in
 * memory, so they are that Buffer already, without a copy.
 */
export function sendXml(reply: FastifyReply, document: XmlDocument, status = 200): FastifyReply {
  return reply.status(status).header('content-type', XML_CONTENT_TYPE).header('cache-control', 'no-store').send(joinPieces(document));
}

/**
 * A root `<error>` for a refusal before the action: HTTP 200, as real clients expect, except for a
 * throttled caller, who gets 429 and Retry-After, so a client that retries at once is told to wait.
 */
export function sendRootError(reply: FastifyReply, error: RollcallError, namespace: string): FastifyReply {
  if (error.code !== 'rate_limited') return sendXml(reply, rootErrorXml(error.message, namespace));
  setRetryAfter(reply, error);
  return sendXml(reply, rootErrorXml(error.message, namespace), 429);
}

/** Fastify's own refusals, in the command API's words. */
function requestError(error: unknown): RollcallError | undefined {
  switch ((error as Partial<FastifyError>).code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RollcallError(
        'invalid_body',
        'unsupported body: send parameters in the query string or as application/x-www-form-urlencoded (multipart is not supported)',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RollcallError('payload_too_large', 'the body is larger than the command API accepts');
  }
  const known = toRollcallError(error);
  if (known) return known;
  const status = (error as Partial<FastifyError>).statusCode;
  // Any other 4xx Fastify raises (a malformed body, a bad header) is the caller's mistake.
  if (status !== undefined && status >= 400 && status < 500) return new RollcallError('invalid_body', 'the request could not be read');
  return undefined;
}

/** Error handler of the command routes: a root `<error>` for what the caller got wrong, 500 for faults. */
export function commandErrorHandler(namespace: string) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const known = requestError(error);
    if (known) {
      void sendRootError(reply, known, namespace);
      return;
    }
    const errorId = randomUUID();
    request.log.error({ err: error, errorId }, 'command API request failed');
    void sendXml(reply, rootErrorXml(`internal error; reference ${errorId}`, namespace), 500);
  };
}
