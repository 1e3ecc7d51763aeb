// How long the BeyondTrust command API holds the event loop while it answers get_connected_clients
// with include_connections=1 for 10,000 connected clients (issue 3). The suite (npm run bench, workload
// 4) measures the same through a server in a child process; this script is the focused, standalone view.
//
//   node --import tsx bench/bt-serialize.ts [--clients 10000] [--requests 10]
//
// A real server (port 0, fresh data dir, answer cache off so every request computes) holds the
// clients, opened through the core like any ingest, each with two node connections and a full
// 20-event log (the largest answer a client can produce). curl, in a child process, fetches the
// answer, so receiving it costs this process nothing. Two probes watch the loop meanwhile:
// perf_hooks.monitorEventLoopDelay (1 ms resolution) and a setImmediate chain whose longest gap is the
// longest stretch anything held the loop. For contrast the script then serializes the same clients
// in one go (no slicing) and reports how long that blocks.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.ts';
import type { HelloSessionBody } from '../src/core/input-schemas.ts';
import { EVENT_LOG_LIMIT, sessionConnections, type SessionEvent } from '../src/core/model.ts';
import { connectedClientsXml } from '../src/dialects/beyondtrust/serializer.ts';
import { createRollcall } from '../src/server/compose.ts';
import { watchLoop } from './lib/loop-probe.ts';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '10000' }, requests: { type: 'string', default: '10' } },
});
const CLIENTS = Number(values.clients);
const REQUESTS = Number(values.requests);
const PASSWORD = 'bench-admin-password';

const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-'));
const config = loadConfig({
  flags: { port: 0, dataDir: dir, adminPassword: PASSWORD, ingestKey: 'bench-ingest-key-0123456789', logLevel: 'silent', btCacheMs: 0 },
});
const rollcall = await createRollcall(config);
await rollcall.app.listen({ port: 0, host: '127.0.0.1' });
const address = rollcall.app.server.address();
if (!address || typeof address !== 'object') throw new Error('no address');

// ---- the clients ------------------------------------------------------------------------------------
const kinds = ['representative', 'support_customer', 'support_customer', 'presentation_attendee', 'push_agent'] as const;
const setupStart = performance.now();
for (let i = 0; i < CLIENTS; i++) {
  const clientType = kinds[i % kinds.length]!;
  const body: HelloSessionBody = {
    user: { id: `user-${i}`, name: `Client ${i} <bench> & "friends"`, username: `u${i}`, type: 'staff' },
    clientType,
    hostname: `host-${i}.corp.example.com`,
    platform: { id: 'winNT-64', name: 'Windows 11 (x64)' },
    timezoneOffset: -18_000,
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
    privateIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
    ...(clientType === 'representative' && {
      representative: { supportSessionLsids: ['a1b2c3d4', 'e5f6a7b8'], startSessionUrl: `https://support.example.com/?rep=${i}` },
    }),
    ...(clientType === 'support_customer' && { customer: { lsid: `lsid-${i}`, nonInteractive: 'rdp' as const } }),
  };
  const { session } = await rollcall.presence.open(body, { kind: 'ingest' }, { transport: 'http', remoteAddress: '127.0.0.1' });
  // The largest answer a client can give: two connections and a full event log. The bench writes them
  // straight into the store; ingest has no call that makes them up.
  const events: SessionEvent[] = Array.from({ length: EVENT_LOG_LIMIT }, (_, n) => ({
    at: session.startedAt + n * 1000,
    kind: n % 2 === 0 ? 'connected' : 'disconnected',
    text: n % 2 === 0 ? `Connected to node ${session.nodeId} as master` : `Disconnected from node ${session.nodeId}: connection lost`,
  }));
  await rollcall.live.update(
    session.id,
    (s) => ({
      ...s,
      events,
      connections: [
        sessionConnections(s)[0]!,
        { ...sessionConnections(s)[0]!, nodeId: 'a3c5e7f9-0000-4000-8000-000000000002', purpose: 'traffic', receiveTrafficNode: true },
      ],
    }),
    Date.now(),
  );
}
// The ingest above left 10,000 users and session-log rows for the batched history writer; writing
// them is the ingest path's cost, not the answer's, so it happens before the measurement.
await rollcall.presence.flushHistory();
const setupMs = performance.now() - setupStart;

// ---- probes (bench/lib/loop-probe.ts, shared with the suite's query workload) ---------------------
const url = `http://127.0.0.1:${address.port}/api/command?username=admin&password=${PASSWORD}&action=get_connected_clients&include_connections=1`;
function curl(): Promise<{ status: string; bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', url], (error, stdout) => {
      if (error) return reject(error);
      const [status = '', bytes = '0', seconds = '0'] = stdout.trim().split(' ');
      resolve({ status, bytes: Number(bytes), seconds: Number(seconds) });
    });
  });
}

// The first request pays for scrypt (cached afterwards, and run on the thread pool) and JIT warm-up.
await curl();
const rows: string[] = [];
const gaps: number[] = [];
const busyGaps: number[] = [];
let worstDelay = 0;
for (let i = 0; i < REQUESTS; i++) {
  const stop = watchLoop();
  const answer = await curl();
  const probe = stop();
  gaps.push(probe.longestGapMs);
  busyGaps.push(probe.longestBusyGapMs);
  worstDelay = Math.max(worstDelay, probe.delayMaxMs);
  rows.push(
    `  request ${i + 1}: HTTP ${answer.status}, ${(answer.bytes / 1e6).toFixed(1)} MB in ${(answer.seconds * 1000).toFixed(0)} ms; ` +
      `longest loop block ${probe.longestGapMs.toFixed(1)} ms wall, ${probe.longestBusyGapMs.toFixed(1)} ms on CPU (monitorEventLoopDelay max ${probe.delayMaxMs.toFixed(1)} ms, ` +
      `p99 ${probe.delayP99Ms.toFixed(1)} ms; longest GC pause ${probe.longestGcMs.toFixed(1)} ms)`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const worst = (values: number[]) => Math.max(0, ...values);

// ---- contrast: the same document in one synchronous piece ------------------------------------------
const sessions = await rollcall.presence.listSessions({
  clientTypes: ['representative', 'support_customer', 'presentation_attendee', 'push_agent'],
});
const oneGoStart = performance.now();
const whole = await connectedClientsXml(sessions, true, { namespace: config.btNamespace, sliceMs: Number.POSITIVE_INFINITY });
const oneGoMs = performance.now() - oneGoStart;
const wholeBytes = whole.reduce((sum, piece) => sum + piece.length, 0);

console.log(
  `rollcall bench: get_connected_clients&include_connections=1, ${CLIENTS} clients (setup ${(setupMs / 1000).toFixed(1)} s), Node ${process.version}`,
);
console.log(rows.join('\n'));
console.log(
  `over ${REQUESTS} requests, longest event-loop block per request: wall median ${median(gaps).toFixed(1)} ms, worst ${worst(gaps).toFixed(1)} ms; ` +
    `on CPU median ${median(busyGaps).toFixed(1)} ms, worst ${worst(busyGaps).toFixed(1)} ms (monitorEventLoopDelay max ${worstDelay.toFixed(1)} ms)`,
);
console.log(
  `load average during the run: ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')} on ${availableParallelism()} CPUs`,
);
console.log(`without slicing the same ${(wholeBytes / 1e6).toFixed(1)} MB document blocks the loop for ${oneGoMs.toFixed(0)} ms`);

await rollcall.close();
rmSync(dir, { recursive: true, force: true });
