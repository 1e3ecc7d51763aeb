// Builds rollcall/client (src/sdk) with esbuild. Run by `npm run build:client` and npm's `prepare`.
//   dist/client/index.js                   ESM for Node; `ws` stays an import (lazy fallback on Node 20).
//   dist/client/rollcall-client.browser.js ESM for browsers; the `ws` fallback swapped for a stub.
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const entry = join(root, 'src/sdk/index.ts');
const outDir = join(root, 'dist/client');
const started = performance.now();

/** Resolves the SDK's Node-only module to its browser stand-in, so `ws` never enters the browser bundle. */
const browserStub = {
  name: 'rollcall-browser-stub',
  setup(b) {
    b.onResolve({ filter: /\/node-websocket\.ts$/ }, (args) => ({
      path: join(args.resolveDir, 'node-websocket.browser.ts'),
    }));
  },
};

const common = { entryPoints: [entry], bundle: true, format: 'esm', logLevel: 'warning', legalComments: 'none' };
const targets = [
  { ...common, outfile: join(outDir, 'index.js'), platform: 'node', target: 'node20', external: ['ws'] },
  {
    ...common,
    outfile: join(outDir, 'rollcall-client.browser.js'),
    platform: 'browser',
    target: 'es2022',
    plugins: [browserStub],
  },
];

try {
  await Promise.all(targets.map((options) => build(options)));
} catch {
  // esbuild has already printed the errors.
  process.exit(1);
}

const sizes = targets
  .map(({ outfile }) => `${relative(root, outfile)} ${(statSync(outfile).size / 1024).toFixed(1)} kB`)
  .join(', ');
console.log(`client build: ${sizes} in ${Math.round(performance.now() - started)} ms`);
