// Who may call rollcall's own API. Every v1 read or admin route needs a reader: an account with Basic
// auth, or an API key of kind `api` as a Bearer token (ingest credentials report, they do not read).
// Admin operations also need the admin role (of the account, or of the account that owns the key).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAdmin, type Credentials, type Reader } from '../auth/credentials.ts';
import { RollcallError } from '../core/errors.ts';

export interface Access {
  /** The reader that `requireReader` found for this request. */
  readerOf(request: FastifyRequest): Reader;
}

/**
 * Checks credentials for every route of `app` (a plugin's scope) before anything else runs, so a
 * caller without them learns nothing, not even which parameters are wrong. `admin` also demands the
 * admin role (403 for readers).
 */
export function requireReader(app: FastifyInstance, credentials: Credentials, options: { admin?: boolean } = {}): Access {
  const readers = new WeakMap<FastifyRequest, Reader>();
  app.addHook('onRequest', async (request) => {
    const reader = await credentials.reader(request.headers.authorization, request.ip);
    if (options.admin && !isAdmin(reader)) {
      throw new RollcallError('forbidden', 'this needs an admin account, or an API key of one');
    }
    readers.set(request, reader);
  });
  return {
    readerOf(request) {
      const reader = readers.get(request);
      if (!reader) throw new Error('requireReader: no reader for this request (route outside the checked scope?)');
      return reader;
    },
  };
}
