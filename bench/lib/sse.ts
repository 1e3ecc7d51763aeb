// A minimal reader of rollcall's change stream (GET /v1/events, Server-Sent Events) for the benchmark:
// every event is handed to a listener with the moment it arrived (performance.now(), this process's
// clock, the same clock the benchmark stamps its requests with). node:http only; loopback only.
import { request, type ClientRequest } from 'node:http';

export interface StreamEvent {
  id: string | undefined;
  type: string;
  data: string;
  /** performance.now() when the block's last line was read. */
  atMs: number;
}

export interface EventStream {
  /** Stops reading (destroys the connection). */
  close(): void;
  /** Whether the server closed the stream (or it failed). */
  ended(): boolean;
  /** Events the stream delivered so far (when `keep` was set). */
  readonly kept: StreamEvent[];
}

/**
 * Opens the stream at `url` and settles once the server's first block with an id arrived (the stream
 * is live from then on: rollcall sends an id-only block when it starts a stream without replay).
 */
export function openEventStream(
  url: string,
  headers: Record<string, string>,
  onEvent: (event: StreamEvent) => void = () => {},
  options: { keep?: boolean; timeoutMs?: number } = {},
): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const kept: StreamEvent[] = [];
    let ended = false;
    let live = false;
    let buffer = '';
    let block: { id?: string; event?: string; data?: string } = {};
    let req: ClientRequest | undefined;
    const stream: EventStream = {
      close: () => req?.destroy(),
      ended: () => ended,
      kept,
    };
    const timer = setTimeout(() => {
      req?.destroy();
      reject(new Error(`${url}: the stream did not start within ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    const line = (text: string) => {
      if (text === '') {
        if (block.id !== undefined && !live) {
          live = true;
          clearTimeout(timer);
          resolve(stream);
        }
        if (block.data !== undefined) {
          const event: StreamEvent = { id: block.id, type: block.event ?? 'message', data: block.data, atMs: performance.now() };
          if (options.keep) kept.push(event);
          onEvent(event);
        }
        block = {};
        return;
      }
      if (text.startsWith(':')) return;
      const colon = text.indexOf(':');
      const field = colon < 0 ? text : text.slice(0, colon);
      let value = colon < 0 ? '' : text.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') block.data = block.data === undefined ? value : `${block.data}\n${value}`;
      else if (field === 'id') block.id = value;
      else if (field === 'event') block.event = value;
    };
    req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        res.resume();
        reject(new Error(`${url}: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let start = 0;
        for (;;) {
          const at = buffer.indexOf('\n', start);
          if (at < 0) break;
          const end = at > start && buffer.charCodeAt(at - 1) === 13 ? at - 1 : at;
          line(buffer.slice(start, end));
          start = at + 1;
        }
        buffer = buffer.slice(start);
      });
      res.on('close', () => (ended = true));
    });
    req.on('error', (error) => {
      ended = true;
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
