// Workload 1: registry scale. N live sessions with realistic metadata in one process (a child with
// --expose-gc and a big heap, see registry-child.ts): bytes per session, open rate, the time to answer
// "online users of type X" and a page of 100 sessions, and expiry sweeps over all N.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RegistrySizes } from '../config.ts';
import { BENCH_DIR, forkChild } from '../lib/child.ts';
import { heapGrowth } from '../lib/heapsnapshot.ts';
import { row, type WorkloadResult } from '../lib/report.ts';
import type { ExpiryFigures, RegistryFigures } from './registry-child.ts';

export async function runRegistry(sizes: RegistrySizes, options: { profileDir?: string } = {}): Promise<WorkloadResult> {
  const started = performance.now();
  // Generous: opening 1,000,000 sessions and writing their history takes minutes on a loaded 2-core machine.
  const runMs = 180_000 + sizes.sessions * 0.5;
  const child = await forkChild<{ dir: string }>(join(BENCH_DIR, 'workloads/registry-child.ts'), {
    name: 'registry',
    nodeArgs: ['--expose-gc', `--max-old-space-size=${sizes.heapMb}`],
    lifetimeMs: runMs + sizes.expiryBudgetMs + 60_000,
  });
  let f: RegistryFigures;
  let expiry: ExpiryFigures | undefined;
  try {
    f = await child.call<RegistryFigures>(
      'run',
      { sessions: sizes.sessions, queryRuns: sizes.queryRuns, profileDir: options.profileDir },
      runMs,
    );
    // The mass expiry holds the child's event loop until it is done: past the budget, the child is
    // killed and the figure is "more than the budget".
    expiry = await child.call<ExpiryFigures>('expire', {}, sizes.expiryBudgetMs).catch(() => undefined);
  } finally {
    if (expiry) await child.stop();
    else child.kill();
    await child.exited;
    rmSync(child.info.dir, { recursive: true, force: true });
  }
  const n = f.sessions.toLocaleString('en-US');
  const w = '1';
  const rows = [
    row(w, `bytes/session beyond unique client strings (heap, N=${n})`, 'B', f.heapBytesPerSession - f.uniqueStringBytesPerSession, {
      target: { on: 'value', op: '<=', limit: 600 },
      note: `heap ${Math.round(f.heapBytesPerSession)} B/session − ${Math.round(f.uniqueStringBytesPerSession)} B of per-session client strings; all client strings incl. repeated ones: ${Math.round(f.allStringBytesPerSession)} B`,
    }),
    row(w, 'heap per session (after GC)', 'B', f.heapBytesPerSession),
    row(w, 'RSS per session (after GC)', 'B', f.rssBytesPerSession),
    row(w, 'open rate (PresenceService.open, ingest actor)', 'sessions/s', f.openPerSec),
    row(
      w,
      `online users of type representative (${f.typeQuerySessions.toLocaleString('en-US')} sessions, ${f.typeQueryUsers.toLocaleString('en-US')} users)`,
      'ms',
      f.typeQueryMs,
    ),
    row(w, 'first page of 100 sessions', 'ms', f.firstPageMs, { target: { on: 'value', op: '<', limit: 2 } }),
    row(w, 'page of 100 sessions at the middle (afterId)', 'ms', f.middlePageMs, { target: { on: 'value', op: '<', limit: 2 } }),
    row(w, 'routine sweep, nothing due', 'ms', f.routineSweepMs),
    row(w, `sweep over all N heartbeated (${f.refiledSessions.toLocaleString('en-US')} extended, none due)`, 'ms', f.refileSweepMs, {
      target: { on: 'value', op: '<', limit: 50 },
    }),
    row(w, '  the same sweep, CPU time', 'ms', f.refileSweepCpuMs),
    ...(expiry
      ? [
          row(
            w,
            `ending all N at once (${expiry.expiredSessions.toLocaleString('en-US')} expired): longest event-loop block`,
            'ms',
            expiry.expiryLoop.longestBusyGapMs,
            {
              target: { on: 'value', op: '<', limit: 50 },
              note: `the sweep yields between slices; longest gap between loop turns ${expiry.expiryLoop.longestGapMs.toFixed(1)} ms wall (bounded by CPU: the row), longest GC ${expiry.expiryLoop.longestGcMs.toFixed(1)} ms`,
            },
          ),
          row(w, '  time to end them all (the sweep, in slices)', 'ms', expiry.expirySweepMs),
          row(w, '  the same sweep, CPU time', 'ms', expiry.expirySweepCpuMs),
          row(w, '  then the history flush of their ends (in chunks)', 'ms', expiry.expiryFlushMs, {
            note: `longest event-loop block ${expiry.expiryFlushLoop.longestBusyGapMs.toFixed(1)} ms (wall gap ${expiry.expiryFlushLoop.longestGapMs.toFixed(1)} ms)`,
          }),
        ]
      : [
          row(w, 'ending all N at once', 'ms', sizes.expiryBudgetMs, {
            note: `did not finish within the ${sizes.expiryBudgetMs / 1000} s budget: the child was killed; the figure is a lower bound`,
          }),
        ]),
    row(w, 'batch heartbeats in the core (PresenceService.heartbeats)', 'hb/s', f.batchTouchPerSec),
  ];
  const { profiles, heapSnapshots, ...figures } = f;
  // Which objects the sessions are made of, per session (with --profile at N ≤ 200,000).
  const heapPerSession = heapSnapshots
    ? heapGrowth(heapSnapshots.before, heapSnapshots.after).map((g) => ({
        ...g,
        perSession: Math.round((g.bytes / f.sessions) * 10) / 10,
        countPerSession: Math.round((g.count / f.sessions) * 100) / 100,
      }))
    : undefined;
  return {
    name: 'registry',
    title: 'Registry scale (one process, through the core)',
    params: { ...sizes },
    rows,
    details: {
      figures: {
        ...figures,
        expiry: expiry
          ? {
              expirySweepMs: expiry.expirySweepMs,
              expirySweepCpuMs: expiry.expirySweepCpuMs,
              expiredSessions: expiry.expiredSessions,
              expiryLoop: expiry.expiryLoop,
              expiryFlushMs: expiry.expiryFlushMs,
              expiryFlushLoop: expiry.expiryFlushLoop,
            }
          : `over ${sizes.expiryBudgetMs} ms`,
      },
      profiles: { ...profiles, ...(expiry?.profile && { 'sweep-expire': expiry.profile }) },
      ...(heapPerSession && { heapPerSession }),
    },
    seconds: (performance.now() - started) / 1000,
  };
}
