// `.env`: read from the working directory when `rollcall` starts, beneath the real environment and the
// flags, through the same checks as every other source of settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnvFile } from '../../src/config/env-file.ts';
import { runCli, tempDataDir } from '../cli/cli-process.ts';

test('loadEnvFile copies what the environment lacks, keeps what it has, and answers the names it took', (t) => {
  const dir = tempDataDir(t);
  const file = join(dir, '.env');
  writeFileSync(file, '# a comment\nROLLCALL_PORT=9000\nROLLCALL_HOST="0.0.0.0"\nROLLCALL_LOG_LEVEL=debug\nEMPTY=\n');
  const env: NodeJS.ProcessEnv = { ROLLCALL_LOG_LEVEL: 'warn' };
  assert.deepEqual(loadEnvFile(file, env).sort(), ['EMPTY', 'ROLLCALL_HOST', 'ROLLCALL_PORT']);
  assert.deepEqual(env, { ROLLCALL_LOG_LEVEL: 'warn', ROLLCALL_PORT: '9000', ROLLCALL_HOST: '0.0.0.0', EMPTY: '' });
});

test('loadEnvFile: no file is nothing; a folder or a FIFO in its place is an error, never a hang', (t) => {
  const dir = tempDataDir(t);
  const env: NodeJS.ProcessEnv = {};
  assert.deepEqual(loadEnvFile(join(dir, '.env'), env), []);
  assert.deepEqual(env, {});

  mkdirSync(join(dir, 'folder', '.env'), { recursive: true });
  assert.throws(() => loadEnvFile(join(dir, 'folder', '.env'), env), /folder\/\.env is not a regular file/);
  const made = spawnSync('mkfifo', [join(dir, 'fifo.env')]);
  assert.equal(made.status, 0, 'mkfifo is needed for this test');
  assert.throws(() => loadEnvFile(join(dir, 'fifo.env'), env), /fifo\.env is not a regular file/);
});

test('rollcall reads .env from its working directory: below the environment, below flags, checked like them', async (t) => {
  const cwd = tempDataDir(t);
  writeFileSync(join(cwd, '.env'), 'ROLLCALL_DATA_DIR=./from-dotenv\nROLLCALL_SESION_TTL=5\n');
  const add = (args: string[] = [], env: Record<string, string> = {}) =>
    runCli(['accounts', 'add', 'someone', '--role', 'reader', ...args], { ROLLCALL_NEW_PASSWORD: 'someone-password', ...env }, { cwd });

  const fromFile = await add();
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.ok(existsSync(join(cwd, 'from-dotenv', 'rollcall.db')), 'the data dir .env names');
  // A typo in .env is reported as one in the environment would be.
  assert.match(fromFile.stderr, /ROLLCALL_SESION_TTL is not a setting and is ignored; did you mean ROLLCALL_SESSION_TTL\?/);

  assert.equal((await add([], { ROLLCALL_DATA_DIR: join(cwd, 'from-env') })).code, 0);
  assert.ok(existsSync(join(cwd, 'from-env', 'rollcall.db')), 'the environment wins over .env');
  assert.equal((await add(['--data-dir', join(cwd, 'from-flag')])).code, 0);
  assert.ok(existsSync(join(cwd, 'from-flag', 'rollcall.db')), 'a flag wins over .env');

  // Elsewhere, no .env: the default data dir of that working directory.
  const elsewhere = tempDataDir(t);
  assert.equal((await runCli(['accounts', 'list'], {}, { cwd: elsewhere })).code, 0);
  assert.ok(existsSync(join(elsewhere, 'data')), 'no .env there, so ./data');
});
