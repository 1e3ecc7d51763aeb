// The deployment files' settings, read the way rollcall reads them: every ROLLCALL_* variable that the
// Dockerfile, the compose file and the systemd unit set goes through the real config loader, so a
// misspelt name (only warned about at start) or a bad value fails here instead of in production.
// No container engine or systemd runs here; what can be checked without one is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { skipUnlessInstalled } from '../helpers/requirements.ts';
import { readImageRecipe } from '../packaging/dockerfile.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE_DIR = join(ROOT, 'deploy/compose');
const UNIT = join(ROOT, 'deploy/systemd/rollcall.service');

/** Loads `env` as rollcall would, failing on any warning (a ROLLCALL_* name that is no setting). */
function load(env: Record<string, string>, where: string): Config {
  const warnings: string[] = [];
  const config = loadConfig({ env, warn: (message) => warnings.push(message) });
  assert.deepEqual(warnings, [], `${where}: ${warnings.join('; ')}`);
  return config;
}

/** Compose's interpolation of `${NAME}`, `${NAME:-default}` and `${NAME:?message}` in every string value. */
function interpolate(node: unknown, values: Record<string, string>): unknown {
  if (Array.isArray(node)) return node.map((item) => interpolate(item, values));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolate(value, values)]));
  }
  if (typeof node !== 'string') return node;
  return node.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_match, name: string, kind?: string, rest?: string) => {
    const value = values[name];
    if (value !== undefined && value !== '') return value;
    if (kind === '-') return rest ?? '';
    throw new Error(`compose would stop: ${name} is not set${kind === '?' ? ` (${rest})` : ''}`);
  });
}

interface ComposeService {
  image?: string;
  environment?: Record<string, string | number | boolean>;
}

test('the image: its ENV is a valid configuration that serves beyond the container', () => {
  const image = readImageRecipe(join(ROOT, 'Dockerfile'));
  const env = Object.fromEntries(Object.entries(image.env).filter(([name]) => name.startsWith('ROLLCALL_')));
  const config = load(env, 'Dockerfile ENV');
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.dataDir, image.volumes[0]);
  // The HEALTHCHECK asks the port the server listens on.
  assert.match(image.healthcheck.join(' '), /ROLLCALL_PORT/);
});

test('the compose file: three nodes, each a valid cluster member with the same shared settings, all behind nginx', () => {
  // env.example is what an operator copies to .env; compose reads .env for ${…} in compose.yaml.
  const values = parseEnv(readFileSync(join(COMPOSE_DIR, 'env.example'), 'utf8')) as Record<string, string>;
  const compose = interpolate(parseYaml(readFileSync(join(COMPOSE_DIR, 'compose.yaml'), 'utf8'), { merge: true }), values) as {
    services: Record<string, ComposeService>;
  };
  const image = readImageRecipe(join(ROOT, 'Dockerfile'));
  const nodes = Object.entries(compose.services).filter(([, service]) => service.image === 'rollcall:local');
  assert.equal(nodes.length, 3, 'three rollcall nodes');

  const configs = nodes.map(([name, service]) => {
    // A node's environment is the image's ENV with the service's on top, as in the container.
    const imageEnv = Object.fromEntries(Object.entries(image.env).filter(([key]) => key.startsWith('ROLLCALL_')));
    const serviceEnv = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));
    return load({ ...imageEnv, ...serviceEnv }, `compose service ${name}`);
  });
  for (const config of configs) {
    assert.equal(config.liveStore, 'redis');
    assert.equal(config.historyStore, 'postgres');
    assert.equal(config.host, '0.0.0.0');
  }
  const shared = (pick: (config: Config) => unknown) => new Set(configs.map(pick)).size === 1;
  assert.ok(
    shared((config) => config.tokenSecret),
    'one token secret on every node',
  );
  assert.ok(shared((config) => config.databaseUrl) && shared((config) => config.redisUrl), 'one PostgreSQL and one Redis');
  assert.deepEqual(configs.map((config) => config.nodeRole).sort(), ['master', 'traffic', 'traffic']);

  // nginx balances over exactly those nodes, on the port they listen on.
  const nginx = readFileSync(join(COMPOSE_DIR, 'nginx.conf'), 'utf8');
  const upstreams = [...nginx.matchAll(/^\s*server\s+([\w.-]+):(\d+)/gm)].map((match) => `${match[1]}:${match[2]}`).sort();
  assert.deepEqual(upstreams, nodes.map(([name], index) => `${name}:${configs[index]!.port}`).sort());
});

test('the systemd unit: its settings are valid and systemd accepts the unit', async (t) => {
  const unit = readFileSync(UNIT, 'utf8');
  // Environment=NAME=value NAME=value (no quoting is used in the unit; the loader would reject quotes).
  const env: Record<string, string> = {};
  for (const [, assignments] of unit.matchAll(/^Environment=(.*)$/gm)) {
    for (const assignment of assignments!.trim().split(/\s+/)) {
      const [name, ...value] = assignment.split('=');
      env[name!] = value.join('=');
    }
  }
  const config = load(env, 'rollcall.service');
  assert.equal(config.host, '127.0.0.1', 'behind nginx on the same machine: loopback only');
  assert.equal(config.dataDir, /^WorkingDirectory=(.*)$/m.exec(unit)?.[1], 'runs in its data dir');

  const skip = skipUnlessInstalled('/usr/bin/systemd-analyze', 'systemd');
  if (skip) {
    t.skip(skip);
    return;
  }
  // systemd-analyze checks that ExecStart exists: point it at this Node, which does.
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, 'rollcall.service');
  writeFileSync(copy, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
  const output = await new Promise<string>((resolve) => {
    execFile('/usr/bin/systemd-analyze', ['verify', copy], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve(error ? `${error.message}\n${stdout}${stderr}` : `${stdout}${stderr}`),
    );
  });
  assert.equal(output.trim(), '', 'systemd-analyze verify has nothing to say');
});
