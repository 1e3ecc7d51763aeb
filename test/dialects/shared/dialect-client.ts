// What the JSON dialect tests share: HTTP calls that keep the raw text (key order is checked on it),
// sessions reported through the real ingest routes, API keys made the way `rollcall keys create`
// makes them, and a server whose log lines a test can read.
import assert from 'node:assert/strict';
import { generateApiKey } from '../../../src/auth/api-keys.ts';
import { hashPassword } from '../../../src/auth/passwords.ts';
import type { ConfigInput } from '../../../src/config/schema.ts';
import type { OpenSessionBody, UpdateSessionBody } from '../../../src/core/input-schemas.ts';
import type { AccountRole } from '../../../src/history/history-store.ts';
import { request, type Answer } from '../../helpers/http.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

export type { Answer };

export function call(
  server: Pick<TestServer, 'url'>,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  return request(server.url, method, path, {
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body !== undefined && { body }),
  });
}

export { closeSession, heartbeat, openSession, updateSession } from '../../helpers/ingest.ts';

let accounts = 0;

/**
 * An API key of kind `api`, as `rollcall keys create [--user ID]` makes one: owned by the bootstrap
 * admin, or by a new account of `role`.
 */
export async function createApiKey(server: Pick<TestServer, 'rollcall'>, options: { role?: AccountRole; userId?: string } = {}) {
  const { history } = server.rollcall;
  const account =
    options.role === 'reader'
      ? await history.createAccount({
          username: `reader-${++accounts}`,
          role: 'reader',
          passwordHash: await hashPassword('reader-password'),
        })
      : await history.findAccount('admin');
  assert.ok(account, 'the bootstrap admin exists');
  const generated = generateApiKey('api');
  const record = await history.createApiKey({
    kind: 'api',
    accountId: account.id,
    prefix: generated.prefix,
    hash: generated.hash,
    ...(options.userId !== undefined && { userId: options.userId }),
  });
  return { key: generated.key, id: record.id };
}

export type LoggedServer = TestServer;

/** A test server whose log, at `debug` so request lines with their URLs are written, a test can read. */
export function startLoggedServer(overrides: Partial<ConfigInput> = {}): Promise<LoggedServer> {
  return startTestServer({ logLevel: 'debug', ...overrides }, undefined, { captureLog: true });
}

/** `typeof` of every value, in key order: one assertion checks both the keys' order and their types. */
export const shapeOf = (value: Record<string, unknown>): [string, string][] =>
  Object.entries(value).map(([key, v]) => [key, Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v]);
