// HTTP at the socket level, for tests about what a server does while a request is still arriving:
// answering before the body is sent, cutting slow senders off, refusing connections over the cap.
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent so far, as text. */
  received(): string;
  /** Whether the server closed or reset the connection. */
  closed(): boolean;
  /** Writes, resolving when the kernel took the bytes (false once the connection is gone). */
  write(data: string | Buffer): Promise<boolean>;
  destroy(): void;
}

/** Opens a TCP connection to `url`'s host and port, optionally from `localAddress` (127.0.0.x). */
export function rawConnect(url: string, options: { localAddress?: string } = {}): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ...(options.localAddress && { localAddress: options.localAddress }) });
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => (closed = true));
    // A reset is how some refusals look; the test reads closed() and received().
    socket.on('error', () => (closed = true));
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks).toString('latin1'),
        closed: () => closed,
        write: (data) =>
          new Promise((done) => {
            if (closed || socket.destroyed) return done(false);
            socket.write(data, (error) => done(!error));
          }),
        destroy: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** The request line and headers of a request whose body will follow. */
export function requestHead(method: string, path: string, headers: Record<string, string | number>): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The status code of the first answer in `text`, or undefined before its status line arrived. */
export function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}

export interface AnswerFrom {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON when the body is JSON. */
  json: any;
}

/**
 * One HTTP call from a chosen loopback address (127.0.0.2, 127.0.0.3, …), so tests can be several
 * clients: throttling counts per client address.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<AnswerFrom> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(`${url}${path}`, { method, localAddress, headers: options.headers ?? {}, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
    });
    call.on('error', reject);
    call.end(options.body);
  });
}
