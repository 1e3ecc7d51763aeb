// How the Motadata dialect renders errors, in Motadata's envelope: any refusal of access (no token, a
// bad token, a role that may not see this) is the documented 403 MD022; other RollcallErrors answer
// their status with "status":"fail" and MD031; internal faults a 500 naming only an error id.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setRetryAfter, toRollcallError } from '../../api/errors.ts';
import { logInternalFault } from '../shared/internal-fault.ts';
import { failureBody, internalErrorBody, MD_THROTTLED, unauthorizedBody } from './serializer.ts';

/** The document's own words for a 400 lead the message; the detail follows. */
const PREFIX_BY_STATUS: Partial<Record<number, string>> = { 400: 'Bad request', 404: 'Not found' };

export function renderMotadataError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const known = toRollcallError(error);
  if (!known) {
    void reply.status(500).send(internalErrorBody(logInternalFault(request, error)));
    return;
  }
  if (known.code === 'unauthorized' || known.code === 'forbidden') {
    void reply.status(403).send(unauthorizedBody());
    return;
  }
  if (known.code === 'rate_limited') {
    setRetryAfter(reply, known);
    void reply.status(429).send(failureBody(429, known.message, MD_THROTTLED));
    return;
  }
  const prefix = PREFIX_BY_STATUS[known.status];
  void reply.status(known.status).send(failureBody(known.status, prefix ? `${prefix}: ${known.message}` : known.message));
}
