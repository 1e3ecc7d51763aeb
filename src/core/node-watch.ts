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
}

export class NodeWatch {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

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
    await this.round;
  }

  /** One beat and one look; a round still running (a slow store) is not overtaken by the next. */
  tick(): Promise<void> {
    this.round ??= (async () => {
      try {
        await this.presence.beat();
      } catch (error) {
        this.options.onError(error, 'node beat');
      }
      try {
        await this.presence.reapSilentNodes(this.options.silenceMs);
      } catch (error) {
        this.options.onError(error, 'ending the sessions of a lost node');
      }
    })().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }
}
