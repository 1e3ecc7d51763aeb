// A fault that is not a RollcallError is internal: the dialects answer a 500 that names only an error
// id, and the full error (stack included) goes to the server log under that id, never to the client.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Logs `error` with a new error id and answers the id, for the dialect to put in its 500 body. */
export function logInternalFault(request: FastifyRequest, error: unknown): string {
  const errorId = randomUUID();
  request.log.error({ err: error, errorId }, 'request failed');
  return errorId;
}
