// First-start secrets never reach a log stream: they go to a file in the data dir (mode 0600), the
// output names the file, and only a terminal is shown the secrets themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_START_FILE, writeFirstStartFile } from '../../src/server/first-start-file.ts';
import { tempDataDir } from '../cli/cli-process.ts';
import { startRollcallProcess, waitForExit, waitForOutput } from '../helpers/rollcall-process.ts';
import { skipUnlessTerminal, spawnOnTerminal } from '../helpers/terminal.ts';

/** The `name=value` lines of a first-start file. */
function secretsIn(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
  return Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

const basic = (password: string) => `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;

test('writeFirstStartFile: mode 0600, name=value lines, nothing when nothing was generated', (t) => {
  const dir = tempDataDir(t);
  assert.equal(writeFirstStartFile(dir, {}), undefined);
  assert.equal(existsSync(join(dir, FIRST_START_FILE)), false);

  const file = writeFirstStartFile(dir, { adminPassword: 'pw-1', ingestKey: 'rc_in_key-1' });
  assert.equal(file, join(dir, FIRST_START_FILE));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(secretsIn(file), { admin_username: 'admin', admin_password: 'pw-1', ingest_key: 'rc_in_key-1' });

  // An older file (of a wiped history) is replaced; a link in its place is replaced, never written through.
  const elsewhere = join(dir, 'elsewhere');
  writeFileSync(elsewhere, 'untouched\n', { mode: 0o644 });
  writeFirstStartFile(dir, { ingestKey: 'rc_in_key-2' });
  assert.deepEqual(secretsIn(file), { ingest_key: 'rc_in_key-2' });
  const linked = tempDataDir(t);
  symlinkSync(elsewhere, join(linked, FIRST_START_FILE));
  writeFirstStartFile(linked, { adminPassword: 'pw-3' });
  assert.equal(readFileSync(elsewhere, 'utf8'), 'untouched\n');
  assert.equal(statSync(join(linked, FIRST_START_FILE)).mode & 0o777, 0o600);
});

test('serve to a pipe: the secrets are in the file, which the output names, and not in the output', async (t) => {
  const dir = tempDataDir(t);
  const server = await startRollcallProcess(['--data-dir', dir]);
  t.after(() => server.crash());
  const file = join(dir, FIRST_START_FILE);
  assert.match(
    server.startOutput,
    new RegExp(`the generated secrets \\(admin password, ingest key\\) are in ${file}, readable by this user alone`),
  );
  const { admin_password: password, ingest_key: key } = secretsIn(file);
  assert.ok(password && key);
  assert.ok(!server.startOutput.includes(password) && !server.startOutput.includes(key), server.startOutput);

  // They are the real ones.
  assert.equal((await fetch(`${server.url}/v1/users`, { headers: { authorization: basic(password) } })).status, 200);
  const opened = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user: { id: 'u1', name: 'One' }, clientType: 'web' }),
  });
  assert.equal(opened.status, 201, await opened.text());
  assert.deepEqual(await server.stop(), { code: 0, signal: null });

  // A later start generates nothing and says nothing of secrets; the file stays for the operator to delete.
  const again = await startRollcallProcess(['--data-dir', dir]);
  t.after(() => again.crash());
  assert.doesNotMatch(again.startOutput, /First start/);
  assert.deepEqual(secretsIn(file), { admin_username: 'admin', admin_password: password, ingest_key: key });
  assert.deepEqual(await again.stop(), { code: 0, signal: null });
});

test('serve on a terminal: shows the secrets once, and logs readable lines instead of JSON', { skip: skipUnlessTerminal() }, async (t) => {
  const dir = tempDataDir(t);
  // Without colours (https://no-color.org), so the lines read as plain text here.
  const child = spawnOnTerminal(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], { NO_COLOR: '1' });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // The start-up line comes once the server handles signals (Fastify's own log line comes before).
  const output = await waitForOutput(child, /rollcall is listening on/);
  assert.match(output, /\d\d:\d\d:\d\d\.\d{3} INFO +Server listening at http:\/\/127\.0\.0\.1:\d+/);
  const { admin_password: password, ingest_key: key } = secretsIn(join(dir, FIRST_START_FILE));
  assert.match(output, new RegExp(`created account "admin" with password ${password}`));
  assert.match(output, new RegExp(`generated ingest key ${key}`));
  assert.match(output, /shown only now; also in \S+first-start-secrets, readable by you alone/);
  assert.doesNotMatch(output, /\{"level":/, 'no JSON lines on a terminal');
  assert.doesNotMatch(output, /\u001b\[/, 'NO_COLOR is honoured');
  // Ctrl-C at the terminal: SIGINT, a clean shutdown, logged readably too.
  child.stdin!.write('\u0003');
  const rest = await waitForOutput(child, /INFO +shutting down/);
  assert.match(rest, /signal=SIGINT/);
  assert.deepEqual(await waitForExit(child), { code: 0, signal: null });
});
