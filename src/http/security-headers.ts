// Headers every answer carries, whatever route, dialect or error produced it.
import type { FastifyInstance } from 'fastify';

/**
 * `nosniff` keeps browsers from reading a JSON or XML answer (which may echo client-supplied text) as
 * HTML or script. Set in onRequest, so errors, 404s and hijacked-free answers of every plugin have it.
 */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    done();
  });
}

/** For answers that carry a secret shown once (a generated password, key or webhook secret): no cache keeps them. */
export const NO_STORE = 'no-store';
