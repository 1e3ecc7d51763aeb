import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, envName, loadConfig } from '../../src/config/load.ts';
import { CONFIG_KEYS } from '../../src/config/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'rollcall-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const writeJson = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

test('defaults are the documented ones', () => {
  const config = loadConfig();
  assert.equal(config.port, 8080);
  assert.equal(config.dataDir, './data');
  assert.equal(config.sessionTtl, 90);
  assert.equal(config.offlineWindow, 86_400);
  assert.equal(config.wsResumeGraceMs, 10_000);
  assert.equal(config.trustProxy, false);
});

test('precedence: defaults < file < ROLLCALL_* env < flags', () => {
  const file = writeJson('c.json', { port: 1111, host: '127.0.0.2', sessionTtl: 30, offlineWindow: 60 });
  const env = { ROLLCALL_PORT: '2222', ROLLCALL_SESSION_TTL: '40' };
  const config = loadConfig({ file, env, flags: { port: 3333, host: undefined } });
  assert.equal(config.port, 3333, 'flag beats env and file');
  assert.equal(config.sessionTtl, 40, 'env beats file');
  assert.equal(config.host, '127.0.0.2', 'file beats default; an undefined flag is ignored');
  assert.equal(config.offlineWindow, 60);
});

test('environment names are ROLLCALL_ plus the key in upper snake case', () => {
  assert.equal(envName('sessionTtl'), 'ROLLCALL_SESSION_TTL');
  assert.equal(envName('dataDir'), 'ROLLCALL_DATA_DIR');
  const config = loadConfig({ env: { ROLLCALL_TRUST_PROXY: 'true', ROLLCALL_OFFLINE_WINDOW: '120' } });
  assert.equal(config.trustProxy, true);
  assert.equal(config.offlineWindow, 120);
});

test('a bad value stops the start with a message naming the setting and where it came from', () => {
  assert.throws(
    () => loadConfig({ env: { ROLLCALL_PORT: 'eighty' } }),
    (e: Error) => e instanceof ConfigError && /ROLLCALL_PORT/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ file: writeJson('bad.json', { sessionTtl: -5 }) }),
    (e: Error) => e instanceof ConfigError && /sessionTtl in .*bad\.json/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ flags: { adminPassword: 'short' } }),
    (e: Error) => e instanceof ConfigError && /--admin-password: must be at least 8 characters/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ file: writeJson('unknown.json', { prot: 1 }) }),
    /prot in .*unknown\.json: unknown setting; did you mean port\?/,
  );
  const notJson = join(dir, 'x.json');
  writeFileSync(notJson, '{ nope');
  assert.throws(() => loadConfig({ file: notJson }), /not valid JSON/);
  assert.throws(() => loadConfig({ file: join(dir, 'missing.json') }), /cannot read config file/);
});

test('.env.example documents every setting', () => {
  const example = readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8');
  for (const key of CONFIG_KEYS) assert.match(example, new RegExp(`^#? ?${envName(key)}=`, 'm'), `${envName(key)} is missing`);
});

test('historyStore postgres needs databaseUrl, and the refusal names the setting', () => {
  assert.equal(loadConfig().historyStore, 'sqlite');
  assert.throws(
    () => loadConfig({ env: { ROLLCALL_HISTORY_STORE: 'postgres' } }),
    (e: Error) =>
      e instanceof ConfigError &&
      /databaseUrl: is required when historyStore is postgres/.test(e.message) &&
      /ROLLCALL_DATABASE_URL/.test(e.message),
  );
  const config = loadConfig({
    env: { ROLLCALL_HISTORY_STORE: 'postgres', ROLLCALL_DATABASE_URL: 'postgresql:///rollcall?host=/var/run/postgresql' },
  });
  assert.equal(config.historyStore, 'postgres');
  assert.equal(config.databaseUrl, 'postgresql:///rollcall?host=/var/run/postgresql');
  assert.throws(() => loadConfig({ env: { ROLLCALL_HISTORY_STORE: 'mysql' } }), /ROLLCALL_HISTORY_STORE/);
});

