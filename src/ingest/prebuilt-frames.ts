// A WebSocket text frame built once and written as it is to many sockets. A place's event goes to
// every watcher of the place (core/place-watch.ts serialises it once); `socket.send(text)` would then
// measure and encode the text, and make a header, once per socket, and write the two with a writev. Here
// the bytes and the header are made once per event, and each socket gets one plain write of the same
// Buffer. With 2,000 watchers in a place that took about a tenth off the server's CPU per delivered
// event (BENCHMARKS.md, "Places: fan-out to watchers"); most of what is left is the kernel's write, one
// per socket, which no server avoids.
import type { WebSocket } from 'ws';

/** A text message as a complete unmasked WebSocket frame (a server's frames are never masked). */
export interface PrebuiltFrame {
  readonly text: string;
  /** Header and payload, as they go on the wire. */
  readonly frame: Buffer;
  /** The payload alone (the UTF-8 text), for a socket that must frame it itself. */
  readonly payload: Buffer;
}

/** ws's Sender writes a frame given as a list of Buffers; with one, a single write (no cork, no writev). */
interface SenderInternals {
  _sender?: { sendFrame?: (list: Buffer[], cb?: (error?: Error) => void) => void };
}

export function prebuildTextFrame(text: string): PrebuiltFrame {
  const length = Buffer.byteLength(text);
  // RFC 6455 §5.2: a 7-bit length, or 126 and 16 bits, or 127 and 64 bits.
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, headerLength, 'utf8');
  return { text, frame, payload: frame.subarray(headerLength) };
}

/**
 * Sends a prebuilt frame on an open socket. The bytes go as they are through ws's own writer (as
 * Socket.IO sends its broadcasts) only when ws would send those very bytes: no extension negotiated
 * (permessage-deflate would compress the payload, and queue frames meanwhile). Otherwise, and should a
 * version of ws have no such writer, the payload goes through `send`, framed by ws as usual.
 */
export function sendPrebuilt(socket: WebSocket, frame: PrebuiltFrame): void {
  const sender = (socket as unknown as SenderInternals)._sender;
  if (socket.extensions === '' && typeof sender?.sendFrame === 'function') sender.sendFrame([frame.frame]);
  else socket.send(frame.payload, { binary: false });
}
