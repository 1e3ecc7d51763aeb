// Where the chart's axes put their ticks: counts on round numbers (whole people, never "0.5 users"),
// times on round clock times, as many as the chart's width has room for. Pure functions, tested
// without a browser.

/** Ticks from 0 to a round top at or above `max`: at most `most` + 1 of them, whole numbers, evenly spaced. */
export function countTicks(max: number, most = 4): number[] {
  const top = Math.max(1, Math.ceil(max));
  // The smallest step of 1, 2 or 5 × 10^k that covers `top` in `most` steps.
  let step = 1;
  for (let magnitude = 1; ; magnitude *= 10) {
    const found = [1, 2, 5].map((m) => m * magnitude).find((candidate) => candidate * most >= top);
    if (found !== undefined) {
      step = found;
      break;
    }
  }
  const ticks: number[] = [];
  for (let value = 0; value < top + step; value += step) {
    ticks.push(value);
    if (value >= top) break;
  }
  return ticks;
}

/** Round spans between time ticks, in seconds: 5 min up to 6 h. */
const TIME_STEPS = [300, 600, 900, 1_200, 1_800, 3_600, 7_200, 10_800, 14_400, 21_600];

/**
 * Times (Unix seconds) between `start` and `end` that fall on round clock times, at most `most` of
 * them, in the time zone `offsetMinutes` east of UTC (the browser's, by default).
 */
export function timeTicks(start: number, end: number, most: number, offsetMinutes = -new Date(end * 1000).getTimezoneOffset()): number[] {
  const span = end - start;
  const step = TIME_STEPS.find((candidate) => span / candidate <= Math.max(1, most)) ?? TIME_STEPS.at(-1)!;
  const offset = offsetMinutes * 60;
  const first = Math.ceil((start + offset) / step) * step - offset;
  const ticks: number[] = [];
  for (let at = first; at <= end; at += step) ticks.push(at);
  return ticks;
}

/** The index of the point whose time is nearest `at` (points in time order); -1 when there are none. */
export function nearestIndex(times: readonly number[], at: number): number {
  if (times.length === 0) return -1;
  let low = 0;
  let high = times.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle]! < at) low = middle + 1;
    else high = middle;
  }
  if (low > 0 && at - times[low - 1]! <= times[low]! - at) return low - 1;
  return low;
}
