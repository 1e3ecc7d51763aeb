// Builds the browser-facing code with esbuild. Run by `npm run build:client` and npm's `prepare`.
//   packages/client/dist/                  the SDK, @rollcall/client: its own build (see its
//                                          scripts/build.mjs), whose minified browser bundle the server
//                                          serves at /sdk/rollcall-client.js (src/web/sdk-bundle.ts).
//   dist/web/{index.html,app.js,app.css}   the dashboard (src/web/client), served by src/web/plugin.ts.
//   dist/demo/{ticket.html,ticket.js,ticket.css}
//                                          the demo's ticket page (src/demo/page/client), served by
//                                          `rollcall demo` only; it loads the SDK's bundle from the server.
// `node scripts/build-client.mjs web` builds only the dashboard, `… client` only the SDK, `… demo` only
// the demo's page; several may be named. Browser tests build what they load, so they never run against
// a stale bundle. Every file is replaced atomically (write aside, rename), and only when it changed: two
// test processes building at once never let a server or a test read half a file.
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BROWSER_BUNDLE, buildClient, replaceFile } from '../packages/client/scripts/build.mjs';

const root = join(import.meta.dirname, '..');
const started = performance.now();

const common = { write: false, bundle: true, format: 'esm', logLevel: 'warning', legalComments: 'none' };

/** A browser page: its script and style sheet, minified. */
function pageTargets(source, script, style, plugins = []) {
  return [
    { ...common, entryPoints: [join(source, 'main.ts')], outfile: script, platform: 'browser', target: 'es2022', minify: true, plugins },
    { ...common, entryPoints: [join(source, 'styles.css')], outfile: style, minify: true },
  ];
}

// ---- dashboard ----------------------------------------------------------------------------------
const webSource = join(root, 'src/web/client');
const webDir = join(root, 'dist/web');

// ---- the demo's ticket page ---------------------------------------------------------------------
const demoSource = join(root, 'src/demo/page/client');
const demoDir = join(root, 'dist/demo');

/**
 * The page imports the SDK as an application would with a plain `<script type="module">`: the bundle the
 * server serves, not bundled into the page. (The source imports @rollcall/client for its types.)
 */
const sdkFromServer = {
  name: 'rollcall-sdk-from-server',
  setup(b) {
    b.onResolve({ filter: /^@rollcall\/client$/ }, () => ({ path: '/sdk/rollcall-client.js', external: true }));
  },
};

/** Bundles a page's targets and copies its files; answers the bundles' paths. */
async function buildPage(targets, copies) {
  const results = await Promise.all(targets.map((options) => build(options)));
  for (const file of results.flatMap((result) => result.outputFiles ?? [])) replaceFile(file.path, Buffer.from(file.contents));
  for (const [from, to] of copies) replaceFile(to, readFileSync(from));
  return targets.map(({ outfile }) => outfile);
}

/** Each part builds and answers the files worth naming in the report. */
const parts = {
  client: async () => {
    await buildClient();
    return [BROWSER_BUNDLE];
  },
  web: () =>
    buildPage(pageTargets(webSource, join(webDir, 'app.js'), join(webDir, 'app.css')), [
      [join(webSource, 'index.html'), join(webDir, 'index.html')],
    ]),
  demo: () =>
    buildPage(pageTargets(demoSource, join(demoDir, 'ticket.js'), join(demoDir, 'ticket.css'), [sdkFromServer]), [
      [join(demoSource, 'index.html'), join(demoDir, 'ticket.html')],
    ]),
};

const asked = process.argv.slice(2);
if (!asked.every((name) => Object.hasOwn(parts, name))) {
  console.error(`usage: node scripts/build-client.mjs [${Object.keys(parts).join('|')}]…`);
  process.exit(2);
}

// The SDK first: the pages bundle the server's model, which takes the wire contract from
// @rollcall/client/protocol: from its sources where tsconfig.json's paths say so (this checkout), else
// from its build (a Docker build context has no tsconfig.json).
const names = asked.length > 0 ? asked : Object.keys(parts);
const built = [];
try {
  if (names.includes('client')) built.push(...(await parts.client()));
  const pages = names.filter((name) => name !== 'client').map((name) => parts[name]());
  built.push(...(await Promise.all(pages)).flat());
} catch (error) {
  // esbuild has already printed its own errors; anything else (tsc's, a missing file) is printed here.
  if (!(error instanceof Error && 'errors' in error)) console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

const sizes = built.map((path) => `${relative(root, path)} ${(statSync(path).size / 1024).toFixed(1)} kB`).join(', ');
console.log(`client build: ${sizes} in ${Math.round(performance.now() - started)} ms`);
