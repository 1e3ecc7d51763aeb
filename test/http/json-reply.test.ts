import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { sendJsonBytes } from '../../src/http/json-reply.ts';

/** 2,000 pieces of different sizes and contents: some 20 MB, more than any socket buffer holds. */
function pieces(): Buffer[] {
  return Array.from({ length: 2_000 }, (_, i) => Buffer.alloc(5_000 + (i % 13) * 800, String.fromCharCode(97 + (i % 26))));
}

async function serve(body: Buffer[]) {
  const app = Fastify();
  app.get('/pieces', (_request, reply) => sendJsonBytes(reply, body));
  app.get('/small', (_request, reply) => sendJsonBytes(reply, [Buffer.from('{"a":'), Buffer.from('1}')]));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

/** Reads the body slowly (a pause after each chunk), so the server's socket is full for most of it. */
function readSlowly(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (chunks.length % 50 === 0) {
          response.pause();
          setTimeout(() => response.resume(), 5);
        }
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('sendJsonBytes with pieces', () => {
  it('sends every piece in order, with their whole length declared, to a client that reads slowly', async (t) => {
    const body = pieces();
    const { app, url } = await serve(body);
    t.after(() => app.close());
    const answer = await readSlowly(`${url}/pieces`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(answer.headers['content-length']), Buffer.concat(body).length);
    assert.ok(answer.body.equals(Buffer.concat(body)), 'the same bytes, in order');
    const small = await fetch(`${url}/small`);
    assert.deepEqual(await small.json(), { a: 1 });
  });

  it('goes on serving after a client left in the middle of an answer', async (t) => {
    const body = pieces();
    const { app, url } = await serve(body);
    t.after(() => app.close());
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(`${url}/pieces`, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      });
      request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
      request.end();
    });
    const again = await readSlowly(`${url}/pieces`);
    assert.ok(again.body.equals(Buffer.concat(body)));
  });

  it('can be read the ordinary way too, as a hook that transforms the payload reads it', async (t) => {
    const body = pieces();
    const app = Fastify();
    t.after(() => app.close());
    app.addHook('onSend', async (_request, _reply, payload) => {
      const chunks: Buffer[] = [];
      for await (const chunk of payload as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks);
    });
    app.get('/pieces', (_request, reply) => sendJsonBytes(reply, body));
    const answer = await app.inject({ method: 'GET', url: '/pieces' });
    assert.ok(answer.rawPayload.equals(Buffer.concat(body)));
  });
});
