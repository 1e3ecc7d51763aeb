// What a page of the dashboard is given, and what it hands back to the router.
import type { Api } from '../api.ts';
import type { ChangeHub, StatsStore } from '../live.ts';
import type { NodeDirectory } from '../nodes.ts';
import type { Me } from '../types.ts';

export interface Context {
  api: Api;
  me: Me;
  hub: ChangeHub;
  stats: StatsStore;
  nodes: NodeDirectory;
}

export interface View {
  element: HTMLElement;
  /** The document title's first part. */
  title: string;
  /** Where focus goes after navigating here (the page heading). */
  heading: HTMLElement;
  destroy(): void;
}

/** Delays `run` until `ms` passed since the first call of a burst (at most one run per `ms`). */
export function throttle(run: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      run();
    }, ms);
  };
  call.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
