// A real webhook receiver for tests: node:http on 127.0.0.1 port 0 that records what it is sent and
// answers as the test says: 2xx, a failure status, or never (it hangs until it is closed).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createHmac } from 'node:crypto';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

/** An answer status, a hang, or a flaky receiver: every `nth` request gets `status`, the others 204. */
export type Behaviour = { status: number } | 'hang' | { every: number; status: number };

export interface Receiver {
  url: string;
  received: Received[];
  /** What the next requests get; 204 at first. */
  behave(behaviour: Behaviour): void;
  /** Requests being answered (or hanging) right now, and the most there ever were at once. */
  readonly open: number;
  readonly mostOpen: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let behaviour: Behaviour = { status: 204 };
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  let open = 0;
  let mostOpen = 0;
  const server = createServer((req, res) => {
    open++;
    mostOpen = Math.max(mostOpen, open);
    res.on('close', () => open--);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      received.push({ headers: req.headers, body, json, at: Date.now() });
      if (behaviour === 'hang') {
        hanging.add(res);
        return;
      }
      const status = 'every' in behaviour ? (received.length % behaviour.every === 0 ? behaviour.status : 204) : behaviour.status;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`answer ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('receiver has no address');
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    received,
    behave: (next) => (behaviour = next),
    get open() {
      return open;
    },
    get mostOpen() {
      return mostOpen;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The receiver's side of the signature, written from the README's description rather than imported. */
export function expectedSignature(secret: string, received: Received): string {
  const timestamp = String(received.headers['x-rollcall-timestamp']);
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${received.body}`).digest('hex')}`;
}
