// PresenceStats with a clock the test moves: activity windows at their edges, the sampler's aligned
// sample times and retention, and the day series' peaks. Over HTTP see test/api/stats.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PresenceChange } from '../../src/core/model.ts';
import { DAY_MS, DAY_STEP_MS, PresenceStats, peaksPerStep, type StatsSource } from '../../src/core/stats.ts';
import type { PresenceSample } from '../../src/history/history-store.ts';
import type { SessionTally } from '../../src/live/live-store.ts';
import { makeSession } from '../helpers/sessions.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function fixture(start = Date.UTC(2025, 0, 1, 12)) {
  let now = start;
  const listeners = new Set<(change: PresenceChange) => void>();
  let tally: SessionTally = { sessions: 0, onlineUsers: 0, byClientType: {}, byUserType: {}, byNode: {} };
  const source: StatsSource = {
    subscribe: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    tally: async () => tally,
  };
  const written: { sample: PresenceSample; keepSince: number }[] = [];
  let stored: PresenceSample[] = [];
  const history = {
    recordPresenceSample: async (sample: PresenceSample, keepSince: number) => {
      written.push({ sample, keepSince });
      stored = [...stored.filter((s) => s.at !== sample.at && s.at >= keepSince), sample].sort((a, b) => a.at - b.at);
    },
    listPresenceSamples: async (since: number) => stored.filter((s) => s.at >= since),
  };
  const errors: unknown[] = [];
  const stats = new PresenceStats(source, history, { sampleIntervalMs: MINUTE, now: () => now, onError: (error) => errors.push(error) });
  const emit = (type: 'session.started' | 'session.ended', at = now) => {
    const session = makeSession();
    const change: PresenceChange = type === 'session.started' ? { type, at, session } : { type, at, session, reason: 'closed' };
    for (const listener of listeners) listener(change);
  };
  return {
    stats,
    emit,
    written,
    errors,
    listeners,
    advance: (ms: number) => (now += ms),
    at: () => now,
    setTally: (next: Partial<SessionTally>) => (tally = { ...tally, ...next }),
  };
}

describe('PresenceStats activity', () => {
  it('counts starts and ends within the last minute and the last hour', async () => {
    const f = fixture();
    f.emit('session.started');
    f.emit('session.started');
    f.emit('session.ended');
    assert.deepEqual((await f.stats.snapshot()).activity, { lastMinute: { started: 2, ended: 1 }, lastHour: { started: 2, ended: 1 } });

    f.advance(59_000);
    f.emit('session.started');
    assert.deepEqual((await f.stats.snapshot()).activity.lastMinute, { started: 3, ended: 1 }, '59 s later the first ones still count');
    f.advance(1_000);
    assert.deepEqual((await f.stats.snapshot()).activity.lastMinute, { started: 1, ended: 0 }, '60 s later they left the minute');
    assert.deepEqual((await f.stats.snapshot()).activity.lastHour, { started: 3, ended: 1 });

    f.advance(HOUR - 60_000 - 1_000);
    assert.deepEqual((await f.stats.snapshot()).activity.lastHour, { started: 3, ended: 1 }, 'one second short of an hour');
    f.advance(1_000);
    assert.deepEqual((await f.stats.snapshot()).activity.lastHour, { started: 1, ended: 0 }, 'an hour later the first ones left');
    f.advance(HOUR);
    assert.deepEqual((await f.stats.snapshot()).activity, { lastMinute: { started: 0, ended: 0 }, lastHour: { started: 0, ended: 0 } });
  });

  it('reuses a slot of a second an hour ago without counting the old events', async () => {
    const f = fixture();
    f.emit('session.started');
    f.advance(HOUR);
    f.emit('session.ended');
    assert.deepEqual((await f.stats.snapshot()).activity.lastHour, { started: 0, ended: 1 });
  });

  it('ignores updates and user changes, and stops counting once stopped', async () => {
    const f = fixture();
    for (const listener of f.listeners) {
      listener({ type: 'session.updated', at: f.at(), session: makeSession() });
      listener({ type: 'user.online', at: f.at(), user: { id: 'x', name: 'X', type: 'staff' } });
    }
    assert.deepEqual((await f.stats.snapshot()).activity.lastMinute, { started: 0, ended: 0 });
    await f.stats.stop();
    assert.equal(f.listeners.size, 0);
  });
});

