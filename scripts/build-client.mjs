// Builds the browser-facing code with esbuild. Run by `npm run build:client` and npm's `prepare`.
//   dist/client/index.js                   rollcall/client (src/sdk): ESM for Node; `ws` stays an import
//                                          (lazy fallback on Node 20).
//   dist/client/rollcall-client.browser.js the SDK for browsers; the `ws` fallback swapped for a stub.
//   dist/web/{index.html,app.js,app.css}   the dashboard (src/web/client), served by src/web/plugin.ts.
//   dist/demo/{ticket.html,ticket.js,ticket.css}
//                                          the demo's ticket page (src/demo/page/client), served by
//                                          `rollcall demo` only; it loads the SDK's browser build above.
// `node scripts/build-client.mjs web` builds only the dashboard, `… client` only the SDK, `… demo` only
// the demo's page; several may be named. Browser tests build what they load, so they never run against
// a stale bundle. Every file is replaced atomically (write aside, rename), and only when it changed: two
// test processes building at once never let a server or a test read half a file.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const started = performance.now();

// ---- rollcall/client ----------------------------------------------------------------------------
const sdkEntry = join(root, 'src/sdk/index.ts');
const clientDir = join(root, 'dist/client');
const SDK_BROWSER_FILE = 'rollcall-client.browser.js';

/** Resolves the SDK's Node-only module to its browser stand-in, so `ws` never enters the browser bundle. */
const browserStub = {
  name: 'rollcall-browser-stub',
  setup(b) {
    b.onResolve({ filter: /\/node-websocket\.ts$/ }, (args) => ({
      path: join(args.resolveDir, 'node-websocket.browser.ts'),
    }));
  },
};

const common = { write: false, bundle: true, format: 'esm', logLevel: 'warning', legalComments: 'none' };
const clientTargets = [
  { ...common, entryPoints: [sdkEntry], outfile: join(clientDir, 'index.js'), platform: 'node', target: 'node20', external: ['ws'] },
  {
    ...common,
    entryPoints: [sdkEntry],
    outfile: join(clientDir, SDK_BROWSER_FILE),
    platform: 'browser',
    target: 'es2022',
    plugins: [browserStub],
  },
];

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
 * The page imports the SDK as an application would with a plain `<script type="module">`: from the
 * browser build, served beside it, not bundled into the page. (The source imports src/sdk for its types.)
 */
const sdkFromBrowserBuild = {
  name: 'rollcall-sdk-from-browser-build',
  setup(b) {
    b.onResolve({ filter: /\/sdk\/index\.ts$/ }, () => ({ path: `./${SDK_BROWSER_FILE}`, external: true }));
  },
};

const parts = {
  client: { targets: clientTargets, copies: [] },
  web: {
    targets: pageTargets(webSource, join(webDir, 'app.js'), join(webDir, 'app.css')),
    copies: [[join(webSource, 'index.html'), join(webDir, 'index.html')]],
  },
  demo: {
    targets: pageTargets(demoSource, join(demoDir, 'ticket.js'), join(demoDir, 'ticket.css'), [sdkFromBrowserBuild]),
    copies: [[join(demoSource, 'index.html'), join(demoDir, 'ticket.html')]],
  },
};

const asked = process.argv.slice(2);
if (!asked.every((name) => Object.hasOwn(parts, name))) {
  console.error(`usage: node scripts/build-client.mjs [${Object.keys(parts).join('|')}]…`);
  process.exit(2);
}
const chosen = (asked.length > 0 ? asked : Object.keys(parts)).map((name) => parts[name]);
const targets = chosen.flatMap((part) => part.targets);
const copies = chosen.flatMap((part) => part.copies);

/** Writes `contents` to `path` unless it holds them already, through a temporary file and a rename. */
function replaceFile(path, contents) {
  if (existsSync(path) && readFileSync(path).equals(contents)) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

try {
  const results = await Promise.all(targets.map((options) => build(options)));
  for (const dir of new Set([...targets.map(({ outfile }) => outfile), ...copies.map(([, to]) => to)].map(dirname)))
    mkdirSync(dir, { recursive: true });
  for (const file of results.flatMap((result) => result.outputFiles ?? [])) replaceFile(file.path, Buffer.from(file.contents));
  for (const [from, to] of copies) replaceFile(to, readFileSync(from));
} catch (error) {
  // esbuild has already printed its own errors; anything else (a missing file) is printed here.
  if (!(error instanceof Error && 'errors' in error)) console.error(error);
  process.exit(1);
}

const sizes = targets.map(({ outfile }) => `${relative(root, outfile)} ${(statSync(outfile).size / 1024).toFixed(1)} kB`).join(', ');
console.log(`client build: ${sizes} in ${Math.round(performance.now() - started)} ms`);