test('a malformed database URL is refused without showing its password', () => {
  const password = 's3cr3t-Pa55word';
  const refused = [
    `postgres://rollcall:${password}@`, // no host
    `mysql://rollcall:${password}@db.example.test/rollcall`,
    `rollcall:${password}@db.example.test/rollcall`, // no scheme: not a URL
    `postgresql:///rollcall?password=${password}`, // neither host nor socket dir
  ];
  for (const url of refused) {
    for (const sources of [
      { env: { ROLLCALL_DATABASE_URL: url } },
      { file: writeJson('db.json', { historyStore: 'postgres', databaseUrl: url }) },
    ]) {
      assert.throws(
        () => loadConfig(sources),
        (e: Error) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, /ROLLCALL_DATABASE_URL|databaseUrl in /, 'names the setting');
          assert.ok(!e.message.includes(password), `no password in: ${e.message}`);
          return true;
        },
        url,
      );
    }
  }
  // Well-formed ones pass: a host, or a socket directory.
  for (const url of [`postgres://rollcall:${password}@db.example.test:5432/rollcall`, 'postgresql:///rollcall?host=/run/postgresql']) {
    assert.equal(loadConfig({ env: { ROLLCALL_DATABASE_URL: url } }).databaseUrl, url);
  }
});

// ---- hostile and mistaken configuration (hardening) -------------------------------------------------

test('a config file cannot reach settings through __proto__ or constructor', () => {
  const viaProto = join(dir, 'proto.json');
  writeFileSync(viaProto, '{"__proto__": {"port": 1234, "metricsAccess": "open"}}');
  assert.throws(
    () => loadConfig({ file: viaProto }),
    (e: Error) => e instanceof ConfigError && /__proto__ in .*proto\.json/.test(e.message),
  );
  const viaConstructor = join(dir, 'constructor.json');
  writeFileSync(viaConstructor, '{"constructor": {"prototype": {"port": 1234}}}');
  assert.throws(
    () => loadConfig({ file: viaConstructor }),
    (e: Error) => e instanceof ConfigError && /constructor in .*constructor\.json/.test(e.message),
  );
  // Nothing leaked into objects made afterwards.
  assert.equal(({} as Record<string, unknown>).port, undefined);
});

test('an unknown or misspelt ROLLCALL_* variable is warned about, naming the closest setting', () => {
  const warnings: string[] = [];
  const config = loadConfig({
    env: { ROLLCALL_SESION_TTL: '30', ROLLCALL_PORT: '1234', ROLLCALL_PROT: '1', ROLLCALL_ZZZZZZZZZZZZZ: 'x' },
    warn: (m) => warnings.push(m),
  });
  assert.equal(config.sessionTtl, 90, 'a misspelt variable sets nothing');
  assert.equal(config.port, 1234);
  assert.equal(warnings.length, 3, warnings.join('\n'));
  assert.match(warnings[0]!, /ROLLCALL_SESION_TTL is not a setting.*did you mean ROLLCALL_SESSION_TTL/);
  assert.match(warnings[1]!, /ROLLCALL_PROT .*did you mean ROLLCALL_PORT/);
  assert.doesNotMatch(warnings[2]!, /did you mean/, 'nothing close: no guess');
  // Variables rollcall reads elsewhere (the CLI's, the test runner's) are not settings and are no mistake.
  const quiet: string[] = [];
  loadConfig({
    env: { ROLLCALL_NEW_PASSWORD: 'x', ROLLCALL_NEW_WEBHOOK_SECRET: 'y', ROLLCALL_REQUIRE_ALL: '1', OTHER: 'z' },
    warn: (m) => quiet.push(m),
  });
  assert.deepEqual(quiet, []);
});

test('every configuration error names the setting and where it came from', () => {
  const unknown = writeJson('unknown2.json', { prot: 1 });
  assert.throws(
    () => loadConfig({ file: unknown }),
    (e: Error) => /prot in .*unknown2\.json/.test(e.message),
  );
  // trustProxy is handed to Fastify, whose own message ("invalid IP address") named no setting.
  assert.throws(
    () => loadConfig({ env: { ROLLCALL_TRUST_PROXY: '10.0.0.0/8,not an address' } }),
    (e: Error) => e instanceof ConfigError && /ROLLCALL_TRUST_PROXY: .*"not an address"/.test(e.message),
  );
  assert.throws(() => loadConfig({ flags: { trustProxy: '10.0.0.1/33' } }), /--trust-proxy: /);
  for (const good of ['127.0.0.1', '10.0.0.0/8, 192.168.0.0/16', '::1', 'fd00::/8', 'loopback,uniquelocal', 'true', 'false']) {
    assert.doesNotThrow(() => loadConfig({ env: { ROLLCALL_TRUST_PROXY: good } }), good);
  }
});

