// The SDK for pages: @rollcall/client's minified browser build, one ES module at a stable URL, so a page
// loads the SDK of the server it reports to with nothing to install or bundle:
//   <script type="module">
//     import { RollcallClient } from 'https://presence.example.com/sdk/rollcall-client.js';
//   </script>
// Pages of other origins are the rule (the application's, not rollcall's), and browsers fetch module
// scripts with CORS: the file is public, so any origin may load it.
//
// Caching: the URL stays while the file changes with every upgrade of the server, so a browser
// revalidates it on every load (`no-cache` + ETag: a 304 while unchanged); a year-long cache would keep
// an SDK the server no longer ships. `?v=<version>` (the content hash, the ETag's first 12 hex digits)
// names one build, cached for a year as immutable: for pages generated with the current hash in hand.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { OPEN_SECURITY } from '../api/schemas.ts';
import { IMMUTABLE, NOT_MODIFIED, fileResponse, sendNotBuilt, sendStaticFile, staticFile } from './static-files.ts';

export const SDK_BUNDLE_PATH = '/sdk/rollcall-client.js';

/** Where the installed @rollcall/client keeps the bundle (its `./rollcall-client.min.js` export). */
function installedBundle(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@rollcall/client/rollcall-client.min.js');
  } catch {
    return undefined; // a checkout whose SDK is not built yet
  }
}

export interface SdkBundleOptions {
  /** The bundle's file; default the installed @rollcall/client's. Missing, the route answers 503. */
  bundleFile?: string;
}

export const sdkBundle: FastifyPluginAsync<SdkBundleOptions> = async (app, options) => {
  const path = options.bundleFile ?? installedBundle();
  const bundle = path !== undefined && existsSync(path) ? staticFile(readFileSync(path), 'text/javascript; charset=utf-8') : undefined;

  app.get<{ Querystring: { v?: string } }>(
    SDK_BUNDLE_PATH,
    {
      schema: {
        tags: ['ingest'],
        summary: 'The SDK for pages: one ES module to import from a <script type="module">',
        description:
          "@rollcall/client's browser build, minified, the version this server speaks. Revalidated on every load (ETag); " +
          'immutable for a year when `v` is the content hash its ETag starts with. Any origin may load it (CORS).',
        security: OPEN_SECURITY,
        querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: {
          200: fileResponse('The module', 'text/javascript'),
          304: NOT_MODIFIED,
          503: fileResponse('The SDK is not built: run npm run build:client', 'text/plain'),
        },
      },
    },
    async (request, reply) => {
      void reply.header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin');
      if (!bundle) return sendNotBuilt(reply, 'The SDK');
      return sendStaticFile(request, reply, bundle, request.query.v === bundle.version ? IMMUTABLE : 'no-cache');
    },
  );
};
