// Writes an answer's bytes straight into one growing Buffer. A long answer is then encoded once, where
// it is written, and leaves as one Buffer: no array of lines to join, no string of megabytes to measure
// and encode afterwards, no stream of pieces to write per request. Cached per-session fragments (already
// bytes) are copied in with a memcpy.
//
// `cut()` marks where a slice of the work ended (see slices.ts); `finish()` hands the document out as
// the pieces between cuts, all views of the same memory, so `joinPieces` gives the whole for free.

/** Up to this many characters, ASCII is copied by a loop rather than by the encoder. */
const SHORT_TEXT = 24;

/** Room of a fresh writer; it doubles as needed (each byte is copied at most once more on average). */
const INITIAL_BYTES = 16 * 1024;

export class BodyWriter {
  private buffer: Buffer;
  private length = 0;
  private readonly cuts: number[] = [];

  /** `expectedBytes`: a guess of the answer's length (e.g. the last one's), to start with room for it. */
  constructor(expectedBytes = 0) {
    this.buffer = Buffer.allocUnsafe(Math.max(INITIAL_BYTES, Math.ceil(expectedBytes)));
  }

  get byteLength(): number {
    return this.length;
  }

  /**
   * Text this code made that is ASCII only (markup, keys, numbers): written one byte per character,
   * without the UTF-8 encoder. Never pass client text here.
   */
  ascii(text: string): this {
    const length = text.length;
    this.reserve(length);
    if (length > SHORT_TEXT) {
      this.length += this.buffer.write(text, this.length, 'latin1');
      return this;
    }
    // Most of these are a comma or a number: a loop costs less than a call into the encoder.
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < length; i++) buffer[at++] = text.charCodeAt(i);
    this.length = at;
    return this;
  }

  /** Any text, as UTF-8. */
  utf8(text: string): this {
    // A UTF-16 unit never takes more than 3 bytes; reserving that avoids measuring the text first.
    this.reserve(text.length * 3);
    this.length += this.buffer.write(text, this.length, 'utf8');
    return this;
  }

  /** Bytes already encoded (a cached fragment). */
  bytes(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** Forgets what was written, to write anew in the same memory (only when no view of it is in use). */
  clear(): this {
    this.length = 0;
    this.cuts.length = 0;
    return this;
  }

  /**
   * Writes ASCII `text` over bytes already written, from byte `at` on (a number of as many digits, in
   * a copy of something written before). Never past what was written.
   */
  overwrite(at: number, text: string): this {
    if (at < 0 || at + text.length > this.length)
      throw new RangeError(`overwrite: ${at}+${text.length} is outside the ${this.length} bytes written`);
    writeAscii(this.buffer, at, text);
    return this;
  }

  /** Ends the current piece here (nothing happens when nothing was written since the last cut). */
  cut(): this {
    if (this.length > (this.cuts.at(-1) ?? 0)) this.cuts.push(this.length);
    return this;
  }

  /** The pieces between cuts (the last one ends at the end), views of one Buffer, in order. */
  finish(): Buffer[] {
    const pieces: Buffer[] = [];
    let start = 0;
    for (const end of [...this.cuts, this.length]) {
      if (end > start || pieces.length === 0) pieces.push(this.buffer.subarray(start, end));
      start = end;
    }
    return pieces;
  }

  /** What was written from byte `start` on, as a view (no copy; it is valid until the next write). */
  since(start: number): Buffer {
    return this.buffer.subarray(start, this.length);
  }

  /** Everything written, as one view (no copy). */
  whole(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    const needed = this.length + bytes;
    if (needed <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}

/**
 * A document given as pieces, as one Buffer: a view over them when they lie one after the other in
 * the same memory (every document a BodyWriter made), otherwise a copy.
 */
export function joinPieces(pieces: readonly Buffer[]): Buffer {
  const first = pieces[0];
  if (first === undefined) return Buffer.alloc(0);
  if (pieces.length === 1) return first;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (piece.buffer !== first.buffer || piece.byteOffset !== end) return Buffer.concat(pieces);
    end += piece.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

/**
 * Writes ASCII `text` into `target` from byte `at` on, a byte per character: for a few digits at a
 * time a plain loop, where Buffer#write would take its encoding apart for every call.
 */
export function writeAscii(target: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) target[at + i] = text.charCodeAt(i);
}
