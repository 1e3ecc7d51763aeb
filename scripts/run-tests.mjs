// Runs every test/**/*.test.ts with node:test. Node 20 expands no globs and `node --test` with no files
// passes with 0 tests, so this lists the files itself and fails when nothing ran.
// Started as `node --import tsx scripts/run-tests.mjs`; test processes inherit that loader.
// Usage: npm test [-- path/or/substring ...]   (arguments filter the file list)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const root = join(import.meta.dirname, '..');
const testDir = join(root, 'test');

function listTests(dir) {
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...listTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const files = listTests(testDir).filter((file) => filters.length === 0 || filters.some((f) => relative(root, file).includes(f)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const stream = run({
  files,
  // Two cores: two files at a time keeps servers started by tests from starving each other.
  concurrency: 2,
  // A whole file's cap, behind each test's own timeout: above the longest a test declares (installing
  // the packed package, test/packaging/install.test.ts, 4 × 3 min), so a file is never cut short while
  // its tests are within theirs. It took over 120 s on a busy machine (CI, 2026-12-04).
  timeout: 900_000,
});
stream.on('test:pass', (event) => {
  if (event.details?.type === 'suite') return;
  if (event.skip || event.todo) skipped++;
  else passed++;
});
stream.on('test:fail', (event) => {
  if (event.details?.type === 'suite') return;
  failed++;
});
const report = stream.compose(spec);
report.pipe(process.stdout);
// After the reporter's own summary, one plain line that any CI can read.
report.on('end', () => {
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (passed === 0) console.error('no test ran: failing the run');
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
});
