// The cluster's nodes in Redis (NodeRegistry): registrations, beats by Redis's clock, and the claim of
// silent nodes. The list of nodes is kept here and refreshed with every beat, registration and claim,
// so `list` (get_appliances, the dashboard) answers without waiting for Redis, as every other read.
import type { LiveNode } from '../live-store.ts';
import { unavailable, type RedisConnection } from './connection.ts';
import { BEAT, CLAIM_SILENT_NODES, DEREGISTER_NODE, LIST_NODES, REGISTER_NODE, type LuaScript } from './scripts.ts';

export interface NodeRegistryDeps {
  commands: RedisConnection;
  keyList: readonly string[];
  /** This node's id: its own registration is kept, to be registered again in a new epoch. */
  nodeId: string;
  /** Runs a guarded script (the store's epoch and floor; waits out a recovery). */
  run<T>(script: LuaScript, args: readonly string[]): Promise<T>;
  /** Whether this node may judge others silent now (steady link, no recovery under way). */
  mayClaim(silenceMs: number): boolean;
  onError(error: unknown, context: string): void;
}

export class RedisNodeRegistry {
  private nodes: LiveNode[] = [];
  /** This node as it registered itself. */
  private own: LiveNode | undefined;

  constructor(private readonly deps: NodeRegistryDeps) {}

  /** This node's registration, for a recovery to register it again (undefined before or after). */
  get ownRegistration(): LiveNode | undefined {
    return this.own;
  }

  async register(node: LiveNode): Promise<void> {
    await this.deps.run(REGISTER_NODE, [node.id, JSON.stringify(node)]);
    if (node.id === this.deps.nodeId) this.own = node;
    await this.refresh();
  }

  /** The nodes as of the last beat, registration or claim, in order of first registration; copies. */
  list(): LiveNode[] {
    return this.nodes.map((node) => ({ ...node }));
  }

  /** Answers false when the node is not registered (claimed as silent meanwhile): it must register again. */
  async beat(nodeId: string): Promise<boolean> {
    const listed = (await this.deps.run<number>(BEAT, [nodeId])) === 1;
    await this.refresh();
    return listed;
  }

  /** By Redis's clock: nodes' clocks may disagree, Redis's is one. See RedisLiveStore.claimSilentNodes. */
  async claimSilent(silenceMs: number): Promise<string[]> {
    if (!this.deps.mayClaim(silenceMs)) return [];
    const claimed = await this.deps.run<string[]>(CLAIM_SILENT_NODES, [String(silenceMs), this.deps.nodeId]);
    if (claimed.length > 0) await this.refresh();
    return claimed;
  }

  async deregister(nodeId: string): Promise<void> {
    await this.deps.run(DEREGISTER_NODE, [nodeId]);
    if (nodeId === this.deps.nodeId) this.own = undefined;
    await this.refresh();
  }

  /** Reads the list again; on failure the last one stays (a read must not fail for a Redis outage). */
  async refresh(): Promise<void> {
    try {
      const nodes = await this.deps.commands.run<string[]>(LIST_NODES, this.deps.keyList, []);
      this.nodes = nodes.map((json) => JSON.parse(json) as LiveNode);
    } catch (error) {
      this.deps.onError(unavailable(error), 'reading the list of nodes');
    }
  }
}
