// Builds @rollcall/client into dist/, what the package ships. Run by its `build` and `prepack` scripts,
// and by the repository's scripts/build-client.mjs (npm ci's `prepare`, browser tests), which imports it.
//   dist/node/index.js                      the `node` and `default` entry: ESM; `ws` stays an import,
//                                           loaded only where there is no global WebSocket (Node 20)
//   dist/browser/index.js                   the `browser` entry, for bundlers: the `ws` fallback swapped
//                                           for a stub, so `ws` is never bundled or fetched
//   dist/browser/rollcall-client.min.js     the same, minified: one module a page imports with a plain
//                                           <script type="module">; rollcall serves it at /sdk/rollcall-client.js
//   dist/protocol.js                        `@rollcall/client/protocol`, the wire contract's constants,
//                                           which the server imports too
//   dist/types/*.d.ts                       the declarations, emitted by tsc from the sources
// Every file is replaced atomically (write aside, rename), and only when it changed: two processes
// building at once never let a server or a test read half a file.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const packageDir = join(import.meta.dirname, '..');
const entry = join(packageDir, 'src/index.ts');
const dist = join(packageDir, 'dist');
const typesDir = join(dist, 'types');

/** The minified browser build: the file rollcall serves, and the package's `./rollcall-client.min.js`. */
export const BROWSER_BUNDLE = join(dist, 'browser/rollcall-client.min.js');

/** Resolves the SDK's Node-only module to its browser stand-in, so `ws` never enters a browser build. */
const browserStub = {
  name: 'rollcall-browser-stub',
  setup(b) {
    b.onResolve({ filter: /\/node-websocket\.ts$/ }, (args) => ({ path: join(args.resolveDir, 'node-websocket.browser.ts') }));
  },
};

const common = { write: false, bundle: true, format: 'esm', logLevel: 'warning', legalComments: 'none' };
const browser = { ...common, entryPoints: [entry], platform: 'browser', target: 'es2022', plugins: [browserStub] };
const targets = [
  { ...common, entryPoints: [entry], outfile: join(dist, 'node/index.js'), platform: 'node', target: 'node20', external: ['ws'] },
  { ...browser, outfile: join(dist, 'browser/index.js') },
  { ...browser, outfile: BROWSER_BUNDLE, minify: true },
  {
    ...common,
    entryPoints: [join(packageDir, 'src/protocol.ts')],
    outfile: join(dist, 'protocol.js'),
    platform: 'neutral',
    target: 'es2022',
  },
];

/** Writes `contents` to `path` unless it holds them already, through a temporary file and a rename. */
export function replaceFile(path, contents) {
  if (existsSync(path) && readFileSync(path).equals(contents)) return;
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/**
 * The declarations, by path, as tsc emits them from tsconfig.json; throws with tsc's own messages when
 * the sources do not type-check. Relative imports keep the `.ts` the sources write (tsc rewrites them
 * only in JavaScript it emits): made `.js` here, which every TypeScript and editor resolves to the
 * `.d.ts` beside it.
 */
function declarations() {
  const { config, error } = ts.readConfigFile(join(packageDir, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, packageDir);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const emitted = new Map();
  const result = program.emit(undefined, (path, text) =>
    emitted.set(path, text.replace(/((?:from |import\()(['"])\.{1,2}\/[^'"]*)\.ts\2/g, '$1.js$2')),
  );
  const problems = [...(error ? [error] : []), ...parsed.errors, ...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (problems.length > 0) {
    const host = { getCanonicalFileName: (name) => name, getCurrentDirectory: () => packageDir, getNewLine: () => '\n' };
    throw new Error(`the SDK's declarations:\n${ts.formatDiagnostics(problems, host)}`);
  }
  return emitted;
}

/** Builds the whole package; answers the files it wrote or found current. */
export async function buildClient() {
  const results = await Promise.all(targets.map((options) => build(options)));
  const files = results.flatMap((result) => result.outputFiles ?? []).map((file) => [file.path, Buffer.from(file.contents)]);
  const types = declarations();
  for (const [path, text] of types) files.push([path, Buffer.from(text)]);
  for (const [path, contents] of files) replaceFile(path, contents);
  // A source file removed since the last build must not leave its declarations behind in the package.
  for (const name of existsSync(typesDir) ? readdirSync(typesDir) : []) {
    if (name.endsWith('.d.ts') && !types.has(join(typesDir, name))) unlinkSync(join(typesDir, name));
  }
  return files.map(([path]) => path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  try {
    const files = await buildClient();
    console.log(`@rollcall/client: ${files.length} files in dist/ in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    // esbuild has already printed its own errors; anything else (tsc's, a missing file) is printed here.
    if (!(error instanceof Error && 'errors' in error)) console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
