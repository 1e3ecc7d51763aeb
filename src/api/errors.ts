// How rollcall's own API (/v1) renders errors: `{"error":{"code","message"}}` with a 4xx status.
// A fault that is not a RollcallError becomes a 500 whose body names only an error id; the full
// error goes to the log under that id.
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RollcallError, isRollcallError, type ErrorCode } from '../core/errors.ts';
import { describeValidationErrors } from '../ingest/validation.ts';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Maps anything thrown in a route to a RollcallError, or undefined when it is an internal fault. */
export function toRollcallError(error: unknown): RollcallError | undefined {
  if (isRollcallError(error)) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown };
  if (Array.isArray(fastifyError.validation)) {
    const context = fastifyError.validationContext ?? 'body';
    const code = context === 'body' ? 'invalid_body' : 'invalid_parameter';
    return new RollcallError(code, describeValidationErrors(fastifyError.validation, context));
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RollcallError('payload_too_large', 'the body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RollcallError('invalid_body', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RollcallError('unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_BAD_URL':
      return new RollcallError('invalid_parameter', 'the path is not a valid URL (bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new RollcallError('invalid_parameter', 'a path parameter is too long');
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new RollcallError('invalid_body', 'the body is not valid JSON');
  }
  return undefined;
}

/** `Retry-After` for a throttled caller (rate_limited carries the seconds); every dialect's renderer calls it. */
export function setRetryAfter(reply: FastifyReply, error: RollcallError): void {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
}

export function renderV1Error(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const known = toRollcallError(error);
  if (known) {
    const status = known.status;
    setRetryAfter(reply, known);
    if (status === 401) reply.header('WWW-Authenticate', 'Basic realm="rollcall", Bearer');
    void reply.status(status).send({ error: { code: known.code, message: known.message } } satisfies ErrorBody);
    return;
  }
  const errorId = randomUUID();
  request.log.error({ err: error, errorId }, 'request failed');
  void reply.status(500).send({ error: { code: 'internal', message: `internal error; reference ${errorId}` } } satisfies ErrorBody);
}

export function renderV1NotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .status(404)
    .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } } satisfies ErrorBody);
}
