// When this node may take another node for lost. Nodes beat into Redis every second and a node whose
// beat is older than the silence limit is claimed as lost (node-watch.ts). But a beat can be old for a
// reason that is not the node's: Redis restarted or failed over, and every node was cut off alike.
// The first node back would then find every other node's beat old and end all their sockets' sessions
// at once (a mass node_lost), while those nodes are only a reconnect away.
//
// So a node claims silent nodes only once its own connection to Redis has worked without a break for
// at least the silence limit: any node that was cut off by the same event had as long as everyone's
// silence limit to reconnect and beat again, and one that is still silent then is silent for reasons
// of its own. A break is any failed command, any reconnect or change of master of either connection,
// and a recovery (a new epoch). A node whose connection never broke (the others were cut off, not it)
// claims as before.

export class Steadiness {
  private since: number | undefined;

  /** @param clock ms, only differences are used; steady from now (a node starts connected). */
  constructor(private readonly clock: () => number) {
    this.since = clock();
  }

  /** The connection broke (or this node's view of Redis was lost): the count starts over when it works. */
  broke(): void {
    this.since = undefined;
  }

  /** A command worked: steady from now, unless it already was. */
  worked(): void {
    this.since ??= this.clock();
  }

  /** True when the connection has worked without a break for at least `ms`. */
  steadyFor(ms: number): boolean {
    return this.since !== undefined && this.clock() - this.since >= ms;
  }
}
