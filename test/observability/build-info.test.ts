// rollcall_build_info's commit, read from .git's files as git itself keeps them: a branch as a loose or
// a packed ref, a detached HEAD, a worktree whose .git is a file; nothing at all outside a checkout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { buildInfo, gitCommit } from '../../src/observability/build-info.ts';
import { tempDataDir } from '../cli/cli-process.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function file(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

test('a branch as a loose ref, then as a packed one; a detached HEAD', (t) => {
  const root = tempDataDir(t);
  file(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  assert.equal(gitCommit(root), undefined, 'a branch with no commit yet');
  file(join(root, '.git', 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${B} refs/heads/main\n${A} refs/heads/other\n`);
  assert.equal(gitCommit(root), B);
  file(join(root, '.git', 'refs', 'heads', 'main'), `${A}\n`);
  assert.equal(gitCommit(root), A, 'a loose ref is newer than the packed one');
  file(join(root, '.git', 'HEAD'), `${B}\n`);
  assert.equal(gitCommit(root), B);
});

test('a worktree: HEAD in its own git dir, the branch in the common one', (t) => {
  const root = tempDataDir(t);
  file(join(root, 'main', '.git', 'refs', 'heads', 'feature'), `${A}\n`);
  file(join(root, 'main', '.git', 'worktrees', 'wt', 'HEAD'), 'ref: refs/heads/feature\n');
  file(join(root, 'main', '.git', 'worktrees', 'wt', 'commondir'), '../..\n');
  file(join(root, 'wt', '.git'), `gitdir: ${join(root, 'main', '.git', 'worktrees', 'wt')}\n`);
  assert.equal(gitCommit(join(root, 'wt')), A);
});

test('outside a checkout the commit is unknown; version and Node are always known', (t) => {
  const root = tempDataDir(t);
  assert.equal(gitCommit(root), undefined);
  assert.deepEqual(buildInfo(root), { version: packageJson.version, nodeVersion: process.versions.node, commit: 'unknown' });
});
