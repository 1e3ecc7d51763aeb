// A query plugin mounted on an app of its own with its answer cache on, beside a test server that
// holds the sessions: the composition root (server/app.ts) registers the JSON query routes with their
// cache window, and the tests of that window need to choose it. The mounted plugin reads the test
// server's core and history, so sessions reported to the test server are what it answers.
import Fastify, { type FastifyInstance } from 'fastify';
import { Credentials } from '../../src/auth/credentials.ts';
import type { PresenceService } from '../../src/core/presence-service.ts';
import type { PresenceStats } from '../../src/core/stats.ts';
import { TEST_INGEST_KEY, type TestServer } from './server.ts';

export interface MountedDeps {
  presence: PresenceService;
  credentials: Credentials;
  stats: PresenceStats;
}

export interface Mounted {
  url: string;
  close(): Promise<void>;
}

export async function mountBeside(
  server: TestServer,
  register: (app: FastifyInstance, deps: MountedDeps) => PromiseLike<unknown>,
): Promise<Mounted> {
  const { rollcall } = server;
  const credentials = new Credentials(rollcall.history, {
    tokenSecret: rollcall.dataDir.tokenSecret,
    configuredIngestKey: TEST_INGEST_KEY,
  });
  const app = Fastify();
  await register(app, { presence: rollcall.presence, credentials, stats: rollcall.stats });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('mounted app has no address');
  return { url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
