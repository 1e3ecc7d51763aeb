// The data dir holds files rollcall reads at start (node id, token secret). Whatever stands there in
// their place must stop the start with a message naming the setting, never hang it: a FIFO blocks a
// read until a writer comes, which is forever.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDataDir } from '../../src/server/data-dir.ts';

const root = mkdtempSync(join(tmpdir(), 'rollcall-datadir-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs openDataDir in a child process, so a hang fails the test (the child is killed) instead of the run. */
function openInChild(dataDir: string): { status: number | null; stderr: string; signal: NodeJS.Signals | null } {
  const script = `import { openDataDir } from ${JSON.stringify(join(import.meta.dirname, '../../src/server/data-dir.ts'))};
try { openDataDir({ dataDir: ${JSON.stringify(dataDir)} }); } catch (e) { process.stderr.write(e.message); process.exit(3); }`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 20_000,
    encoding: 'utf8',
  });
  return { status: child.status, stderr: child.stderr, signal: child.signal };
}

test('a FIFO where the node id belongs stops the start with a message, instead of hanging it', () => {
  const dir = join(root, 'fifo');
  mkdirSync(dir);
  const made = spawnSync('mkfifo', [join(dir, 'node-id')]);
  assert.equal(made.status, 0, 'mkfifo is needed for this test');
  const result = openInChild(dir);
  assert.equal(result.signal, null, 'the child hung and was killed');
  assert.equal(result.status, 3);
  assert.match(result.stderr, /dataDir: .*node-id is not a regular file/);
});

test('a folder where the token secret belongs, or an unreadable data dir, is named in the error', () => {
  const dir = join(root, 'folder');
  mkdirSync(join(dir, 'token-secret'), { recursive: true });
  assert.throws(() => openDataDir({ dataDir: dir }), /dataDir: .*token-secret is not a regular file/);
  const file = join(root, 'plain-file');
  writeFileSync(file, 'x');
  assert.throws(() => openDataDir({ dataDir: file }), /dataDir: .*plain-file: cannot create it \(EEXIST\)/);
});

test('an ordinary data dir still opens, and again with the same node id', () => {
  const dir = join(root, 'ok');
  const first = openDataDir({ dataDir: dir });
  assert.equal(openDataDir({ dataDir: dir }).nodeId, first.nodeId);
});
