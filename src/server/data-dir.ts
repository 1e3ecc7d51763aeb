// The data dir holds what makes a node itself across restarts: the SQLite file, the node's GUID (the
// dialects' appliance id), and the token secret when none is configured. The server and the CLI
// open it the same way, so a CLI command and a running server agree on every secret.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return {
    path,
    sqlitePath: join(path, SQLITE_FILE),
    nodeId: readOrCreate(join(path, 'node-id'), () => randomUUID()),
    tokenSecret: config.tokenSecret ?? readOrCreate(join(path, 'token-secret'), () => randomBytes(48).toString('base64url')),
  };
}

/** Reads a one-line file, creating it on first use. `wx` makes two starting processes agree on one value. */
function readOrCreate(file: string, make: () => string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    writeFileSync(file, `${make()}\n`, { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}
