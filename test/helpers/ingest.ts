// Reporting sessions in tests the way applications do: through the real HTTP ingest routes with the
// ingest key.
import assert from 'node:assert/strict';
import type { OpenSessionBody, UpdateSessionBody } from '../../src/core/input-schemas.ts';
import { request } from './http.ts';
import type { TestServer } from './server.ts';

type IngestServer = Pick<TestServer, 'url' | 'ingest'>;
const ingestAuth = (server: IngestServer) => ({ authorization: server.ingest.authorization! });

/** Reports a session with `POST /v1/sessions` and the ingest key; answers its id. */
export async function openSession(server: IngestServer, body: OpenSessionBody, headers: Record<string, string> = {}): Promise<number> {
  const answer = await request(server.url, 'POST', '/v1/sessions', { headers: { ...server.ingest, ...headers }, body });
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

export async function heartbeat(server: IngestServer, id: number): Promise<void> {
  const answer = await request(server.url, 'POST', `/v1/sessions/${id}/heartbeat`, { headers: ingestAuth(server) });
  assert.equal(answer.status, 204, answer.text);
}

export async function updateSession(server: IngestServer, id: number, body: UpdateSessionBody): Promise<void> {
  const answer = await request(server.url, 'PATCH', `/v1/sessions/${id}`, { headers: server.ingest, body });
  assert.equal(answer.status, 200, answer.text);
}

/** Ends a session the way a client says goodbye (`DELETE`). */
export async function closeSession(server: IngestServer, id: number): Promise<void> {
  const answer = await request(server.url, 'DELETE', `/v1/sessions/${id}`, { headers: ingestAuth(server) });
  assert.equal(answer.status, 204, answer.text);
}
