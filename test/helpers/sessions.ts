// Builders for sessions and ingest bodies used across tests.
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';
import type { Session } from '../../src/core/model.ts';

let counter = 0;

export function makeSession(overrides: Partial<Session> = {}): Session {
  const now = overrides.startedAt ?? Date.now();
  const id = overrides.id ?? ++counter;
  return {
    id,
    user: { id: `u${id}`, name: `User ${id}`, type: 'staff' },
    clientType: 'web',
    transport: 'http',
    remoteAddress: '127.0.0.1',
    idle: false,
    startedAt: now,
    lastActivityAt: now,
    expiresAt: now + 90_000,
    lifetimeMs: 90_000,
    nodeId: 'node-a',
    nodeRole: 'master',
    connections: [],
    events: [],
    resumeSecretHash: '00',
    detached: false,
    version: 0,
    ...overrides,
  };
}

export function openBody(overrides: Partial<OpenSessionBody> = {}): OpenSessionBody {
  return {
    user: { id: '4145', name: 'Jack Smith', email: 'jack@example.com', type: 'staff' },
    clientType: 'web',
    hostname: 'jack-pc',
    platform: { id: 'winNT-64', name: 'Windows 11 (x64)' },
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
    ...overrides,
  };
}
