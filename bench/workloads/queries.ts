// Workload 4: queries at N live sessions (10,000 full), each against a bare Fastify route in the same run.
// Phase A, uncached (a server with ROLLCALL_BT_CACHE_MS=0 and ROLLCALL_POLL_CACHE_MS=0): p50/p99 of sequential requests, with the
// server's event loop watched meanwhile (the longest block while it serialises an answer), then the
// same for get_connected_clients&include_connections=1 when every client has two connections and a
// full 20-event log (the largest answer, as bench/bt-serialize.ts builds it). "Uncached" is about the
// answer cache: the serializers still remember each client's fragment per session snapshot, so those
// figures are for clients that did not change between answers; the last rows are for answers right
// after every client changed (each `enrich` makes a new snapshot of every session).
// Phase B, cache on (a fresh server with the default answer windows): autocannon with 50
// concurrent pollers per query, against a bare route shipping the very bytes of the answer (fetched
// from rollcall right before; the cost of the bytes alone, the client's included). Shared answers are
// also polled by pollers that revalidate (If-None-Match with the ETag of their last full answer, the
// current one to begin with; a 304 counts as an answer) against rollcall's cheapest authenticated
// route, by pollers that take gzip (against a bare route shipping the same gzip bytes), and by
// pollers that do both, against the bare small-JSON route polled again after each query, so these
// rows have a baseline from the same minute.
// Sessions are opened through the core with the ingest key (realistic fleet metadata, see lib/fleet.ts).
import { join } from 'node:path';
import type { QuerySizes } from '../config.ts';
import { allStarted, BENCH_DIR, forkChild, type Child } from '../lib/child.ts';
import type { ProfileSummary } from '../lib/cpuprofile.ts';
import { fetchOnce, load, sequentialLatency, type LatencyResult, type LoadResult } from '../lib/http.ts';
import type { LoopBlock } from '../lib/loop-probe.ts';
import { row, type Row, type WorkloadResult } from '../lib/report.ts';
import { mean, percentile } from '../lib/stats.ts';

export interface Credentials {
  username: string;
  password: string;
  apiKey: string;
}

export interface Query {
  key: string;
  label: string;
  path: string;
  headers: Record<string, string>;
  /** Whether the route shares answers between identical queries (ROLLCALL_BT_CACHE_MS, ROLLCALL_POLL_CACHE_MS). */
  cached: boolean;
}

export function queries(credentials: Credentials, middleId: number): Query[] {
  const command = (params: string) =>
    `/api/command?username=${encodeURIComponent(credentials.username)}&password=${encodeURIComponent(credentials.password)}&${params}`;
  const bearer = { authorization: `Bearer ${credentials.apiKey}` };
  return [
    { key: 'bt-clients', label: 'BT get_connected_clients', path: command('action=get_connected_clients'), headers: {}, cached: true },
    {
      key: 'bt-clients-conn',
      label: 'BT get_connected_clients&include_connections=1',
      path: command('action=get_connected_clients&include_connections=1'),
      headers: {},
      cached: true,
    },
    { key: 'bt-reps', label: 'BT get_logged_in_reps', path: command('action=get_logged_in_reps'), headers: {}, cached: true },
    {
      key: 'ce-online',
      label: 'Clientexec /api/users/usersonline',
      path: '/api/users/usersonline',
      headers: { 'x-api-key': credentials.apiKey },
      cached: true,
    },
    { key: 'md-active', label: 'Motadata active-users', path: '/api/v1/settings/users/active-users', headers: bearer, cached: true },
    {
      key: 'v1-online',
      label: '/v1/users?status=online (nothing changed between requests: revision-keyed)',
      path: '/v1/users?status=online',
      headers: bearer,
      cached: false,
    },
    { key: 'v1-all', label: '/v1/users?status=all', path: '/v1/users?status=all', headers: bearer, cached: false },
    {
      key: 'v1-page',
      label: '/v1/sessions page of 100 (cursor)',
      path: `/v1/sessions?limit=100&cursor=${middleId}`,
      headers: bearer,
      cached: false,
    },
  ];
}

type Server = Child<{ port: number }>;

/** Answers measured right after every client changed (each one after a new snapshot of every session). */
const ANSWERS_AFTER_CHANGE = 5;

