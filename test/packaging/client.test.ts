// @rollcall/client as people install it: packed (its prepack builds it), installed alone into a fresh
// project, imported and type-checked there as an application would (TypeScript's NodeNext, strict, once
// for Node without the DOM library, once for a page with it), bundled for a browser, and run from the
// installed files against a real rollcall. (The server's package and its `rollcall/client`:
// server-package.test.ts.) Packages come from npm's cache (--prefer-offline), as in install.test.ts.
// The projects are checked with this checkout's TypeScript and @types/node, so all the SDK's project
// installs is the SDK.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { waitForExit, waitForOutput } from '../helpers/rollcall-process.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';
import { cleanEnv, NODE_NEXT, NODE_TYPE_ROOTS, npmEnv, project, ROOT, sh, STEP_TIMEOUT_MS, tarballPaths, typeCheck } from './npm-steps.ts';

/** What the SDK installs (itself and `ws`) may weigh this much at most, in bytes. */
const SDK_INSTALL_MAX_BYTES = 1024 * 1024;

/** Every file below `dir` and its total size in bytes. */
function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join((entry as { parentPath?: string }).parentPath ?? entry.path, entry.name)).size, 0);
}

const work = mkdtempSync(join(tmpdir(), 'rollcall-packaging-client-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('the SDK has the server’s version, and the server depends on exactly it and carries it inside', () => {
  const read = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;
  const server = read('package.json') as { version: string; dependencies: Record<string, string>; bundleDependencies: string[] };
  const sdk = read('packages/client/package.json') as { name: string; version: string; dependencies: Record<string, string> };
  assert.equal(sdk.name, '@rollcall/client');
  assert.equal(sdk.version, server.version);
  assert.equal(server.dependencies['@rollcall/client'], sdk.version);
  assert.deepEqual(server.bundleDependencies, ['@rollcall/client']);
  assert.deepEqual(Object.keys(sdk.dependencies), ['ws'], 'ws is its only dependency');
});

