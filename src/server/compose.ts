// The composition root: opens connections, builds the stores the config names, the core, and the
// HTTP app. Nothing else in rollcall opens files or picks implementations.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import packageJson from '../../package.json' with { type: 'json' };
import type { Config } from '../config/schema.ts';
import { Credentials } from '../auth/credentials.ts';
import { OAuthClients } from '../auth/oauth/api-clients.ts';
import { PresenceService } from '../core/presence-service.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { createLiveStore } from '../live/factory.ts';
import type { LiveStore } from '../live/live-store.ts';
import { buildApp, type LoggerOption } from './app.ts';
import { bootstrap, type FirstStartSecrets } from './bootstrap.ts';
import type { DataDir } from './data-dir.ts';
import { openHistory } from './open-history.ts';

export interface Rollcall {
  app: FastifyInstance;
  presence: PresenceService;
  live: LiveStore;
  history: HistoryStore;
  dataDir: DataDir;
  /** Secrets created by this start, to print once; empty on later starts. */
  firstStart: FirstStartSecrets;
  /** Stops accepting, tells socket clients to reconnect, ends background work, writes history. */
  close(): Promise<void>;
}

export async function createRollcall(config: Config, options: { logger?: LoggerOption } = {}): Promise<Rollcall> {
  const { history, dataDir } = await openHistory(config);
  const firstStart = await bootstrap(history, {
    ...(config.adminPassword !== undefined && { adminPassword: config.adminPassword }),
    ...(config.ingestKey !== undefined && { configuredIngestKey: config.ingestKey }),
  });
  const live = createLiveStore(config.liveStore, {
    idSource: { reserve: (size) => history.advanceCounter('session_ids', size) },
  });
  if (!live.outlivesProcess) {
    // Nothing of this node's can be live after a start; rows a crash left open end here.
    await history.endOpenSessions(dataDir.nodeId, Date.now(), 'node_lost');
  }
  let app: FastifyInstance | undefined;
  const presence = new PresenceService(live, history, {
    nodeId: dataDir.nodeId,
    nodeRole: config.nodeRole,
    sessionTtlMs: config.sessionTtl * 1000,
    wsHeartbeatMs: config.wsHeartbeatMs,
    wsResumeGraceMs: config.wsResumeGraceMs,
    offlineWindowMs: config.offlineWindow * 1000,
    sweepIntervalMs: config.sweepIntervalMs,
    historyFlushMs: config.historyFlushMs,
    onError: (error, context) => app?.log.error({ err: error }, `${context} failed`),
  });
  const credentials = new Credentials(history, {
    tokenSecret: dataDir.tokenSecret,
    ...(config.ingestKey !== undefined && { configuredIngestKey: config.ingestKey }),
  });
  const oauth = new OAuthClients(history);
  app = await buildApp({ config, presence, credentials, oauth, logger: options.logger });
  // Listed before the first request, so the dialects name this node among the appliances.
  const machine = hostname();
  await presence.registerNode({ hostname: machine, publicHostname: config.publicHostname ?? machine, version: packageJson.version });
  presence.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close(); // stops accepting; the WebSocket plugin tells clients to reconnect
      await presence.stop();
      await live.close();
      await history.close();
    })());
  return { app, presence, live, history, dataDir, firstStart, close };
}
