// Throttling of credential checks. Every check (password, API key, ingest key, client token, OAuth
// client secret, access token) first asks whether its client address and its subject (the account,
// the key's shown prefix, the OAuth client id) may try now; a refused check counts a failure against
// both. Successes never count, and never erase failures (else one good account would let an address
// reset its own count between guesses at others).
//
// A key gets some failures free, then each further failure locks it for twice as long as the one
// before, up to a cap of minutes, never hours. Failures are forgotten after a quiet period. While a
// key is locked, checks are refused at once with 429, without hashing anything: a locked-out guesser
// costs a map lookup.
//
// A subject's lock could be used to lock its real owner out, by guessing from many addresses. So the
// addresses an account (key, client) last succeeded from are remembered, and they pass its lock (their
// own address lock still applies); and the lock is capped, so a stranger's address is kept waiting
// minutes at most.
//
// This implementation keeps its counts in memory, per node. The interface is what routes and
// Credentials use, so a shared one (Redis) can take its place for a cluster.
import { isRollcallError, RollcallError } from '../core/errors.ts';

export interface Attempt {
  /** The client's address (request.ip, which honours trustProxy); absent where there is no client (the CLI, tests). */
  address?: string | undefined;
  /** What is being guessed: `account:<name>`, `key:<shown prefix>`, `client:<id>`; absent for secrets with no owner to name. */
  subject?: string | undefined;
}

export interface Lockout {
  /** `address:<address>` or the subject. */
  key: string;
  failures: number;
  /** Epoch milliseconds; the key may try again from then. */
  lockedUntil: number;
}

export interface Throttle {
  /** Milliseconds until this attempt may be checked; 0 when it may be now. */
  retryAfterMs(attempt: Attempt): number;
  /** A check of this attempt failed: counts against its address and its subject. */
  failed(attempt: Attempt): void;
  /** A check succeeded: the address may pass its subject's lock from now on. Counts nothing. */
  succeeded(attempt: Attempt): void;
  /** The keys locked now. */
  lockouts(): Lockout[];
  /** Lifts the lock of `key` and forgets its failures (every key's when absent); answers how many keys it forgot. */
  lift(key?: string): number;
}

export interface ThrottlePolicy {
  /** Failures an address may make before it is locked. */
  addressFreeFailures: number;
  /** Failures against one subject, from anywhere, before it is locked. */
  subjectFreeFailures: number;
  /** The first lock, in milliseconds; each further failure doubles it. */
  baseLockoutMs: number;
  /** The longest lock, in milliseconds. */
  maxLockoutMs: number;
  /** Failures are forgotten this many milliseconds after the last one. */
  forgetAfterMs: number;
  /** Keys tracked at most; the least recently failed go first (bounds memory under a flood of addresses). */
  maxKeys: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  addressFreeFailures: 10,
  subjectFreeFailures: 20,
  baseLockoutMs: 1_000,
  maxLockoutMs: 5 * 60_000,
  forgetAfterMs: 15 * 60_000,
  maxKeys: 100_000,
};

/** Addresses remembered per subject as ones it succeeded from. */
const TRUSTED_PER_SUBJECT = 8;

interface Entry {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

/**
 * The key of an address: IPv4-mapped IPv6 as plain IPv4, and IPv6 by its /64, which one client
 * usually holds whole (counting single addresses would give it 2^64 fresh starts).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return `address:${mapped[1]}`;
  if (!address.includes(':')) return `address:${address}`;
  const groups = expandIpv6(address);
  return groups ? `address:${groups.slice(0, 4).join(':')}::/64` : `address:${address}`;
}

function expandIpv6(address: string): string[] | undefined {
  const [head = '', tail, extra] = address.split('%')[0]!.toLowerCase().split('::');
  if (extra !== undefined) return undefined;
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((group) => group.replace(/^0+(?=.)/, ''));
}

export class MemoryThrottle implements Throttle {
  private readonly entries = new Map<string, Entry>();
  /** Subject → the address keys it last succeeded from, newest last. */
  private readonly trusted = new Map<string, string[]>();

