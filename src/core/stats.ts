// What the dashboard's counts and chart show, kept by the core: how many sessions started and ended in
// the last minute and hour (counted from the change feed), and how many users and sessions were online
// over the last hour and day (a sampler writes one sample per interval to history, so the chart
// survives restarts). No transport code here; GET /v1/stats serializes what `snapshot()` answers.
import type { PresenceHistory, PresenceSample } from '../history/history-store.ts';
import type { SessionTally } from '../live/live-store.ts';
import type { PresenceChange } from './model.ts';

/** What PresenceStats needs of the core: its change feed and a tally of live sessions. */
export interface StatsSource {
  subscribe(listener: (change: PresenceChange) => void): () => void;
  tally(): Promise<SessionTally>;
}

export interface PresenceStatsOptions {
  /** Milliseconds between presence samples (config `statsSampleMs`, default 60,000). */
  sampleIntervalMs: number;
  now?: () => number;
  /** A sample that could not be taken or written; the sampler carries on at the next tick. */
  onError: (error: unknown, context: string) => void;
}

export interface ActivityCounts {
  started: number;
  ended: number;
}

export interface StatsSnapshot {
  tally: SessionTally;
  activity: { lastMinute: ActivityCounts; lastHour: ActivityCounts };
  samples: {
    /** Every sample of the last hour, oldest first. */
    hour: PresenceSample[];
    /** The last 24 hours, one point per DAY_STEP_MS: the peak of that step's samples, at the step's start. */
    day: PresenceSample[];
  };
}

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** Resolution of the day series: 144 points are plenty for a chart a few hundred pixels wide. */
export const DAY_STEP_MS = 10 * MINUTE_MS;
/** The activity counters remember one hour, in one-second slots. */
const SLOTS = HOUR_MS / SECOND_MS;

export class PresenceStats {
  private readonly now: () => number;
  /** Slot `s % SLOTS` counts the starts and ends of second `s` (epoch seconds); a stale slot is reused. */
  private readonly slotSecond = new Float64Array(SLOTS).fill(-1);
  private readonly slotStarted = new Uint32Array(SLOTS);
  private readonly slotEnded = new Uint32Array(SLOTS);
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly source: StatsSource,
    private readonly history: Pick<PresenceHistory, 'recordPresenceSample' | 'listPresenceSamples'>,
    private readonly options: PresenceStatsOptions,
  ) {
    this.now = options.now ?? Date.now;
    // Subscribed from construction, so no session started before start() goes uncounted. The feed
    // carries every node's changes, so the counts are the cluster's.
    this.unsubscribe = source.subscribe((change) => {
      if (change.type === 'session.started') this.count(change.at, 'started');
      else if (change.type === 'session.ended') this.count(change.at, 'ended');
    });
  }

  /** Takes a sample now, then one at every interval boundary. */
  start(): void {
    if (this.timer || this.stopped) return;
    void this.sample();
    this.schedule();
  }

  /** Stops sampling and waits for a sample being written; history may be closed afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe();
    await this.sampling;
  }

  /**
   * Records how many users and sessions are online now. The sample's time is the start of its
   * interval, so nodes sharing one history write the same row instead of one each.
   */
  sample(): Promise<void> {
    this.sampling ??= (async () => {
      try {
        const now = this.now();
        const { onlineUsers, sessions } = await this.source.tally();
        const at = now - (now % this.options.sampleIntervalMs);
        await this.history.recordPresenceSample({ at, onlineUsers, sessions }, now - DAY_MS - DAY_STEP_MS);
      } catch (error) {
        this.options.onError(error, 'presence sample');
      } finally {
        this.sampling = undefined;
      }
    })();
    return this.sampling;
  }

  async snapshot(): Promise<StatsSnapshot> {
    const now = this.now();
    const [tally, samples] = await Promise.all([this.source.tally(), this.history.listPresenceSamples(now - DAY_MS)]);
    return {
      tally,
      activity: { lastMinute: this.activitySince(now, MINUTE_MS), lastHour: this.activitySince(now, HOUR_MS) },
      samples: { hour: samples.filter((s) => s.at >= now - HOUR_MS), day: peaksPerStep(samples, DAY_STEP_MS) },
    };
  }

  private schedule(): void {
    // A timeout to the next boundary rather than an interval: an interval drifts and would now and
    // then skip a boundary or hit one twice.
    const interval = this.options.sampleIntervalMs;
    const delay = interval - (this.now() % interval);
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      void this.sample();
      this.schedule();
    }, delay);
    this.timer.unref();
  }

  private count(at: number, kind: keyof ActivityCounts): void {
    const second = Math.floor(at / SECOND_MS);
    const slot = second % SLOTS;
    if (this.slotSecond[slot] !== second) {
      this.slotSecond[slot] = second;
      this.slotStarted[slot] = 0;
      this.slotEnded[slot] = 0;
    }
    if (kind === 'started') this.slotStarted[slot]!++;
    else this.slotEnded[slot]!++;
  }

  /** Starts and ends within the `windowMs` up to now, at one-second resolution. */
  private activitySince(now: number, windowMs: number): ActivityCounts {
    const current = Math.floor(now / SECOND_MS);
    const oldest = current - windowMs / SECOND_MS + 1;
    let started = 0;
    let ended = 0;
    for (let slot = 0; slot < SLOTS; slot++) {
      const second = this.slotSecond[slot]!;
      if (second >= oldest && second <= current) {
        started += this.slotStarted[slot]!;
        ended += this.slotEnded[slot]!;
      }
    }
    return { started, ended };
  }
}

/** One point per `stepMs`: the largest values of the step's samples, at the step's start. */
export function peaksPerStep(samples: readonly PresenceSample[], stepMs: number): PresenceSample[] {
  const peaks: PresenceSample[] = [];
  for (const sample of samples) {
    const at = sample.at - (sample.at % stepMs);
    const last = peaks.at(-1);
    if (last && last.at === at) {
      last.onlineUsers = Math.max(last.onlineUsers, sample.onlineUsers);
      last.sessions = Math.max(last.sessions, sample.sessions);
    } else {
      peaks.push({ at, onlineUsers: sample.onlineUsers, sessions: sample.sessions });
    }
  }
  return peaks;
}
