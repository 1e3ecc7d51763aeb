#!/usr/bin/env node
// The `node-gyp` that npm runs in this checkout when a package compiles a native addon: here only
// better-sqlite3, whose prebuilt binaries come from GitHub and cannot be fetched on machines that
// reach only the npm registry.
//
// How it gets picked: this folder is a devDependency (file:scripts/node-gyp-headers, installed as a
// copy, see .npmrc) whose bin is named node-gyp, and npm puts the project's node_modules/.bin ahead of
// its own node-gyp on the PATH of every install script. (npm's `node-gyp` setting would be the obvious way, but npm 11 applies
// it only to `npm run`, not to dependencies' install scripts.) It is not installed with --omit=dev or
// for a package installed from the registry or a tarball: those build with npm's node-gyp as usual.
//
// node-gyp compiles against the headers in `nodedir` when one is set, and otherwise downloads the
// headers of the Node that runs it. A fixed `nodedir=/usr` (these machines set it in ~/.npmrc, which
// a project can override but not unset) built for /usr/bin/node whatever Node ran `npm ci`, so a
// Node 22 install loaded a Node 20 addon and crashed (NODE_MODULE_VERSION 115 vs 127).
// This points nodedir at the headers installed beside the Node that runs npm (headers.mjs says
// where), when their version is that Node's own, and then hands over to npm's node-gyp unchanged.
// A nodedir already set is kept when its headers are that Node's version (or when its version cannot
// be read: a source tree, say), and dropped when they are another's. Without matching headers
// node-gyp downloads them as usual, which works wherever nodejs.org is reachable.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { findNodeHeaders, headersVersion } from './headers.mjs';

/** The Node that runs npm, which is the one the addon must load in (npm exports it to scripts). */
function targetNode() {
  const path = process.env.npm_node_execpath || process.execPath;
  if (path === process.execPath) return { path, version: process.version };
  const version = execFileSync(path, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
  return { path, version };
}

const node = targetNode();
const chosen = process.env.npm_config_nodedir;
const chosenVersion = chosen ? headersVersion(chosen) : undefined;
if (!chosen || (chosenVersion !== undefined && chosenVersion !== node.version)) {
  const nodedir = findNodeHeaders(node.path, node.version);
  if (nodedir) {
    process.env.npm_config_nodedir = nodedir;
    console.error(`rollcall: compiling for Node ${node.version} against the headers in ${nodedir}`);
  } else {
    delete process.env.npm_config_nodedir;
    console.error(`rollcall: no headers of Node ${node.version} beside ${node.path}; node-gyp will download them`);
  }
}

// npm's own node-gyp, the one npm would have run (npm_execpath is npm's cli script).
const require = createRequire(process.env.npm_execpath || import.meta.url);
require(require.resolve('node-gyp/bin/node-gyp.js'));
