// The demo's status line: what rollcall holds (sessions by client type) and what the simulation did in
// the last interval. On a terminal it is one line rewritten in place; elsewhere (a pipe, a log file,
// a test) it is a new line every few seconds.
import { CLIENT_TYPES, type ClientType } from '../core/model.ts';
import type { Counts } from './stats.ts';

export interface StatusSnapshot {
  /** Live sessions on the server, by client type. */
  sessions: Record<ClientType, number>;
  /** Sessions waiting for their client to resume. */
  detached: number;
  /** Support customers waiting for a representative, and support sessions under way. */
  waiting: number;
  inSupport: number;
  /** What the simulation did since the previous line. */
  counts: Counts;
  lastError?: string;
}

const SHORT_NAMES: Record<ClientType, string> = {
  representative: 'rep',
  support_customer: 'customer',
  presentation_attendee: 'attendee',
  push_agent: 'jumpoint',
  web: 'web',
};

/** Default milliseconds between lines: rewriting in place can be frequent, appending should not be. */
export const TTY_INTERVAL_MS = 1_000;
export const LOG_INTERVAL_MS = 5_000;

/** Counter names as the status line says them. */
const COUNTER_WORDS: Record<keyof Counts, string> = {
  joined: 'joined',
  left: 'left',
  dropped: 'dropped',
  resumed: 'resumed',
  views: 'view changes',
  idle: 'went idle',
  back: 'came back',
  updates: 'updates',
  supportStarted: 'support started',
  supportFinished: 'support finished',
  errors: 'errors',
};

export function formatStatus(snapshot: StatusSnapshot, intervalMs: number, at: Date = new Date()): string {
  const total = CLIENT_TYPES.reduce((sum, type) => sum + snapshot.sessions[type], 0);
  const byType = CLIENT_TYPES.map((type) => `${snapshot.sessions[type]} ${SHORT_NAMES[type]}`).join(', ');
  const seconds = Math.round(intervalMs / 100) / 10;
  // Only what happened: a quiet counter is noise, and the line should fit a terminal.
  const happened = (Object.keys(COUNTER_WORDS) as (keyof Counts)[])
    .filter((c) => snapshot.counts[c] > 0)
    .map((c) => `${snapshot.counts[c]} ${COUNTER_WORDS[c]}${c === 'errors' ? ` (${snapshot.lastError ?? 'see the log'})` : ''}`);
  return [
    `${at.toTimeString().slice(0, 8)} ${total} sessions (${byType}${snapshot.detached > 0 ? `; ${snapshot.detached} detached` : ''})`,
    `support: ${snapshot.inSupport} in session, ${snapshot.waiting} waiting`,
    `last ${seconds}s: ${happened.length > 0 ? happened.join(', ') : 'quiet'}`,
  ].join(' | ');
}

export interface StatusLineOptions {
  out: NodeJS.WritableStream;
  snapshot: () => Promise<StatusSnapshot>;
  intervalMs?: number;
}

export class StatusLine {
  readonly #out: NodeJS.WritableStream;
  readonly #tty: boolean;
  readonly #snapshot: () => Promise<StatusSnapshot>;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<void> | undefined;
  /** Whether the cursor sits at the end of a status line (so the next output needs a newline first). */
  #midLine = false;

  constructor(options: StatusLineOptions) {
    this.#out = options.out;
    this.#tty = (options.out as Partial<NodeJS.WriteStream>).isTTY === true;
    this.#snapshot = options.snapshot;
    this.#intervalMs = options.intervalMs ?? (this.#tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS);
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      this.#pending ??= this.#print().finally(() => (this.#pending = undefined));
    }, this.#intervalMs);
  }

  /** Stops the line; on a terminal, leaves the cursor on a fresh line. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pending;
    this.#endLine();
  }

  /** Writes a whole line of text below the status line. */
  log(text: string): void {
    this.#endLine();
    this.#out.write(`${text}\n`);
  }

  async #print(): Promise<void> {
    let line: string;
    try {
      line = formatStatus(await this.#snapshot(), this.#intervalMs);
    } catch (error) {
      line = `status unavailable: ${(error as Error).message}`;
    }
    if (this.#timer === undefined) return; // stopped meanwhile
    if (this.#tty) {
      // A pseudo-terminal may report no width at all (0).
      const columns = (this.#out as Partial<NodeJS.WriteStream>).columns || 160;
      const fitted = line.length >= columns ? `${line.slice(0, Math.max(0, columns - 2))}…` : line;
      this.#out.write(`\r${fitted}\x1b[K`);
      this.#midLine = true;
    } else {
      this.#out.write(`${line}\n`);
    }
  }

  #endLine(): void {
    if (!this.#midLine) return;
    this.#out.write('\n');
    this.#midLine = false;
  }
}
