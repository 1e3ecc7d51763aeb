// A raw protocol client for the WebSocket ingest tests: records every frame and the close.
import WebSocket from 'ws';
import { waitFor } from '../helpers/server.ts';

export interface Frame {
  type: string;
  [key: string]: unknown;
}

export class RawClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  readonly socket: WebSocket;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.socket = new WebSocket(url, options);
    this.socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Frame));
    this.socket.on('close', (code, reason) => (this.closed = { code, reason: String(reason) }));
    this.socket.on('error', () => {});
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === WebSocket.OPEN) return resolve();
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  /** An object is sent as JSON, a string as it is (a text frame), a Buffer as a binary frame. */
  send(frame: object | string | Buffer): void {
    if (Buffer.isBuffer(frame)) this.socket.send(frame, { binary: true });
    else this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the next frame of a type after `from` frames, and answers it. */
  async next(type: string, from = 0): Promise<Frame> {
    return waitFor(() => this.frames.slice(from).find((f) => f.type === type), { what: `a ${type} frame` });
  }

  async closedWith(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { what: 'the socket to close' });
  }
}
