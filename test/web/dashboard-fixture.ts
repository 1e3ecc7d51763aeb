// What the dashboard's layout and history tests look at, reported the way applications report it:
// sessions through the HTTP ingest (every client type, long names, long views, idle ones, one user
// with ended sessions), and the admin objects through the API (an account, a key, an OAuth client, a
// webhook subscription with deliveries to a real receiver).
import assert from 'node:assert/strict';
import { CLIENT_TYPES } from '../../src/core/model.ts';
import { request } from '../helpers/http.ts';
import { closeSession, openSession } from '../helpers/ingest.ts';
import type { TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import type { Receiver } from '../webhooks/receiver.ts';

const NAMES = ['Rita Representative', 'Carl Customer', 'Wendy Web', 'Jumpoint One', 'Maximiliane Oberhauser-Vandenberghe'];

/** Opens `count` live sessions of every client type; answers their ids. */
export async function openVariedSessions(server: TestServer, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const clientType = CLIENT_TYPES[i % CLIENT_TYPES.length]!;
    ids.push(
      await openSession(
        server,
        openBody({
          user: { id: `person-${i % 12}`, name: `${NAMES[i % NAMES.length]} ${i}`, type: i % 3 === 0 ? 'customer' : 'staff' },
          clientType,
          hostname: `workstation-${i}.branch-office.example.internal`,
          idle: i % 4 === 0,
          view: { m: 'support', v: 'session', t: `ticket|${4100 + i} The printer on the third floor jams on every second page` },
          ...(clientType === 'support_customer' && { customer: { lsid: `lsid-${i}` } }),
        }),
      ),
    );
  }
  return ids;
}

/** A user with sessions that ended (closed by the client) and one still live; answers the live one's id. */
export async function userWithHistory(server: TestServer, userId: string, name: string, ended: number): Promise<number> {
  for (let i = 0; i < ended; i++) {
    const id = await openSession(
      server,
      openBody({ user: { id: userId, name, type: 'staff' }, clientType: 'web', hostname: `laptop-${i}.example.internal` }),
    );
    await closeSession(server, id);
  }
  return openSession(server, openBody({ user: { id: userId, name, type: 'staff' }, clientType: 'representative', hostname: 'desk-7' }));
}

/** One of each thing the admin pages list, so none of them is empty. */
export async function adminObjects(server: TestServer, receiver: Receiver): Promise<{ webhookId: number }> {
  const headers = { ...server.admin, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown) => {
    const answer = await request(server.url, 'POST', path, { headers, body });
    assert.equal(answer.status, 201, `${path}: ${answer.text}`);
    return answer.json;
  };
  await post('/v1/accounts', { username: 'viewer', role: 'reader', password: 'viewer-password-0123' });
  await post('/v1/keys', { kind: 'api', account: 'viewer', label: 'Reporting dashboard on the wall' });
  await post('/v1/oauth-clients', { permission: 'read_only', label: 'Ticketing integration' });
  const hook = await post('/v1/webhooks', { url: receiver.url, events: ['session.started', 'session.ended'] });
  return { webhookId: hook.id as number };
}
