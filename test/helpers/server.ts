// Starts a real rollcall on 127.0.0.1 port 0 with a fresh data dir, the way `rollcall serve` does,
// and removes everything afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, beforeEach } from 'node:test';
import { signClientToken, type ClientTokenClaims } from '../../src/auth/client-tokens.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { createRollcall, type Rollcall } from '../../src/server/compose.ts';

export const TEST_INGEST_KEY = 'test-ingest-key-0123456789abcdef';
export const TEST_ADMIN_PASSWORD = 'admin-password-for-tests';
export const TEST_TOKEN_SECRET = 'test-token-secret-0123456789abcdef0123456789';

export interface TestServer {
  rollcall: Rollcall;
  url: string;
  wsUrl: string;
  dataDir: string;
  /** Headers with the ingest key. */
  ingest: Record<string, string>;
  /** Basic auth of the bootstrap admin. */
  admin: Record<string, string>;
  token(claims: ClientTokenClaims, ttlSeconds?: number): Promise<string>;
  /** Every log line so far, when started with `captureLog`; empty otherwise. */
  log(): string;
  /** Stops the server; `keepData` leaves the data dir for a restart test. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * One server for a test file, with no live session at the start of each test: call at the top of
 * the file; the function it answers gives the server inside tests.
 */
export function serverPerFile(): () => TestServer {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    for (const session of await server!.rollcall.presence.listSessions())
      await server!.rollcall.presence.end(session.id, { kind: 'ingest' });
  });
  return () => server!;
}

export async function startTestServer(
  overrides: Partial<ConfigInput> = {},
  dataDir?: string,
  options: { captureLog?: boolean } = {},
): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'rollcall-test-'));
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({
    flags: {
      port: 0,
      host: '127.0.0.1',
      dataDir: dir,
      ingestKey: TEST_INGEST_KEY,
      adminPassword: TEST_ADMIN_PASSWORD,
      tokenSecret: TEST_TOKEN_SECRET,
      logLevel: 'silent',
      // Tests of other things refuse credentials many times from 127.0.0.1; the throttle's own tests
      // (test/server/throttling.test.ts) set these back to the defaults or lower.
      authFailuresPerAddress: 100_000,
      authFailuresPerAccount: 100_000,
      ...overrides,
    },
  });
  const rollcall = await createRollcall(config, options.captureLog ? { logger: { stream: logStream } } : {});
  await rollcall.app.listen({ port: 0, host: '127.0.0.1' });
  const address = rollcall.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('server has no address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    rollcall,
    url,
    wsUrl: `ws://127.0.0.1:${address.port}/v1/connect`,
    dataDir: dir,
    ingest: { authorization: `Bearer ${TEST_INGEST_KEY}`, 'content-type': 'application/json' },
    admin: { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}` },
    token: (claims, ttl = 600) => signClientToken(TEST_TOKEN_SECRET, claims, ttl),
    log: () => logLines.join(''),
    close: async (options = {}) => {
      await rollcall.close();
      if (!options.keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `condition` until it holds or the deadline passes; never a fixed sleep. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 10, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
