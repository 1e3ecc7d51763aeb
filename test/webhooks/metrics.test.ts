// The webhook counters of GET /metrics follow real deliveries to a real receiver: delivered on a 2xx,
// a retry on a 500, failed on 410 Gone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from '../helpers/http.ts';
import { openSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { startReceiver, type Receiver } from './receiver.ts';

/** One unlabelled or `outcome`-labelled counter's value in a scrape; 0 when absent. */
async function counter(server: TestServer, name: string, outcome?: string): Promise<number> {
  const text = (await request(server.url, 'GET', '/metrics')).text;
  const series = outcome === undefined ? name : `${name}{outcome="${outcome}"}`;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('webhook metrics', () => {
  let server: TestServer;
  let receiver: Receiver;
  before(async () => {
    server = await startTestServer({ webhookRetryBaseMs: 20, webhookRetryMaxMs: 100, webhookTimeoutMs: 5_000 });
    receiver = await startReceiver();
    const subscribed = await request(server.url, 'POST', '/v1/webhooks', {
      headers: { ...server.admin, 'content-type': 'application/json' },
      body: { url: receiver.url, events: ['session.started'], secret: 'metrics-webhook-secret-0123' },
    });
    assert.equal(subscribed.status, 201, subscribed.text);
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it('counts deliveries, retries and failures as the receiver answers', async () => {
    const delivered = 'rollcall_webhook_deliveries_total';
    assert.equal(await counter(server, delivered, 'delivered'), 0);

    await openSession(server, openBody({ user: { id: 'w1', name: 'One' } }));
    await waitFor(async () => (await counter(server, delivered, 'delivered')) === 1, { what: 'one delivered' });

    // A 500, then 410 Gone: the first attempt is retried, the second gives the delivery up.
    receiver.behave({ status: 500 });
    await openSession(server, openBody({ user: { id: 'w2', name: 'Two' } }));
    await waitFor(async () => (await counter(server, 'rollcall_webhook_retries_total')) >= 1, { what: 'a retry' });
    receiver.behave({ status: 410 });
    await waitFor(async () => (await counter(server, delivered, 'failed')) === 1, { what: 'one failed' });
    assert.equal(await counter(server, delivered, 'delivered'), 1, 'nothing more delivered');
  });
});
