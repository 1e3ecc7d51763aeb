// The layers of src/ (README, "Where things live"), kept by the imports each file makes: the core knows
// no transport, the dialects no store implementation, and nothing but the entry points reaches for the
// server or the CLI. The SDK is a package of its own (packages/client): it imports nothing of the
// server, and the server reaches it only as any application does, by its public entries. TypeScript's
// own preprocessor reads the imports (static, dynamic and type-only).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const SDK = join(ROOT, 'packages/client/src');

interface Import {
  /** The importing file, relative to the repository (src/core/model.ts). */
  from: string;
  /** A package name (fastify, node:http) or a repository path (src/live/live-store.ts). */
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

const IMPORTS: Import[] = [...sourceFiles(SRC), ...sourceFiles(join(ROOT, 'bin')), ...sourceFiles(SDK)].flatMap((file) =>
  ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map(({ fileName }) => ({
    from: relative(ROOT, file),
    to: fileName.startsWith('.') ? relative(ROOT, resolve(dirname(file), fileName)) : fileName,
  })),
);

/** The imports of files under `folder` that `forbidden` matches, as "from → to" lines. */
const violations = (folder: string, forbidden: (to: string) => boolean, except: (imp: Import) => boolean = () => false) =>
  IMPORTS.filter((imp) => imp.from.startsWith(folder) && forbidden(imp.to) && !except(imp)).map((imp) => `${imp.from} → ${imp.to}`);

const TRANSPORTS = /^(fastify|@fastify\/|ws$|node:http|node:https|@redis\/client|pg$|better-sqlite3)/;
const STORE_IMPLEMENTATIONS = /^src\/(live\/(memory|redis)\/|live\/factory|history\/(sqlite|postgres)\/|history\/factory)/;

describe('layers', () => {
  it('reads the imports (a check that finds nothing must not pass by reading nothing)', () => {
    assert.ok(IMPORTS.length > 500, `${IMPORTS.length} imports`);
    assert.ok(IMPORTS.some((imp) => imp.from === 'src/core/presence-service.ts' && imp.to === 'src/live/live-store.ts'));
  });

  it('the core imports no transport, no store driver, and of src/ only the core and the store interfaces', () => {
    const allowed = /^src\/(core\/|live\/live-store\.ts$|live\/session-filter\.ts$|history\/history-store\.ts$)/;
    assert.deepEqual(
      violations('src/core/', (to) => TRANSPORTS.test(to) || (to.startsWith('src/') && !allowed.test(to))),
      [],
    );
  });

  it('the dialects use no store implementation, only the interfaces', () => {
    assert.deepEqual(
      violations('src/dialects/', (to) => STORE_IMPLEMENTATIONS.test(to) || /^(@redis\/client|pg$|better-sqlite3)/.test(to)),
      [],
    );
  });

  it('nothing imports the CLI, and only the CLI and the demo (which runs a server) import the server', () => {
    assert.deepEqual(
      violations(
        'src/',
        (to) => to.startsWith('src/cli/'),
        (imp) => imp.from.startsWith('src/cli/'),
      ),
      [],
    );
    const mayRunTheServer = (imp: Import) => /^src\/(server|cli|demo)\//.test(imp.from);
    assert.deepEqual(
      violations('src/', (to) => to.startsWith('src/server/'), mayRunTheServer),
      [],
    );
  });

  it('the SDK package imports only itself and `ws`: nothing of the server, nothing outside the package', () => {
    assert.ok(IMPORTS.some((imp) => imp.from === 'packages/client/src/client.ts' && imp.to === 'packages/client/src/protocol.ts'));
    assert.deepEqual(
      violations('packages/client/src/', (to) => !to.startsWith('packages/client/src/') && to !== 'ws'),
      [],
    );
  });

  it('the server reaches the SDK package only through its public entries, never its files', () => {
    const publicEntries = new Set(['@rollcall/client', '@rollcall/client/protocol']);
    assert.ok(IMPORTS.some((imp) => imp.from === 'src/ingest/protocol.ts' && imp.to === '@rollcall/client/protocol'));
    assert.deepEqual(
      [
        ...violations('src/', (to) => to.startsWith('packages/') || (to.startsWith('@rollcall/') && !publicEntries.has(to))),
        ...violations('bin/', (to) => to.startsWith('packages/') || to.startsWith('@rollcall/')),
      ],
      [],
    );
  });
});
