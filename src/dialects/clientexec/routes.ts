// Clientexec dialect: `GET /api/users/usersonline` (specs/WIRE-FORMATS.md § 2). Authorizes an API key,
// reads online and recent offline users from the core, and answers Clientexec's JSON.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isAdmin, parseBearer, type Credentials, type Reader } from '../../auth/credentials.ts';
import { RollcallError, isRollcallError } from '../../core/errors.ts';
import type { PresenceService } from '../../core/presence-service.ts';
import { JSON_CONTENT_TYPE, sendJsonBytes } from '../../http/json-reply.ts';
import { ResponseCache } from '../../http/response-cache.ts';
import { sendShared } from '../../http/send-shared.ts';
import { SharedAnswer } from '../../http/shared-answer.ts';
import { numericId } from '../shared/numeric-id.ts';
import { renderClientexecError } from './errors.ts';
import { callerTail, elapsedOf, onlineUsersLists, userFragments } from './serializer.ts';

export interface ClientexecOptions {
  presence: PresenceService;
  credentials: Credentials;
  /** `ceLinkTemplate` from the config: each user's `link`. */
  linkTemplate: string;
  /**
   * Milliseconds requests share the user lists (http/response-cache.ts); 0 or absent: every request
   * reads them afresh. The lists are the same for every key; the caller's part is added per request.
   */
  cacheMs?: number;
}

/**
 * The key may come in the query string (how Clientexec carries it is not public; scripts often use a
 * URL). Any other parameter is ignored, as Clientexec callers add their own. app.ts keeps these two
 * out of request logs.
 */
const KeyQuery = Type.Object({
  apikey: Type.Optional(Type.String({ maxLength: 1024 })),
  key: Type.Optional(Type.String({ maxLength: 1024 })),
});
type KeyQuery = Static<typeof KeyQuery>;

/** The only answer this dialect shares: the user lists, whoever asks. */
const LISTS_KEY = 'usersonline';

export const clientexecRoutes: FastifyPluginAsync<ClientexecOptions> = async (
  app,
  { presence, credentials, linkTemplate, cacheMs = 0 },
) => {
  app.setErrorHandler(renderClientexecError);
  const cache = new ResponseCache<SharedAnswer>({ windowMs: cacheMs, version: () => presence.appliedSeq() });
  const fragments = userFragments();
  app.addHook('onClose', async () => {
    cache.clear();
    fragments.clear();
  });

  app.get<{ Querystring: KeyQuery }>('/api/users/usersonline', { schema: { querystring: KeyQuery } }, async (request, reply) => {
    const reader = await authenticate(credentials, presentedKey(request), request.ip);
    const lists = await cache.get(LISTS_KEY, async () => {
      const now = Date.now();
      return new SharedAnswer(await onlineUsersLists({ users: await presence.users('all'), now, linkTemplate, fragments }));
    });
    const superadmin = isAdmin(reader);
    // `self` is a number in Clientexec; a key linked to a non-numeric user id answers 0, like no user.
    const self = numericId(reader.apiKey?.userId ?? '') ?? 0;
    // Measured last, so it covers building the lists (and compressing them) when this request did.
    const tail = () => callerTail({ superadmin, self, elapsed: elapsedOf(reply) });
    if (!cache.shares) return sendJsonBytes(reply, [lists.body, tail()]);
    // The caller's part changes the answer's meaning, so it is in the tag: a 304 is never meant for
    // another caller. `elapsed` is not, which makes the tag weak.
    return sendShared(request, reply, lists, {
      contentType: JSON_CONTENT_TYPE,
      own: { tag: `${Number(superadmin)}.${self}`, bytes: tail },
    });
  });
};

/** The first key found, in this order: X-API-Key, Authorization: Bearer, `apikey=`, `key=`. */
function presentedKey(request: FastifyRequest<{ Querystring: KeyQuery }>): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  return parseBearer(request.headers.authorization) ?? (request.query.apikey || undefined) ?? (request.query.key || undefined);
}

/** No key is a 401; a key that is not a valid API key (unknown, revoked, an ingest key) is a 403. */
async function authenticate(credentials: Credentials, key: string | undefined, from: string): Promise<Reader> {
  if (!key) {
    throw new RollcallError('unauthorized', 'missing API key: send X-API-Key, Authorization: Bearer, or the apikey query parameter');
  }
  try {
    return await credentials.apiKeyReader(key, from);
  } catch (error) {
    // A throttled caller is told so (429), not that the key is bad.
    if (isRollcallError(error) && error.code === 'unauthorized') throw new RollcallError('forbidden', 'the API key is not valid');
    throw error;
  }
}
