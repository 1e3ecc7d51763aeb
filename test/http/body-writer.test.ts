// BodyWriter on its own: what it writes, how it grows, and the pieces it hands out (views of one Buffer,
// which joinPieces turns into the whole without copying).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BodyWriter, joinPieces } from '../../src/http/body-writer.ts';

describe('BodyWriter', () => {
  it('writes ASCII, UTF-8 and bytes in order, short and long', () => {
    const long = 'x'.repeat(100);
    const out = new BodyWriter()
      .ascii('{"n":')
      .ascii('12')
      .utf8('ünïcödé – 漢字 😀')
      .bytes(Buffer.from([0x7d]))
      .ascii(long);
    assert.equal(out.whole().toString('utf8'), `{"n":12ünïcödé – 漢字 😀}${long}`);
    assert.equal(out.byteLength, out.whole().length);
  });

  it('grows past its first guess, however large one write is, and keeps every byte', () => {
    const out = new BodyWriter(0);
    const expected: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const piece = Buffer.from(`<item id="${i}">${'é'.repeat(i % 50)}</item>\n`, 'utf8');
      expected.push(piece);
      if (i % 3 === 0) out.bytes(piece);
      else out.utf8(piece.toString('utf8'));
    }
    const huge = Buffer.alloc(300_000, 0x61);
    out.bytes(huge);
    expected.push(huge);
    assert.deepEqual(out.whole(), Buffer.concat(expected));
  });

  it('hands out the pieces between cuts, in order, one after the other in one Buffer', () => {
    const out = new BodyWriter(16);
    out.ascii('head|').cut().cut(); // a second cut with nothing written makes no empty piece
    out.utf8('ménu|').cut();
    out.bytes(Buffer.alloc(50_000, 0x62)); // forces a move to a larger Buffer after two cuts
    out.ascii('|tail');
    const pieces = out.finish();
    assert.deepEqual(
      pieces.map((p) => p.length),
      [5, 6, 50_005],
    );
    assert.equal(pieces[0]!.toString(), 'head|');
    assert.equal(pieces[1]!.toString(), 'ménu|');
    for (const piece of pieces) assert.equal(piece.buffer, pieces[0]!.buffer, 'every piece is a view of the final Buffer');
    const whole = joinPieces(pieces);
    assert.equal(whole.buffer, pieces[0]!.buffer, 'joined without a copy');
    assert.deepEqual(whole, out.whole());
  });

  it('hands out one empty piece when nothing was written', () => {
    assert.deepEqual(
      new BodyWriter().finish().map((p) => p.length),
      [0],
    );
  });
});

describe('joinPieces', () => {
  it('copies pieces that do not lie one after the other', () => {
    const a = Buffer.from('one ');
    const b = Buffer.from('two');
    const joined = joinPieces([a, b]);
    assert.equal(joined.toString(), 'one two');
    const whole = Buffer.from('abcdef');
    assert.equal(joinPieces([whole.subarray(0, 2), whole.subarray(3)]).toString(), 'abdef', 'a gap between views is not skipped over');
    assert.equal(joinPieces([]).length, 0);
    assert.equal(joinPieces([a]), a);
  });
});
