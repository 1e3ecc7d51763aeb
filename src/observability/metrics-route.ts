// GET /metrics: the Prometheus text exposition. Who may scrape is the `metricsAccess` setting:
//   loopback (default): requests from this machine need nothing, others a reader credential;
//   credentials: always a reader credential (an account with Basic, or an API key as Bearer);
//   open: anyone.
// Behind a reverse proxy on the same machine every request comes from loopback: set `credentials`
// there, or `trustProxy` so the client's own address counts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Credentials } from '../auth/credentials.ts';
import type { Config } from '../config/schema.ts';
import { READER_SECURITY, errorResponses } from '../api/schemas.ts';
import type { Metrics } from './metrics.ts';

export type MetricsAccess = Config['metricsAccess'];

export interface MetricsRouteOptions {
  metrics: Metrics;
  credentials: Credentials;
  access: MetricsAccess;
}

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

export const metricsRoute: FastifyPluginAsyncTypebox<MetricsRouteOptions> = async (app, { metrics, credentials, access }) => {
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description:
          'Live sessions by client type and users online (cluster-wide), sessions opened and ended, heartbeats by transport, ' +
          'HTTP latency by route, open WebSockets and change streams, webhook backlog, deliveries and retries, event-loop ' +
          "delay, build info and the process's own metrics (this node). Scraping resets nothing. Access: the metricsAccess setting " +
          '(default: open from loopback, a reader credential from elsewhere).',
        security: [...READER_SECURITY, {}],
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: Type.String() } },
          },
          ...errorResponses(401),
        },
      },
    },
    async (request, reply) => {
      if (access === 'credentials' || (access === 'loopback' && !isLoopback(request.ip))) {
        await credentials.reader(request.headers.authorization, request.ip);
      }
      return reply.type(metrics.contentType).send(await metrics.render());
    },
  );
};
