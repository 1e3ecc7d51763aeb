import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { BIN, cliEnv, runCli, tempDataDir } from './cli-process.ts';

/** Deadline for the server to start, and for it to stop after SIGTERM (a cold start compiles with tsx). */
const DEADLINE_MS = 30_000;

/** Resolves with the stdout seen so far once `pattern` matches it; rejects on exit or at the deadline. */
function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let errors = '';
    const done = (finish: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onError);
      child.off('exit', onExit);
      finish();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (pattern.test(seen)) done(() => resolve(seen));
    };
    const onError = (chunk: Buffer) => (errors += chunk.toString('utf8'));
    const onExit = (code: number | null) => done(() => reject(new Error(`server exited (${code}) before ${pattern}:\n${seen}${errors}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${DEADLINE_MS} ms:\n${seen}${errors}`))), DEADLINE_MS);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onError);
    child.once('exit', onExit);
  });
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running ${DEADLINE_MS} ms after SIGTERM`)), DEADLINE_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

test('serve listens, sees accounts and keys the CLI makes while it runs, and exits 0 on SIGTERM', async (t) => {
  const dir = tempDataDir(t);
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--log-level', 'warn'], {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever an assertion does, the server does not outlive the test.
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const output = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
  assert.ok(url);
  assert.match(output, /created account "admin" with password \S+/, 'first start prints the admin password');

  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');

  const users = (authorization: string) => fetch(`${url}/v1/users`, { headers: { authorization } }).then((r) => r.status);
  const carol = basic('carol', 'carol-password');
  assert.equal(await users(carol), 401, 'no such account yet');
  const added = await runCli(['accounts', 'add', 'carol', '--role', 'reader', '--data-dir', dir], { ROLLCALL_NEW_PASSWORD: 'carol-password' });
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
