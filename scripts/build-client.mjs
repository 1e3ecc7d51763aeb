// Builds the browser-facing code with esbuild. Run by `npm run build:client` and npm's `prepare`.
//   dist/client/index.js                   rollcall/client (src/sdk): ESM for Node; `ws` stays an import
//                                          (lazy fallback on Node 20).
//   dist/client/rollcall-client.browser.js the SDK for browsers; the `ws` fallback swapped for a stub.
//   dist/web/{index.html,app.js,app.css}   the dashboard (src/web/client), served by src/web/plugin.ts.
// `node scripts/build-client.mjs web` builds only the dashboard (its browser tests do that, so they
// never run against a stale bundle and never rewrite the SDK while other tests read it). The page's
// files are replaced atomically (write aside, rename), and only when they changed: two test processes
// building at once never let a server read half a file.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const started = performance.now();
const only = process.argv[2];
if (only !== undefined && only !== 'web' && only !== 'client') {
  console.error(`usage: node scripts/build-client.mjs [web|client]`);
  process.exit(2);
}

// ---- rollcall/client ----------------------------------------------------------------------------
const sdkEntry = join(root, 'src/sdk/index.ts');
const clientDir = join(root, 'dist/client');

/** Resolves the SDK's Node-only module to its browser stand-in, so `ws` never enters the browser bundle. */
const browserStub = {
  name: 'rollcall-browser-stub',
  setup(b) {
    b.onResolve({ filter: /\/node-websocket\.ts$/ }, (args) => ({
      path: join(args.resolveDir, 'node-websocket.browser.ts'),
    }));
  },
};

const common = { entryPoints: [sdkEntry], bundle: true, format: 'esm', logLevel: 'warning', legalComments: 'none' };
const clientTargets = [
  { ...common, outfile: join(clientDir, 'index.js'), platform: 'node', target: 'node20', external: ['ws'] },
  {
    ...common,
    outfile: join(clientDir, 'rollcall-client.browser.js'),
    platform: 'browser',
    target: 'es2022',
    plugins: [browserStub],
  },
];

// ---- dashboard ----------------------------------------------------------------------------------
const webSource = join(root, 'src/web/client');
const webDir = join(root, 'dist/web');
const webTargets = [
  {
    entryPoints: [join(webSource, 'main.ts')],
    outfile: join(webDir, 'app.js'),
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
    legalComments: 'none',
  },
  { entryPoints: [join(webSource, 'styles.css')], outfile: join(webDir, 'app.css'), write: false, bundle: true, minify: true, logLevel: 'warning' },
];

/** Writes `contents` to `path` unless it holds them already, through a temporary file and a rename. */
function replaceFile(path, contents) {
  if (existsSync(path) && readFileSync(path).equals(contents)) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

const targets = [...(only === 'web' ? [] : clientTargets), ...(only === 'client' ? [] : webTargets)];
try {
  const results = await Promise.all(targets.map((options) => build(options)));
  if (only !== 'client') {
    mkdirSync(webDir, { recursive: true });
    for (const file of results.flatMap((result) => result.outputFiles ?? [])) replaceFile(file.path, Buffer.from(file.contents));
    replaceFile(join(webDir, 'index.html'), readFileSync(join(webSource, 'index.html')));
  }
} catch (error) {
  // esbuild has already printed its own errors; anything else (a missing file) is printed here.
  if (!(error instanceof Error && 'errors' in error)) console.error(error);
  process.exit(1);
}

const sizes = targets
  .map(({ outfile }) => `${relative(root, outfile)} ${(statSync(outfile).size / 1024).toFixed(1)} kB`)
  .join(', ');
console.log(`client build: ${sizes} in ${Math.round(performance.now() - started)} ms`);