describe('@rollcall/client, packed and installed alone', { timeout: 4 * STEP_TIMEOUT_MS }, () => {
  const app = join(work, 'sdk-app');
  let tarball: string;

  before(async () => {
    const packDir = join(work, 'sdk-pack');
    mkdirSync(packDir);
    await sh(`npm pack -w @rollcall/client --pack-destination '${packDir}'`, ROOT, npmEnv);
    const [name, ...others] = readdirSync(packDir);
    assert.ok(name && others.length === 0, `one tarball: ${readdirSync(packDir).join(', ')}`);
    tarball = join(packDir, name);
    project(app, {
      // An application in Node: the SDK, its protocol and its errors, with the options typed as they come.
      'node.ts': `import { CloseCode, RollcallClient, RollcallClientError, type RollcallClientOptions } from '@rollcall/client';
import { CLIENT_TYPES, type ClientType, type View } from '@rollcall/client/protocol';

const clientType: ClientType = 'web';
if (!CLIENT_TYPES.includes(clientType)) throw new Error('the protocol lists no web client type');
const view: View = { m: 'support', v: 'getticket', t: 'ticketid|105792' };
const options: RollcallClientOptions = {
  url: process.env.PACKAGED_URL ?? '',
  token: async () => process.env.PACKAGED_TOKEN ?? '',
  session: { clientType, view, hostname: 'packaged-host' },
};
const client = new RollcallClient(options);
client.on('error', (error: RollcallClientError) => console.error(\`error \${error.code}: \${error.message}\`));
client.on('disconnect', ({ code }) => {
  if (code !== CloseCode.normal) console.error(\`disconnected: \${code}\`);
});
await client.connect();
console.log(\`session \${client.sessionId}\`);
// Open until the test closes stdin: then the session ends as an application ends it.
process.stdin.resume();
process.stdin.on('end', () => {
  void client.close().then(() => console.log('closed'));
});
`,
      // A page: the DOM's own document, window and WebSocket go into the options the SDK types itself.
      'page.ts': `import { RollcallClient, type PlaceMember } from '@rollcall/client';
import type { ClientType } from '@rollcall/client/protocol';

const clientType: ClientType = 'web';
const client = new RollcallClient({
  url: location.origin,
  token: () => fetch('/token').then((answer) => answer.text()),
  session: { clientType, userAgent: navigator.userAgent },
  document,
  window,
  WebSocket,
});
client.watch('ticket:105792').on('join', (member: PlaceMember) => document.body.append(member.user.name));
void client.connect();
`,
      'tsconfig.node.json': {
        compilerOptions: { ...NODE_NEXT, lib: ['ES2022'], types: ['node'], typeRoots: NODE_TYPE_ROOTS, outDir: 'out' },
        files: ['node.ts'],
      },
      'tsconfig.page.json': {
        compilerOptions: { ...NODE_NEXT, lib: ['ES2022', 'DOM'], types: [], customConditions: ['browser'], noEmit: true },
        files: ['page.ts'],
      },
    });
    await sh(`npm install '${tarball}'`, app, npmEnv);
  });

  test('the tarball holds the build and nothing else: no sources, no tests', async () => {
    const paths = await tarballPaths(tarball, npmEnv);
    for (const needed of [
      'dist/node/index.js',
      'dist/browser/index.js',
      'dist/browser/rollcall-client.min.js',
      'dist/protocol.js',
      'dist/types/index.d.ts',
    ]) {
      assert.ok(paths.includes(`package/${needed}`), `the package holds ${needed}`);
    }
    assert.deepEqual(
      paths.filter((path) => !/^package\/(dist\/.+\.(js|d\.ts)|package\.json|README\.md|LICENSE)$/.test(path)),
      [],
    );
  });

  test('installs without the server, without compiling anything, and small', (t) => {
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    assert.deepEqual(
      Object.keys(lock.packages).sort(),
      ['', 'node_modules/@rollcall/client', 'node_modules/ws'],
      'the SDK and ws, nothing else',
    );
    assert.deepEqual(
      Object.entries(lock.packages).flatMap(([name, entry]) => (entry.hasInstallScript ? [name] : [])),
      [],
      'no install script: nothing is compiled',
    );
    for (const server of ['better-sqlite3', 'fastify', 'rollcall']) {
      assert.throws(() => statSync(join(app, 'node_modules', server)), { code: 'ENOENT' }, `${server} is not installed`);
    }
    const bytes = sizeOf(join(app, 'node_modules'));
    t.diagnostic(`installed: ${(bytes / 1024).toFixed(0)} kB`);
    assert.ok(bytes < SDK_INSTALL_MAX_BYTES, `installed: ${(bytes / 1024).toFixed(0)} kB`);
  });

  test('type-checks in a Node project without the DOM library (and compiles the application run below)', async () => {
    await typeCheck(app, 'tsconfig.node.json');
  });

  test('type-checks in a page with the DOM library, and bundles for the browser without ws', async () => {
    await typeCheck(app, 'tsconfig.page.json');
    const bundled = await build({
      entryPoints: [join(app, 'page.ts')],
      absWorkingDir: app,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const text = bundled.outputFiles[0]!.text;
    assert.match(text, /@rollcall\/client\/dist\/browser\/index\.js/, 'the browser build, by the `browser` condition');
    assert.doesNotMatch(text, /from\s*["']ws["']|import\(\s*["']ws["']\s*\)|require\(\s*["']ws["']\s*\)/, 'no ws in a browser bundle');
  });

  test('run from the installed package, it opens a session on a real rollcall and ends it', { timeout: STEP_TIMEOUT_MS }, async (t) => {
    // out/node.js: the application as the type check above compiled it.
    const server = await startTestServer();
    t.after(() => server.close());
    const token = await server.token({ sub: 'packaged-user', name: 'Packaged User', utype: 'staff' });
    const child = spawn(process.execPath, [join(app, 'out/node.js')], {
      cwd: app,
      env: cleanEnv({ PACKAGED_URL: server.url, PACKAGED_TOKEN: token }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const id = Number(/session (\d+)/.exec(await waitForOutput(child, /session \d+/))![1]);
    const session = await server.rollcall.presence.getSession(id);
    assert.equal(session?.user.id, 'packaged-user', 'the session is on the server');
    assert.equal(session?.hostname, 'packaged-host');
    assert.deepEqual(session?.view, { m: 'support', v: 'getticket', t: 'ticketid|105792' });

    const closed = waitForOutput(child, /closed/);
    child.stdin.end();
    await closed;
    assert.deepEqual(await waitForExit(child), { code: 0, signal: null }, 'the application exits once closed');
    await waitFor(async () => (await server.rollcall.presence.getSession(id)) === undefined, { what: 'the session to end' });
  });
});
