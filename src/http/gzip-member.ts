// A gzip body (RFC 1952) made of a shared part compressed once and a short part of the request's own
// appended uncompressed, so a shared answer of megabytes is never compressed per request even when a
// few bytes of it differ per caller (Clientexec's `self`, `superadmin`, `elapsed`).
//
// How: the shared part is deflated once and ended with a sync flush, which closes its last block on a
// byte boundary without ending the stream (RFC 1951 §3.2.4's empty stored block). Any request's own
// bytes then follow as a final *stored* block (a 5-byte header and the bytes as they are): no deflate
// state per request, nothing to compress. The trailer is the CRC-32 of everything (the shared part's
// CRC, computed once, continued over the request's bytes) and the length mod 2^32. Standard decoders
// read such a member like any other: deflate is a sequence of blocks, and a block may be stored.
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

/**
 * zlib's fastest level: a shared answer is compressed once per cache window and every gzip poller of
 * that window waits for it; on these documents (repetitive XML and JSON) it shrinks them ~15× in about
 * half the time of the default level, which would save only another ~8 % of the bytes.
 */
const LEVEL = zlib.constants.Z_BEST_SPEED;

/** ID1 ID2, CM = deflate, no flags, no mtime (so equal input gives equal bytes), XFL 0, OS unknown. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

/** A stored block holds at most this many bytes (LEN is 16 bits). */
const MAX_STORED = 0xffff;

/** The shared part of a gzip member: its header and compressed bytes, not yet ended. */
export interface GzipPrefix {
  /** The gzip header and the deflated shared bytes, ended by a sync flush (no final block). */
  bytes: Buffer;
  /** CRC-32 of the uncompressed shared bytes. */
  crc: number;
  /** Length of the uncompressed shared bytes. */
  length: number;
}

/**
 * Compresses `shared` once, off the event loop (zlib runs in the thread pool); only the CRC is
 * computed here, at memory speed (about 1 ms for 3 MB).
 */
export async function gzipPrefix(shared: Buffer): Promise<GzipPrefix> {
  const deflated = await deflateRaw(shared, { level: LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return { bytes: Buffer.concat([GZIP_HEADER, deflated]), crc: zlib.crc32(shared), length: shared.length };
}

/**
 * What follows the prefix to end the member with `own` (may be empty): stored blocks holding `own`,
 * the last one final, then the trailer. A few bytes more than `own`.
 */
export function gzipEnding(prefix: GzipPrefix, own: Buffer = Buffer.alloc(0)): Buffer {
  const blocks = Math.max(1, Math.ceil(own.length / MAX_STORED));
  const out = Buffer.allocUnsafe(own.length + blocks * 5 + 8);
  let at = 0;
  for (let block = 0; block < blocks; block++) {
    const chunk = own.subarray(block * MAX_STORED, (block + 1) * MAX_STORED);
    // BFINAL on the last block, BTYPE 00 (stored); the rest of the byte is padding to the boundary.
    out[at++] = block === blocks - 1 ? 0x01 : 0x00;
    out.writeUInt16LE(chunk.length, at);
    out.writeUInt16LE(~chunk.length & 0xffff, at + 2);
    at += 4;
    at += chunk.copy(out, at);
  }
  // Not crc32 of nothing: zlib answers 0 for an empty buffer, not the CRC it was asked to continue.
  out.writeUInt32LE(own.length > 0 ? zlib.crc32(own, prefix.crc) : prefix.crc, at);
  // ISIZE is the length modulo 2^32 (RFC 1952 §2.3.1).
  out.writeUInt32LE((prefix.length + own.length) % 0x1_0000_0000, at + 4);
  return out;
}
