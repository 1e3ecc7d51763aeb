import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { openHistory } from '../../src/server/open-history.ts';
import { configFor, runCli, tempDataDir } from './cli-process.ts';

test('keys create prints a key once whose hash is stored; list and revoke follow', async (t) => {
  const dir = tempDataDir(t);
  assert.equal((await runCli(['accounts', 'add', 'admin', '--role', 'admin', '--data-dir', dir])).code, 0);
  assert.equal((await runCli(['accounts', 'add', 'status', '--role', 'reader', '--data-dir', dir])).code, 0);

  // --account defaults to admin.
  const ingest = await runCli(['keys', 'create', '--kind', 'ingest', '--data-dir', dir]);
  assert.equal(ingest.code, 0, ingest.stderr);
  assert.match(ingest.stdout, /created ingest key \d+ \(prefix rc_in_\S+\) for account admin/);

  const created = await runCli([
    'keys',
    'create',
    '--kind',
    'api',
    '--account',
    'status',
    '--user',
    'u7',
    '--label',
    'status page',
    '--data-dir',
    dir,
  ]);
  assert.equal(created.code, 0, created.stderr);
  const key = /^key: (rc_api_\S+)$/m.exec(created.stdout)?.[1];
  const id = /created api key (\d+) \(prefix (\S+)\)/.exec(created.stdout);
  assert.ok(key && id, created.stdout);
  assert.ok(key.startsWith(id[2] ?? '?'), 'the prefix is the start of the key');

  const { history, close } = await openHistory(configFor(dir));
  try {
    const stored = await history.findApiKey(hashApiKey(key));
    assert.ok(stored, 'the printed key is the one stored');
    assert.equal(stored.id, Number(id[1]));
    assert.equal(stored.kind, 'api');
    assert.equal(stored.userId, 'u7');
    assert.equal(stored.label, 'status page');
    assert.equal(stored.accountId, (await history.findAccount('status'))?.id);
  } finally {
    await close();
  }

  const listed = await runCli(['keys', 'list', '--data-dir', dir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^ID\s+KIND\s+PREFIX\s+ACCOUNT\s+USER\s+LABEL\s+CREATED\s+REVOKED$/m);
  assert.match(listed.stdout, new RegExp(`^${id[1]}\\s+api\\s+${id[2]}\\s+status\\s+u7\\s+status page\\s+\\S+ \\S+Z\\s+-$`, 'm'));
  assert.doesNotMatch(listed.stdout, new RegExp(key.slice(12)), 'listings never show the secret part');

  const revoked = await runCli(['keys', 'revoke', id[1] ?? '', '--data-dir', dir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  const again = await runCli(['keys', 'revoke', id[1] ?? '', '--data-dir', dir]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `rollcall: no live key with id ${id[1]}\n`);

  const reopened = await openHistory(configFor(dir));
  try {
    assert.equal(await reopened.history.findApiKey(hashApiKey(key)), undefined, 'a revoked key is no longer found');
  } finally {
    await reopened.close();
  }
  assert.match((await runCli(['keys', 'list', '--data-dir', dir])).stdout, new RegExp(`^${id[1]}\\s+api\\s.*Z\\s+\\S+ \\S+Z$`, 'm'));
});

test('keys create refuses an unknown account or kind', async (t) => {
  const dir = tempDataDir(t);
  const noAdmin = await runCli(['keys', 'create', '--kind', 'api', '--data-dir', dir]);
  assert.equal(noAdmin.code, 1);
  assert.match(noAdmin.stderr, /^rollcall: no account "admin"/);

  const kind = await runCli(['keys', 'create', '--kind', 'root', '--data-dir', dir]);
  assert.equal(kind.code, 1);
  assert.match(kind.stderr, /^rollcall: .*'root' is invalid\. Allowed choices are ingest, api/m);

  const scoped = await runCli(['keys', 'create', '--kind', 'ingest', '--user', 'u1', '--data-dir', dir]);
  assert.equal(scoped.code, 1);
  assert.match(scoped.stderr, /^rollcall: a user id applies to api keys only/);
});
