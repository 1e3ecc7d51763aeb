// Where log lines go and how they look. pino writes JSON lines, which log collectors want; a person
// watching a terminal wants one readable line per event. So by default (`logFormat: auto`) a terminal
// gets readable lines and anything else (a pipe, a file, journald, a container's log) gets JSON;
// `json` and `pretty` force either. The readable form is made from pino's own JSON line, after
// redaction, so it can never show more than the JSON would (no secret the JSON leaves out).
import type { Config } from '../config/schema.ts';

export type LogFormat = Config['logFormat'];

/** What pino writes to: one JSON line per call. */
export interface LogDestination {
  write(line: string): void;
}

type Output = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * The stream pino should write to: `given` (or stdout) as it is for JSON, wrapped to write readable
 * lines otherwise. Undefined keeps pino's default, JSON on stdout.
 */
export function logDestination(
  format: LogFormat,
  given?: LogDestination,
  env: NodeJS.ProcessEnv = process.env,
): LogDestination | undefined {
  const target = (given ?? process.stdout) as Output;
  const terminal = target.isTTY === true;
  if (format === 'json' || (format === 'auto' && !terminal)) return given;
  // https://no-color.org: any value turns colours off.
  return readableLines(target, { colors: terminal && env.NO_COLOR === undefined });
}

function readableLines(target: LogDestination, options: { colors: boolean }): LogDestination {
  return {
    write(chunk: string) {
      let text = '';
      for (const line of chunk.split('\n')) if (line !== '') text += `${formatLogLine(line, options)}\n`;
      target.write(text);
    },
  };
}

const LEVELS: Record<number, [label: string, colour: number]> = {
  10: ['TRACE', 90],
  20: ['DEBUG', 36],
  30: ['INFO ', 32],
  40: ['WARN ', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 35],
};
/** Fields every line has, shown in their own places (or, for pid and hostname, which never change, not at all). */
const PLACED = new Set(['level', 'time', 'msg', 'reqId', 'pid', 'hostname', 'err']);

/**
 * One pino JSON line as `12:03:07.412 INFO  [request id] message key=value …`, an error's stack on the
 * lines below. A line that is not pino's JSON is passed through as it is.
 */
export function formatLogLine(json: string, { colors }: { colors: boolean }): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  if (typeof entry !== 'object' || entry === null) return json;
  const paint = (colour: number, text: string) => (colors ? `\u001b[${colour}m${text}\u001b[39m` : text);
  const [label, colour] = LEVELS[Number(entry.level)] ?? [String(entry.level).toUpperCase().padEnd(5), 39];
  const parts = [paint(90, clock(entry.time)), paint(colour, label)];
  if (entry.reqId !== undefined) parts.push(paint(90, `[${String(entry.reqId)}]`));
  if (typeof entry.msg === 'string') parts.push(entry.msg);
  const err = entry.err as { message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err.message === 'string') parts.push(paint(31, err.message));
  for (const [key, value] of Object.entries(entry)) {
    if (!PLACED.has(key) && value !== undefined) parts.push(`${paint(90, `${key}=`)}${shown(value)}`);
  }
  // The stack's frames only: its first line repeats the message, already shown above.
  const frames = typeof err?.stack === 'string' ? err.stack.indexOf('\n    at ') : -1;
  const stack = frames >= 0 ? (err!.stack as string).slice(frames) : '';
  return parts.join(' ') + stack;
}

/** Epoch milliseconds as local HH:MM:SS.mmm: a terminal is watched now, so the date is noise. */
function clock(time: unknown): string {
  const date = new Date(typeof time === 'number' ? time : Date.now());
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** A bare word as it is; anything with spaces, quotes or structure as JSON, so a line stays one line. */
function shown(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=]*$/.test(value) && value !== '') return value;
  return JSON.stringify(value);
}
