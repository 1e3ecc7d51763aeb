// `rollcall clients create|list|revoke|regenerate-secret` through the real executable, beside a running
// server on the same data dir: the printed client id and secret get a token from /oauth2/token, and a
// revocation or a new secret stops the server honouring the old credentials at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.ts';
import { hashApiKey } from '../../src/auth/api-keys.ts';
import { openHistory } from '../../src/server/open-history.ts';
import { configFor, runCli, tempDataDir } from './cli-process.ts';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function tokenStatus(url: string, id: string, secret: string): Promise<number> {
  const response = await fetch(`${url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  await response.arrayBuffer();
  return response.status;
}

test('clients create prints an id and a secret once, whose hash is stored; list shows it', async (t) => {
  const dir = tempDataDir(t);
  const created = await runCli(['clients', 'create', '--permission', 'full', '--label', 'monitoring', '--data-dir', dir]);
  assert.equal(created.code, 0, created.stderr);
  const id = /^client id: ([0-9a-f]{32})$/m.exec(created.stdout)?.[1];
  const secret = /^client secret: (rc_cs_\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(id && secret, created.stdout);
  assert.match(created.stdout, new RegExp(`^created API client ${id} \\(full\\)$`, 'm'));
  assert.match(created.stdout, /shown only now/);

  const { history, close } = await openHistory(configFor(dir));
  try {
    const stored = await history.findApiClient(id);
    assert.equal(stored?.secretHash, hashApiKey(secret));
    assert.equal(stored?.permission, 'full');
    assert.equal(stored?.label, 'monitoring');
  } finally {
    await close();
  }

  const plain = await runCli(['clients', 'create', '--data-dir', dir]);
  assert.match(plain.stdout, /^created API client [0-9a-f]{32} \(read_only\)$/m, 'read_only by default');

  const listed = await runCli(['clients', 'list', '--data-dir', dir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^CLIENT ID\s+PERMISSION\s+LABEL\s+CREATED\s+SECRET SET\s+REVOKED$/m);
  assert.match(listed.stdout, new RegExp(`^${id}\\s+full\\s+monitoring\\s+\\S+ \\S+Z\\s+\\S+ \\S+Z\\s+-$`, 'm'));
  assert.ok(!listed.stdout.includes(secret), 'listings never show a secret');
});

test('a running server honours CLI changes at once: token, regenerated secret, revocation', async (t) => {
  const dir = tempDataDir(t);
  const server = await startTestServer({}, dir);
  t.after(() => server.close({ keepData: true }));

  const created = await runCli(['clients', 'create', '--data-dir', dir]);
  const id = /^client id: (\S+)$/m.exec(created.stdout)?.[1] ?? '';
  const secret = /^client secret: (\S+)$/m.exec(created.stdout)?.[1] ?? '';
  assert.equal(await tokenStatus(server.url, id, secret), 200);

  const regenerated = await runCli(['clients', 'regenerate-secret', id, '--data-dir', dir]);
  assert.equal(regenerated.code, 0, regenerated.stderr);
  const renewed = /^client secret: (\S+)$/m.exec(regenerated.stdout)?.[1] ?? '';
  assert.notEqual(renewed, secret);
  assert.equal(await tokenStatus(server.url, id, secret), 401, 'the old secret stops working');
  assert.equal(await tokenStatus(server.url, id, renewed), 200);

  const revoked = await runCli(['clients', 'revoke', id, '--data-dir', dir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`^revoked API client ${id}`));
  assert.equal(await tokenStatus(server.url, id, renewed), 401);

  const again = await runCli(['clients', 'revoke', id, '--data-dir', dir]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `rollcall: no live API client with id ${id}\n`);
  const listed = await runCli(['clients', 'list', '--data-dir', dir]);
  assert.match(
    listed.stdout,
    new RegExp(`^${id}\\s+read_only\\s+-\\s+\\S+ \\S+Z\\s+\\S+ \\S+Z\\s+\\S+ \\S+Z$`, 'm'),
    'revoked clients stay listed',
  );
});

test('clients refuses an unknown permission or client', async (t) => {
  const dir = tempDataDir(t);
  const permission = await runCli(['clients', 'create', '--permission', 'admin', '--data-dir', dir]);
  assert.equal(permission.code, 1);
  assert.match(permission.stderr, /'admin' is invalid\. Allowed choices are full, read_only, deny/);
  const unknown = await runCli(['clients', 'regenerate-secret', 'nope', '--data-dir', dir]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'rollcall: no live API client with id nope\n');
  const empty = await runCli(['clients', 'list', '--data-dir', dir]);
  assert.equal(empty.stdout, 'no API clients yet\n');
});
