// The demo's ticket page: `/demo/ticket/:id` shows who is on a ticket, live, through the SDK's bundle
// (which every rollcall serves at /sdk/rollcall-client.js, src/web/sdk-bundle.ts) and a place watch,
// beside the simulated agents who open that ticket now and then (catalog.ts, DEMO_TICKET). Only
// `rollcall demo` registers these routes; `rollcall serve` never does.
//
// A page needs a client token. An application's backend would sign one for its signed-in user; the demo
// has no users of its own, so `POST /demo/token` signs one for whoever asks: a web session of a visitor,
// allowed to join and watch tickets and nothing else.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { signClientToken } from '../../auth/client-tokens.ts';
import { CONTENT_SECURITY_POLICY } from '../../web/plugin.ts';
import { sendNotBuilt } from '../../web/static-files.ts';
import { DEMO_TICKET } from '../catalog.ts';

export interface DemoPagesOptions {
  /** The server's client-token secret (the data dir's). */
  tokenSecret: string;
  /** Where the built page lives; default `dist/demo` of this checkout. */
  pageDir?: string;
}

/** The files the page loads from /demo/assets/ (the SDK it loads from /sdk/), by name, with their types. */
const ASSETS = {
  'ticket.js': 'text/javascript; charset=utf-8',
  'ticket.css': 'text/css; charset=utf-8',
} as const;
type AssetName = keyof typeof ASSETS;

/** A visitor's token lives this long, in seconds; the SDK asks for a new one at every (re)connect. */
const VISITOR_TOKEN_TTL_SECONDS = 3_600;

/** What a visitor's token grants: tickets' places, nothing else. */
export const VISITOR_PLACES = ['ticket:*'];

const TokenRequest = Type.Object(
  {
    /** Chosen by the page: a tab's own, or one derived from `?as=Name`, so two tabs can be one person. */
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

/** User ids of visitors, kept apart from the simulated population's. */
export const visitorUserId = (id: string): string => `visitor-${id}`;

const TICKET_ID = '^[0-9]{1,12}$';

export const demoPages: FastifyPluginAsync<DemoPagesOptions> = async (app, options) => {
  const built = loadPage(options.pageDir ?? join(import.meta.dirname, '../../../dist/demo'));

  const unbuilt = (reply: FastifyReply) => sendNotBuilt(reply, 'The demo page', 'the demo');

  app.get('/demo', { schema: { hide: true } }, async (_request, reply) => reply.redirect(`/demo/ticket/${DEMO_TICKET}`));

  app.get<{ Params: { id: string } }>(
    '/demo/ticket/:id',
    { schema: { hide: true, params: Type.Object({ id: Type.String({ pattern: TICKET_ID }) }) } },
    async (_request, reply) => {
      if (!built) return unbuilt(reply);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('referrer-policy', 'no-referrer')
        .send(built.html);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/demo/assets/:name',
    { schema: { hide: true, params: Type.Object({ name: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const name = request.params.name;
      if (!Object.hasOwn(ASSETS, name)) return reply.callNotFound();
      if (!built) return unbuilt(reply);
      // Revalidated on every load: a restarted demo may serve another build, and the files are small.
      return reply
        .header('content-type', ASSETS[name as AssetName])
        .header('cache-control', 'no-cache')
        .send(built.assets[name as AssetName]);
    },
  );

  app.post<{ Body: Static<typeof TokenRequest> }>('/demo/token', { schema: { hide: true, body: TokenRequest } }, async (request, reply) => {
    const { id, name } = request.body;
    const userId = visitorUserId(id);
    const token = await signClientToken(
      options.tokenSecret,
      { sub: userId, name, utype: 'staff', ctypes: ['web'], places: VISITOR_PLACES },
      VISITOR_TOKEN_TTL_SECONDS,
    );
    void reply.header('cache-control', 'no-store');
    return { token, userId };
  });
};

/** Reads the built page, or answers undefined when any of its files is missing. */
function loadPage(dir: string): { html: Buffer; assets: Record<AssetName, Buffer> } | undefined {
  const html = join(dir, 'ticket.html');
  const paths = Object.keys(ASSETS).map((name) => [name, join(dir, name)] as const);
  if (!existsSync(html) || !paths.every(([, path]) => existsSync(path))) return undefined;
  return {
    html: readFileSync(html),
    assets: Object.fromEntries(paths.map(([name, path]) => [name, readFileSync(path)])) as Record<AssetName, Buffer>,
  };
}
