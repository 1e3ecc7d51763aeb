// What the packaging tests share: running npm and shell steps as a user's shell would, each bounded in
// time, and better-sqlite3's addon offered as its own "prebuilt binary" so an install compiles nothing.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeHeaders } from '../../scripts/node-gyp-headers/headers.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** One npm step: an install resolves every dependency, which may take a while on a cold cache. */
export const STEP_TIMEOUT_MS = 180_000;

/**
 * This process's environment without what `npm test` and the developer's shell put there for their own
 * npm and rollcall (npm_* settings naming this checkout, ROLLCALL_*), with this Node first on PATH, so
 * `npm`, `rollcall` and `node` in the steps run on the Node that runs the test.
 */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|ROLLCALL_)/i.test(key) && key !== 'INIT_CWD') env[key] = value;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => !/node_modules[/\\]\.bin|node-gyp-bin/.test(dir));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  return { ...env, ...extra };
}

/** Runs `command` in a shell; answers its stdout, or rejects with its output when it fails or overruns. */
export function sh(command: string, cwd: string, env: NodeJS.ProcessEnv, timeout = STEP_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} failed (${error.code ?? error.signal}):\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * npm settings under which an install of rollcall compiles nothing: better-sqlite3's installer takes the
 * addon this checkout compiled, put into `dir` (made here) as the tarball prebuild-install looks for, as
 * its "prebuilt binary"; were the versions to differ it compiles against the headers of this Node.
 */
export async function prebuiltSqlite(dir: string): Promise<Record<string, string>> {
  const module = join(ROOT, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(module, 'package.json'), 'utf8')) as { version: string };
  mkdirSync(dir);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await sh(`tar -czf '${join(dir, name)}' -C '${module}' build/Release/better_sqlite3.node`, dir, cleanEnv({}));
  // A fallback compile must target this Node, whatever nodedir the machine's npm config names.
  const nodedir = findNodeHeaders(process.execPath, process.version);
  return { npm_config_better_sqlite3_local_prebuilds: dir, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) };
}

/** The paths in a tarball (`package/…`). */
export async function tarballPaths(tarball: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  return (await sh(`tar -tzf '${tarball}'`, dirname(tarball), env)).split('\n').filter(Boolean);
}

/** The environment of the npm steps: npm's cache first, no notices. */
export const npmEnv = cleanEnv({
  npm_config_prefer_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
});

/** A standard strict NodeNext project's compiler options, as an application's tsconfig.json has them. */
export const NODE_NEXT = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false };

/** Node's types for a project's `"types": ["node"]`: this checkout's, so the project installs none. */
export const NODE_TYPE_ROOTS = [join(ROOT, 'node_modules/@types')];

/** A fresh project in `dir` with these files (paths relative to it; objects are written as JSON). */
export function project(dir: string, files: Record<string, string | object>): string {
  mkdirSync(dir, { recursive: true });
  // npm 11 asks a project to allow install scripts by name: rollcall's need theirs (the SDK has none).
  const packageJson = {
    name: 'consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    allowScripts: { 'better-sqlite3': true, esbuild: true },
  };
  for (const [name, contents] of Object.entries({ 'package.json': packageJson, ...files })) {
    writeFileSync(join(dir, name), typeof contents === 'string' ? contents : JSON.stringify(contents, null, 2));
  }
  return dir;
}

/** Runs this checkout's tsc on a project's tsconfig; rejects with tsc's messages when it finds errors. */
export function typeCheck(dir: string, config: string): Promise<string> {
  return sh(`'${process.execPath}' '${join(ROOT, 'node_modules/typescript/bin/tsc')}' -p ${config}`, dir, npmEnv);
}
