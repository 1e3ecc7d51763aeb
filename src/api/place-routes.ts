// Places (core/places.ts) through the read API: who is in one, and which have someone in them.
// Readable by any account (Basic) or API key (Bearer), as the rest of the read API.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Credentials } from '../auth/credentials.ts';
import type { Session } from '../core/model.ts';
import { PLACE_NAME_MAX } from '../core/places.ts';
import type { PresenceService } from '../core/presence-service.ts';
import { requireReader } from './access.ts';
import { SessionJsonSchema, UserInfoSchema, sessionJson } from './presence-json.ts';
import { READER_SECURITY, errorResponses } from './schemas.ts';

export interface PlaceRoutesOptions {
  presence: PresenceService;
  credentials: Credentials;
}

/** Places per page of the list. */
const MAX_PLACES_PAGE = 1000;

const PlaceName = Type.String({ minLength: 1, maxLength: PLACE_NAME_MAX });

const PlaceTallyJson = Type.Object({
  name: Type.String(),
  users: Type.Integer({ description: 'Users with at least one session in the place' }),
  sessions: Type.Integer(),
});

const MemberJson = Type.Object(
  { user: UserInfoSchema, sessions: Type.Array(SessionJsonSchema, { description: "The user's sessions in the place, in id order" }) },
  { description: 'A user in the place: one entry however many of their sessions (tabs, devices) are there' },
);

export const placeRoutes: FastifyPluginAsyncTypebox<PlaceRoutesOptions> = async (app, { presence, credentials }) => {
  requireReader(app, credentials);
  const common = { tags: ['read'], security: READER_SECURITY };

  app.get(
    '/v1/places',
    {
      schema: {
        ...common,
        summary: 'Places with someone in them',
        description:
          'In name order, with how many users and sessions each; a session is in the places it joined and the one its view names.',
        querystring: Type.Object(
          {
            prefix: Type.String({
              maxLength: PLACE_NAME_MAX,
              default: '',
              description: 'Only places whose name starts with this, e.g. ticket:',
            }),
            cursor: Type.Optional(Type.String({ maxLength: PLACE_NAME_MAX, description: 'The nextCursor of the previous page' })),
            limit: Type.Integer({ minimum: 1, maximum: MAX_PLACES_PAGE, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            places: Type.Array(PlaceTallyJson),
            nextCursor: Type.Union([Type.String(), Type.Null()], {
              description: 'Pass as cursor for the next page; null on the last page',
            }),
          }),
          ...errorResponses(400, 401),
        },
      },
    },
    async (request) => {
      const { prefix, cursor, limit } = request.query;
      // One more than a page tells whether another page follows.
      const places = await presence.places({ prefix, ...(cursor !== undefined && { after: cursor }), limit: limit + 1 });
      const page = places.slice(0, limit);
      return { places: page, nextCursor: places.length > limit ? page.at(-1)!.name : null };
    },
  );

  app.get(
    '/v1/places/:name',
    {
      schema: {
        ...common,
        summary: 'Who is in a place',
        description:
          'Its users, in order of their first session there, each with their sessions in it. A place nobody is in answers no users.',
        params: Type.Object({ name: PlaceName }),
        response: {
          200: Type.Object({ name: Type.String(), users: Type.Array(MemberJson), sessions: Type.Integer() }),
          ...errorResponses(400, 401),
        },
      },
    },
    async (request) => {
      const sessions = await presence.listSessions({ place: request.params.name });
      return { name: request.params.name, users: members(sessions), sessions: sessions.length };
    },
  );
};

/** Sessions (in id order) grouped by user, users in order of their first session. */
function members(sessions: readonly Session[]) {
  const byUser = new Map<string, { user: Session['user']; sessions: ReturnType<typeof sessionJson>[] }>();
  for (const session of sessions) {
    let member = byUser.get(session.user.id);
    if (!member) byUser.set(session.user.id, (member = { user: session.user, sessions: [] }));
    member.sessions.push(sessionJson(session));
  }
  return [...byUser.values()];
}
