// Request ids and per-route latency for every HTTP answer. Added on the root instance before any
// route, so every route, whoever adds it later, is measured and answers with its request id.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.ts';
import { randomUuid } from './random-uuids.ts';

export const REQUEST_ID_HEADER = 'x-request-id';
/**
 * A caller's (or a proxy's) request id is kept when it looks like one, so one id follows a request
 * through every log. Anything longer or stranger is replaced: it goes into every log line of the
 * request and must not bloat or garble them.
 */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:@+=/-]{1,128}$/;
/** The route label of requests no route matched (404s, malformed paths): one series, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Fastify's genReqId: the incoming `x-request-id` when acceptable, else a fresh UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUuid();
}

export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    // Echoed on every answer, errors included, so a caller can quote it and find the log lines.
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
