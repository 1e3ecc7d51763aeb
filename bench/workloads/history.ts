// Workload 6: history writes on SQLite and on PostgreSQL, measured in the same run. What the history
// writer sends every flush: a batch of users whose last seen moved (10,000 in a full run, all of them
// known already, so every row is an update) and session-log writes (starts, then their ends). Each
// round writes the same work to both stores one after the other, alternating which goes first.
//
// PostgreSQL runs here as the tests start it, on a unix socket in a temp dir, but with fsync on and
// synchronous_commit off: like SQLite's WAL with synchronous=NORMAL, a crash of rollcall loses nothing
// committed and only a power loss may cost the last commits. fsync=off (as in the tests) would flatter it.
//
// Beside the time per flush it records how long each flush held the event loop: SQLite's driver works
// on the calling thread, PostgreSQL's only sends and waits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserRecord } from '../../src/core/model.ts';
import type { HistoryStore, SessionLogWrite } from '../../src/history/history-store.ts';
import { migratePostgres } from '../../src/history/postgres/migrate.ts';
import { createPostgresPool } from '../../src/history/postgres/open-postgres.ts';
import { PostgresHistoryStore } from '../../src/history/postgres/postgres-history-store.ts';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';
import { startPostgres } from '../../test/helpers/postgres.ts';
import type { HistorySizes } from '../config.ts';
import { watchLoop } from '../lib/loop-probe.ts';
import { row, type WorkloadResult } from '../lib/report.ts';
import { max, median } from '../lib/stats.ts';

const STORES = ['sqlite', 'postgres'] as const;
type StoreName = (typeof STORES)[number];

interface Timing {
  ms: number;
  loopBlockMs: number;
}

interface StoreFigures {
  userFlushes: Timing[];
  sessionLogFlushes: Timing[];
}

const users = (count: number, lastSeenAt: number): UserRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    user: { id: `user-${i}`, name: `User ${i}`, type: i % 4 === 0 ? 'staff' : 'customer', email: `user-${i}@example.test` },
    lastSeenAt,
    ...(i % 3 === 0 && { lastView: { m: 'support', v: 'getticket', t: `ticketid|${i}` } }),
  }));

/** Starts of `count` sessions, or their ends. */
function sessionLog(op: 'start' | 'end', count: number, round: number, startedAt: number): SessionLogWrite[] {
  return Array.from({ length: count }, (_, i): SessionLogWrite => {
    const sessionId = round * count + i + 1;
    const entry = {
      sessionId,
      userId: `user-${i}`,
      clientType: 'web',
      nodeId: 'bench-node',
      remoteAddress: '127.0.0.2',
      startedAt,
    } as const;
    return op === 'start' ? { op, entry } : { op, entry: { ...entry, endedAt: startedAt + 1_000, endReason: 'closed' } };
  });
}

async function timed(write: () => Promise<void>): Promise<Timing> {
  const stop = watchLoop();
  const started = performance.now();
  await write();
  const ms = performance.now() - started;
  // One more turn of the loop, so a write that held it all along (synchronous) shows as a gap.
  await new Promise((resolve) => setImmediate(resolve));
  return { ms, loopBlockMs: stop().longestGapMs };
}

export async function runHistory(sizes: HistorySizes): Promise<WorkloadResult> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-history-'));
  const server = await startPostgres({ settings: { fsync: 'on', synchronous_commit: 'off' } });
  const stores: Partial<Record<StoreName, HistoryStore>> = {};
  try {
    stores.sqlite = new SqliteHistoryStore(openSqliteDatabase(join(dir, 'rollcall.db')));
    const pool = createPostgresPool((await server.createDatabase()).url);
    await migratePostgres(pool);
    stores.postgres = new PostgresHistoryStore(pool, { onError: () => undefined });

    const figures: Record<StoreName, StoreFigures> = {
      sqlite: { userFlushes: [], sessionLogFlushes: [] },
      postgres: { userFlushes: [], sessionLogFlushes: [] },
    };
    const t0 = Date.now();
    // Every user known before the measured rounds, so each of them is an update of last seen.
    for (const name of STORES) await stores[name]!.recordUsers(users(sizes.users, t0));
    for (let round = 1; round <= sizes.rounds; round++) {
      const order = round % 2 === 0 ? STORES : [...STORES].reverse();
      const at = t0 + round * 1_000;
      for (const name of order) {
        const store = stores[name]!;
        figures[name].userFlushes.push(await timed(() => store.recordUsers(users(sizes.users, at))));
        figures[name].sessionLogFlushes.push(
          await timed(() => store.appendSessionLog(sessionLog('start', sizes.sessionLogWrites / 2, round, at))),
        );
        figures[name].sessionLogFlushes.push(
          await timed(() => store.appendSessionLog(sessionLog('end', sizes.sessionLogWrites / 2, round, at))),
        );
      }
    }

    const w = '6';
    const n = sizes.users.toLocaleString('en-US');
    const logN = (sizes.sessionLogWrites / 2).toLocaleString('en-US');
    const flushMs = (name: StoreName) => median(figures[name].userFlushes.map((t) => t.ms));
    const logMs = (name: StoreName) => median(figures[name].sessionLogFlushes.map((t) => t.ms));
    const rows = [
      row(w, `flush of ${n} last-seen updates, SQLite (median of ${sizes.rounds})`, 'ms', flushMs('sqlite')),
      row(w, `flush of ${n} last-seen updates, PostgreSQL`, 'ms', flushMs('postgres'), {
        baseline: { label: 'SQLite', value: flushMs('sqlite') },
        note: `slowest: SQLite ${max(figures.sqlite.userFlushes.map((t) => t.ms)).toFixed(1)} ms, PostgreSQL ${max(figures.postgres.userFlushes.map((t) => t.ms)).toFixed(1)} ms`,
      }),
      row(w, 'last-seen updates written per second, SQLite', 'users/s', (sizes.users / flushMs('sqlite')) * 1000),
      row(w, 'last-seen updates written per second, PostgreSQL', 'users/s', (sizes.users / flushMs('postgres')) * 1000, {
        baseline: { label: 'SQLite', value: (sizes.users / flushMs('sqlite')) * 1000 },
      }),
      row(
        w,
        `session-log writes per second, SQLite (batches of ${logN})`,
        'writes/s',
        (sizes.sessionLogWrites / 2 / logMs('sqlite')) * 1000,
      ),
      row(w, 'session-log writes per second, PostgreSQL', 'writes/s', (sizes.sessionLogWrites / 2 / logMs('postgres')) * 1000, {
        baseline: { label: 'SQLite', value: (sizes.sessionLogWrites / 2 / logMs('sqlite')) * 1000 },
      }),
      row(
        w,
        `event-loop block during a flush of ${n}, SQLite (median)`,
        'ms',
        median(figures.sqlite.userFlushes.map((t) => t.loopBlockMs)),
        {
          note: `the driver writes on the calling thread; longest ${max(figures.sqlite.userFlushes.map((t) => t.loopBlockMs)).toFixed(1)} ms`,
        },
      ),
      row(
        w,
        `event-loop block during a flush of ${n}, PostgreSQL (median)`,
        'ms',
        median(figures.postgres.userFlushes.map((t) => t.loopBlockMs)),
        {
          note: `building and sending the statement, reading its answer; the server does the write; longest ${max(figures.postgres.userFlushes.map((t) => t.loopBlockMs)).toFixed(1)} ms`,
        },
      ),
    ];
    return {
      name: 'history',
      title: 'History writes: SQLite vs PostgreSQL',
      params: { ...sizes },
      rows,
      details: { figures },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const store of Object.values(stores)) await store.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
