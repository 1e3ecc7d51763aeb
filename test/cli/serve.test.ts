import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { BIN, CLI_CWD, cliEnv, runCli, tempDataDir } from './cli-process.ts';
import { waitForExit, waitForOutput } from '../helpers/rollcall-process.ts';

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

test('serve listens, sees accounts and keys the CLI makes while it runs, and exits 0 on SIGTERM', async (t) => {
  const dir = tempDataDir(t);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--log-level', 'warn'], {
    env: cliEnv(),
    cwd: CLI_CWD,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever an assertion does, the server does not outlive the test.
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const output = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
  assert.ok(url);
  // Its stdout is a pipe, no terminal: the first start names the file of its secrets, and shows none.
  assert.match(output, /First start: the generated secrets \(admin password, ingest key\) are in \S+first-start-secrets/);
  assert.doesNotMatch(output, /with password|ingest key rc_in_/);

  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');

  const users = (authorization: string) => fetch(`${url}/v1/users`, { headers: { authorization } }).then((r) => r.status);
  const carol = basic('carol', 'carol-password');
  assert.equal(await users(carol), 401, 'no such account yet');
  const added = await runCli(['accounts', 'add', 'carol', '--role', 'reader', '--data-dir', dir], {
    ROLLCALL_NEW_PASSWORD: 'carol-password',
  });
  assert.equal(added.code, 0, added.stderr);
  assert.equal(await users(carol), 200, 'an account made by the CLI works at once');

  const created = await runCli(['keys', 'create', '--kind', 'api', '--account', 'carol', '--data-dir', dir]);
  assert.equal(created.code, 0, created.stderr);
  const key = /^key: (\S+)$/m.exec(created.stdout)?.[1];
  const id = /created api key (\d+)/.exec(created.stdout)?.[1];
  assert.ok(key && id);
  assert.equal(await users(`Bearer ${key}`), 200, 'a key made by the CLI works at once');
  assert.equal((await runCli(['keys', 'revoke', id, '--data-dir', dir])).code, 0);
  assert.equal(await users(`Bearer ${key}`), 401, 'a key revoked by the CLI stops at once');

  child.kill('SIGTERM');
  assert.deepEqual(await waitForExit(child), { code: 0, signal: null });
});

test('serve on a port in use exits 1 with one line naming the address', async (t) => {
  const dir = tempDataDir(t);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const { port } = taken.address() as AddressInfo;

  const result = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dir, '--log-level', 'silent']);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `rollcall: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
});
