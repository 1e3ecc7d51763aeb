// What a node does when Redis lost the cluster's live state: it restarted without its data, another
// server took its place, or a failover promoted a replica that had not received the newest writes.
// Users must not notice: nobody goes offline and comes back, sessions keep their ids, and a stream
// client gets one `resync`. Reads never notice at all: the node keeps its replica and answers from it
// throughout.
//
// 1. Join (JOIN_EPOCH): the first node back makes a new epoch (or replaces its own, when Redis lost
//    writes the node saw); the seq starts above anything any node saw (Redis TIME ms × 1000, and each
//    joining node's floor), so no seq, and so no stream event id, is ever handed out twice.
// 2. Re-register this node and re-assert every session its replica holds, with the same ids, versions
//    and clocks, announcing nothing (reassert.ts). The union of the replicas is put back, so sessions
//    of a node that is gone are not lost either.
// 3. Wait until the others had their chance: `graceMs` after the epoch was made, by Redis's clock, so
//    all nodes reload at about the same moment whatever order they came back in. A node learns of the
//    loss within about a second of Redis answering again (its reader checks the epoch after every
//    failed read and every idle second; a mutation's script finds out at once) after a reconnect
//    back-off of at most a second: two seconds by default.
// 4. Reload the replica from Redis and follow the new epoch's stream; tell the resync listeners once.
//    Sessions nobody re-asserted are dropped silently; one re-asserted later (a node slower than the
//    grace) still reaches every replica, as a 'reassert' entry of the stream.
//
// Mutations during a recovery wait until step 4 is done (bounded: then they fail 'unavailable'); they
// never go into an epoch this node has not joined and loaded. A second loss during a recovery (Redis
// restarted again) starts over from step 1 and still ends in one resync.
import { setTimeout as sleep } from 'node:timers/promises';
import { RollcallError } from '../../core/errors.ts';
import { EPOCH_LOST_MESSAGE, stateLossOf, unavailable, type StateLoss } from './connection.ts';
import { reconnectDelay, type ErrorReporter } from './link.ts';
import { OutageReporter } from './outage-reporter.ts';
import { EpochLost } from './stream-follower.ts';

export interface Joined {
  epoch: string;
  /** How long until the others had their chance to re-assert, ms (0 when that time has passed). */
  settleInMs: number;
}

export interface RecoveryHooks {
  /** Joins the epoch Redis holds now, making or replacing it as `loss` calls for. */
  join(loss: StateLoss): Promise<Joined>;
  /** Re-registers this node and re-asserts what its replica holds into `epoch`. */
  reassert(epoch: string): Promise<void>;
  /** Loads the replica of `epoch`, follows its stream, and tells the resync listeners once. */
  reload(epoch: string): Promise<void>;
  report: ErrorReporter;
}

export class Recovery {
  private running: Promise<void> | undefined;
  private rejoin: Promise<void> = Promise.resolve();
  /** What the next attempt recovers from: a 'behind' found once stays until a recovery ends. */
  private loss: StateLoss = 'lost';
  private stopped = false;
  private readonly sleeping = new AbortController();

  constructor(private readonly hooks: RecoveryHooks) {}

  /** True from a loss until this node has reloaded from the epoch it joined. */
  get active(): boolean {
    return this.running !== undefined;
  }

  /** Starts recovering, unless a recovery is under way (its next attempt then covers this loss). */
  begin(loss: StateLoss): void {
    if (this.stopped) return;
    if (loss === 'behind') this.loss = 'behind';
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      this.loss = 'lost';
    });
    this.rejoin = this.running;
  }

  /**
   * Resolves once this node has rejoined (at once when no recovery is under way); fails 'unavailable'
   * when that takes longer than `ms`, or when the store closes first.
   */
  async rejoined(ms: number): Promise<void> {
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable(undefined, EPOCH_LOST_MESSAGE)), ms);
    });
    try {
      await Promise.race([this.rejoin, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) throw new RollcallError('unavailable', 'the live store is closed');
  }

  /** Stops recovering (the store closes); waits for the attempt under way to give up. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeping.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const outage = new OutageReporter(this.hooks.report, "recovering the cluster's live state");
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const { epoch, settleInMs } = await this.hooks.join(this.loss);
        const settleAt = performance.now() + settleInMs;
        await this.hooks.reassert(epoch);
        // A re-assert of a large replica may have taken part of the grace, or all of it.
        await this.pause(settleAt - performance.now());
        if (this.stopped) return;
        await this.hooks.reload(epoch);
        return;
      } catch (error) {
        if (this.stopped) return;
        // Lost again meanwhile (the new epoch too): the next attempt joins what is there now.
        const loss = error instanceof EpochLost ? error.loss : stateLossOf(error);
        if (loss === 'behind') this.loss = 'behind';
        if (loss === undefined) outage.failed(error);
        await this.pause(reconnectDelay(attempt));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return ms > 0 ? sleep(ms, undefined, { signal: this.sleeping.signal }).catch(() => undefined) : Promise.resolve();
  }
}
