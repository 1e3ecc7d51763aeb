// Watching a place with the SDK against the real server: members first; a user's first session is a
// join, a second tab fires nothing, the last one leaving is a leave; several watches share one socket;
// after a dropped socket the watch resumes (with the token's grants) and fires nothing for people who
// never left, a join for who came meanwhile and a leave for who went.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { WebSocket as WsWebSocket } from 'ws';
import { RollcallClient, type PlaceMember, type PlaceWatch } from '../../packages/client/src/index.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let clients: RollcallClient[] = [];

beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  clients = [];
  await server.close();
});

/** The client-side sockets the clients opened, newest last. */
const sockets: WsWebSocket[] = [];
class RecordingWebSocket extends WsWebSocket {
  constructor(url: string) {
    super(url);
    sockets.push(this);
  }
}

/** A connected client of user `sub`, whose token grants ticket:* places. */
async function connected(sub: string, places: string[] = []): Promise<RollcallClient> {
  const client = new RollcallClient({
    url: server.url,
    token: () => server.token({ sub, name: `User ${sub}`, places: ['ticket:*'] }),
    session: { clientType: 'web', places },
    backoff: { baseMs: 5, maxMs: 20, restartMs: 5 },
    WebSocket: RecordingWebSocket,
  });
  clients.push(client);
  await client.connect();
  return client;
}

function record(watch: PlaceWatch): string[] {
  const events: string[] = [];
  watch.on('join', (m: PlaceMember) => events.push(`join ${m.user.id}`));
  watch.on('update', (m: PlaceMember) => events.push(`update ${m.user.id}`));
  watch.on('leave', (m) => events.push(`leave ${m.user.id}`));
  return events;
}

const ids = (watch: PlaceWatch) => watch.members().map((m) => m.user.id);

describe('SDK place watches', () => {
  test('members, join, a second tab firing nothing, leave; two watches on one socket', async () => {
    await connected('kim', ['ticket:1']);
    const ann = await connected('ann');
    const here = ann.watch('ticket:1');
    const there = ann.watch('ticket:2');
    const events = record(here);
    await waitFor(() => ids(here).join() === 'kim', { what: 'the members of ticket:1' });
    assert.deepEqual(events, ['join kim'], 'the first members arrive as joins');

    const lee = await connected('lee');
    lee.join('ticket:1');
    await waitFor(() => ids(here).join() === 'kim,lee', { what: 'lee joining' });
    const leeTab2 = await connected('lee', ['ticket:1']);
    await waitFor(() => here.members()[1]?.sessions.length === 2, { what: 'the second tab in members()' });
    await lee.close();
    await waitFor(() => here.members()[1]?.sessions.length === 1, { what: 'one tab closed' });
    await leeTab2.close();
    await waitFor(() => ids(here).join() === 'kim', { what: 'lee gone' });
    assert.deepEqual(events, ['join kim', 'join lee', 'leave lee']);

    const max = await connected('max', ['ticket:2']);
    await waitFor(() => ids(there).join() === 'max', { what: 'the second watch on the same socket' });
    await max.close();
    there.unwatch();
  });

  test('after a dropped socket: no join again for who stayed, a join and a leave for who came and went', async () => {
    const kim = await connected('kim', ['ticket:9']);
    const lee = await connected('lee', ['ticket:9']);
    const ann = await connected('ann');
    const here = ann.watch('ticket:9');
    const events = record(here);
    await waitFor(() => ids(here).join() === 'kim,lee', { what: 'the members' });

    // Cut ann's socket (no closing handshake); while she is away lee leaves and max comes.
    const reconnected = new Promise<void>((resolve) => ann.once('resumed', () => resolve()));
    const annSession = ann.sessionId!;
    sockets.at(-1)!.terminate();
    await lee.close();
    await connected('max', ['ticket:9']);
    await reconnected;
    await waitFor(() => ids(here).join() === 'kim,max', { what: 'the members after the resume' });
    assert.deepEqual(events.slice(2).sort(), ['join max', 'leave lee'], `events: ${events.join(', ')}`);
    assert.equal(ann.sessionId, annSession, 'the same session');
    assert.deepEqual((await server.rollcall.presence.getSession(kim.sessionId!))?.places, ['ticket:9']);
  });
});
