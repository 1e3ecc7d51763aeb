import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDataDir } from './cli-process.ts';

test('--help lists the commands and shows examples', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0, result.stderr);
  for (const command of ['serve', 'demo', 'accounts', 'keys', 'token']) assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'));
  assert.match(result.stdout, /^Examples:$/m);
  assert.match(result.stdout, /\$ rollcall accounts add alice --role reader/);
});

test('serve --help names every setting flag with its variable and default', async () => {
  const result = await runCli(['serve', '--help']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /--port <port>.*\(env\s+ROLLCALL_PORT; default 8080\)/s);
  assert.match(result.stdout, /--session-ttl <seconds>/);
  assert.match(result.stdout, /--log-level <level>/);
  assert.doesNotMatch(result.stdout, /--token-secret|--ingest-key|--admin-password/, 'secrets have no flags');
});

test('an invalid setting from the environment stops with one readable line naming it', async (t) => {
  const dir = tempDataDir(t);
  const result = await runCli(['accounts', 'list', '--data-dir', dir], { ROLLCALL_PORT: 'abc' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^rollcall: invalid configuration:\n {2}ROLLCALL_PORT: /);
  assert.doesNotMatch(result.stderr, /\bat .*\.ts:\d+|Error:/, 'no stack trace');
  assert.equal(result.stdout, '');
});

test('serve refuses an invalid flag before opening anything', async (t) => {
  const dir = join(tempDataDir(t), 'never-created');
  const result = await runCli(['serve', '--port', '70000', '--data-dir', dir]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^rollcall: invalid configuration:\n {2}--port: /);
  assert.equal(existsSync(dir), false, 'the data dir is not created');
});

test('flags beat the environment, which beats the config file', async (t) => {
  const base = tempDataDir(t);
  const file = join(base, 'rollcall.json');
  writeFileSync(file, JSON.stringify({ dataDir: join(base, 'from-file') }));
  const add = (args: string[], env: Record<string, string> = {}) =>
    runCli(['--config', file, 'accounts', 'add', 'someone', '--role', 'reader', ...args], env);
  const list = (dir: string) => runCli(['accounts', 'list', '--data-dir', join(base, dir)]);

  assert.equal((await add([])).code, 0);
  assert.equal((await add([], { ROLLCALL_DATA_DIR: join(base, 'from-env') })).code, 0);
  assert.equal((await add(['--data-dir', join(base, 'from-flag')], { ROLLCALL_DATA_DIR: join(base, 'from-env') })).code, 0);
  for (const dir of ['from-file', 'from-env', 'from-flag']) assert.match((await list(dir)).stdout, /^someone\s+reader/m, dir);
});

test('a missing config file, an unknown command and a bad key id are reported in one line', async (t) => {
  const dir = tempDataDir(t);
  const file = await runCli(['--config', join(dir, 'nope.json'), 'accounts', 'list']);
  assert.equal(file.code, 1);
  assert.equal(file.stderr, `rollcall: cannot read config file ${join(dir, 'nope.json')}: ENOENT\n`);

  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^rollcall: unknown command 'frobnicate'$/m);

  const id = await runCli(['keys', 'revoke', 'seven', '--data-dir', dir]);
  assert.equal(id.code, 1);
  assert.match(id.stderr, /^rollcall: .*'seven' is invalid .*positive whole number/m);
});

test('demo checks its own options before starting', async () => {
  const result = await runCli(['demo', '--users', '0']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^rollcall: option '--users <n>' argument '0' is invalid\. expected a positive whole number/m);
});