test('a data dir on a pseudo filesystem (/proc, /sys, /dev) is refused at once, naming the setting', () => {
  for (const path of ['/proc', '/proc/self', '/proc/self/fd/../fd', '/sys/kernel', '/dev/shm/../fd']) {
    assert.throws(
      () => loadConfig({ env: { ROLLCALL_DATA_DIR: path } }),
      (e: Error) => e instanceof ConfigError && /ROLLCALL_DATA_DIR: .*not a place for data/.test(e.message),
      path,
    );
  }
  // A link that leads there is followed.
  const link = join(dir, 'to-proc');
  symlinkSync('/proc/self', link);
  assert.throws(() => loadConfig({ flags: { dataDir: join(link, 'data') } }), /--data-dir: .*not a place for data/);
  assert.doesNotThrow(() => loadConfig({ flags: { dataDir: join(dir, 'fine', 'data') } }));
});

test('liveStore redis needs a Redis, PostgreSQL history and a shared token secret; each refusal names what to set', () => {
  const cluster = {
    ROLLCALL_LIVE_STORE: 'redis',
    ROLLCALL_REDIS_URL: 'unix:///run/redis/redis.sock',
    ROLLCALL_HISTORY_STORE: 'postgres',
    ROLLCALL_DATABASE_URL: 'postgresql:///rollcall?host=/run/postgresql',
    ROLLCALL_TOKEN_SECRET: 'a-cluster-wide-token-secret-0123456789',
  };
  const config = loadConfig({ env: cluster });
  assert.equal(config.liveStore, 'redis');
  assert.equal(config.redisUrl, 'unix:///run/redis/redis.sock');
  assert.equal(config.redisKeyPrefix, 'rollcall');
  const without = (name: keyof typeof cluster) => {
    const env: Record<string, string> = { ...cluster };
    delete env[name];
    return () => loadConfig({ env });
  };
  assert.throws(without('ROLLCALL_REDIS_URL'), /redisUrl: is required when liveStore is redis: set ROLLCALL_REDIS_URL/);
  assert.throws(
    without('ROLLCALL_HISTORY_STORE'),
    /ROLLCALL_LIVE_STORE: redis needs history shared by every node: set ROLLCALL_HISTORY_STORE=postgres/,
  );
  assert.throws(without('ROLLCALL_TOKEN_SECRET'), /tokenSecret: is required when liveStore is redis.*ROLLCALL_TOKEN_SECRET/);
  // Sentinels stand in for the URL.
  const { ROLLCALL_REDIS_URL: _, ...viaSentinels } = cluster;
  const sentinel = loadConfig({
    env: { ...viaSentinels, ROLLCALL_REDIS_SENTINELS: 'sentinel-1:26379, [::1]:26380', ROLLCALL_REDIS_MASTER_NAME: 'presence' },
  });
  assert.equal(sentinel.redisSentinels, 'sentinel-1:26379, [::1]:26380');
  assert.equal(sentinel.redisMasterName, 'presence');
  assert.throws(
    () => loadConfig({ env: { ...viaSentinels, ROLLCALL_REDIS_SENTINELS: 'sentinel-1' } }),
    /ROLLCALL_REDIS_SENTINELS: must be a comma list of host:port/,
  );
  assert.throws(() => loadConfig({ env: { ...cluster, ROLLCALL_REDIS_KEY_PREFIX: 'a}b' } }), /ROLLCALL_REDIS_KEY_PREFIX/);
});

test('a malformed Redis URL is refused without showing its password', () => {
  const password = 'r3d1s-Pa55word';
  for (const url of [
    `redis://:${password}@`,
    `http://:${password}@cache.example.test`,
    `:${password}@cache`,
    'unix://',
    `redis://:${password}@cache.example.test/db`,
  ]) {
    assert.throws(
      () => loadConfig({ env: { ROLLCALL_REDIS_URL: url } }),
      (e: Error) => e instanceof ConfigError && /ROLLCALL_REDIS_URL/.test(e.message) && !e.message.includes(password),
      url,
    );
  }
  for (const url of [
    `redis://:${password}@cache.example.test:6379/2`,
    `rediss://user:${password}@cache.example.test`,
    'unix:///run/redis.sock',
  ]) {
    assert.equal(loadConfig({ env: { ROLLCALL_REDIS_URL: url } }).redisUrl, url);
  }
});
