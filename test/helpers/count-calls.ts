// Counts the calls a test makes an object's method receive (the method still runs), so cache tests can
// say how many answers were computed rather than served.
import type { TestContext } from 'node:test';

export function countCalls<T extends object, K extends keyof T & string>(t: TestContext, target: T, method: K): { calls: number } {
  const state = { calls: 0 };
  const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
  t.mock.method(
    target,
    method as never,
    ((...args: unknown[]) => {
      state.calls++;
      return original(...args);
    }) as never,
  );
  return state;
}
