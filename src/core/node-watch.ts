// Node liveness in a cluster: every node beats every `beatMs` (the store judges by its own clock), and
// every node looks for nodes silent longer than `silenceMs`; the one that claims a silent node ends
// its sockets' sessions (`node_lost`). A node killed with kill -9 thus leaves no ghosts after about
// silenceMs + beatMs. Only for a live store that outlives the process: a memory store's node is the
// process itself.
import type { PresenceService } from './presence-service.ts';

/** A beat a second and three seconds of silence: a killed node's sockets end within about 4 s. */
export const DEFAULT_BEAT_MS = 1_000;
export const DEFAULT_SILENCE_MS = 3_000;

export interface NodeWatchOptions {
  /** Milliseconds between beats, and between looks for silent nodes. */
  beatMs: number;
  /** A node silent this long is lost: several beats, so one slow beat is no death. */
  silenceMs: number;
  onError: (error: unknown, context: string) => void;
  /** What an operator must hear of: a node this one took for lost, or this node taken for lost. */
  onWarning: (message: string) => void;
}

/**
 * Beats and looks run apart, each never overtaken by its next turn: ending a lost node's sessions can
 * take seconds on a loaded machine, and a node that stopped beating meanwhile would be taken for lost
 * in turn, and so on round the cluster.
 */
export class NodeWatch {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private looking: Promise<void> | undefined;

  constructor(
    private readonly presence: Pick<PresenceService, 'beat' | 'reapSilentNodes'>,
    private readonly options: NodeWatchOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.beatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([this.beating, this.looking]);
  }

  /** Starts a beat and a look, each unless its previous turn still runs (a slow store); waits for those it started. */
  async tick(): Promise<void> {
    await Promise.all([this.beating ? undefined : this.beat(), this.looking ? undefined : this.look()]);
  }

  private beat(): Promise<void> {
    this.beating = (async () => {
      try {
        if (!(await this.presence.beat())) {
          this.options.onWarning(
            `the cluster took this node for lost (silent over ${this.options.silenceMs} ms) and ended its sockets' sessions; it joined again, and its clients reconnect`,
          );
        }
      } catch (error) {
        this.options.onError(error, 'node beat');
      }
    })().finally(() => {
      this.beating = undefined;
    });
    return this.beating;
  }

  private look(): Promise<void> {
    this.looking = (async () => {
      try {
        await this.presence.reapSilentNodes(this.options.silenceMs, (nodeId) =>
          this.options.onWarning(`node ${nodeId} was silent over ${this.options.silenceMs} ms: ending its sockets' sessions (node_lost)`),
        );
      } catch (error) {
        this.options.onError(error, 'ending the sessions of a lost node');
      }
    })().finally(() => {
      this.looking = undefined;
    });
    return this.looking;
  }
}
