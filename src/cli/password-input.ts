// How the CLI reads a new password without it ever being in argv (`ps` shows argv to every user of the
// machine) or on the screen: from standard input as one line (scripts: `--password-stdin`), or typed
// at a terminal prompt with echo off, twice.
import type { ReadStream } from 'node:tty';
import { RollcallError } from '../core/errors.ts';

/** A password is a line; anything longer than this on stdin is not one (and is not read into memory). */
const MAX_STDIN_BYTES = 4096;

/** The first line of `input` (a pipe or a file), without its line ending. */
export async function readPasswordLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n') || text.length > MAX_STDIN_BYTES) break;
  }
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw new RollcallError('invalid_parameter', 'no password on standard input (one line is read)');
  return line;
}

/** Asks twice at the terminal, echo off; the answers must agree. Prompts go to `output` (stderr), never stdout. */
export async function promptNewPassword(input: ReadStream, output: NodeJS.WritableStream, username: string): Promise<string> {
  const first = await promptHidden(input, output, `New password for ${username}: `);
  const again = await promptHidden(input, output, 'Again: ');
  if (first !== again) throw new RollcallError('invalid_parameter', 'the two passwords differ; nothing was changed');
  return first;
}

const ENTER = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

/** One line typed in raw mode, so nothing is echoed; Ctrl-C (which raw mode does not turn into SIGINT) cancels. */
function promptHidden(input: ReadStream, output: NodeJS.WritableStream, question: string): Promise<string> {
  // Echo off before the question shows: what is typed the moment it appears must not be echoed.
  input.setRawMode(true);
  output.write(question);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (settle: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      settle();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (ENTER.has(char)) return finish(() => resolve(typed));
        if (char === CTRL_C || (char === CTRL_D && typed === '')) {
          return finish(() => reject(new RollcallError('invalid_parameter', 'cancelled; nothing was changed')));
        }
        if (BACKSPACE.has(char)) typed = [...typed].slice(0, -1).join('');
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