  constructor(
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  retryAfterMs(attempt: Attempt): number {
    const now = this.now();
    const address = attempt.address === undefined ? undefined : addressKey(attempt.address);
    let wait = address === undefined ? 0 : this.lockedFor(address, now);
    if (attempt.subject !== undefined && !(address !== undefined && this.trusted.get(attempt.subject)?.includes(address))) {
      wait = Math.max(wait, this.lockedFor(attempt.subject, now));
    }
    return wait;
  }

  failed(attempt: Attempt): void {
    const now = this.now();
    if (attempt.address !== undefined) this.count(addressKey(attempt.address), this.policy.addressFreeFailures, now);
    if (attempt.subject !== undefined) this.count(attempt.subject, this.policy.subjectFreeFailures, now);
  }

  succeeded(attempt: Attempt): void {
    if (attempt.address === undefined || attempt.subject === undefined) return;
    const address = addressKey(attempt.address);
    const known = this.trusted.get(attempt.subject);
    if (known?.at(-1) === address) return; // the usual case: the same client again
    const addresses = (known ?? []).filter((other) => other !== address);
    addresses.push(address);
    if (addresses.length > TRUSTED_PER_SUBJECT) addresses.shift();
    this.trusted.delete(attempt.subject);
    if (this.trusted.size >= this.policy.maxKeys) this.trusted.delete(this.trusted.keys().next().value!);
    this.trusted.set(attempt.subject, addresses);
  }

  lockouts(): Lockout[] {
    const now = this.now();
    const locked: Lockout[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.lockedUntil > now) locked.push({ key, failures: entry.failures, lockedUntil: entry.lockedUntil });
    }
    return locked;
  }

  lift(key?: string): number {
    if (key === undefined) {
      const count = this.entries.size;
      this.entries.clear();
      return count;
    }
    return this.entries.delete(key) ? 1 : 0;
  }

  private lockedFor(key: string, now: number): number {
    const entry = this.entries.get(key);
    return entry && entry.lockedUntil > now ? entry.lockedUntil - now : 0;
  }

  private count(key: string, free: number, now: number): void {
    let entry = this.entries.get(key);
    if (entry && now - entry.lastFailure > this.policy.forgetAfterMs && entry.lockedUntil <= now) entry = undefined;
    entry ??= { failures: 0, lastFailure: now, lockedUntil: 0 };
    entry.failures++;
    entry.lastFailure = now;
    const over = entry.failures - free;
    if (over > 0) {
      // 2^over overflows to Infinity long before it matters; the cap bounds it.
      entry.lockedUntil = now + Math.min(this.policy.maxLockoutMs, this.policy.baseLockoutMs * 2 ** (over - 1));
    }
    // Re-inserted, so the map's order is that of the last failure and the stalest key goes first.
    this.entries.delete(key);
    if (this.entries.size >= this.policy.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
  }
}

/** The refusal of a locked attempt: 429 with the seconds to wait (rounded up, at least 1). */
export function tooManyFailures(waitMs: number): RollcallError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new RollcallError('rate_limited', `too many failed attempts; try again in ${seconds} s`, { retryAfterSeconds: seconds });
}

/**
 * Runs a credential check under `throttle`: refused at once (no hashing) while the attempt is locked;
 * an `unauthorized` refusal counts as a failure; a success lets the address pass its subject's lock.
 * Without a throttle the check just runs.
 */
export async function throttled<T>(throttle: Throttle | undefined, attempt: Attempt, check: () => Promise<T>): Promise<T> {
  if (!throttle) return check();
  const wait = throttle.retryAfterMs(attempt);
  if (wait > 0) throw tooManyFailures(wait);
  let result: T;
  try {
    result = await check();
  } catch (error) {
    if (isRollcallError(error) && error.code === 'unauthorized') throttle.failed(attempt);
    throw error;
  }
  throttle.succeeded(attempt);
  return result;
}
