// How the Clientexec dialect renders errors: Clientexec's error envelope
// `{"timestamp","elapsed","message","error":true}` with the RollcallError's status (401 no key,
// 403 a key that is refused, 400 a malformed parameter). Internal faults answer 500 with an error id
// only; the error itself goes to the log under that id.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setRetryAfter, toRollcallError } from '../../api/errors.ts';
import { logInternalFault } from '../shared/internal-fault.ts';
import { errorBody } from './serializer.ts';

export function renderClientexecError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const known = toRollcallError(error);
  if (!known) {
    const errorId = logInternalFault(request, error);
    void reply.status(500).send(errorBody(`internal error; reference ${errorId}`, reply));
    return;
  }
  if (known.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="rollcall"');
  setRetryAfter(reply, known);
  void reply.status(known.status).send(errorBody(known.message, reply));
}
