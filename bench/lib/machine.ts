// The machine a run happened on, as os reports it, for the results file and BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  totalMemGiB: number;
  os: string;
  node: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

export interface SourceState {
  commit: string;
  /** Files under src/ that differ from the commit: the run measured them as they were on disk. */
  changedSrcFiles: number;
  /** sha256 (12 hex) of every file under src/ as it is on disk: equal fingerprints, same code. */
  fingerprint: string;
}

/** A hash of src/ as it is on disk now. */
export function srcFingerprint(): string {
  const root = join(import.meta.dirname, '..', '..', 'src');
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path.slice(root.length)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(root);
  return hash.digest('hex').slice(0, 12);
}

/** Which code was measured: the commit, and whether src/ had uncommitted changes. */
export function sourceState(): SourceState {
  const root = join(import.meta.dirname, '..', '..');
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const status = git('status', '--porcelain', '--', 'src');
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    changedSrcFiles: status ? status.split('\n').length : 0,
    fingerprint: srcFingerprint(),
  };
}
