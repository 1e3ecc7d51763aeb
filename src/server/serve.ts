// `rollcall serve`: listen, print where, hand over first-start secrets once, and shut down cleanly on
// SIGTERM/SIGINT (stop accepting, send socket clients a reconnect close code, write history, exit 0).
import type { Config } from '../config/schema.ts';
import { BOOTSTRAP_ADMIN } from './bootstrap.ts';
import { createRollcall, type Rollcall } from './compose.ts';
import { writeFirstStartFile } from './first-start-file.ts';

export interface RunServerOptions {
  /** Where the start-up lines go. */
  out?: NodeJS.WritableStream;
  /** Close and exit on SIGTERM/SIGINT (default). A caller that orders its own shutdown turns it off. */
  handleSignals?: boolean;
  /**
   * When the configured port is taken, listen on a free one instead (the demo: it is there to be
   * looked at, not to be found at a fixed address). The start-up line says which port it got.
   */
  freePortIfTaken?: boolean;
  /**
   * Adds to the app before it listens (Fastify takes routes only until then): the demo's own pages.
   * `rollcall serve` adds nothing.
   */
  extend?: (rollcall: Rollcall) => Promise<void>;
}

export async function runServer(config: Config, options: RunServerOptions = {}): Promise<Rollcall> {
  const { out = process.stdout, handleSignals = true, freePortIfTaken = false } = options;
  const rollcall = await createRollcall(config);
  // Secrets first: they exist from now on, and a failing listen (port taken) must not swallow them.
  reportFirstStart(rollcall, out);

  try {
    await options.extend?.(rollcall);
    await listen(rollcall, config, freePortIfTaken ? out : undefined);
  } catch (error) {
    await rollcall.close();
    throw error;
  }
  const address = rollcall.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

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
  // Only once the signals are ours: whoever waits for this line may signal at once, and a signal that
  // comes before Node listens for it kills the process without a shutdown (stdout to a pipe is
  // written synchronously, so the line can be read before the next statement runs).
  out.write(`rollcall is listening on ${url}  (node ${rollcall.dataDir.nodeId}, data in ${rollcall.dataDir.path})\n`);
  return rollcall;
}

/** Listens on the configured port; with `fallbackOut`, on a free port when that one is taken, saying so there. */
async function listen(rollcall: Rollcall, config: Config, fallbackOut: NodeJS.WritableStream | undefined): Promise<void> {
  try {
    await rollcall.app.listen({ port: config.port, host: config.host });
  } catch (error) {
    if (!fallbackOut || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    fallbackOut.write(`Port ${config.port} is taken; listening on a free port instead\n`);
    await rollcall.app.listen({ port: 0, host: config.host });
  }
}

/**
 * The secrets this start generated: always into a file in the data dir; on a terminal also shown. Any
 * other output (a pipe, journald, a container log) is a log stream, and gets the file's name only.
 */
function reportFirstStart(rollcall: Rollcall, out: NodeJS.WritableStream): void {
  const { adminPassword, ingestKey } = rollcall.firstStart;
  if (adminPassword === undefined && ingestKey === undefined) return;
  let file: string | undefined;
  try {
    file = writeFirstStartFile(rollcall.dataDir.path, rollcall.firstStart);
  } catch (error) {
    // The start goes on: the secrets are stored (hashed), and can be replaced, just not shown again.
    rollcall.app.log.error(
      { err: error },
      `first start: could not write the generated secrets to the data dir; set new ones with "rollcall accounts passwd ${BOOTSTRAP_ADMIN} --generate" and "rollcall keys create --kind ingest"`,
    );
  }
  const lines: string[] = [];
  if ((out as { isTTY?: boolean }).isTTY === true) {
    if (adminPassword !== undefined) lines.push(`First start: created account "${BOOTSTRAP_ADMIN}" with password ${adminPassword}`);
    if (ingestKey !== undefined)
      lines.push(`First start: generated ingest key ${ingestKey}  (applications send it as "Authorization: Bearer <key>")`);
    lines.push(`  (shown only now${file ? `; also in ${file}, readable by you alone: delete it once noted` : ''})`);
  } else if (file) {
    const what = [...(adminPassword !== undefined ? ['admin password'] : []), ...(ingestKey !== undefined ? ['ingest key'] : [])];
    lines.push(
      `First start: the generated secrets (${what.join(', ')}) are in ${file}, readable by this user alone; they are not written to this output`,
    );
  }
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
}
