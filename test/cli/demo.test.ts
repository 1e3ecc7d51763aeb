// `rollcall demo` as an operator runs it: its own data dir (./demo-data), whatever ROLLCALL_DATA_DIR
// names for the real server, unless --data-dir says otherwise; Ctrl-C stops it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv, tempDataDir } from './cli-process.ts';
import { waitForExit, waitForOutput } from '../helpers/rollcall-process.ts';

/** Runs the demo in `cwd` until it listens; answers where it keeps its data, by its own start-up line. */
async function demoDataDir(t: { after(fn: () => void): void }, cwd: string, args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(
    process.execPath,
    [BIN, 'demo', '--users', '1', '--port', '0', '--host', '127.0.0.1', '--log-level', 'silent', ...args],
    {
      env: cliEnv(env),
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const output = await waitForOutput(child, /listening on http:\S+ +\(node \S+, data in (\S+)\)/);
  child.kill('SIGINT');
  assert.deepEqual(await waitForExit(child), { code: 0, signal: null });
  return /data in (\S+)\)/.exec(output)![1]!;
}

test('demo keeps its data in ./demo-data, not in the data dir the environment names for the server', async (t) => {
  const cwd = tempDataDir(t);
  const serverData = join(cwd, 'server-data');
  assert.equal(await demoDataDir(t, cwd, [], { ROLLCALL_DATA_DIR: serverData }), join(cwd, 'demo-data'));
  assert.equal(existsSync(serverData), false, "the server's data dir is untouched");
  assert.ok(existsSync(join(cwd, 'demo-data', 'rollcall.db')));
});

test('demo --data-dir chooses another', async (t) => {
  const cwd = tempDataDir(t);
  assert.equal(await demoDataDir(t, cwd, ['--data-dir', join(cwd, 'mine')], {}), join(cwd, 'mine'));
  assert.equal(existsSync(join(cwd, 'demo-data')), false);
});
