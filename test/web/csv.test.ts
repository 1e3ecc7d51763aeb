// The CSV the dashboard exports: RFC 4180 quoting, CRLF records, and client-reported text that a
// spreadsheet would run as a formula written with a leading apostrophe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvField, timestampedName, toCsv } from '../../src/web/client/csv.ts';

describe('CSV export', () => {
  test('quotes fields with commas, quotes or line breaks, and doubles quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(42), '42');
  });

  test('defuses what a spreadsheet would run: = + - @ tab and CR at the start', () => {
    for (const text of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      assert.ok(csvField(text).replace(/^"/, '').startsWith("'"), text);
    assert.equal(csvField('=HYPERLINK("x","y")'), `"'=HYPERLINK(""x"",""y"")"`);
    assert.equal(csvField(-5), '-5', 'numbers are numbers');
    assert.equal(csvField('a=b'), 'a=b');
  });

  test('a header and one CRLF-terminated record per row', async () => {
    assert.equal(
      await toCsv(
        ['id', 'name'],
        [
          { id: 1, name: 'Ann' },
          { id: 2, name: 'B, C' },
        ],
        (row) => [row.id, row.name],
      ),
      'id,name\r\n1,Ann\r\n2,"B, C"\r\n',
    );
  });

  test('many records are written in slices with the page let go between them, all of them in order', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => ({ id: i, name: `User ${i}, "the ${i}th"` }));
    let turns = 0;
    let writing = true;
    // Counts the times a timer got to run while the file was being written: none if it were one task.
    const tick = () => {
      turns++;
      if (writing) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const slow = (row: (typeof rows)[number]) => {
      const until = performance.now() + 0.01; // 30,000 × 10 µs: some 300 ms of work at least
      while (performance.now() < until);
      return [row.id, row.name];
    };
    const text = await toCsv(['id', 'name'], rows, slow);
    writing = false;
    const lines = text.split('\r\n');
    assert.equal(lines.length, rows.length + 2);
    assert.equal(lines[1], '0,"User 0, ""the 0th"""');
    assert.equal(lines[30_000], '29999,"User 29999, ""the 29999th"""');
    assert.ok(turns >= 5, `the page got ${turns} turns while 300 ms of records were written`);
  });

  test('file names carry the time, without characters some systems refuse', () => {
    assert.equal(timestampedName('sessions', new Date('2025-03-04T14:05:09.123Z')), 'rollcall-sessions-2025-03-04T14-05-09Z.csv');
  });
});
