// `rollcall serve`: listen, print where, print first-start secrets once, and shut down cleanly on
// SIGTERM/SIGINT (stop accepting, send socket clients a reconnect close code, write history, exit 0).
import type { Config } from '../config/schema.ts';
import { BOOTSTRAP_ADMIN } from './bootstrap.ts';
import { createRollcall, type Rollcall } from './compose.ts';

export interface RunServerOptions {
  /** Where the start-up lines go. */
  out?: NodeJS.WritableStream;
  /** Close and exit on SIGTERM/SIGINT (default). A caller that orders its own shutdown turns it off. */
  handleSignals?: boolean;
}

export async function runServer(config: Config, options: RunServerOptions = {}): Promise<Rollcall> {
  const { out = process.stdout, handleSignals = true } = options;
  const rollcall = await createRollcall(config);
  // Secrets first: they exist from now on, and a failing listen (port taken) must not swallow them.
  const { adminPassword, ingestKey } = rollcall.firstStart;
  const secrets: string[] = [];
  if (adminPassword) {
    secrets.push(`First start: created account "${BOOTSTRAP_ADMIN}" with password ${adminPassword}`, '  (shown only now; keep it somewhere safe)');
  }
  if (ingestKey) {
    secrets.push(`First start: generated ingest key ${ingestKey}`, '  (shown only now; applications send it as "Authorization: Bearer <key>")');
  }
  if (secrets.length > 0) out.write(`${secrets.join('\n')}\n`);

  try {
    await rollcall.app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await rollcall.close();
    throw error;
  }
  const address = rollcall.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  out.write(`rollcall is listening on ${url}  (node ${rollcall.dataDir.nodeId}, data in ${rollcall.dataDir.path})\n`);

  const shutdown = (signal: NodeJS.Signals) => {
    rollcall.app.log.info({ signal }, 'shutting down');
    rollcall.close().then(
      () => process.exit(0),
      (error: unknown) => {
        rollcall.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  if (handleSignals) {
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  }
  return rollcall;
}
