// CPU profiles of a measured window, taken inside a child with the inspector's Profiler: the same V8
// sampling profiler `node --cpu-prof` runs, started and stopped around the window instead of the whole
// process (set BENCH_CHILD_ARGS="--cpu-prof --cpu-prof-dir=DIR" for whole-process profiles). The
// .cpuprofile files open in Chrome DevTools; summariseProfile() lists the top functions.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { summariseProfile, type CpuProfile, type ProfileSummary } from './cpuprofile.ts';

let session: Session | undefined;

export async function startProfile(samplingIntervalUs = 250): Promise<void> {
  if (session) throw new Error('a profile is already running');
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
}

/** Stops the profile, writes it to `file` (when given) and answers its top functions. */
export async function stopProfile(file?: string, top = 15): Promise<ProfileSummary> {
  if (!session) throw new Error('no profile is running');
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  session = undefined;
  if (file) writeFileSync(file, JSON.stringify(profile));
  return summariseProfile(profile, top);
}
