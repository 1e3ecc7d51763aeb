// Readable log lines: how one pino line reads, which destinations get them (a terminal by default, or
// anything with logFormat pretty; JSON otherwise), and that a readable line shows no more than the JSON
// one would: secrets stay redacted. (A real terminal: test/server/first-start-secrets.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLine, logDestination, type LogDestination } from '../../src/observability/log-format.ts';
import { request } from '../helpers/http.ts';
import { startTestServer } from '../helpers/server.ts';

const TIME = /^\d\d:\d\d:\d\d\.\d{3} /;

test('a line: time, level, request id, message, then the other fields; pid and hostname left out', () => {
  const line = JSON.stringify({
    level: 30,
    time: 1_754_300_000_123,
    pid: 7,
    hostname: 'h',
    reqId: 'r-1',
    msg: 'request completed',
    res: { statusCode: 200 },
    note: 'two words',
    word: 'plain',
  });
  const shown = formatLogLine(line, { colors: false });
  assert.match(shown, TIME);
  assert.equal(shown.replace(TIME, ''), 'INFO  [r-1] request completed res={"statusCode":200} note="two words" word=plain');
  assert.equal(formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'm' }), { colors: false }).replace(TIME, ''), 'ERROR m');
  assert.match(formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'm' }), { colors: true }), /\u001b\[33mWARN \u001b\[39m m$/);
});

test('an error: its message on the line, its stack frames below it, the message not twice', () => {
  const err = new Error('the database is gone');
  const shown = formatLogLine(
    JSON.stringify({ level: 50, time: 0, msg: 'history flush failed', err: { type: 'Error', message: err.message, stack: err.stack } }),
    { colors: false },
  );
  const [first, ...frames] = shown.split('\n');
  assert.equal(first!.replace(TIME, ''), 'ERROR history flush failed the database is gone');
  assert.ok(frames.length > 0 && frames.every((frame) => frame.startsWith('    at ')), shown);
});

test('what is not pino JSON passes as it is', () => {
  assert.equal(formatLogLine('not json', { colors: false }), 'not json');
  assert.equal(formatLogLine('42', { colors: false }), '42');
});

test('destinations: JSON unless a terminal or logFormat pretty; colours on a terminal, unless NO_COLOR', () => {
  const lines: string[] = [];
  const pipe: LogDestination = { write: (line) => void lines.push(line) };
  const terminal = Object.assign({ write: (line: string) => void lines.push(line) }, { isTTY: true });
  const line = `${JSON.stringify({ level: 30, time: 0, msg: 'hello' })}\n`;

  assert.equal(logDestination('auto', pipe, {}), pipe, 'a pipe gets the JSON as it is');
  assert.equal(logDestination('json', terminal, {}), terminal, 'json even on a terminal');
  logDestination('pretty', pipe, {})!.write(line);
  logDestination('auto', terminal, {})!.write(line);
  logDestination('auto', terminal, { NO_COLOR: '' })!.write(line);
  assert.deepEqual(
    lines.map((l) => l.replace(/^(\u001b\[90m)?\d\d:\d\d:\d\d\.\d{3}/, '<time>')),
    ['<time> INFO  hello\n', '<time>\u001b[39m \u001b[32mINFO \u001b[39m hello\n', '<time> INFO  hello\n'],
  );
});

test('a server with logFormat pretty writes readable lines, with the same redactions as JSON', async (t) => {
  const lines: string[] = [];
  const server = await startTestServer({ logLevel: 'debug', logFormat: 'pretty' }, undefined, { captureLog: true });
  t.after(() => server.close());
  const secret = 'rc_api_not-a-real-key-but-secret';
  await request(server.url, 'GET', `/api/users/usersonline?apikey=${secret}`, { headers: { 'x-request-id': 'pretty-1' } });
  await request(server.url, 'GET', '/healthz', { headers: { authorization: `Bearer ${secret}`, 'x-request-id': 'pretty-2' } });
  lines.push(...server.log().split('\n').filter(Boolean));
  assert.ok(lines.length > 0);
  assert.ok(
    lines.every((line) => !line.startsWith('{')),
    'no JSON line',
  );
  assert.ok(
    lines.some((line) =>
      /INFO +\[pretty-1\] incoming request req=\{"method":"GET","url":"\/api\/users\/usersonline\?apikey=\[Redacted\]"/.test(line),
    ),
    lines.join('\n'),
  );
  assert.ok(lines.some((line) => /\[pretty-2\] request completed/.test(line)));
  assert.ok(!server.log().includes(secret), 'no secret in the readable log');
});

test('by default, a stream that is no terminal gets JSON', async (t) => {
  const server = await startTestServer({ logLevel: 'debug' }, undefined, { captureLog: true });
  t.after(() => server.close());
  await request(server.url, 'GET', '/healthz');
  const lines = server.log().split('\n').filter(Boolean);
  assert.ok(lines.length > 0 && lines.every((line) => typeof JSON.parse(line) === 'object'));
});
