// First start on a history shared by nodes starting at once: one admin account and one ingest key are
// created, and only the node that created each prints its secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';
import { bootstrap } from '../../src/server/bootstrap.ts';

test('three nodes bootstrapping one history at once make one admin and one ingest key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-bootstrap-'));
  const stores = [1, 2, 3].map(() => new SqliteHistoryStore(openSqliteDatabase(join(dir, 'rollcall.db'))));
  t.after(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const secrets = await Promise.all(stores.map((store) => bootstrap(store, {})));
  assert.equal(secrets.filter((s) => s.adminPassword !== undefined).length, 1, 'one node prints the admin password');
  assert.equal(secrets.filter((s) => s.ingestKey !== undefined).length, 1, 'one node prints the ingest key');
  const [store] = stores;
  assert.deepEqual(
    (await store!.listAccounts()).map((a) => a.username),
    ['admin'],
  );
  assert.equal((await store!.listApiKeys()).filter((k) => k.kind === 'ingest').length, 1);

  // A later start finds both and creates nothing.
  assert.deepEqual(await bootstrap(store!, {}), {});
  assert.equal((await store!.listApiKeys()).length, 1);
});
