// A short real run of the demo: a real server, a small population at high speed over real sockets.
// Sessions of every client type come online, support lsids agree between representatives and customers,
// clients drop and resume; then the demo stops cleanly: clients close before the server, no socket or
// signal listener is left behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { CLIENT_TYPES, sessionEvents, type EndReason, type Session } from '../../src/core/model.ts';
import { runDemo, type RunningDemo } from '../../src/demo/run-demo.ts';
import { waitFor } from '../helpers/server.ts';
import { Capture } from './capture.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function demoConfig(): Config {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-demo-test-'));
  dirs.push(dir);
  return loadConfig({ flags: { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent' } });
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const signalListeners = () => SIGNALS.map((s) => process.listeners(s).length);
const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;

/** lsids every representative reports that no live support customer carries. */
function unmatchedLsids(sessions: Session[]): string[] {
  const customerLsids = new Set(sessions.flatMap((s) => (s.customer ? [s.customer.lsid] : [])));
  return sessions.flatMap((s) => s.representative?.supportSessionLsids ?? []).filter((lsid) => !customerLsids.has(lsid));
}

describe('runDemo', () => {
  test('brings a simulated population online through the real server, then stops cleanly', async () => {
    const listenersBefore = signalListeners();
    const socketsBefore = openSockets();
    const out = new Capture();
    const controller = new AbortController();
    let demo: RunningDemo | undefined;
    const ended: { reason: EndReason; session: Session }[] = [];
    let resumedEvents = 0;

    const running = runDemo(demoConfig(), {
      users: 10,
      seed: 2024,
      speed: 60,
      out,
      signal: controller.signal,
      statusIntervalMs: 200,
      onReady: (ready) => {
        demo = ready;
        ready.rollcall.presence.subscribe((change) => {
          if (change.type === 'session.ended') ended.push({ reason: change.reason, session: change.session });
          if (change.type === 'session.updated' && sessionEvents(change.session).at(-1)?.kind === 'resumed') resumedEvents++;
        });
      },
    });
    // Should the demo fail to start, fail here rather than wait for onReady.
    running.catch(() => {});
    const ready = await waitFor(() => demo, { what: 'onReady', timeoutMs: 10_000 });
    const { rollcall, population, simulation } = ready;
    assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(population.seed, 2024);

    try {
      // Every client type is online, as the server sees it.
      const sessions = await waitFor(
        async () => {
          const live = await rollcall.presence.listSessions();
          return CLIENT_TYPES.every((t) => live.some((s) => s.clientType === t && !s.detached)) ? live : undefined;
        },
        { what: 'a session of every client type', timeoutMs: 15_000 },
      );
      assert.ok(sessions.every((s) => s.transport === 'websocket'));
      // Each client connected with its own token: the user comes from the token, the client type is allowed.
      const users = new Map(population.users.map((u) => [u.id, u]));
      for (const session of sessions) {
        const user = users.get(session.user.id);
        assert.ok(user, `session ${session.id} belongs to a simulated user`);
        assert.equal(session.user.name, user.name);
        assert.equal(session.user.type, user.type);
      }
      const web = sessions.find(
        (s) => s.clientType === 'web' && s.userAgent && s.view && s.privateIp && s.timezoneOffset !== undefined && s.platform,
      );
      assert.ok(web, 'a web session with user agent, view, private address, timezone and platform');
      const rep = sessions.find((s) => s.clientType === 'representative');
      assert.ok(rep?.representative && rep.user.publicDisplayName && rep.hostname);
      const jumpoint = sessions.find((s) => s.clientType === 'push_agent');
      assert.match(jumpoint?.hostname ?? '', /^jp-/);

      // Representatives' lsids are their customers' lsids (polled: a session may be ending right now).
      await waitFor(
        async () => {
          const live = await rollcall.presence.listSessions();
          const reported = live.flatMap((s) => s.representative?.supportSessionLsids ?? []);
          return reported.length > 0 && unmatchedLsids(live).length === 0;
        },
        { what: 'representatives reporting lsids that match live customers', timeoutMs: 15_000 },
      );

      // Over time: views change, people leave and come back, sockets drop and sessions resume.
      await waitFor(
        () => {
          const t = simulation.stats.total;
          return t.views > 0 && t.left > 0 && t.resumed > 0 && resumedEvents > 0;
        },
        { what: 'views, leaves, drops and resumes', timeoutMs: 30_000 },
      );
      await waitFor(() => out.text.includes(' sessions ('), { what: 'a status line' });
    } finally {
      controller.abort();
      await running;
    }

    assert.match(out.text, /rollcall is listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out.text, /First start: the generated secrets \(admin password, ingest key\) are in \S+first-start-secrets/);
    assert.match(out.text, /demo: seed 2024 \(--seed 2024 repeats this population\)/);
    assert.match(out.text, /demo: stopped after/);
    // Clients said goodbye before the server went away: every connected session ended as "closed". Only
    // a session whose client left while its socket was down (it cannot say goodbye) may be left to the
    // shutdown or to its resume grace period.
    assert.ok(ended.some((e) => e.reason === 'closed'));
    for (const { reason, session } of ended) {
      if (reason !== 'closed')
        assert.ok(session.detached && ['server_shutdown', 'connection_lost'].includes(reason), `session ${session.id} ended ${reason}`);
    }
    assert.ok(simulation.actors.every((a) => !a.online));
    assert.equal(simulation.clock.pending, 0);
    assert.deepEqual(signalListeners(), listenersBefore, 'signal listeners removed, runServer’s included');
    await waitFor(() => openSockets() <= socketsBefore, { what: 'every socket and the server to close' });
  });

  test('a process signal stops it like an abort', async () => {
    const listenersBefore = process.listeners('SIGTERM');
    const controller = new AbortController(); // never aborted: keeps runDemo from exiting the process
    let ready: RunningDemo | undefined;
    const out = new Capture();
    const running = runDemo(demoConfig(), { users: 3, seed: 5, speed: 10, out, signal: controller.signal, onReady: (d) => (ready = d) });
    running.catch(() => {});
    const { rollcall } = await waitFor(() => ready, { what: 'onReady' });
    await waitFor(async () => (await rollcall.presence.countSessions()) >= 3, { what: 'the first sessions' });
    // The demo's own SIGTERM listener, called directly: emitting a real signal would reach the test runner.
    const added = process.listeners('SIGTERM').filter((l) => !listenersBefore.includes(l));
    assert.equal(added.length, 1, 'one SIGTERM listener: the demo’s, not runServer’s');
    (added[0] as () => void)();
    await running;
    assert.match(out.text, /demo: stopped after/);
    assert.deepEqual(process.listeners('SIGTERM'), listenersBefore);
  });

  test('takes a free port when its own is taken, and says which', async (t) => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    t.after(() => taken.close());
    const { port } = taken.address() as AddressInfo;
    const config = { ...demoConfig(), port };
    const controller = new AbortController();
    let ready: RunningDemo | undefined;
    const out = new Capture();
    const running = runDemo(config, { users: 1, seed: 3, out, signal: controller.signal, onReady: (d) => (ready = d) });
    running.catch(() => {});
    try {
      const demo = await waitFor(() => ready, { what: 'onReady' });
      const listening = new URL(demo.url).port;
      assert.notEqual(listening, String(port));
      assert.match(
        out.text,
        new RegExp(
          `Port ${port} is taken; listening on a free port instead\\nrollcall is listening on http://127\\.0\\.0\\.1:${listening} `,
        ),
      );
    } finally {
      controller.abort();
      await running;
    }
  });

  test('refuses impossible options before starting anything', async () => {
    const config = demoConfig();
    await assert.rejects(runDemo(config, { users: 0, signal: new AbortController().signal }), /users: must be a whole number/);
    await assert.rejects(runDemo(config, { speed: 0, signal: new AbortController().signal }), /speed: must be a positive number/);
    await assert.rejects(runDemo(config, { seed: -1, signal: new AbortController().signal }), /seed: must be a whole number/);
  });
});
