// The command API's answer cache over real HTTP: identical queries within the window share one
// computation, concurrent ones compute once, a change shows in the next answer, callers with
// different permissions never share, failures are not kept, and a window of 0 turns it off. The
// computations are counted at the core's query (PresenceService.listSessions), which every
// client-listing action calls once per computation.
import { afterEach, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionQuery } from '../../../src/live/session-filter.ts';
import type { TestServer } from '../../helpers/server.ts';
import { waitFor } from '../../helpers/server.ts';
import { adminQuery, command, customer, DOC_CREDENTIALS, openSession, representative, startBtServer } from './fixtures.ts';
import { only, textOf } from './xml.ts';

/** Counts listSessions calls; `gate`, when set, holds each call until it resolves. */
function countQueries(t: TestContext, server: TestServer) {
  const presence = server.rollcall.presence;
  const original = presence.listSessions.bind(presence);
  const state = { calls: 0, gate: undefined as Promise<void> | undefined, failNext: false };
  t.mock.method(presence, 'listSessions', async (query?: SessionQuery) => {
    state.calls++;
    if (state.gate) await state.gate;
    if (state.failNext) {
      state.failNext = false;
      throw new Error('store unavailable');
    }
    return original(query);
  });
  return state;
}

describe('command API answer cache', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('identical queries within the window share one computation, whatever the parameter order', async (t) => {
    server = await startBtServer({ btCacheMs: 60_000 });
    await openSession(server, representative());
    await openSession(server, customer());
    const queries = countQueries(t, server);
    const first = await command(
      server,
      `${DOC_CREDENTIALS}&action=get_connected_clients&type=representative,support_customer&include_connections=1`,
    );
    const again = await command(
      server,
      `${DOC_CREDENTIALS}&action=get_connected_clients&type=representative,support_customer&include_connections=1`,
    );
    const reordered = await command(
      server,
      `action=get_connected_clients&include_connections=1&type=support_customer,representative&password=test&username=test`,
    );
    const viaForm = await fetch(`${server.url}/api/command.ns`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `${DOC_CREDENTIALS}&action=get_connected_clients&type=support_customer,representative&include_connections=true`,
    }).then((r) => r.text());
    assert.equal(queries.calls, 1);
    assert.equal(again.text, first.text);
    assert.equal(reordered.text, first.text);
    assert.equal(viaForm, first.text);

    // Other parameters are another answer.
    await command(server, `${DOC_CREDENTIALS}&action=get_connected_clients&type=representative`);
    assert.equal(queries.calls, 2);
  });

  it('concurrent identical requests compute once and all get the answer', async (t) => {
    server = await startBtServer({ btCacheMs: 60_000 });
    await openSession(server, representative());
    const queries = countQueries(t, server);
    let release!: () => void;
    queries.gate = new Promise((resolve) => (release = resolve));
    const pending = Array.from({ length: 8 }, () => command(server!, `${DOC_CREDENTIALS}&action=get_connected_clients`));
    // All eight are in; the first computation waits at the gate, the others wait for it.
    await waitFor(() => queries.calls === 1, { what: 'the first computation' });
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const answers = await Promise.all(pending);
    assert.equal(queries.calls, 1);
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.equal(answer.text, answers[0]!.text);
      assert.equal(answer.root.children.length, 1);
    }
  });

  it('shows a change in the next answer, however long the window, and shares it while nothing changes', async (t) => {
    server = await startBtServer({ btCacheMs: 60_000 });
    await openSession(server, representative());
    const queries = countQueries(t, server);
    const query = `${DOC_CREDENTIALS}&action=get_connected_clients`;
    const before = await command(server, query);
    assert.equal(before.root.children.length, 1);
    assert.equal((await command(server, query)).text, before.text);
    assert.equal(queries.calls, 1, 'nothing changed: the answer is shared');
    await openSession(server, customer());
    const after = await command(server, query);
    assert.equal(queries.calls, 2, 'a change: computed anew');
    assert.deepEqual(
      after.root.children.map((c) => c.name),
      ['connected_representative', 'connected_support_customer'],
    );
  });

  it('never shares between callers whose permissions differ', async (t) => {
    server = await startBtServer({ btCacheMs: 60_000 });
    await openSession(server, representative());
    const queries = countQueries(t, server);
    const reader = await command(server, `${DOC_CREDENTIALS}&action=get_api_info`);
    const admin = await command(server, `${adminQuery}&action=get_api_info`);
    assert.equal(textOf(only(reader.root, 'permissions'), 'perm_command'), 'read_only');
    assert.equal(textOf(only(admin.root, 'permissions'), 'perm_command'), 'full');
    await command(server, `${DOC_CREDENTIALS}&action=get_logged_in_reps`);
    await command(server, `${adminQuery}&action=get_logged_in_reps`);
    assert.equal(queries.calls, 2, 'one computation per permission');
    // Every request is still authorised: a cached answer never reaches a wrong password.
    const refused = await command(server, `username=test&password=nope&action=get_logged_in_reps`);
    assert.equal(refused.root.name, 'error');
    assert.equal(queries.calls, 2);
  });

  it('keeps no failed computation: the next request computes again', async (t) => {
    server = await startBtServer({ btCacheMs: 60_000 });
    await openSession(server, representative());
    const queries = countQueries(t, server);
    queries.failNext = true;
    const failed = await command(server, `${DOC_CREDENTIALS}&action=get_connected_clients`);
    assert.equal(failed.status, 500);
    assert.equal(failed.root.name, 'error');
    assert.match(failed.root.text, /^internal error; reference [0-9a-f-]{36}$/);
    assert.ok(!failed.text.includes('store unavailable'), 'no internals in the answer');
    const next = await command(server, `${DOC_CREDENTIALS}&action=get_connected_clients`);
    assert.equal(next.status, 200);
    assert.equal(next.root.children.length, 1);
    assert.equal(queries.calls, 2);
  });

  it('a window of 0 computes every answer', async (t) => {
    server = await startBtServer({ btCacheMs: 0 });
    await openSession(server, representative());
    const queries = countQueries(t, server);
    await Promise.all([1, 2, 3].map(() => command(server!, `${DOC_CREDENTIALS}&action=get_connected_clients`)));
    assert.equal(queries.calls, 3);
  });
});
