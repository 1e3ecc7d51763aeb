// "Who is online" in one process, in pieces: how long the core's users('online'), the JSON writer and a
// whole HTTP request take at N live sessions, and how long each holds the event loop. The suite measures
// the answer through a server in a child process (workloads 4 and 5); this is the focused view.
//
//   node --import tsx bench/who-is-online.ts [--sessions 15000] [--requests 30] [--touch 150] [--client node]
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import { createRollcall } from '../src/server/compose.ts';
import { sessionBody, spread } from './lib/fleet.ts';
import { forkChild, killAllOnSignal } from './lib/child.ts';
import { timedGet } from './lib/http.ts';
import { percentile } from './lib/stats.ts';
import { watchLoop } from './lib/loop-probe.ts';
import { startProfile, stopProfile } from './lib/profiler.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '15000' },
    requests: { type: 'string', default: '30' },
    status: { type: 'string', default: 'online' },
    profile: { type: 'string' },
    // Before each request this many sessions (spread over the fleet) heartbeat, so no answer can be sent
    // again (the uncached figure). 150 of 15,000 is what 1,000 heartbeats a second do between two answers.
    touch: { type: 'string', default: '0' },
    // Who reads the answer: curl (started by a reader process of its own, bench/clients/curl-reader.ts:
    // receiving costs this process nothing, and this process never forks per request), or node (the
    // suite's own client, bench/lib/http.ts, which workloads 4 and 5 run in a process of their own; here
    // it shares the server's process and thread, so its figures are not theirs).
    client: { type: 'string', default: 'curl' },
  },
});
const N = Number(values.sessions);
const TOUCH = Number(values.touch);
const REQUESTS = Number(values.requests);
const PASSWORD = 'bench-admin-password';

killAllOnSignal('who-is-online');
// Started before the fleet: its fork is the only one this process makes (see curl-reader.ts).
const curlReader =
  values.client === 'curl'
    ? await forkChild(join(import.meta.dirname, 'clients/curl-reader.ts'), { name: 'curl-reader', lifetimeMs: 1_800_000 })
    : undefined;
if (!curlReader && values.client !== 'node') throw new Error(`--client is curl or node, not ${values.client}`);

const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-who-'));
const config = loadConfig({
  flags: {
    port: 0,
    dataDir: dir,
    adminPassword: PASSWORD,
    ingestKey: 'bench-ingest-key-0123456789',
    logLevel: 'silent',
    btCacheMs: 0,
    pollCacheMs: 0,
    // Sessions that nobody touches must outlive the run (one request a second, two passes): the fleet's
    // size, hence the answer's, stays what was asked for.
    sessionTtl: 86_400,
    wsHeartbeatMs: 300_000,
  },
});
const rollcall = await createRollcall(config);
await rollcall.app.listen({ port: 0, host: '127.0.0.1' });
const address = rollcall.app.server.address();
if (!address || typeof address !== 'object') throw new Error('no address');
const ids: number[] = [];
for (let i = 0; i < N; i++) {
  const body = JSON.parse(JSON.stringify(sessionBody(i)));
  const { session } = await rollcall.presence.open(body, { kind: 'ingest' }, { transport: 'websocket', remoteAddress: '127.0.0.1' });
  ids.push(session.id);
}
await rollcall.presence.flushHistory();

async function read(target: string, authorization: string): Promise<{ bytes: number; ms: number }> {
  if (!curlReader) return timedGet('node', target, { authorization });
  const answer = await curlReader.call<{ status: number; bytes: number; ms: number }>(
    'get',
    { url: target, headers: { authorization } },
    60_000,
  );
  if (answer.status !== 200) throw new Error(`${target}: HTTP ${answer.status}`);
  return answer;
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
const url = `http://127.0.0.1:${address.port}/v1/users?status=${values.status}`;
const authorization = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const times: number[] = [];
const blocks: number[] = [];
let bytes = 0;
if (values.profile) await startProfile();
// Two passes: request times with nothing else in the process, then the loop probe's blocks (its
// setImmediate chain runs between every turn of the loop and would slow the request it watches).
for (const probing of [false, true]) {
  for (let i = 0; i < REQUESTS + 3; i++) {
    const stop = probing ? watchLoop() : undefined;
    if (TOUCH > 0) {
      // Answers carry whole seconds: wait for the next one, so every touched session's time moves.
      const before = Math.floor(Date.now() / 1000);
      while (Math.floor(Date.now() / 1000) === before) await new Promise((resolve) => setTimeout(resolve, 5));
      await rollcall.presence.keepAlive(spread(ids.length, TOUCH, i).map((k) => ids[k]!));
    }
    const answer = await read(url, authorization);
    bytes = answer.bytes;
    const probe = stop?.();
    if (i < 3) continue;
    if (probe) blocks.push(probe.longestBusyGapMs);
    else times.push(answer.ms);
  }
}
if (values.profile) await stopProfile(values.profile);
const core: number[] = [];
for (let i = 0; i < REQUESTS; i++) {
  const start = performance.now();
  await rollcall.presence.users(values.status as 'online');
  core.push(performance.now() - start);
}
console.log(
  `${N} sessions, ${values.status}, ${TOUCH} touched per request: request median ${median(times).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${values.client}), ${(bytes / 1e6).toFixed(2)} MB; ` +
    `longest loop block median ${median(blocks).toFixed(1)} ms, worst ${Math.max(...blocks).toFixed(1)} ms; ` +
    `presence.users median ${median(core).toFixed(1)} ms; load ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
);
// The floor: a bare node:http server shipping a body of the same size.
const body = Buffer.alloc(bytes, 'x');
const bare = createServer((_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(body));
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareAddress = bare.address();
if (!bareAddress || typeof bareAddress !== 'object') throw new Error('no address');
const bareTimes: number[] = [];
for (let i = 0; i < REQUESTS + 3; i++) {
  const answer = await read(`http://127.0.0.1:${bareAddress.port}/`, authorization);
  if (i >= 3) bareTimes.push(answer.ms);
}
bare.close();
console.log(`a bare node:http route shipping the same ${(bytes / 1e6).toFixed(2)} MB: median ${median(bareTimes).toFixed(1)} ms`);
await rollcall.close();
await curlReader?.stop();
rmSync(dir, { recursive: true, force: true });
