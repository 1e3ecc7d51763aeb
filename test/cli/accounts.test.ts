import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyPassword } from '../../src/auth/passwords.ts';
import { openHistory } from '../../src/server/open-history.ts';
import { configFor, runCli, tempDataDir } from './cli-process.ts';

test('accounts add, list and remove round-trip through the data dir', async (t) => {
  const dir = tempDataDir(t);

  const added = await runCli(['accounts', 'add', 'alice', '--role', 'admin', '--data-dir', dir]);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /created account alice \(admin, command API full\)/);
  const password = /^password: (\S+)$/m.exec(added.stdout)?.[1];
  assert.ok(password, `a generated password is printed once:\n${added.stdout}`);

  // Options may also come before the command; the env variable keeps the password out of argv.
  const reader = await runCli(['--data-dir', dir, 'accounts', 'add', 'bob', '--role', 'reader'], {
    ROLLCALL_NEW_PASSWORD: 'correct horse',
  });
  assert.equal(reader.code, 0, reader.stderr);
  assert.doesNotMatch(reader.stdout, /password/, 'a given password is never echoed');

  const listed = await runCli(['accounts', 'list', '--data-dir', dir]);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = listed.stdout.trim().split('\n');
  assert.match(rows[0] ?? '', /^USERNAME\s+ROLE\s+COMMAND API\s+CREATED$/);
  assert.match(listed.stdout, /^alice\s+admin\s+full\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
  assert.match(listed.stdout, /^bob\s+reader\s+read_only\s+/m);

  const { history, close } = await openHistory(configFor(dir));
  try {
    const alice = await history.findAccount('alice');
    const bob = await history.findAccount('bob');
    assert.ok(alice && bob);
    assert.equal(await verifyPassword(password, alice.passwordHash), true);
    assert.equal(await verifyPassword('correct horse', bob.passwordHash), true);
  } finally {
    await close();
  }

  const removed = await runCli(['accounts', 'remove', 'bob', '--data-dir', dir]);
  assert.equal(removed.code, 0, removed.stderr);
  const after = await runCli(['accounts', 'list', '--data-dir', dir]);
  assert.doesNotMatch(after.stdout, /^bob\b/m);
  assert.match(after.stdout, /^alice\b/m);
});

test('accounts add refuses an unknown role, a duplicate, a short password and a bad username', async (t) => {
  const dir = tempDataDir(t);

  const role = await runCli(['accounts', 'add', 'carol', '--role', 'boss', '--data-dir', dir]);
  assert.equal(role.code, 1);
  assert.match(role.stderr, /^rollcall: .*'boss' is invalid\. Allowed choices are admin, reader/m);

  assert.equal((await runCli(['accounts', 'add', 'carol', '--role', 'reader', '--data-dir', dir])).code, 0);
  const duplicate = await runCli(['accounts', 'add', 'carol', '--role', 'reader', '--data-dir', dir]);
  assert.equal(duplicate.code, 1);
  assert.equal(duplicate.stderr, 'rollcall: account "carol" already exists\n');

  const short = await runCli(['accounts', 'add', 'dave', '--role', 'reader', '--password', 'short', '--data-dir', dir]);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /^rollcall: password must be at least 8 characters$/m);

  const colon = await runCli(['accounts', 'add', 'a:b', '--role', 'reader', '--data-dir', dir]);
  assert.equal(colon.code, 1);
  assert.match(colon.stderr, /^rollcall: username "a:b" must be/m);

  const list = await runCli(['accounts', 'list', '--data-dir', dir]);
  assert.doesNotMatch(list.stdout, /^(dave|a:b)\b/m);
});

test('accounts remove refuses an unknown account and the last admin', async (t) => {
  const dir = tempDataDir(t);
  assert.equal((await runCli(['accounts', 'add', 'root', '--role', 'admin', '--data-dir', dir])).code, 0);

  const missing = await runCli(['accounts', 'remove', 'nobody', '--data-dir', dir]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'rollcall: no account "nobody"\n');

  const last = await runCli(['accounts', 'remove', 'root', '--data-dir', dir]);
  assert.equal(last.code, 1);
  assert.match(last.stderr, /^rollcall: "root" is the last admin account/);
  assert.match((await runCli(['accounts', 'list', '--data-dir', dir])).stdout, /^root\s+admin/m);
});

test('accounts command-api sets the command API permission, and add takes it too', async (t) => {
  const dir = tempDataDir(t);
  const added = await runCli(['accounts', 'add', 'carol', '--role', 'reader', '--command-api', 'deny', '--data-dir', dir], {
    ROLLCALL_NEW_PASSWORD: 'carol-password',
  });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /command API deny/);
  const changed = await runCli(['accounts', 'command-api', 'carol', 'full', '--data-dir', dir]);
  assert.equal(changed.code, 0, changed.stderr);
  const { history, close } = await openHistory(configFor(dir));
  try {
    assert.equal((await history.findAccount('carol'))?.commandPermission, 'full');
  } finally {
    await close();
  }
  const bad = await runCli(['accounts', 'command-api', 'carol', 'everything', '--data-dir', dir]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^rollcall: permission must be one of full, read_only, deny$/m);
  const unknown = await runCli(['accounts', 'command-api', 'nobody', 'deny', '--data-dir', dir]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no account "nobody"/);
});
