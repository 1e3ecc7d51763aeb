// The serializer's slicing: however the document is cut into pieces (one per client at sliceMs 0, one
// in all at Infinity), the bytes are the same, and a document of many pieces reaches an HTTP client
// whole, with its declared length.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { sendXml } from '../../../src/dialects/beyondtrust/errors.ts';
import { connectedClientListXml, connectedClientsXml, loggedInRepsXml } from '../../../src/dialects/beyondtrust/serializer.ts';
import type { Session } from '../../../src/core/model.ts';
import { makeSession } from '../../helpers/sessions.ts';
import { parseXml } from './xml.ts';

const NAMESPACE = 'http://www.bomgar.com/namespaces/API/command';

function clients(count: number): Session[] {
  return Array.from({ length: count }, (_, i) =>
    makeSession({
      id: i + 1,
      clientType: i % 2 === 0 ? 'representative' : 'push_agent',
      user: { id: `u${i % 7}`, name: `Client ${i} & co`, type: 'staff' },
      connections: [{ nodeId: 'node-a', purpose: 'master', receiveTrafficNode: false, connectedSince: 1_700_000_000_000 }],
      events: [{ at: 1_700_000_000_000, kind: 'connected', text: 'Connected to node node-a as master' }],
      ...(i % 2 === 0 && {
        representative: {
          type: 'Normal',
          presentationCount: 0,
          supportSessionCount: 1,
          showingOnRepList: true,
          routingIdle: false,
          routingBusy: false,
          routingEnabled: true,
          routingAvailable: true,
          supportSessionLsids: [],
        },
      }),
    }),
  );
}

describe('serializer slices', () => {
  it('gives the same bytes in one piece or in one piece per client', async () => {
    const sessions = clients(50);
    const sliced = await connectedClientsXml(sessions, true, { namespace: NAMESPACE, sliceMs: 0 });
    const whole = await connectedClientsXml(sessions, true, { namespace: NAMESPACE, sliceMs: Number.POSITIVE_INFINITY });
    assert.equal(whole.length, 1);
    assert.equal(sliced.length, 51, 'a piece after each client, and the tail');
    assert.deepEqual(Buffer.concat(sliced), whole[0]);
    assert.equal(parseXml(whole[0]!.toString('utf8')).children.length, 50);

    for (const render of [
      (sliceMs: number) => connectedClientListXml(sessions, ['representative', 'push_agent'], [], false, { namespace: NAMESPACE, sliceMs }),
      (sliceMs: number) => loggedInRepsXml(sessions, { namespace: NAMESPACE, sliceMs }),
    ]) {
      assert.deepEqual(Buffer.concat(await render(0)), Buffer.concat(await render(Number.POSITIVE_INFINITY)));
    }
  });

  it('sends a document of many pieces whole, with its length declared', async (t) => {
    const sessions = clients(200);
    const pieces = await connectedClientsXml(sessions, true, { namespace: NAMESPACE, sliceMs: 0 });
    const app = Fastify();
    t.after(() => app.close());
    app.get('/doc', async (_request, reply) => sendXml(reply, pieces));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    const response = await fetch(`http://127.0.0.1:${address.port}/doc`);
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/xml; charset=UTF-8');
    assert.equal(Number(response.headers.get('content-length')), body.length);
    assert.deepEqual(body, Buffer.concat(pieces));
  });
});
