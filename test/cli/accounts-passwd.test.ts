// `rollcall accounts passwd`: the new password comes from stdin, the environment, a generator or a
// terminal prompt with echo off, never from argv; a running server on the same data dir takes it at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyPassword } from '../../src/auth/passwords.ts';
import { openHistory } from '../../src/server/open-history.ts';
import { waitForExit, waitForOutput } from '../helpers/rollcall-process.ts';
import { startTestServer, TEST_ADMIN_PASSWORD } from '../helpers/server.ts';
import { skipUnlessTerminal, spawnOnTerminal } from '../helpers/terminal.ts';
import { configFor, runCli, tempDataDir } from './cli-process.ts';

/** Whether `password` is the account's password now, read from the data dir as a server would. */
async function passwordIs(dir: string, username: string, password: string): Promise<boolean> {
  const { history, close } = await openHistory(configFor(dir));
  try {
    const account = await history.findAccount(username);
    assert.ok(account, `account ${username}`);
    return await verifyPassword(password, account.passwordHash);
  } finally {
    await close();
  }
}

async function withAccount(dir: string, username: string, password: string): Promise<void> {
  const added = await runCli(['accounts', 'add', username, '--role', 'reader', '--data-dir', dir], { ROLLCALL_NEW_PASSWORD: password });
  assert.equal(added.code, 0, added.stderr);
}

test('passwd reads one line from stdin, echoes nothing of it, and the old password stops working', async (t) => {
  const dir = tempDataDir(t);
  await withAccount(dir, 'alice', 'old-password-1');
  const changed = await runCli(
    ['accounts', 'passwd', 'alice', '--password-stdin', '--data-dir', dir],
    {},
    { input: 'new-password-2\nignored second line\n' },
  );
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(changed.stdout, 'changed the password of alice\n');
  assert.doesNotMatch(changed.stdout + changed.stderr, /new-password-2/);
  assert.equal(await passwordIs(dir, 'alice', 'new-password-2'), true);
  assert.equal(await passwordIs(dir, 'alice', 'old-password-1'), false);
});

test('passwd takes ROLLCALL_NEW_PASSWORD, or generates one and shows it once', async (t) => {
  const dir = tempDataDir(t);
  await withAccount(dir, 'bob', 'old-password-1');
  const fromEnv = await runCli(['accounts', 'passwd', 'bob', '--data-dir', dir], { ROLLCALL_NEW_PASSWORD: 'env-password-3' });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.equal(await passwordIs(dir, 'bob', 'env-password-3'), true);

  const generated = await runCli(['accounts', 'passwd', 'bob', '--generate', '--data-dir', dir]);
  assert.equal(generated.code, 0, generated.stderr);
  const password = /^password: (\S+)$/m.exec(generated.stdout)?.[1];
  assert.ok(password, generated.stdout);
  assert.match(generated.stdout, /shown only now/);
  assert.equal(await passwordIs(dir, 'bob', password), true);
});

test('passwd refuses what it cannot use and changes nothing then', async (t) => {
  const dir = tempDataDir(t);
  await withAccount(dir, 'carol', 'old-password-1');
  const refusals: [string[], string, RegExp][] = [
    // No terminal, and no other source named: it says how to give one rather than hang.
    [[], '', /^rollcall: standard input is not a terminal: use --password-stdin, --generate or ROLLCALL_NEW_PASSWORD$/m],
    [['--password-stdin'], 'short\n', /^rollcall: password must be at least 8 characters$/m],
    [['--password-stdin'], '', /^rollcall: no password on standard input/m],
    [['--password-stdin', '--generate'], 'whatever-password\n', /cannot be used with option '--generate'/],
  ];
  for (const [options, input, message] of refusals) {
    const result = await runCli(['accounts', 'passwd', 'carol', ...options, '--data-dir', dir], {}, { input });
    assert.equal(result.code, 1, `${options.join(' ')}: ${result.stdout}`);
    assert.match(result.stderr, message);
  }
  const unknown = await runCli(
    ['accounts', 'passwd', 'nobody', '--password-stdin', '--data-dir', dir],
    {},
    { input: 'long-enough-password\n' },
  );
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'rollcall: no account "nobody"\n');
  assert.equal(await passwordIs(dir, 'carol', 'old-password-1'), true, 'unchanged');
});

test('a server running on the data dir takes the new password from the next request', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` });
  const status = async (password: string) => (await fetch(`${server.url}/v1/users`, { headers: basic(password) })).status;
  assert.equal(await status(TEST_ADMIN_PASSWORD), 200);
  const changed = await runCli(
    ['accounts', 'passwd', 'admin', '--password-stdin', '--data-dir', server.dataDir],
    {},
    { input: 'rotated-admin-password\n' },
  );
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(await status('rotated-admin-password'), 200);
  assert.equal(await status(TEST_ADMIN_PASSWORD), 401);
});

test('at a terminal it asks twice with echo off', { skip: skipUnlessTerminal() }, async (t) => {
  const dir = tempDataDir(t);
  await withAccount(dir, 'dave', 'old-password-1');
  const child = spawnOnTerminal(['accounts', 'passwd', 'dave', '--data-dir', dir]);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // Typed only once asked: anything typed before the prompt turns echo off would be echoed by the terminal.
  let seen = await waitForOutput(child, /New password for dave: $/);
  child.stdin!.write('typed-password-4\r');
  seen += await waitForOutput(child, /Again: $/);
  child.stdin!.write('typed-password-4\r');
  seen += await waitForOutput(child, /changed the password of dave/);
  child.stdin!.end();
  assert.deepEqual(await waitForExit(child), { code: 0, signal: null });
  assert.doesNotMatch(seen, /typed-password-4/, 'nothing typed is echoed');
  assert.equal(await passwordIs(dir, 'dave', 'typed-password-4'), true);
});
