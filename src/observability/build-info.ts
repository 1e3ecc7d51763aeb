// What is running, for `rollcall_build_info`: rollcall's version, Node's, and the git commit when the
// code runs from a checkout (read from .git's files: no git process, no cost worth counting). An
// installed package has no .git, and says `unknown`.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import packageJson from '../../package.json' with { type: 'json' };

export interface BuildInfo {
  version: string;
  nodeVersion: string;
  commit: string;
}

/** The package's root: where package.json and, in a checkout, .git are. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export function buildInfo(root: string = ROOT): BuildInfo {
  return { version: packageJson.version, nodeVersion: process.versions.node, commit: gitCommit(root) ?? 'unknown' };
}

/** The commit HEAD names in `root`'s checkout (a worktree's too), or undefined when there is none to read. */
export function gitCommit(root: string): string | undefined {
  try {
    const gitDir = gitDirectory(join(root, '.git'));
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (COMMIT.test(head)) return head; // a detached HEAD
    const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    // A worktree keeps its HEAD; branches live in the repository's common dir.
    const common = readOptional(join(gitDir, 'commondir'));
    const dirs = common === undefined ? [gitDir] : [gitDir, resolve(gitDir, common)];
    for (const dir of dirs) {
      const loose = readOptional(join(dir, ref));
      if (loose !== undefined && COMMIT.test(loose)) return loose;
      const packed = readOptional(join(dir, 'packed-refs'))
        ?.split('\n')
        .find((line) => line.endsWith(` ${ref}`))
        ?.split(' ')[0];
      if (packed !== undefined && COMMIT.test(packed)) return packed;
    }
  } catch {
    // No checkout, or one this cannot read: the commit is simply not known.
  }
  return undefined;
}

/** `.git` is a folder, or (in a worktree or submodule) a file saying `gitdir: <path>`. */
function gitDirectory(dotGit: string): string {
  if (statSync(dotGit).isDirectory()) return dotGit;
  const target = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
  if (!target) throw new Error(`${dotGit} names no git directory`);
  return resolve(dirname(dotGit), target);
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
