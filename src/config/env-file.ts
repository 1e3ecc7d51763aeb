// `.env` in the working directory: ROLLCALL_* settings (or any variable) as `.env.example` lists them, read
// once when the `rollcall` command starts. The environment wins over the file, as with Node's own
// --env-file: a variable set by the shell, systemd or a container is never overridden by a file
// someone left behind. Parsed by Node's own dotenv parser (util.parseEnv), so quoting rules are Node's.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './load.ts';

/** The file's name, looked for in the working directory. */
export const ENV_FILE = '.env';
/** A settings file is a few KB; anything far larger is not one. */
const MAX_ENV_FILE_BYTES = 1024 * 1024;

/**
 * Copies the variables of `file` that `env` does not have yet into `env`; answers their names. No file
 * is no error: the file is optional.
 */
export function loadEnvFile(file: string = ENV_FILE, env: NodeJS.ProcessEnv = process.env): string[] {
  const path = resolve(file);
  let size: number;
  try {
    const stats = statSync(path);
    // A FIFO would block the start until someone writes to it; a folder is a mistake worth naming.
    if (!stats.isFile()) throw new ConfigError(`${path} is not a regular file; remove it or rename it`);
    size = stats.size;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > MAX_ENV_FILE_BYTES) throw new ConfigError(`${path} is larger than ${MAX_ENV_FILE_BYTES} bytes; it is not a settings file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const taken: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined || env[name] !== undefined) continue;
    env[name] = value;
    taken.push(name);
  }
  return taken;
}
