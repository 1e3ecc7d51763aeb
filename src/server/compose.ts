// The composition root: opens connections, builds the stores the config names, the core, and the
// HTTP app. Nothing else in rollcall opens files or picks implementations.
import { hostname } from 'node:os';
import type { FastifyInstance, RouteOptions } from 'fastify';
import packageJson from '../../package.json' with { type: 'json' };
import type { Config } from '../config/schema.ts';
import { Administration } from '../auth/administration.ts';
import { Credentials } from '../auth/credentials.ts';
import { OAuthClients } from '../auth/oauth/api-clients.ts';
import { ApiClientAdministration } from '../auth/oauth/client-administration.ts';
import { DEFAULT_THROTTLE_POLICY, MemoryThrottle, type Throttle } from '../auth/throttle.ts';
import { DEFAULT_BEAT_MS, DEFAULT_SILENCE_MS, NodeWatch } from '../core/node-watch.ts';
import { PresenceService } from '../core/presence-service.ts';
import { PresenceStats } from '../core/stats.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { createLiveStore } from '../live/factory.ts';
import type { LiveStore } from '../live/live-store.ts';
import { Metrics } from '../observability/metrics.ts';
import { EventHub } from '../stream/event-hub.ts';
import { MemoryEventBacklog } from '../stream/memory/memory-event-backlog.ts';
import { WebhookSubscriptions } from '../webhooks/subscriptions.ts';
import { Webhooks } from '../webhooks/webhooks.ts';
import { buildApp, type LoggerOption } from './app.ts';
import { bootstrap, type FirstStartSecrets } from './bootstrap.ts';
import type { DataDir } from './data-dir.ts';
import { openHistory } from './open-history.ts';

export interface Rollcall {
  app: FastifyInstance;
  presence: PresenceService;
  live: LiveStore;
  history: HistoryStore;
  /** Activity counts and the presence sampler behind GET /v1/stats. */
  stats: PresenceStats;
  /**
   * This app's Prometheus metrics. Parts that report through it get it from here: the webhook
   * dispatcher sets `metrics.webhookBacklog`.
   */
  metrics: Metrics;
  /** The change stream's hub: every change with its event id, and the backlog of the latest. */
  events: EventHub;
  /** Failed credential checks and the lockouts they caused (this node's). */
  throttle: Throttle;
  dataDir: DataDir;
  /** Secrets created by this start, to print once; empty on later starts. */
  firstStart: FirstStartSecrets;
  /** Stops accepting, tells socket clients to reconnect, ends background work, writes history. */
  close(): Promise<void>;
}

export interface RollcallOptions {
  logger?: LoggerOption;
  /** Sees every route of the app as it is added (tests check the OpenAPI document against them). */
  onRoute?: (route: RouteOptions) => void;
}

