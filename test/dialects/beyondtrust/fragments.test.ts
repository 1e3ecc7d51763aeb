// The command API's documents written from remembered client fragments: byte for byte the documents
// the serializer wrote before fragments existed (golden/, rendered by that code from the golden
// sessions), whether the fragments are made now or reused, in one piece or in slices; a client that
// changed (a new snapshot) is written anew; the two document kinds never share a fragment. Over HTTP
// with the answer cache off: a change reported through ingest shows in the very next answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionConnections, type Session } from '../../../src/core/model.ts';
import { joinPieces } from '../../../src/http/body-writer.ts';
import {
  ClientFragments,
  connectedClientListXml,
  connectedClientsXml,
  loggedInRepsXml,
} from '../../../src/dialects/beyondtrust/serializer.ts';
import { goldenSessions } from '../../helpers/golden-sessions.ts';
import { updateSession } from '../../helpers/ingest.ts';
import { adminQuery, command, openSession, representative, startBtServer } from './fixtures.ts';
import { only, textOf } from './xml.ts';

const NAMESPACE = 'http://www.bomgar.com/namespaces/API/command';
const golden = (name: string) => readFileSync(join(import.meta.dirname, 'golden', name));
const btSessions = () => goldenSessions().filter((s) => s.clientType !== 'web');

async function clients(
  sessions: readonly Session[],
  includeConnections: boolean,
  options: { fragments?: ClientFragments; sliceMs?: number } = {},
) {
  return joinPieces(await connectedClientsXml(sessions, includeConnections, { namespace: NAMESPACE, ...options }));
}

describe('connected clients from remembered fragments', () => {
  it('are the bytes the serializer wrote before fragments, made now or reused, whole or sliced', async () => {
    const sessions = btSessions();
    const fragments = new ClientFragments();
    for (const [includeConnections, file] of [
      [false, 'connected-clients.xml'],
      [true, 'connected-clients-with-connections.xml'],
    ] as const) {
      const expected = golden(file);
      assert.deepEqual(await clients(sessions, includeConnections), expected, 'written afresh');
      assert.deepEqual(await clients(sessions, includeConnections, { fragments }), expected, 'fragments made');
      assert.deepEqual(await clients(sessions, includeConnections, { fragments }), expected, 'fragments reused');
      assert.deepEqual(await clients(sessions, includeConnections, { fragments, sliceMs: 0 }), expected, 'reused, one slice per client');
    }
  });

  it('the other documents are the bytes they were, in one piece or in slices', async () => {
    const sessions = btSessions();
    const types = ['representative', 'support_customer', 'presentation_attendee', 'push_agent'] as const;
    const nodes = [
      {
        id: 'a3c5e7f9-0000-4000-8000-000000000001',
        role: 'master' as const,
        hostname: 'h',
        publicHostname: 'h',
        version: '1',
        timezoneOffset: 0,
        startedAt: 0,
      },
    ];
    for (const sliceMs of [0, Number.POSITIVE_INFINITY]) {
      assert.deepEqual(
        joinPieces(await connectedClientListXml(sessions, types, nodes, false, { namespace: NAMESPACE, sliceMs })),
        golden('connected-client-list.xml'),
      );
      assert.deepEqual(joinPieces(await loggedInRepsXml(sessions, { namespace: NAMESPACE, sliceMs })), golden('logged-in-reps.xml'));
    }
  });

  it('writes a client anew when it changed (a new snapshot), and only that client', async () => {
    const sessions = btSessions();
    const fragments = new ClientFragments();
    const before = (await clients(sessions, true, { fragments })).toString('utf8');
    const changed = sessions.map((s, i) =>
      i === 3
        ? {
            ...s,
            hostname: 'renamed-host',
            connections: [
              ...sessionConnections(s),
              { nodeId: 'node-c', purpose: 'traffic' as const, receiveTrafficNode: true, connectedSince: s.startedAt },
            ],
          }
        : s,
    );
    const after = (await clients(changed, true, { fragments })).toString('utf8');
    assert.ok(after.includes('<hostname>renamed-host</hostname>'));
    assert.ok(after.includes('<appliance_id>node-c</appliance_id>'));
    assert.ok(!before.includes('renamed-host'));
    assert.equal(after, (await clients(changed, true)).toString('utf8'), 'the same bytes as written afresh');
  });

  it('keeps the two document kinds apart', async () => {
    const sessions = btSessions();
    const fragments = new ClientFragments();
    await clients(sessions, true, { fragments });
    assert.deepEqual(await clients(sessions, false, { fragments }), golden('connected-clients.xml'));
    assert.deepEqual(await clients(sessions, true, { fragments }), golden('connected-clients-with-connections.xml'));
  });
});

describe('connected clients over HTTP with the answer cache off', () => {
  it('shows a change reported through ingest in the next answer', async (t) => {
    const server = await startBtServer({ btCacheMs: 0 });
    t.after(() => server.close());
    const id = await openSession(server, representative());
    const query = `${adminQuery}&action=get_connected_clients&include_connections=1`;
    const first = await command(server, query);
    assert.equal(first.root.children.length, 1);
    await command(server, query); // fragments now remembered
    await updateSession(server, id, { hostname: 'moved-desk' });
    const next = await command(server, query);
    assert.equal(textOf(only(next.root, 'connected_representative'), 'hostname'), 'moved-desk');
  });
});
