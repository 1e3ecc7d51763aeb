// Reads a V8 .cpuprofile (from `node --cpu-prof` or the inspector) and lists the functions that used
// the most CPU: self time (samples whose top frame is the function) and total time (samples with the
// function anywhere on the stack, counted once per sample).

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  fn: string;
  /** Percent of samples. */
  selfPct: number;
  totalPct: number;
}

export interface ProfileSummary {
  samples: number;
  durationMs: number;
  /** Percent of samples that were idle (the loop waiting) or garbage collection. */
  idlePct: number;
  gcPct: number;
  topSelf: ProfileEntry[];
  topTotal: ProfileEntry[];
}

const SPECIAL = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/**
 * `name file:line`, with paths shortened to what follows node_modules/ or the repository. TypeScript
 * run through tsx has no line numbers worth showing (the transpiled module is one line): name and file.
 */
function label(frame: CpuProfileNode['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const url = frame.url.replace(/^file:\/\//, '');
  const short = url.includes('node_modules/')
    ? url.slice(url.lastIndexOf('node_modules/') + 13)
    : url.replace(/^.*?\/(src|bench|test)\//, '$1/');
  return /\.[cm]?ts$/.test(url) ? `${name} ${short}` : `${name} ${short}:${frame.lineNumber + 1}`;
}

export function summariseProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    const name = node.callFrame.functionName;
    if (name === '(idle)') idle++;
    if (name === '(garbage collector)') gc++;
    const own = SPECIAL.has(name) ? name : label(node.callFrame);
    self.set(own, (self.get(own) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (SPECIAL.has(frame.functionName)) continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + 1);
    }
  }
  const n = profile.samples.length || 1;
  const pct = (count: number) => Math.round((count / n) * 1000) / 10;
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, count]) => ({ fn, selfPct: pct(self.get(fn) ?? 0), totalPct: pct(total.get(fn) ?? 0) }));
  return {
    samples: profile.samples.length,
    durationMs: Math.round((profile.endTime - profile.startTime) / 1000),
    idlePct: pct(idle),
    gcPct: pct(gc),
    topSelf: rank(self),
    topTotal: rank(total),
  };
}

export function formatSummary(summary: ProfileSummary, lines = 10): string {
  const out = [
    `${summary.samples} samples over ${summary.durationMs} ms; idle ${summary.idlePct}%, GC ${summary.gcPct}%`,
    '  self%  total%  function',
  ];
  for (const entry of summary.topSelf.slice(0, lines)) {
    out.push(`  ${entry.selfPct.toFixed(1).padStart(5)}  ${entry.totalPct.toFixed(1).padStart(6)}  ${entry.fn}`);
  }
  return out.join('\n');
}

/**
 * What the profile's samples between `fromUs` and `toUs` (the monotonic clock of `startTime`, the one
 * `process.hrtime` reads) were doing: e.g. inside the longest event-loop block a loop probe recorded.
 */
export function summariseWindow(profile: CpuProfile, fromUs: number, toUs: number, top = 15): ProfileSummary {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    samples.push(profile.samples[i]!);
    timeDeltas.push(profile.timeDeltas[i] ?? 0);
  }
  return summariseProfile({ ...profile, samples, timeDeltas, startTime: fromUs, endTime: toUs }, top);
}