export async function createRollcall(config: Config, options: RollcallOptions = {}): Promise<Rollcall> {
  let app: FastifyInstance | undefined;
  /**
   * Faults of background work (sweeps, history writes, samples, deliveries, idle database connections)
   * that have no caller to tell. Before the app and its logger exist, only the history database can
   * fail this way; stderr then.
   */
  const logFault = (error: unknown, context: string) => {
    if (app) app.log.error({ err: error }, `${context} failed`);
    else process.stderr.write(`rollcall: ${context} failed: ${error instanceof Error ? error.message : String(error)}\n`);
  };
  const { history, dataDir } = await openHistory(config, {
    onError: (error) => logFault(error, 'an idle history database connection'),
  });
  const firstStart = await bootstrap(history, {
    ...(config.adminPassword !== undefined && { adminPassword: config.adminPassword }),
    ...(config.ingestKey !== undefined && { configuredIngestKey: config.ingestKey }),
  });
  const live = await createLiveStore(config, {
    nodeId: dataDir.nodeId,
    idSource: { reserve: (size) => history.advanceCounter('session_ids', size) },
    onError: logFault,
  });
  // Nothing of this node's can be live after a start when its sessions lived in its memory: rows a
  // crash left open end here, and are announced once the stream and webhooks listen.
  const lost = live.outlivesProcess ? [] : await history.endOpenSessions(dataDir.nodeId, Date.now(), 'node_lost');
  const presence = new PresenceService(live, history, {
    nodeId: dataDir.nodeId,
    nodeRole: config.nodeRole,
    sessionTtlMs: config.sessionTtl * 1000,
    wsHeartbeatMs: config.wsHeartbeatMs,
    wsResumeGraceMs: config.wsResumeGraceMs,
    offlineWindowMs: config.offlineWindow * 1000,
    sweepIntervalMs: config.sweepIntervalMs,
    historyFlushMs: config.historyFlushMs,
    onError: logFault,
  });
  // One throttle for every kind of credential: an address that guesses passwords and then keys is one guesser.
  const throttle = new MemoryThrottle({
    ...DEFAULT_THROTTLE_POLICY,
    addressFreeFailures: config.authFailuresPerAddress,
    subjectFreeFailures: config.authFailuresPerAccount,
    maxLockoutMs: config.authLockoutMaxMs,
  });
  const credentials = new Credentials(history, {
    tokenSecret: dataDir.tokenSecret,
    throttle,
    ...(config.ingestKey !== undefined && { configuredIngestKey: config.ingestKey }),
  });
  const oauth = new OAuthClients(history, { throttle });
  // Both listen to the change feed from here on, so nothing that happens after the app exists goes uncounted.
  const stats = new PresenceStats(presence, history, {
    sampleIntervalMs: config.statsSampleMs,
    onError: logFault,
  });
  const metrics = new Metrics(presence);
  const administration = new Administration(history);
  // The stream and webhooks listen from here on, so every change after the app exists is in both.
  // Every node of a cluster applies every change under the same seq, so each node's own backlog holds
  // the same events with the same ids: a stream client may reconnect to any node with Last-Event-ID.
  const backlog = new MemoryEventBacklog({ capacity: config.streamBacklog, firstIdAfter: live.appliedSeq() });
  const events = new EventHub(presence, backlog, logFault);
  events.start();
  const webhooks = new Webhooks(history, events, {
    // Whose seqs the event ids are: a node's own in memory (restarts number above the last run), the
    // cluster's with Redis (every node enqueues every change; the ids agree, so the outbox keeps one).
    origin: config.liveStore === 'redis' ? `cluster:${config.redisKeyPrefix}` : dataDir.nodeId,
    concurrency: config.webhookConcurrency,
    receiverConcurrency: config.webhookReceiverConcurrency,
    timeoutMs: config.webhookTimeoutMs,
    retryBaseMs: config.webhookRetryBaseMs,
    retryMaxMs: config.webhookRetryMaxMs,
    horizonMs: config.webhookRetryHorizonMs,
    userAgent: `rollcall-webhooks/${packageJson.version}`,
    onError: logFault,
    onBacklog: (pending) => metrics.webhookBacklog.set(pending),
    onOutcome: (status, count) => metrics.webhookOutcome(status, count),
  });
  const subscriptions = new WebhookSubscriptions(history, () => webhooks.subscriptionsChanged());
  app = await buildApp({
    config,
    presence,
    credentials,
    oauth,
    stats,
    administration,
    apiClients: new ApiClientAdministration(history),
    metrics,
    events,
    webhooks: subscriptions,
    throttle,
    logger: options.logger,
    ...(options.onRoute && { onRoute: options.onRoute }),
  });
  // Listed before the first request, so the dialects name this node among the appliances.
  const machine = hostname();
  // A cluster member restarting finds the sessions of the sockets its previous run held; they ended
  // with that run. (A memory store starts empty; its previous run's sessions are `lost`, below.)
  if (live.outlivesProcess) await presence.endOrphanedSockets();
  await presence.registerNode({ hostname: machine, publicHostname: config.publicHostname ?? machine, version: packageJson.version });
  presence.start();
  const nodeWatch = live.outlivesProcess
    ? new NodeWatch(presence, {
        beatMs: DEFAULT_BEAT_MS,
        silenceMs: DEFAULT_SILENCE_MS,
        onError: logFault,
        onWarning: (message) => app?.log.warn(message),
      })
    : undefined;
  nodeWatch?.start();
  stats.start();
  await webhooks.start(); // after the app: deliveries may go out from here on
  await presence.announceLost(lost);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app.close(); // stops accepting; the WebSocket plugin tells clients to reconnect
      await nodeWatch?.stop(); // before the node leaves the cluster, so it does not beat again
      await stats.stop(); // before history closes: a sample may be on its way
      metrics.close();
      await presence.stop();
      await events.stop(); // every change, the shutdown's session ends included, reached webhooks
      await webhooks.stop(); // aborts attempts in flight and writes the outbox, before history closes
      await live.close();
      await history.close();
    })());
  return { app, presence, live, history, stats, metrics, events, throttle, dataDir, firstStart, close };
}
