// The cluster's nodes by id, from `GET /v1/nodes`, so every page can name a node by its host name
// instead of a GUID. Nodes come and go rarely: the list is refreshed every half minute, and soon after
// a page asks for a node it does not know (one that just joined).
import { ApiError, type Api } from './api.ts';
import { shortNode } from './format.ts';
import type { NodeJson } from './types.ts';

/** How often the list is refreshed while nothing asks for an unknown node, in ms. */
const REFRESH_MS = 30_000;
/** An unknown node triggers a refresh, but no more often than this, in ms. */
const UNKNOWN_REFRESH_MS = 5_000;

export class NodeDirectory {
  nodes: NodeJson[] = [];
  /** Why the last refresh failed; `unavailable` when the server has no /v1/nodes. */
  error: string | undefined;
  private byId = new Map<string, NodeJson>();
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private refreshing: Promise<void> | undefined;
  private lastRefreshAt = 0;

  constructor(private readonly api: Api) {}

  start(): void {
    void this.refresh();
    this.timer ??= setInterval(() => void this.refresh(), REFRESH_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(nodeId: string): NodeJson | undefined {
    const node = this.byId.get(nodeId);
    if (!node && this.error === undefined && Date.now() - this.lastRefreshAt > UNKNOWN_REFRESH_MS) void this.refresh();
    return node;
  }

  /** The node's host name, or the first block of its id while it is not known. */
  label(nodeId: string): string {
    return this.get(nodeId)?.hostname || shortNode(nodeId);
  }

  /** The node's name with its id and role, for a tooltip. */
  describe(nodeId: string): string {
    const node = this.get(nodeId);
    return node ? `${node.hostname} (${node.role}, version ${node.version}) · ${nodeId}` : nodeId;
  }

  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      this.lastRefreshAt = Date.now();
      try {
        const { nodes } = await this.api.get<{ nodes: NodeJson[] }>('/v1/nodes');
        this.nodes = nodes;
        this.byId = new Map(nodes.map((node) => [node.id, node]));
        this.error = undefined;
      } catch (error) {
        this.error =
          error instanceof ApiError && error.status === 404 ? 'unavailable' : error instanceof Error ? error.message : String(error);
      } finally {
        this.refreshing = undefined;
      }
      for (const listener of this.listeners) listener();
    })();
    return this.refreshing;
  }
}
