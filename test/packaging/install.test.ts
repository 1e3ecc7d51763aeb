// rollcall as people install it: the packed package, installed globally into a fresh prefix, started
// from there. The steps are the Dockerfile's own (read from it, see dockerfile.ts), run in a copy of
// the build context, since no container engine runs here:
//   build stage   npm ci --ignore-scripts, npm pack, npm install --global --prefix <temp> <tarball>
//   runtime       its ENV (host, port and data dir pointed at loopback, port 0 and a temp dir), its
//                 CMD, then its HEALTHCHECK command, which must pass while it runs and fail once stopped.
// Packages come from npm's cache (--prefer-offline; CI's own `npm ci` has just filled it). The global
// install's better-sqlite3 takes the addon this checkout compiled as its "prebuilt binary" (what
// prebuild-install downloads elsewhere), so nothing is compiled twice; were the versions to differ it
// compiles against the headers of the Node running this test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { waitForExit, waitForOutput } from '../helpers/rollcall-process.ts';
import { buildContextFiles, readImageRecipe } from './dockerfile.ts';
import { cleanEnv, prebuiltSqlite, ROOT, sh, STEP_TIMEOUT_MS, tarballPaths } from './npm-steps.ts';

/** Runs an exec-form command (the HEALTHCHECK's) and answers its exit code. */
function exitCode(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { env, timeout: 10_000 }, (error) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve(error ? Number(error.code) : 0);
    });
  });
}

test('the Dockerfile: multi-stage, non-root, a data volume, a health check', () => {
  const image = readImageRecipe(join(ROOT, 'Dockerfile'));
  assert.ok(image.stages >= 2, 'multi-stage');
  assert.ok(image.user !== undefined && !['root', '0', '0:0'].includes(image.user), `runs as ${image.user ?? 'root'}`);
  assert.ok(image.env.ROLLCALL_DATA_DIR, 'sets the data dir');
  assert.ok(image.volumes.includes(image.env.ROLLCALL_DATA_DIR), 'the data dir is a volume');
  assert.equal(image.env.ROLLCALL_HOST, '0.0.0.0', 'listens beyond the container');
  assert.ok(image.healthcheck.length > 0 && image.cmd.length > 0);
});

