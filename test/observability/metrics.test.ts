// GET /metrics over real HTTP: values follow what ingest does (HTTP and WebSocket), latency is labelled
// by route pattern, who may scrape follows metricsAccess, and two servers in one process keep their
// own registries; the event-loop histogram is the same for two scrapers at once. The Metrics object
// alone (webhook backlog and outcomes, close) at the end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, afterEach, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import packageJson from '../../package.json' with { type: 'json' };
import { loadConfig } from '../../src/config/load.ts';
import type { PresenceChange } from '../../src/core/model.ts';
import { Metrics, type MetricsSource } from '../../src/observability/metrics.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { makeSession, openBody } from '../helpers/sessions.ts';
import { SseClient } from '../stream/sse-client.ts';

/** `name{labels} value` lines of a Prometheus text exposition, as [name, labels, value]. */
function samples(text: string): [string, Record<string, string>, number][] {
  const result: [string, Record<string, string>, number][] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    assert.ok(match, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    result.push([match[1]!, labels, Number(match[3])]);
  }
  return result;
}

/** The value of one series, 0 when it is absent (a counter not yet incremented). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = samples(text).find(
    ([n, l]) => n === name && Object.entries(labels).every(([k, v]) => l[k] === v) && Object.keys(l).length === Object.keys(labels).length,
  );
  return found?.[2] ?? 0;
}

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<string> {
  const answer = await request(server.url, 'GET', '/metrics', { headers });
  assert.equal(answer.status, 200, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return answer.text;
}

describe('GET /metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ wsHeartbeatMs: 200 });
  });
  after(async () => {
    await server.close();
  });

  it('exposes every family, zeros included, from loopback without credentials', async () => {
    const text = await scrape(server);
    for (const family of [
      'rollcall_sessions',
      'rollcall_users_online',
      'rollcall_sessions_opened_total',
      'rollcall_sessions_ended_total',
      'rollcall_heartbeats_total',
      'rollcall_http_request_duration_seconds',
      'rollcall_webhook_backlog',
      'rollcall_webhook_deliveries_total',
      'rollcall_webhook_retries_total',
      'rollcall_websocket_connections',
      'rollcall_sse_connections',
      'rollcall_event_loop_delay_seconds',
      'rollcall_build_info',
      // prom-client's defaults, the process's own.
      'process_resident_memory_bytes',
      'process_cpu_user_seconds_total',
      'process_open_fds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      assert.equal(text.match(new RegExp(`^# TYPE ${family} `, 'gm'))?.length, 1, `${family}, once`);
    }
    for (const type of ['representative', 'support_customer', 'presentation_attendee', 'push_agent', 'web']) {
      assert.ok(
        samples(text).some(([n, l]) => n === 'rollcall_sessions' && l.client_type === type),
        type,
      );
    }
    assert.ok(value(text, 'process_resident_memory_bytes') > 0);
    assert.equal(value(text, 'rollcall_webhook_deliveries_total', { outcome: 'delivered' }), 0, 'listed before the first delivery');
    // prom-client's event-loop gauges are reset by every scrape; they are left out.
    assert.doesNotMatch(text, /^nodejs_eventloop_lag/m);
  });

  it('says what runs: version, Node and the commit of this checkout', async () => {
    const info = samples(await scrape(server)).filter(([name]) => name === 'rollcall_build_info');
    assert.equal(info.length, 1);
    const [, labels, one] = info[0]!;
    assert.equal(one, 1);
    assert.equal(labels.version, packageJson.version);
    assert.equal(labels.node_version, process.versions.node);
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
    assert.equal(labels.commit, head.status === 0 ? head.stdout.trim() : 'unknown');
  });

  it('counts open WebSocket and change-stream connections as they come and go', async () => {
    const open = async (name: string) => value(await scrape(server), name);
    assert.equal(await open('rollcall_websocket_connections'), 0);
    assert.equal(await open('rollcall_sse_connections'), 0);
    const sockets = [0, 1].map(() => new WebSocket(server.wsUrl));
    await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.once('open', resolve))));
    const stream = await SseClient.connect(`${server.url}/v1/events`, server.admin);
    const text = await scrape(server);
    assert.equal(value(text, 'rollcall_websocket_connections'), 2);
    assert.equal(value(text, 'rollcall_sse_connections'), 1);
    for (const socket of sockets) socket.close();
    stream.close();
    await waitFor(async () => (await open('rollcall_websocket_connections')) === 0, { what: 'the sockets to be counted out' });
    await waitFor(async () => (await open('rollcall_sse_connections')) === 0, { what: 'the stream to be counted out' });
  });

  it('measures event-loop delay continuously: two scrapers see the same stall, and no scrape resets it', async () => {
    // Samples taken over more than 100 ms beyond their 10 ms interval: the ones above the 0.1 s bucket.
    const stalls = (text: string) =>
      value(text, 'rollcall_event_loop_delay_seconds_count') - value(text, 'rollcall_event_loop_delay_seconds_bucket', { le: '0.1' });
    const before = stalls(await scrape(server));
    const until = Date.now() + 250;
    while (Date.now() < until); // this process's loop, the server's too, stalls for 250 ms
    await waitFor(async () => stalls(await scrape(server)) > before, { what: 'the stall in the histogram' });
    // At least: the test machine may stall on its own meanwhile.
    const [first, second] = await Promise.all([scrape(server), scrape(server)]);
    assert.ok(stalls(first) >= before + 1);
    assert.ok(stalls(second) >= before + 1, 'a concurrent scraper sees it too');
    assert.ok(stalls(await scrape(server)) >= before + 1, 'and so does a later one');
    assert.ok(value(second, 'rollcall_event_loop_delay_seconds_sum') >= 0.2, "the sum holds the stall's 240 ms or so");
  });

  it('follows HTTP ingest: sessions by type, users online, opened, ended and heartbeats', async () => {
    const before = await scrape(server);
    const open = async (id: string, clientType: 'web' | 'representative') => {
      const answer = await request(server.url, 'POST', '/v1/sessions', {
        headers: server.ingest,
        body: openBody({ user: { id, name: id }, clientType }),
      });
      assert.equal(answer.status, 201, answer.text);
      return answer.json.id as number;
    };
    const a = await open('m-a', 'web');
    const b = await open('m-a', 'web');
    await open('m-b', 'representative');
    for (let i = 0; i < 3; i++) {
      assert.equal((await request(server.url, 'POST', `/v1/sessions/${a}/heartbeat`, { headers: server.ingest })).status, 204);
    }
    const batch = await request(server.url, 'POST', '/v1/heartbeats', {
      headers: server.ingest,
      body: { heartbeats: [{ id: a }, { id: b }, { id: 999_999 }] },
    });
    assert.equal(batch.status, 200, batch.text);
    assert.equal(
      (await request(server.url, 'DELETE', `/v1/sessions/${b}`, { headers: { authorization: server.ingest.authorization! } })).status,
      204,
    );

    const after = await scrape(server);
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    assert.equal(value(after, 'rollcall_sessions', { client_type: 'web' }), 1);
    assert.equal(value(after, 'rollcall_sessions', { client_type: 'representative' }), 1);
    assert.equal(value(after, 'rollcall_sessions', { client_type: 'push_agent' }), 0);
    assert.equal(value(after, 'rollcall_users_online'), 2);
    assert.equal(delta('rollcall_sessions_opened_total', { transport: 'http', client_type: 'web' }), 2);
    assert.equal(delta('rollcall_sessions_opened_total', { transport: 'http', client_type: 'representative' }), 1);
    assert.equal(delta('rollcall_sessions_ended_total', { reason: 'closed' }), 1);
    // Three heartbeats and two known ids of the batch; the unknown id is no sign of life.
    assert.equal(delta('rollcall_heartbeats_total', { transport: 'http' }), 5);
  });

  it('follows WebSocket ingest: opened, heartbeat frames and pongs count for the websocket transport', async () => {
    const before = await scrape(server);
    const socket = new WebSocket(server.wsUrl, { headers: { authorization: server.ingest.authorization! } });
    const welcomed = new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'welcome') resolve();
      });
      socket.on('error', reject);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'hello', session: openBody({ user: { id: 'ws-user', name: 'WS' } }) }));
    await welcomed;
    socket.send(JSON.stringify({ type: 'hb', idle: true }));
    // The hb frame counts at once; pongs to the 200 ms pings are reported once per interval.
    await waitFor(
      async () =>
        value(await scrape(server), 'rollcall_heartbeats_total', { transport: 'websocket' }) -
          value(before, 'rollcall_heartbeats_total', { transport: 'websocket' }) >=
        2,
      {
        what: 'WebSocket heartbeats in the metrics',
      },
    );
    const after = await scrape(server);
    assert.equal(
      value(after, 'rollcall_sessions_opened_total', { transport: 'websocket', client_type: 'web' }) -
        value(before, 'rollcall_sessions_opened_total', { transport: 'websocket', client_type: 'web' }),
      1,
    );
    socket.send(JSON.stringify({ type: 'bye' }));
    await new Promise((resolve) => socket.once('close', resolve));
  });

  it('labels latency by route pattern, never by raw URL; unmatched requests share one label', async () => {
    for (const path of ['/v1/sessions/123456', '/v1/sessions/654321', '/v1/users/secret-user-id', '/no/such/route/abc']) {
      await request(server.url, 'GET', path, { headers: server.admin });
    }
    const text = await scrape(server);
    const count = (route: string, status: string) =>
      value(text, 'rollcall_http_request_duration_seconds_count', { method: 'GET', route, status_code: status });
    assert.equal(count('/v1/sessions/:id', '404'), 2);
    assert.equal(count('/v1/users/:id', '404'), 1);
    assert.equal(count('unmatched', '404'), 1);
    assert.doesNotMatch(text, /123456|654321|secret-user-id|\/no\/such/);
    assert.ok(
      value(text, 'rollcall_http_request_duration_seconds_bucket', {
        method: 'GET',
        route: '/v1/sessions/:id',
        status_code: '404',
        le: '+Inf',
      }) === 2,
    );
  });
});

describe('who may scrape (metricsAccess)', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

  it('loopback (the default): this machine freely; another address needs a reader credential', async () => {
    server = await startTestServer({ trustProxy: true });
    assert.equal((await request(server.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status, 200);
    const remote = await request(server.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(remote.status, 401, remote.text);
    assert.equal(remote.json.error.code, 'unauthorized');
    assert.equal(
      (await request(server.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.9', ...server.admin } })).status,
      200,
    );
  });

  it('credentials: always a reader credential, an account or an API key; never the ingest key', async () => {
    server = await startTestServer({ metricsAccess: 'credentials' });
    assert.equal((await request(server.url, 'GET', '/metrics')).status, 401);
    assert.equal((await request(server.url, 'GET', '/metrics', { headers: { authorization: server.ingest.authorization! } })).status, 401);
    assert.equal((await request(server.url, 'GET', '/metrics', { headers: basic('admin', 'wrong-password') })).status, 401);
    const created = await request(server.url, 'POST', '/v1/accounts', {
      headers: { ...server.admin, 'content-type': 'application/json' },
      body: { username: 'prometheus', role: 'reader', password: 'prometheus-password' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal((await request(server.url, 'GET', '/metrics', { headers: basic('prometheus', 'prometheus-password') })).status, 200);
    const key = await request(server.url, 'POST', '/v1/keys', {
      headers: { ...server.admin, 'content-type': 'application/json' },
      body: { kind: 'api', account: 'prometheus', label: 'scraper' },
    });
    assert.equal((await request(server.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${key.json.key}` } })).status, 200);
  });

  it('open: anyone, from anywhere', async () => {
    server = await startTestServer({ metricsAccess: 'open', trustProxy: true });
    assert.equal((await request(server.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 200);
  });

  it('refuses an unknown setting at start, naming it', () => {
    assert.throws(() => loadConfig({ flags: { metricsAccess: 'public' } }), /--metrics-access/);
    assert.throws(() => loadConfig({ env: { ROLLCALL_METRICS_ACCESS: 'public' } }), /ROLLCALL_METRICS_ACCESS/);
  });
});

describe('registries per server', () => {
  it('two servers in one process count apart', async () => {
    const [a, b] = await Promise.all([startTestServer(), startTestServer()]);
    try {
      const answer = await request(a.url, 'POST', '/v1/sessions', { headers: a.ingest, body: openBody() });
      assert.equal(answer.status, 201);
      const [textA, textB] = [await scrape(a), await scrape(b)];
      assert.equal(value(textA, 'rollcall_sessions_opened_total', { transport: 'http', client_type: 'web' }), 1);
      assert.equal(value(textB, 'rollcall_sessions_opened_total', { transport: 'http', client_type: 'web' }), 0);
      assert.equal(value(textA, 'rollcall_sessions', { client_type: 'web' }), 1);
      assert.equal(value(textB, 'rollcall_sessions', { client_type: 'web' }), 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('the Metrics object', () => {
  function fakeSource() {
    const listeners = new Set<(change: PresenceChange) => void>();
    const heartbeatsAccepted = { http: 0, websocket: 0 };
    const source: MetricsSource = {
      nodeId: 'this-node',
      heartbeatsAccepted,
      subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
      tally: async () => ({ sessions: 2, onlineUsers: 1, byClientType: { web: 2 }, byUserType: { staff: 2 }, byNode: { 'this-node': 2 } }),
    };
    return { source, listeners, heartbeatsAccepted };
  }

  it('the webhook backlog is a gauge others set', async () => {
    const metrics = new Metrics(fakeSource().source);
    metrics.webhookBacklog.set(7);
    assert.equal(value(await metrics.render(), 'rollcall_webhook_backlog'), 7);
    metrics.webhookBacklog.set(0);
    assert.equal(value(await metrics.render(), 'rollcall_webhook_backlog'), 0);
    metrics.close();
  });

  it("counts only this node's sessions, and heartbeats as the core counted them", async () => {
    const { source, listeners, heartbeatsAccepted } = fakeSource();
    const metrics = new Metrics(source);
    const emit = (change: PresenceChange) => listeners.forEach((listener) => listener(change));
    emit({
      type: 'session.started',
      at: 1,
      session: makeSession({ nodeId: 'this-node', transport: 'websocket', clientType: 'representative' }),
    });
    emit({ type: 'session.started', at: 1, session: makeSession({ nodeId: 'other-node' }) });
    emit({ type: 'session.ended', at: 2, session: makeSession({ nodeId: 'this-node' }), reason: 'expired' });
    emit({ type: 'session.ended', at: 2, session: makeSession({ nodeId: 'other-node' }), reason: 'expired' });
    heartbeatsAccepted.http = 5;
    let text = await metrics.render();
    assert.equal(value(text, 'rollcall_sessions_opened_total', { transport: 'websocket', client_type: 'representative' }), 1);
    assert.equal(value(text, 'rollcall_sessions_opened_total', { transport: 'http', client_type: 'web' }), 0);
    assert.equal(value(text, 'rollcall_sessions_ended_total', { reason: 'expired' }), 1);
    assert.equal(value(text, 'rollcall_heartbeats_total', { transport: 'http' }), 5);
    heartbeatsAccepted.http = 9;
    text = await metrics.render();
    assert.equal(
      value(text, 'rollcall_heartbeats_total', { transport: 'http' }),
      9,
      'a counter that follows the core, never double-counting',
    );
    assert.equal(value(text, 'rollcall_users_online'), 1);
    metrics.close();
    assert.equal(listeners.size, 0, 'close stops listening');
  });
});
