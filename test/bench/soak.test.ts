// The soak (bench/soak.ts, `npm run soak`) must not rot: here it runs at a tiny size (60 clients, 15 s of
// heavy churn, a 1 s heartbeat and grace) with the same code as the real one: a real server child, two
// client processes on two source addresses, the count checks against GET /v1/stats and the exact final
// check of session ids. Its checks must pass and its figures must be sane; no timing is asserted (the
// RSS verdict is a timing of sorts on a 15 s run and is only reported).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runningChildren } from '../../bench/lib/child.ts';
import { formatSoak, runSoak, soakDefaults } from '../../bench/soak.ts';

describe('soak', () => {
  it('churns a tiny fleet with every check passing and sane figures', { timeout: 180_000 }, async () => {
    const options = soakDefaults('tiny');
    const result = await runSoak(options);
    assert.deepEqual(result.failures, [], formatSoak(result));
    assert.equal(result.passed, true);
    assert.equal(result.connect.bound, options.clients);

    // Every kind of churn happened, and every session is accounted for at the end.
    const s = result.sessions;
    for (const key of ['resumes', 'byes', 'abandons', 'updates'] as const) assert.ok(s[key] > 0, `no ${key} in ${formatSoak(result)}`);
    assert.ok(s.heartbeats > 0);
    assert.equal(s.distinctIds, options.clients + s.byes + s.abandons, 'every new session has an id of its own');
    assert.equal(s.duplicatesWhileAlive, 0);
    assert.equal(s.finalServer, options.clients);
    assert.equal(s.finalClients, options.clients);

    // The server was checked all along, not only at the end.
    assert.ok(result.checks.count >= (options.minutes * 60_000) / options.checkMs, `${result.checks.count} checks`);
    assert.equal(result.checks.failed, 0);
    assert.ok(
      result.checks.samples.some((c) => c.waiting > 0),
      'no check saw a session waiting in its grace',
    );

    // Figures: present and finite.
    assert.ok(result.windows.length >= 3, `${result.windows.length} windows`);
    for (const w of result.windows) {
      assert.ok(Number.isFinite(w.loop.p99Ms) && w.loop.p99Ms >= 0 && w.loop.samples > 0, JSON.stringify(w));
      assert.ok(w.rssMiB > 0 && w.cpuS > 0, JSON.stringify(w));
    }
    assert.ok(result.rss.warmupEndMiB > 0 && result.rss.maxAfterMiB > 0 && Number.isFinite(result.rss.ratio));
    assert.ok(result.usage.length >= 5);
    assert.ok(result.serverCpuS > 0);
    assert.equal(runningChildren(), 0, 'the soak left a child process running');
  });
});