test('packed, installed globally in a fresh prefix and started as the image starts it, rollcall serves the dashboard and the API', {
  timeout: 4 * STEP_TIMEOUT_MS,
}, async (t) => {
  const image = readImageRecipe(join(ROOT, 'Dockerfile'));
  const work = mkdtempSync(join(tmpdir(), 'rollcall-packaging-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));

  // The build context, as .dockerignore lets it through: the Dockerfile's `COPY . .`.
  const context = join(work, 'context');
  const files = buildContextFiles(ROOT);
  assert.ok(files.includes('package.json') && files.some((file) => file.startsWith('src/')), `a build context of ${files.length} files`);
  assert.ok(
    !files.some((file) => /^(node_modules|dist|data|test|bench)\//.test(file) || file === '.env'),
    'no build output, data, tests or secrets in the context',
  );
  for (const file of files) cpSync(join(ROOT, file), join(context, file));

  const prefix = join(work, 'prefix');
  const packDir = join(work, 'pack');
  const buildEnv = cleanEnv({
    ...image.buildArgs,
    PACK_DIR: packDir,
    PREFIX: prefix,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    ...(await prebuiltSqlite(join(work, 'prebuilds'))),
  });
  for (const run of image.buildRuns) await sh(run, context, buildEnv);

  const tarballs = readdirSync(packDir).filter((name) => name.endsWith('.tgz'));
  assert.equal(tarballs.length, 1, `one tarball in ${packDir}: ${tarballs.join(', ')}`);
  const packed = await tarballPaths(join(packDir, tarballs[0]!), buildEnv);
  for (const needed of [
    'package/bin/rollcall.mjs',
    'package/dist/web/index.html',
    'package/dist/web/app.js',
    'package/dist/web/app.css',
    'package/src/server/serve.ts',
    // The SDK inside, built: what `rollcall/client` re-exports and /sdk/rollcall-client.js serves.
    'package/node_modules/@rollcall/client/package.json',
    'package/node_modules/@rollcall/client/dist/browser/rollcall-client.min.js',
    'package/node_modules/@rollcall/client/dist/types/index.d.ts',
  ]) {
    assert.ok(packed.includes(needed), `the package holds ${needed}`);
  }
  const unwanted = packed.filter((path) => /^package\/(test|bench|scripts|packages|data)\/|^package\/\.npmrc$/.test(path));
  assert.deepEqual(unwanted, [], 'the package ships no tests, benchmarks, build scripts, workspaces, data or npm settings');
  const bundled = new Set(packed.map((path) => /^package\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1]).filter(Boolean));
  assert.deepEqual([...bundled].sort(), ['@rollcall/client', 'ws'], 'bundled: the SDK and its one dependency');
  assert.deepEqual(
    packed.filter(
      (path) =>
        path.startsWith('package/node_modules/@rollcall/client/') && !/\/client\/(dist\/|package\.json$|README\.md$|LICENSE$)/.test(path),
    ),
    [],
    'of the SDK, only its build: its sources are not shipped',
  );

  // The runtime stage: its ENV with this machine's paths, loopback, a free port and a temp data dir.
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const imagePrefix = image.env.PATH?.split(':')[0]?.replace(/\/bin$/, '');
  const runtimeEnv = cleanEnv({
    ...Object.fromEntries(Object.entries(image.env).filter(([name]) => name !== 'PATH')),
    ROLLCALL_HOST: '127.0.0.1',
    ROLLCALL_PORT: '0',
    ROLLCALL_DATA_DIR: dataDir,
    ROLLCALL_ADMIN_PASSWORD: 'packaging-admin-password',
    ROLLCALL_INGEST_KEY: 'packaging-ingest-key-0123456789',
  });
  assert.equal(imagePrefix, image.buildArgs.PREFIX, 'the runtime PATH names the prefix the build stage installs into');
  runtimeEnv.PATH = [join(prefix, 'bin'), runtimeEnv.PATH].join(delimiter);

  const child = spawn(image.cmd[0]!, image.cmd.slice(1), { cwd: dataDir, env: runtimeEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const output = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  child.stdout.resume();
  child.stderr.resume();
  const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
  assert.match(output, new RegExp(`data in ${dataDir}`), 'started from the installed package, on the temp data dir');

  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');

  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200, 'the dashboard is built into the package');
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const script = /\/dashboard\/app\.js\?v=\w+/.exec(await page.text())?.[0];
  assert.ok(script, 'the page names its script');
  const bundle = await fetch(`${url}${script}`);
  assert.equal(bundle.status, 200);
  assert.ok((await bundle.text()).length > 1000, 'the dashboard script is there');
  const sdk = await fetch(`${url}/sdk/rollcall-client.js`);
  assert.equal(sdk.status, 200, 'the SDK bundled into the package is served');
  assert.match(await sdk.text(), /RollcallClient/);

  const opened = await fetch(`${url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: 'Bearer packaging-ingest-key-0123456789', 'content-type': 'application/json' },
    body: JSON.stringify({ user: { id: 'pkg-1', name: 'Packaged User', type: 'staff' }, clientType: 'web' }),
  });
  assert.ok(opened.ok, `open a session: ${opened.status}`);
  const admin = `Basic ${Buffer.from('admin:packaging-admin-password').toString('base64')}`;
  const online = await fetch(`${url}/v1/users?status=online`, { headers: { authorization: admin } });
  assert.equal(online.status, 200, 'the bootstrap account, kept in SQLite, signs in');
  const users = (await online.json()) as { users: { id: string }[] };
  assert.deepEqual(
    users.users.map((user) => user.id),
    ['pkg-1'],
  );

  const port = new URL(url).port;
  const healthcheckEnv = { ...runtimeEnv, ROLLCALL_PORT: port };
  assert.equal(await exitCode(image.healthcheck, healthcheckEnv), 0, 'the HEALTHCHECK passes');

  child.kill('SIGTERM');
  assert.deepEqual(await waitForExit(child), { code: 0, signal: null }, 'SIGTERM (docker stop) ends it cleanly');
  assert.notEqual(await exitCode(image.healthcheck, healthcheckEnv), 0, 'the HEALTHCHECK fails once it is gone');
});
