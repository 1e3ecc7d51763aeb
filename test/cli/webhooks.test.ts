import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHistory } from '../../src/server/open-history.ts';
import { openSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { startReceiver } from '../webhooks/receiver.ts';
import { configFor, runCli, tempDataDir } from './cli-process.ts';

test('webhooks add prints a generated secret once; list shows the subscription without it; remove deletes it', async (t) => {
  const dir = tempDataDir(t);
  const added = await runCli([
    'webhooks',
    'add',
    'https://hooks.example.test/rollcall',
    '--events',
    'user.online,user.offline',
    '--data-dir',
    dir,
  ]);
  assert.equal(added.code, 0, added.stderr);
  const id = /^created webhook (\d+) for https:\/\/hooks\.example\.test\/rollcall \(events user\.online, user\.offline\)$/m.exec(
    added.stdout,
  )?.[1];
  const secret = /^secret: (whsec_\S+)$/m.exec(added.stdout)?.[1];
  assert.ok(id && secret, added.stdout);
  assert.match(added.stdout, /shown only now/);

  const { history, close } = await openHistory(configFor(dir));
  try {
    const stored = await history.getWebhook(Number(id));
    assert.equal(stored?.secret, secret, 'the printed secret is the one that signs');
    assert.deepEqual(stored?.events, ['user.online', 'user.offline']);
  } finally {
    await close();
  }

  const given = await runCli(['webhooks', 'add', 'http://127.0.0.1:9/x', '--events', 'session.ended', '--data-dir', dir], {
    ROLLCALL_NEW_WEBHOOK_SECRET: 'from-the-environment-0123',
  });
  assert.equal(given.code, 0, given.stderr);
  assert.doesNotMatch(given.stdout, /secret/, 'a secret the caller chose is not echoed');

  const listed = await runCli(['webhooks', 'list', '--data-dir', dir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^ID\s+URL\s+EVENTS\s+ACTIVE\s+CREATED\s+NOTE$/m);
  assert.match(
    listed.stdout,
    new RegExp(`^${id}\\s+https://hooks\\.example\\.test/rollcall\\s+user\\.online,user\\.offline\\s+yes\\s+\\S+ \\S+Z\\s+-$`, 'm'),
  );
  assert.doesNotMatch(listed.stdout, /whsec_|from-the-environment/, 'listings never show secrets');

  const deliveries = await runCli(['webhooks', 'deliveries', id!, '--data-dir', dir]);
  assert.equal(deliveries.code, 0, deliveries.stderr);
  assert.equal(deliveries.stdout, 'no deliveries\n');

  const removed = await runCli(['webhooks', 'remove', id!, '--data-dir', dir]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, `removed webhook ${id}\n`);
  const again = await runCli(['webhooks', 'remove', id!, '--data-dir', dir]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, `rollcall: no webhook subscription ${id}\n`);
});

test('webhooks add refuses a bad URL, unknown event types or a missing --events', async (t) => {
  const dir = tempDataDir(t);
  const ftp = await runCli(['webhooks', 'add', 'ftp://example.test/x', '--events', 'user.online', '--data-dir', dir]);
  assert.equal(ftp.code, 1);
  assert.equal(ftp.stderr, 'rollcall: url: must use http or https\n');
  const unknown = await runCli(['webhooks', 'add', 'http://x.test/', '--events', 'user.online,user.away', '--data-dir', dir]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^rollcall: events: must be a list of session\.started, .* \(not user\.away\)$/m);
  const missing = await runCli(['webhooks', 'add', 'http://x.test/', '--data-dir', dir]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--events <types>' not specified/);
  const empty = await runCli(['webhooks', 'list', '--data-dir', dir]);
  assert.equal(empty.stdout, 'no webhooks yet\n');
});

test('a running server delivers to a subscription the CLI added on its data dir', async () => {
  const server = await startTestServer();
  const receiver = await startReceiver();
  try {
    const added = await runCli(['webhooks', 'add', receiver.url, '--events', 'user.online', '--data-dir', server.dataDir]);
    assert.equal(added.code, 0, added.stderr);
    // The server re-reads subscriptions every second; keep reporting until one is delivered.
    let n = 0;
    await waitFor(
      async () => {
        await openSession(server, openBody({ user: { id: `cli-${n++}`, name: 'C', type: 'staff' } }));
        return receiver.received.length > 0;
      },
      { intervalMs: 200, what: 'a delivery to the CLI-added subscription' },
    );
    assert.equal(receiver.received[0]!.json.type, 'user.online');
  } finally {
    await receiver.close();
    await server.close();
  }
});
