// Server-Sent Events over fetch: EventSource cannot send an Authorization header, so the dashboard
// reads `GET /v1/events` as a stream and parses it itself (the HTML standard's event-stream rules).
// It reconnects with backoff and sends `Last-Event-ID`, so the server replays what was missed.

export interface SseMessage {
  /** The `id:` of this message, or the last one seen before it. */
  lastEventId: string;
  /** `event:`; "message" when absent. */
  event: string;
  data: string;
}

/** Incremental parser: feed it decoded text in any chunking, get whole messages back. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private sawData = false;
  /** The last `id:` seen; sent back as `Last-Event-ID` on reconnect. */
  lastEventId = '';
  /** A `retry:` the server asked for, in ms. */
  retryMs: number | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const messages: SseMessage[] = [];
    let start = 0;
    for (;;) {
      let end = -1;
      let next = -1;
      for (let i = start; i < this.buffer.length; i++) {
        const c = this.buffer.charCodeAt(i);
        if (c === 10) {
          end = i;
          next = i + 1;
          break;
        }
        if (c === 13) {
          // A CR at the very end may be the first half of CRLF: wait for the next chunk.
          if (i + 1 === this.buffer.length) break;
          end = i;
          next = this.buffer.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
          break;
        }
      }
      if (end < 0) break;
      const message = this.line(this.buffer.slice(start, end));
      if (message) messages.push(message);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined; // a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.sawData = true;
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message = this.sawData
      ? { lastEventId: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') }
      : undefined;
    this.data = [];
    this.event = '';
    this.sawData = false;
    return message;
  }
}

export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'stopped';

/** Stream messages handled in one task before yielding to the page (about 10 ms of JSON parsing). */
const MESSAGES_PER_TASK = 250;

export interface EventStreamOptions {
  url: string;
  authorization: () => string;
  onMessage: (message: SseMessage) => void;
  onStatus?: (status: StreamStatus, detail?: string) => void;
  /** The server refused the credential: the stream stops for good. */
  onUnauthorized?: () => void;
  /** First retry delay; doubles up to `maxDelayMs`, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Reconnect when nothing (not even a keep-alive comment) arrived for this long. */
  idleTimeoutMs?: number;
  random?: () => number;
}

export class EventStream {
  private controller: AbortController | undefined;
  private stopped = true;
  private attempt = 0;
  private readonly parser = new SseParser();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private openWaiters: Array<() => void> = [];
  status: StreamStatus = 'stopped';

  constructor(private readonly options: EventStreamOptions) {}

  get lastEventId(): string {
    return this.parser.lastEventId;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    globalThis.addEventListener?.('online', this.onOnline);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    globalThis.removeEventListener?.('online', this.onOnline);
    clearTimeout(this.retryTimer);
    this.controller?.abort();
    this.setStatus('stopped');
    for (const resolve of this.openWaiters.splice(0)) resolve();
  }

  /** Resolves when the stream is open (or stopped), or after `timeoutMs`, whichever comes first. */
  whenOpen(timeoutMs: number): Promise<void> {
    if (this.status === 'open' || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.openWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The browser is back online: waiting out a long backoff would only delay the catch-up. */
  private readonly onOnline = () => {
    if (this.stopped || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attempt = 0;
    void this.connect();
  };

  private setStatus(status: StreamStatus, detail?: string) {
    this.status = status;
    this.options.onStatus?.(status, detail);
    if (status === 'open') for (const resolve of this.openWaiters.splice(0)) resolve();
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    const controller = new AbortController();
    this.controller = controller;
    this.setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const idleTimeoutMs = this.options.idleTimeoutMs ?? 60_000;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => controller.abort(), idleTimeoutMs);
    };
    let problem = 'the stream ended';
    try {
      const headers: Record<string, string> = { authorization: this.options.authorization(), accept: 'text/event-stream' };
      if (this.parser.lastEventId) headers['last-event-id'] = this.parser.lastEventId;
      armIdle();
      const response = await fetch(this.options.url, { headers, credentials: 'omit', cache: 'no-store', signal: controller.signal });
      if (response.status === 401) {
        clearTimeout(idleTimer);
        this.stop();
        this.options.onUnauthorized?.();
        return;
      }
      if (response.status === 400) {
        // A query the server refuses (an unknown type in a filter) is refused again on every retry.
        clearTimeout(idleTimer);
        const message = await response.text().then(errorMessage, () => undefined);
        this.stop();
        this.setStatus('stopped', message ?? 'the stream refused this filter');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`the stream answered ${response.status}`);
      this.attempt = 0;
      this.setStatus('open');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        const messages = this.parser.push(value);
        // A page that was busy may get megabytes at once: hand them on in slices, yielding between
        // them, so no single task parses thousands of events while the page waits.
        for (let i = 0; i < messages.length; i += MESSAGES_PER_TASK) {
          if (i > 0) await new Promise((resolve) => setTimeout(resolve, 0));
          if (this.stopped) break;
          for (const message of messages.slice(i, i + MESSAGES_PER_TASK)) this.options.onMessage(message);
        }
      }
    } catch (error) {
      problem = controller.signal.aborted ? 'no data for a while' : error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(idleTimer);
    }
    if (this.stopped) return;
    const base = this.parser.retryMs ?? this.options.baseDelayMs ?? 500;
    const delay =
      Math.min(this.options.maxDelayMs ?? 15_000, base * 2 ** this.attempt) * (0.5 + (this.options.random ?? Math.random)() / 2);
    this.attempt++;
    this.setStatus('reconnecting', problem);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}

/** The message of a v1 error answer (`{error: {message}}`), if the text is one. */
function errorMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