describe('PresenceStats sampler', () => {
  it('samples at start, at the start of its interval, and keeps a day and a step', async () => {
    const f = fixture(Date.UTC(2025, 0, 1, 12, 0, 40));
    f.setTally({ onlineUsers: 3, sessions: 5 });
    await f.stats.sample();
    assert.deepEqual(f.written, [
      { sample: { at: Date.UTC(2025, 0, 1, 12), onlineUsers: 3, sessions: 5 }, keepSince: f.at() - DAY_MS - DAY_STEP_MS },
    ]);
    f.advance(20_000);
    f.setTally({ onlineUsers: 4, sessions: 6 });
    await f.stats.sample();
    assert.deepEqual((await f.stats.snapshot()).samples.hour, [
      { at: Date.UTC(2025, 0, 1, 12), onlineUsers: 3, sessions: 5 },
      { at: Date.UTC(2025, 0, 1, 12, 1), onlineUsers: 4, sessions: 6 },
    ]);
    // Another sample within the same interval replaces that interval's row (nodes sharing a history
    // write one row per interval, not one each).
    f.setTally({ onlineUsers: 2, sessions: 2 });
    await f.stats.sample();
    assert.deepEqual((await f.stats.snapshot()).samples.hour.at(-1), { at: Date.UTC(2025, 0, 1, 12, 1), onlineUsers: 2, sessions: 2 });
  });

  it('the hour series holds the last hour; the day series one peak per 10 minutes', async () => {
    const f = fixture(Date.UTC(2025, 0, 1, 0, 0, 0));
    for (let minute = 0; minute < 24 * 60; minute++) {
      f.setTally({ onlineUsers: minute % 10, sessions: (minute % 10) + 1 });
      await f.stats.sample();
      f.advance(MINUTE);
    }
    const { hour, day } = (await f.stats.snapshot()).samples;
    assert.equal(hour.length, 60);
    assert.ok(hour.every((s) => s.at >= f.at() - HOUR));
    assert.equal(day.length, 144);
    assert.ok(day.every((s) => s.at % DAY_STEP_MS === 0));
    assert.ok(
      day.every((s) => s.onlineUsers === 9 && s.sessions === 10),
      'each step answers its peak',
    );
  });

  it('reports a failed sample to onError and carries on', async () => {
    const f = fixture();
    f.setTally({ onlineUsers: 1 });
    const failing = new PresenceStats(
      { subscribe: () => () => {}, tally: async () => Promise.reject(new Error('store down')) },
      { recordPresenceSample: async () => {}, listPresenceSamples: async () => [] },
      { sampleIntervalMs: MINUTE, onError: (error) => f.errors.push(error) },
    );
    await failing.sample();
    assert.equal((f.errors[0] as Error).message, 'store down');
    await failing.stop();
  });
});

describe('peaksPerStep', () => {
  it('keeps the largest values of each step at the step start, in order', () => {
    const samples = [
      { at: 0, onlineUsers: 1, sessions: 9 },
      { at: 5, onlineUsers: 3, sessions: 2 },
      { at: 10, onlineUsers: 2, sessions: 2 },
      { at: 35, onlineUsers: 7, sessions: 7 },
    ];
    assert.deepEqual(peaksPerStep(samples, 10), [
      { at: 0, onlineUsers: 3, sessions: 9 },
      { at: 10, onlineUsers: 2, sessions: 2 },
      { at: 30, onlineUsers: 7, sessions: 7 },
    ]);
    assert.deepEqual(peaksPerStep([], 10), []);
    assert.equal(samples[0]!.onlineUsers, 1, 'the input is left alone');
  });
});
