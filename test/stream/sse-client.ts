// A raw HTTP client of the change stream (node:http, no EventSource): it keeps every block the server
// sent, parsed the way the SSE spec says, so tests can look at ids, comments and the order of things.
import { request, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from '../helpers/server.ts';

/** One block (fields up to a blank line). Comments are kept apart from fields. */
export interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/** An event as an EventSource would dispatch it: a block with data. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  json: any;
}

export class SseClient {
  readonly blocks: SseBlock[] = [];
  private buffer = '';
  private current: SseBlock = { comments: [] };
  ended = false;

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly destroy: () => void,
    /** The body of a non-stream answer (an error). */
    readonly body: Promise<string>,
  ) {}

  static connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        res.setEncoding('utf8');
        let text = '';
        let client: SseClient | undefined;
        const body = new Promise<string>((done) => res.on('end', () => done(text)));
        client = new SseClient(res.statusCode ?? 0, res.headers, () => req.destroy(), body);
        res.on('data', (chunk: string) => {
          text += chunk;
          client!.feed(chunk);
        });
        res.on('end', () => (client!.ended = true));
        res.on('close', () => (client!.ended = true));
        resolve(client);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Blocks with data, as an EventSource would dispatch them. */
  events(): SseEvent[] {
    return this.blocks
      .filter((block) => block.data !== undefined)
      .map((block) => ({ id: block.id, event: block.event ?? 'message', data: block.data!, json: JSON.parse(block.data!) }));
  }

  /** Waits until `count` events arrived; answers them all. */
  async waitForEvents(count: number, what = `${count} events`): Promise<SseEvent[]> {
    await waitFor(() => this.events().length >= count, { what, timeoutMs: 5_000 });
    return this.events();
  }

  close(): void {
    this.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.buffer);
      if (!match) return;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.current.comments.length > 0 || Object.keys(this.current).length > 1) this.blocks.push(this.current);
      this.current = { comments: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.current.comments.push(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.current.data = this.current.data === undefined ? value : `${this.current.data}\n${value}`;
    else if (field === 'id' || field === 'event' || field === 'retry') this.current[field] = value;
  }
}
