// The data dir holds what makes a node itself across restarts: the SQLite file, the node's GUID (the
// dialects' appliance id), and the token secret when none is configured. The server and the CLI
// open it the same way, so a CLI command and a running server agree on every secret.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

export interface DataDir {
  path: string;
  sqlitePath: string;
  nodeId: string;
  tokenSecret: string;
}

/** The SQLite history's file name inside the data dir. */
export const SQLITE_FILE = 'rollcall.db';

export function openDataDir(config: Pick<Config, 'dataDir' | 'tokenSecret'>): DataDir {
  const path = resolve(config.dataDir);
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ConfigError(`dataDir: ${path}: cannot create it (${codeOf(error)})`);
  }
  return {
    path,
    sqlitePath: join(path, SQLITE_FILE),
    nodeId: readOrCreate(join(path, 'node-id'), () => randomUUID()),
    tokenSecret: config.tokenSecret ?? readOrCreate(join(path, 'token-secret'), () => randomBytes(48).toString('base64url')),
  };
}

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? 'error';

/**
 * Reads a one-line file, creating it on first use. `wx` makes two starting processes agree on one value.
 * Errors name the setting: they stop the start, and the operator must know which folder to fix.
 */
function readOrCreate(file: string, make: () => string): string {
  const existing = readSmallFile(file);
  if (existing !== undefined) return existing;
  try {
    writeFileSync(file, `${make()}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw new ConfigError(`dataDir: cannot create ${file} (${codeOf(error)})`);
  }
  return readSmallFile(file) ?? '';
}

/** Files here hold one short line; anything larger is not ours. */
const MAX_FILE_BYTES = 4096;

/** The trimmed content, or undefined when there is no such file. Never reads what is not a regular file. */
function readSmallFile(file: string): string | undefined {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw new ConfigError(`dataDir: cannot read ${file} (${codeOf(error)})`);
  }
  // A FIFO or a device would block the read (and the start) until someone writes to it: never.
  if (!stats.isFile()) throw new ConfigError(`dataDir: ${file} is not a regular file; remove it or choose another data dir`);
  if (stats.size > MAX_FILE_BYTES) throw new ConfigError(`dataDir: ${file} is larger than ${MAX_FILE_BYTES} bytes; it is not rollcall's`);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`dataDir: cannot read ${file} (${codeOf(error)})`);
  }
}
