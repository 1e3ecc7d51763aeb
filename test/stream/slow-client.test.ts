// A client that stops reading, on a real socket: the server must not buffer for it without bound. Once
// the kernel's buffers are full its queue fills, and past the limit it is dropped with `resync`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request } from '../helpers/http.ts';
import { openSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

test('a client that stops reading is dropped with resync once it falls a backlog behind', async () => {
  const server = await startTestServer({ streamBacklog: 50 });
  try {
    const { events } = server.rollcall;
    const baseline = events.listenerCount;
    let text = '';
    let ended = false;
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v1/events?types=session.updated`, { headers: server.admin }, resolve);
      req.on('error', reject);
      req.end();
    });
    assert.equal(response.statusCode, 200);
    response.setEncoding('utf8');
    response.pause(); // reads nothing from here on: the socket's buffers fill, then the server's queue
    await waitFor(() => events.listenerCount === baseline + 1, { what: 'the stream to listen' });

    // Big sessions (long names, agents, host names) so each event is over a kilobyte.
    const ids: number[] = [];
    for (let n = 0; n < 100; n++) {
      ids.push(
        await openSession(
          server,
          openBody({
            user: { id: `slow-${n}`, name: 'N'.repeat(256), type: 'staff' },
            hostname: 'h'.repeat(256),
            userAgent: 'A'.repeat(512),
          }),
        ),
      );
    }
    // Each round changes every session's view: 100 session.updated events per call.
    let round = 0;
    await waitFor(
      async () => {
        round++;
        const heartbeats = ids.map((id) => ({ id, view: { m: 'm', v: `round-${round}`, t: `x|${'t'.repeat(100)}` } }));
        const answer = await request(server.url, 'POST', '/v1/heartbeats', { headers: server.ingest, body: { heartbeats } });
        assert.equal(answer.status, 200, answer.text);
        await events.settled();
        return events.listenerCount === baseline;
      },
      { timeoutMs: 60_000, intervalMs: 0, what: 'the slow client to be dropped' },
    );
    assert.ok(round < 500, `dropped after ${round} rounds`);

    // It reads again: what was already on its way, then the reason, then the end.
    response.on('data', (chunk: string) => (text += chunk));
    response.on('end', () => (ended = true));
    response.resume();
    await waitFor(() => ended, { timeoutMs: 30_000, what: 'the stream to end' });
    const blocks = text.trimEnd().split('\n\n');
    const last = blocks.at(-1)!;
    assert.match(last, /^id: \d+\nevent: resync\ndata: /);
    assert.equal(JSON.parse(last.split('\ndata: ')[1]!).reason, 'slow_consumer');
    const updates = blocks.filter((block) => block.includes('event: session.updated')).length;
    assert.ok(updates < round * 100, `${updates} of ${round * 100} events were sent before it was dropped`);
  } finally {
    await server.close();
  }
});
