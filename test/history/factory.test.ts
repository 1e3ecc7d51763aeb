import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistoryStore } from '../../src/history/factory.ts';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';

test('createHistoryStore builds a working SQLite store on the handle it is given', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-factory-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openSqliteDatabase(join(dir, 'history.db'));
  const store = createHistoryStore('sqlite', { sqlite: db });
  t.after(() => store.close());
  assert.ok(store instanceof SqliteHistoryStore);
  await store.setSetting('k', 'v');
  assert.equal(await store.getSetting('k'), 'v');
});

test('createHistoryStore refuses a kind whose handle was not opened', () => {
  assert.throws(() => createHistoryStore('postgres', {}), /postgres history store needs an open postgres handle/);
  assert.throws(() => createHistoryStore('sqlite', {}), /sqlite history store needs an open sqlite handle/);
});
