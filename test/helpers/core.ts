// The options a test core runs with: the defaults of the config (TTL 90 s, pings every 15 s, a 10 s
// resume grace, a day's offline window) and history written only when a test flushes it.
import type { PresenceOptions } from '../../src/core/presence-service.ts';

export function coreOptions(overrides: Partial<PresenceOptions> & Pick<PresenceOptions, 'onError'>): PresenceOptions {
  return {
    nodeId: 'node-1',
    nodeRole: 'master',
    sessionTtlMs: 90_000,
    wsHeartbeatMs: 15_000,
    wsResumeGraceMs: 10_000,
    offlineWindowMs: 86_400_000,
    sweepIntervalMs: 1_000,
    historyFlushMs: 60_000,
    ...overrides,
  };
}
