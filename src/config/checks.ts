// Checks of settings that the schema's types cannot express: values other parts hand to Node or
// Fastify (whose own errors would not name the setting), and paths that would make start-up hang.
// Each answers a message for load.ts to put after the setting's name, or undefined when the value is fine.
import { realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Config } from './schema.ts';

/** The names proxy-addr (Fastify's trustProxy) accepts besides addresses and CIDRs. */
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** trustProxy as a comma list: every item an address, an address/prefix, or one of proxy-addr's names. */
export function checkTrustProxy(value: Config['trustProxy']): string | undefined {
  if (typeof value === 'boolean') return undefined;
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (PROXY_NAMES.has(item)) continue;
    const [address = '', prefix, extra] = item.split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      return `"${item}" is not an address, a CIDR (10.0.0.0/8) or one of ${[...PROXY_NAMES].join(', ')}`;
    }
  }
  return undefined;
}

/**
 * Kernel pseudo filesystems: files there are not files (reads may block forever, writes go to the
 * kernel), so a data dir inside one hangs or fails far from its cause.
 */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** The data dir resolved through every link of its longest existing ancestor, as the kernel will see it. */
function realLocation(path: string): string {
  let existing = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return resolve(realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return resolve(path);
      rest.push(existing.slice(parent.length).replace(/^\//, ''));
      existing = parent;
    }
  }
}

export function checkDataDir(path: string): string | undefined {
  const real = realLocation(path);
  const root = PSEUDO_ROOTS.find((pseudo) => real === pseudo || real.startsWith(`${pseudo}/`));
  // /dev/shm is a real (memory) filesystem: tests and containers may keep data there.
  if (root === undefined || real === '/dev/shm' || real.startsWith('/dev/shm/')) return undefined;
  return `${path} is on ${root}, a kernel pseudo filesystem, not a place for data; choose a folder on a disk`;
}
