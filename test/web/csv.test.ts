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

  test('a header and one CRLF-terminated record per row', () => {
    assert.equal(
      toCsv(
        ['id', 'name'],
        [
          [1, 'Ann'],
          [2, 'B, C'],
        ],
      ),
      'id,name\r\n1,Ann\r\n2,"B, C"\r\n',
    );
  });

  test('file names carry the time, without characters some systems refuse', () => {
    assert.equal(timestampedName('sessions', new Date('2025-03-04T14:05:09.123Z')), 'rollcall-sessions-2025-03-04T14-05-09Z.csv');
  });
});
