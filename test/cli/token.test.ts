import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyClientToken } from '../../src/auth/client-tokens.ts';
import { openDataDir } from '../../src/server/data-dir.ts';
import { configFor, runCli, tempDataDir } from './cli-process.ts';

test("token prints a client token signed with the data dir's secret", async (t) => {
  const dir = tempDataDir(t);
  const result = await runCli([
    'token',
    '--user',
    'u42',
    '--name',
    'Ada',
    '--email',
    'ada@example.org',
    '--type',
    'staff',
    '--client-types',
    'web,representative',
    '--ttl',
    '600',
    '--data-dir',
    dir,
  ]);
  assert.equal(result.code, 0, result.stderr);

  const verified = await verifyClientToken(openDataDir(configFor(dir)).tokenSecret, result.stdout.trim());
  assert.equal(verified.userId, 'u42');
  assert.equal(verified.name, 'Ada');
  assert.equal(verified.email, 'ada@example.org');
  assert.equal(verified.userType, 'staff');
  assert.deepEqual(verified.clientTypes, ['web', 'representative']);
  const ttl = verified.expiresAt - Date.now();
  assert.ok(ttl > 540_000 && ttl <= 600_000, `expires in about 600 s, not ${ttl} ms`);
});

test('token uses ROLLCALL_TOKEN_SECRET when it is set, and defaults to web for one hour', async (t) => {
  const dir = tempDataDir(t);
  const secret = 's'.repeat(40);
  const result = await runCli(['token', '--user', 'u1', '--data-dir', dir], { ROLLCALL_TOKEN_SECRET: secret });
  assert.equal(result.code, 0, result.stderr);
  const verified = await verifyClientToken(secret, result.stdout.trim());
  assert.deepEqual(verified.clientTypes, ['web']);
  assert.ok(verified.expiresAt - Date.now() > 3_500_000);
});

test('token refuses unknown client types and a user id the server would refuse', async (t) => {
  const dir = tempDataDir(t);
  const types = await runCli(['token', '--user', 'u1', '--client-types', 'web,robot', '--data-dir', dir]);
  assert.equal(types.code, 1);
  assert.match(types.stderr, /^rollcall: .*\(not robot\)/m);

  const long = await runCli(['token', '--user', 'x'.repeat(200), '--data-dir', dir]);
  assert.equal(long.code, 1);
  assert.match(long.stderr, /^rollcall: client token: sub must be a user id of 1\.\.128 characters$/m);
  assert.equal(long.stdout, '');
});
