// Node 24 aborts the process when an idle garbage collection finalizes a better-sqlite3 12 statement
// (src/history/sqlite/kept-for-life.ts). A child process churns statements and garbage on a database
// opened as rollcall opens it, long enough for idle collections to run, and must live to say so. On
// Node 20 and 22 this passes either way; CI runs it on Node 24, where it is the regression test. Beside
// it, the same churn on a database opened without the keeping shows whether this Node has the bug.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');

/** A script that opens a database (kept or not), churns for about 1.5 s, and prints "survived". */
const churn = (path: string, kept: boolean) => `
  import Database from 'better-sqlite3';
  import { openSqliteDatabase } from './src/history/sqlite/open-sqlite.ts';
  const db = ${kept ? `openSqliteDatabase(${JSON.stringify(path)})` : `new Database(${JSON.stringify(path)})`};
  db.exec('CREATE TABLE IF NOT EXISTS churn (n INTEGER)');
  let rounds = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 200; i++) db.prepare('INSERT INTO churn VALUES (?)').run(i);
    for (const row of db.prepare('SELECT n FROM churn LIMIT 5').iterate()) void row;
    const garbage = [];
    for (let i = 0; i < 100_000; i++) garbage.push({ i });
    if (++rounds === 75) {
      clearInterval(timer);
      db.close();
      console.log('survived');
    }
  }, 20);
`;

function run(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

test('a database opened as rollcall opens it survives idle collections of its statements', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-kept-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bare = await run(churn(join(dir, 'bare.db'), false));
  t.diagnostic(
    `${process.version}, statements not kept: ${bare.output.includes('survived') ? 'survived' : `died (${bare.signal ?? bare.code}): this Node has the bug`}`,
  );
  const kept = await run(churn(join(dir, 'kept.db'), true));
  assert.equal(kept.signal, null, kept.output);
  assert.equal(kept.code, 0, kept.output);
  assert.match(kept.output, /survived/);
});
