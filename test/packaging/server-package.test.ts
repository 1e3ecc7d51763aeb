// rollcall's own package, packed and installed into a project (not globally, as install.test.ts does):
// it carries the SDK inside it, built and once (no SDK sources), and its `rollcall/client` is that SDK,
// for an application's type check (strict NodeNext, no DOM library) and at run time. Packages come from
// npm's cache, and better-sqlite3 takes this checkout's addon: nothing is compiled.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  NODE_NEXT,
  NODE_TYPE_ROOTS,
  npmEnv,
  prebuiltSqlite,
  project,
  ROOT,
  sh,
  STEP_TIMEOUT_MS,
  tarballPaths,
  typeCheck,
} from './npm-steps.ts';

const work = mkdtempSync(join(tmpdir(), 'rollcall-packaging-server-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('rollcall, packed and installed into a project', { timeout: 4 * STEP_TIMEOUT_MS }, () => {
  const app = join(work, 'server-app');
  let paths: string[];

  before(async () => {
    const packDir = join(work, 'server-pack');
    mkdirSync(packDir);
    const env = { ...npmEnv, ...(await prebuiltSqlite(join(work, 'prebuilds'))) };
    await sh(`npm pack --pack-destination '${packDir}'`, ROOT, env);
    const [name] = readdirSync(packDir);
    assert.ok(name, 'a tarball');
    paths = await tarballPaths(join(packDir, name), env);
    project(app, {
      'main.ts': `import { RollcallClient, type RollcallClientOptions } from 'rollcall/client';

const options: RollcallClientOptions = { url: 'http://127.0.0.1:1', token: 'token' };
console.log(typeof RollcallClient, new RollcallClient(options).state);
`,
      'tsconfig.json': {
        compilerOptions: { ...NODE_NEXT, lib: ['ES2022'], types: ['node'], typeRoots: NODE_TYPE_ROOTS, outDir: 'out' },
        files: ['main.ts'],
      },
    });
    await sh(`npm install '${join(packDir, name)}'`, app, env);
  });

  test('ships the SDK once: built, inside it, and none of its sources', () => {
    assert.ok(paths.includes('package/node_modules/@rollcall/client/dist/browser/rollcall-client.min.js'));
    // The SDK's source files by the names only it uses (the server has a place-watch.ts of its own).
    const serverNames = new Set(readdirSync(join(ROOT, 'src'), { recursive: true }).map((path) => basename(String(path))));
    const sdkNames = readdirSync(join(ROOT, 'packages/client/src')).filter((name) => !serverNames.has(name));
    assert.ok(sdkNames.includes('node-websocket.ts'), `names: ${sdkNames.join(', ')}`);
    assert.deepEqual(
      paths.filter((path) => path.startsWith('package/packages/') || sdkNames.includes(basename(path))),
      [],
    );
  });

  test('its rollcall/client is that SDK: it type-checks and runs', async () => {
    await typeCheck(app, 'tsconfig.json');
    const output = await sh(`'${process.execPath}' out/main.js`, app, npmEnv, 30_000);
    assert.equal(output.trim(), 'function idle');
    const resolved = await sh(
      `'${process.execPath}' --input-type=module -e "console.log(import.meta.resolve('@rollcall/client'))"`,
      join(app, 'node_modules/rollcall'),
      npmEnv,
      30_000,
    );
    assert.match(resolved, /node_modules\/rollcall\/node_modules\/@rollcall\/client\/dist\/node\/index\.js/, 'the copy the server bundles');
  });
});