const startRollcall = (name: string, env: NodeJS.ProcessEnv, lifetimeMs: number) =>
  forkChild<{ port: number }>(join(BENCH_DIR, 'servers/rollcall-server.ts'), { name, env, lifetimeMs });

async function fill(server: Server, sessions: number, lifetimeMs: number) {
  const { ids } = await server.call<{ ids: number[] }>('populate', { count: sessions }, lifetimeMs);
  const credentials = await server.call<Credentials>('credentials');
  return { server, ids, credentials };
}

export async function runQueries(sizes: QuerySizes, options: { profileDir?: string } = {}): Promise<WorkloadResult> {
  const started = performance.now();
  // A safety net only (each child ends by itself after it): generous for a loaded machine.
  const lifetimeMs =
    300_000 + sizes.sessions * 30 + 16 * (sizes.pollSeconds * 1000 + 2_000) + sizes.pollers * sizes.uncachedAnswersPerPoller * 3 * 1_000;
  const children: Server[] = [];
  const profiles: Record<string, ProfileSummary> = {};
  try {
    // All three start at once (starting is most of a small run); the cached server stays empty and idle
    // until phase B, so it takes nothing from phase A.
    const started3 = await allStarted([
      forkChild<{ port: number }>(join(BENCH_DIR, 'servers/bare-fastify.ts'), { name: 'bare fastify', lifetimeMs }),
      startRollcall(
        'rollcall server (uncached)',
        { ROLLCALL_BT_CACHE_MS: '0', ROLLCALL_POLL_CACHE_MS: '0', ROLLCALL_SESSION_TTL: '3600' },
        lifetimeMs,
      ),
      startRollcall('rollcall server (cache on)', { ROLLCALL_SESSION_TTL: '3600' }, lifetimeMs),
    ]);
    const [bare, uncached, cached] = [started3[0]!, started3[1]!, started3[2]!];
    children.push(bare, uncached, cached);
    const bareUrl = `http://127.0.0.1:${bare.info.port}`;

    // ---- phase A: uncached latency and event-loop blocks ----------------------------------------------
    const a = await fill(uncached, sizes.sessions, lifetimeMs);
    const list = queries(a.credentials, a.ids[Math.floor(a.ids.length / 2)]!);
    const urlA = `http://127.0.0.1:${a.server.info.port}`;
    const bareLatency = await sequentialLatency(`${bareUrl}/bare/json`, { count: sizes.latencyRequests });
    const latency: Record<string, LatencyResult & { loop: LoopBlock }> = {};
    const measure = async (key: string, q: Query) => {
      // Warm-up outside the watched window: the first request pays for scrypt (cached afterwards) and JIT.
      await sequentialLatency(`${urlA}${q.path}`, { count: 2, warmup: 0, headers: q.headers });
      await a.server.call('probeStart');
      const result = await sequentialLatency(`${urlA}${q.path}`, { count: sizes.latencyRequests, warmup: 0, headers: q.headers });
      const loop = await a.server.call<LoopBlock>('probeStop');
      latency[key] = { ...result, loop };
      if (options.profileDir) {
        await a.server.call('profileStart');
        await sequentialLatency(`${urlA}${q.path}`, {
          count: Math.max(3, Math.ceil(sizes.latencyRequests / 3)),
          warmup: 0,
          headers: q.headers,
        });
        profiles[`query-${key}`] = await a.server.call<ProfileSummary>('profileStop', {
          file: join(options.profileDir, `query-${key}.cpuprofile`),
        });
      }
    };
    for (const q of list) await measure(q.key, q);
    await a.server.call('enrich', {}, lifetimeMs);
    const worst = list.find((q) => q.key === 'bt-clients-conn')!;
    await measure('bt-clients-conn-full-logs', worst);
    const afterChange: number[] = [];
    for (let i = 0; i < ANSWERS_AFTER_CHANGE; i++) {
      await a.server.call('enrich', {}, lifetimeMs);
      afterChange.push((await sequentialLatency(`${urlA}${worst.path}`, { count: 1, warmup: 0, headers: worst.headers })).p50Ms);
    }
    await uncached.stop();

    // ---- phase B: 50 pollers, cache on ---------------------------------------------------------------------
    const b = await fill(cached, sizes.sessions, lifetimeMs);
    const urlB = `http://127.0.0.1:${b.server.info.port}`;
    // Cached answers are polled for a fixed window. Where every answer is computed afresh the pollers'
    // requests interleave and all finish late, so a short window would count next to nothing: those
    // are polled for a fixed number of answers instead (`uncachedAnswersPerPoller` each on average).
    // Revalidating pollers start out holding the current answer, as pollers do that have been polling
    // a while: their first full download (50 × megabytes, which the load generator takes seconds to
    // decode) is no part of revalidating. A poller still downloads each new answer it meets.
    const poll = async (url: string, headers: Record<string, string> = {}, amount?: number, revalidate = false) => {
      await sequentialLatency(url, { count: 2, warmup: 0, headers });
      const held = revalidate ? (await fetchOnce(url, { headers })).headers.etag : undefined;
      if (revalidate && held === undefined) throw new Error(`${url.split('?')[0]}: a shared answer without an ETag`);
      return load({
        url,
        headers,
        seconds: sizes.pollSeconds,
        connections: sizes.pollers,
        ...(amount !== undefined && { amount }),
        revalidate: held ?? false,
      });
    };
    const checked = (what: string, result: LoadResult) => {
      if (result.non2xx > 0) throw new Error(`${what}: ${result.ok} ok, ${result.non2xx} non-2xx (304 aside), ${result.errors} errors`);
      return result;
    };
    // The bare route ships what rollcall answered, byte for byte: autocannon decodes every body as
    // UTF-8 text, which costs it about three times more per byte for an answer with a few thousand
    // non-ASCII bytes (names) than for ASCII alone, so a filler of the same length is no baseline.
    // Polled like rollcall's answer: for a window, or for as many answers.
    const pollSameBytes = async (name: string, url: string, headers: Record<string, string>, amount?: number) => {
      const answer = await fetchOnce(url, { headers });
      if (answer.status !== 200) throw new Error(`${name}: HTTP ${answer.status} while fetching the answer to ship bare`);
      await bare.call('hold', { name, body: answer.body });
      const polled = checked(`bare, the bytes of ${name}`, await poll(`${bareUrl}/bare/held/${name}`, {}, amount));
      return { bytes: answer.bytes, polled };
    };
    const bareSmall: LoadResult[] = [checked('bare json', await poll(`${bareUrl}/bare/json`))];
    // rollcall's cheapest authenticated route: one live session by id with an API key.
    const cheapestPath = `/v1/sessions/${b.ids[0]!}`;
    const cheapestHeaders = { authorization: `Bearer ${b.credentials.apiKey}` };
    const polled: Record<
      string,
      {
        rollcall: LoadResult;
        /** The bare route shipping the very bytes of rollcall's answer. */
        sameBytes: LoadResult;
        revalidating?: LoadResult;
        gzip?: LoadResult;
        gzipBytes?: number;
        /** The bare route shipping the very bytes of rollcall's gzip answer. */
        sameGzipBytes?: LoadResult;
        both?: LoadResult;
        /** The bare small-JSON route polled right before and right after this query's rows above. */
        bareAround?: [LoadResult, LoadResult];
        /** rollcall's cheapest authenticated route, polled right after the revalidating pollers. */
        cheapest?: LoadResult;
      }
    > = {};
    for (const q of queries(b.credentials, b.ids[Math.floor(b.ids.length / 2)]!)) {
      // A window when it can hold several answers per poller (judged by phase A's sequential p50, the
      // server's time per answer); otherwise a number of answers.
      const byWindow = q.cached || (sizes.pollSeconds * 1000) / latency[q.key]!.p50Ms >= 3 * sizes.pollers;
      if (options.profileDir && q.key === 'bt-clients') await b.server.call('profileStart');
      const amount = byWindow ? undefined : sizes.pollers * sizes.uncachedAnswersPerPoller;
      const rollcall = checked(q.label, await poll(`${urlB}${q.path}`, q.headers, amount));
      if (options.profileDir && q.key === 'bt-clients') {
        profiles['poll-bt-clients-cached'] = await b.server.call<ProfileSummary>('profileStop', {
          file: join(options.profileDir, 'poll-bt-clients-cached.cpuprofile'),
        });
      }
      polled[q.key] = { rollcall, sameBytes: (await pollSameBytes(q.key, `${urlB}${q.path}`, q.headers, amount)).polled };
      if (!q.cached) continue;
      // What HTTP gives a crowd of pollers of a shared answer: clients with a cache, which revalidate
      // with the tag of their last answer, and clients that take gzip.
      if (options.profileDir && q.key === 'bt-clients') await b.server.call('profileStart');
      polled[q.key]!.revalidating = checked(`${q.label} revalidating`, await poll(`${urlB}${q.path}`, q.headers, undefined, true));
      if (options.profileDir && q.key === 'bt-clients') {
        profiles['poll-bt-clients-revalidating'] = await b.server.call<ProfileSummary>('profileStop', {
          file: join(options.profileDir, 'poll-bt-clients-revalidating.cpuprofile'),
        });
      }
      // What any authenticated request costs rollcall (credentials read from the store, a tiny answer):
      // a 304 cannot be cheaper than that while credentials are checked on every request.
      polled[q.key]!.cheapest = checked('cheapest authenticated route', await poll(`${urlB}${cheapestPath}`, cheapestHeaders));
      const gzipHeaders = { ...q.headers, 'accept-encoding': 'gzip' };
      polled[q.key]!.gzip = checked(`${q.label} gzip`, await poll(`${urlB}${q.path}`, gzipHeaders));
      // Compressed bytes look random, and autocannon decodes every body as UTF-8 text, which is far
      // slower for such bytes: the bare route shipping the same gzip bytes pays that cost too.
      const sameGzip = await pollSameBytes(`${q.key}-gzip`, `${urlB}${q.path}`, gzipHeaders);
      polled[q.key]!.gzipBytes = sameGzip.bytes;
      polled[q.key]!.sameGzipBytes = sameGzip.polled;
      // Most HTTP clients with a cache (browsers, python-requests, curl --compressed) do both.
      polled[q.key]!.both = checked(`${q.label} gzip, revalidating`, await poll(`${urlB}${q.path}`, gzipHeaders, undefined, true));
      // These rows are fast enough that the machine's other load moves the ratio more than rollcall
      // does: each is compared with the bare route measured just before and just after its query.
      const bareAfter = checked('bare json', await poll(`${bareUrl}/bare/json`));
      polled[q.key]!.bareAround = [bareSmall.at(-1)!, bareAfter];
      bareSmall.push(bareAfter);
    }
    bareSmall.push(checked('bare json', await poll(`${bareUrl}/bare/json`)));
    const bareRps = mean(bareSmall.map((r) => r.rps));

    // ---- rows ------------------------------------------------------------------------------------------
    const n = sizes.sessions.toLocaleString('en-US');
    const rows: Row[] = [];
    const bareP = (p: 'p50Ms' | 'p99Ms') => ({ label: 'bare Fastify JSON', value: bareLatency[p] });
    for (const q of list) {
      const l = latency[q.key]!;
      const size = `${(l.bytes / 1e6).toFixed(2)} MB`;
      rows.push(row('4', `${q.label}, uncached p50 (N=${n}, ${size})`, 'ms', l.p50Ms, { baseline: bareP('p50Ms') }));
      rows.push(
        row('4', `${q.label}, uncached p99`, 'ms', l.p99Ms, {
          baseline: bareP('p99Ms'),
          note: `${l.requests} requests, max ${l.maxMs.toFixed(1)} ms`,
          ...(q.key === 'bt-clients-conn' && { target: { on: 'value' as const, op: '<' as const, limit: 50 } }),
        }),
      );
      rows.push(
        row('4', `${q.label}, longest loop block while answering`, 'ms', l.loop.longestBusyGapMs, {
          target: { on: 'value', op: '<', limit: 10 },
          note: `wall ${l.loop.longestGapMs.toFixed(1)} ms, GC ${l.loop.longestGcMs.toFixed(1)} ms`,
        }),
      );
      const p = polled[q.key]!;
      rows.push(
        row(
          '4',
          `${q.label}, ${sizes.pollers} pollers, ${q.cached ? 'cache on' : 'no answer cache in this dialect'}`,
          'req/s',
          p.rollcall.rps,
          {
            // Restated (BENCHMARKS.md): an answer of megabytes cannot be shipped as fast as a small body;
            // a cached answer is compared with a bare route shipping the same bytes.
            baseline: { label: 'bare Fastify, the same bytes', value: p.sameBytes.rps },
            ...(q.cached && { target: { on: 'ratio' as const, op: '>=' as const, limit: 0.9 } }),
            note: `${p.rollcall.ok} answers in ${p.rollcall.seconds.toFixed(1)} s, p50 ${p.rollcall.p50Ms} ms; bare small JSON: ${Math.round(bareRps)} req/s (ratio ${(p.rollcall.rps / bareRps).toFixed(2)})`,
          },
        ),
      );
      const around = p.bareAround ? mean(p.bareAround.map((r) => r.rps)) : bareRps;
      const vsBare = { baseline: { label: 'bare Fastify JSON, same minute', value: around } };
      const revalidated = (r: LoadResult) =>
        `${r.notModified} of ${r.notModified + r.ok} answers 304 in ${r.seconds.toFixed(1)} s, p50 ${r.p50Ms} ms`;
      if (p.revalidating) {
        rows.push(
          row('4', `${q.label}, ${sizes.pollers} pollers revalidating (If-None-Match), cache on`, 'req/s', p.revalidating.rps, {
            // Restated: a 304 is compared with rollcall's cheapest authenticated route, not a bare one.
            baseline: { label: `rollcall GET /v1/sessions/:id (API key), same minute`, value: p.cheapest!.rps },
            target: { on: 'ratio', op: '>=', limit: 0.9 },
            note: `${revalidated(p.revalidating)}; bare small JSON in the same minute ${Math.round(around)} req/s (ratio ${(p.revalidating.rps / around).toFixed(2)})`,
          }),
        );
      }
      if (p.gzip && p.sameGzipBytes) {
        const g = p.gzip;
        rows.push(
          row('4', `${q.label}, ${sizes.pollers} pollers with Accept-Encoding: gzip, cache on`, 'req/s', g.rps, {
            // A compressed answer is a cached full answer too: against a bare route shipping its bytes.
            baseline: { label: 'bare Fastify, the same gzip bytes', value: p.sameGzipBytes.rps },
            target: { on: 'ratio', op: '>=', limit: 0.9 },
            note: `${g.ok} answers of ${Math.round(p.gzipBytes! / 1e3)} KB (identity ${Math.round(l.bytes / 1e3)} KB) in ${g.seconds.toFixed(1)} s, p50 ${g.p50Ms} ms; bare small JSON in the same minute ${Math.round(around)} req/s (ratio ${(g.rps / around).toFixed(2)})`,
          }),
        );
      }
      if (p.both) {
        rows.push(
          row('4', `${q.label}, ${sizes.pollers} pollers with gzip, revalidating, cache on`, 'req/s', p.both.rps, {
            ...vsBare,
            note: revalidated(p.both),
          }),
        );
      }
    }
    const w = latency['bt-clients-conn-full-logs']!;
    rows.push(
      row(
        '4',
        `${worst.label}, uncached p50, every client with 2 connections + 20 events (${(w.bytes / 1e6).toFixed(1)} MB)`,
        'ms',
        w.p50Ms,
        { baseline: bareP('p50Ms') },
      ),
      row('4', `${worst.label}, uncached p99, 2 connections + 20 events`, 'ms', w.p99Ms, {
        baseline: bareP('p99Ms'),
        target: { on: 'value', op: '<', limit: 50 },
        note: `${w.requests} requests, max ${w.maxMs.toFixed(1)} ms`,
      }),
      row('4', `${worst.label}, longest loop block, 2 connections + 20 events`, 'ms', w.loop.longestBusyGapMs, {
        note: `wall ${w.loop.longestGapMs.toFixed(1)} ms, GC ${w.loop.longestGcMs.toFixed(1)} ms`,
      }),
      row(
        '4',
        `${worst.label}, uncached p50 right after every client changed, 2 connections + 20 events`,
        'ms',
        percentile(afterChange, 50),
        {
          baseline: bareP('p50Ms'),
          note: `${ANSWERS_AFTER_CHANGE} answers, each after a new snapshot of every session (no fragment to reuse); max ${Math.max(...afterChange).toFixed(1)} ms`,
        },
      ),
    );
    return {
      name: 'queries',
      title: `Queries at ${n} live sessions vs bare Fastify`,
      params: { ...sizes },
      rows,
      details: { bareLatency, latency, afterChange, bareSmall, polled, profiles },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
