// The dashboard: one HTML page at `/` and its bundle (built by scripts/build-client.mjs into dist/web).
// Everything is local (no CDN). The page talks only to the public /v1 API with the credential the
// user typed, plus `GET /dashboard/me` to learn the account's role (whether to offer "End session").
//
// Caching: the HTML is revalidated on every load (`no-cache` + ETag), and it names its assets with a
// content hash (`/dashboard/app.js?v=<hash>`), so those are cached for a year as immutable. A request
// with another or no `v` is answered with `no-cache`, so an old page never pins a new bundle.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ACCOUNT_ROLES } from '../history/history-store.ts';
import type { Credentials } from '../auth/credentials.ts';
import { OPEN_SECURITY, READER_SECURITY, errorResponses, stringEnum } from '../api/schemas.ts';
import { IMMUTABLE, NOT_MODIFIED, fileResponse, sendNotBuilt, sendStaticFile, staticFile, type StaticFile } from './static-files.ts';

export interface DashboardOptions {
  credentials: Credentials;
  /** Where the built page lives; default `dist/web` of this checkout. */
  assetsDir?: string;
}

export const DEFAULT_ASSETS_DIR = join(import.meta.dirname, '../../dist/web');

const ASSET_FILES = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;
type AssetName = keyof typeof ASSET_FILES;

/**
 * The page runs only its own script and style. Inline styles set through the CSSOM (the virtual
 * table's spacer heights) are not governed by `style-src`, so no 'unsafe-inline' is needed. The demo's
 * ticket page (src/demo/page) keeps to the same rules; `connect-src 'self'` covers its WebSocket.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Reads the built page, or answers undefined when `npm run build:client` has not run. */
function loadAssets(dir: string): { page: StaticFile; files: Record<AssetName, StaticFile> } | undefined {
  const htmlPath = join(dir, 'index.html');
  if (!existsSync(htmlPath) || !Object.keys(ASSET_FILES).every((name) => existsSync(join(dir, name)))) return undefined;
  const files = Object.fromEntries(
    Object.entries(ASSET_FILES).map(([name, type]) => [name, staticFile(readFileSync(join(dir, name)), type)]),
  ) as Record<AssetName, StaticFile>;
  // index.html names its assets as {{app.js}} and {{app.css}}; each becomes its versioned URL.
  const html = readFileSync(htmlPath, 'utf8').replace(
    /\{\{(app\.(?:js|css))\}\}/g,
    (_match, name: AssetName) => `/dashboard/${name}?v=${files[name].version}`,
  );
  return { page: staticFile(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8'), files };
}

const TAGS = ['operations'];

const MeAnswer = Type.Object(
  {
    username: Type.String(),
    role: stringEnum(ACCOUNT_ROLES),
    via: stringEnum(['password', 'apiKey'] as const, { description: 'Basic credentials of the account, or one of its API keys' }),
  },
  { description: 'The account behind the credentials' },
);

export const dashboard: FastifyPluginAsync<DashboardOptions> = async (app, { credentials, assetsDir = DEFAULT_ASSETS_DIR }) => {
  const built = loadAssets(assetsDir);

  app.get(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'The live dashboard (sign in with an admin or reader account)',
        security: OPEN_SECURITY,
        response: {
          200: fileResponse('The page', 'text/html'),
          304: NOT_MODIFIED,
          503: fileResponse('The page is not built: run npm run build:client', 'text/plain'),
        },
      },
    },
    async (request, reply) => {
      if (!built) return sendNotBuilt(reply, 'The dashboard');
      void reply
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'DENY');
      return sendStaticFile(request, reply, built.page, 'no-cache');
    },
  );

  app.get<{ Params: { name: string }; Querystring: { v?: string } }>(
    '/dashboard/:name',
    {
      schema: {
        tags: TAGS,
        summary: "The dashboard's script and style sheet",
        description: 'Immutable for a year when `v` is the content hash the page names; revalidated otherwise.',
        security: OPEN_SECURITY,
        params: Type.Object({ name: Type.String({ maxLength: 64, description: Object.keys(ASSET_FILES).join(' or ') }) }),
        querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: {
          200: {
            description: 'The file',
            content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } },
          },
          304: NOT_MODIFIED,
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const name = request.params.name;
      const file = built && Object.hasOwn(ASSET_FILES, name) ? built.files[name as AssetName] : undefined;
      if (!file) return reply.callNotFound();
      const immutable = request.query.v === file.version;
      return sendStaticFile(request, reply, file, immutable ? IMMUTABLE : 'no-cache');
    },
  );

  /** Who the credential belongs to: the page shows the name and offers admin actions to admins only. */
  app.get(
    '/dashboard/me',
    {
      schema: {
        tags: TAGS,
        summary: 'Who these credentials are (the dashboard offers admin actions to admins only)',
        security: READER_SECURITY,
        response: { 200: MeAnswer, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const reader = await credentials.reader(request.headers.authorization, request.ip);
      void reply.header('cache-control', 'no-store');
      return {
        username: reader.account.username,
        role: reader.account.role,
        via: reader.apiKey ? ('apiKey' as const) : ('password' as const),
      };
    },
  );
};
