// The throttle on its own, with a clock the test moves: free failures, doubling locks with a cap of
// minutes, forgetting, successes that count nothing, and subjects whose lock does not hold their owner.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_THROTTLE_POLICY, MemoryThrottle, addressKey, type ThrottlePolicy } from '../../src/auth/throttle.ts';

const policy: ThrottlePolicy = {
  ...DEFAULT_THROTTLE_POLICY,
  addressFreeFailures: 3,
  subjectFreeFailures: 5,
  baseLockoutMs: 1_000,
  maxLockoutMs: 60_000,
};

function throttleWithClock(p = policy) {
  let now = 1_000_000;
  return { throttle: new MemoryThrottle(p, () => now), advance: (ms: number) => (now += ms) };
}

describe('MemoryThrottle', () => {
  it('lets the free failures through, then locks for 1 s, 2 s, 4 s … up to the cap', () => {
    const { throttle } = throttleWithClock();
    const attempt = { address: '192.0.2.1' };
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      waits.push(throttle.retryAfterMs(attempt));
      throttle.failed(attempt);
    }
    assert.deepEqual(waits.slice(0, 4), [0, 0, 0, 0]);
    assert.deepEqual(waits.slice(4, 8), [1_000, 2_000, 4_000, 8_000]);
    assert.equal(Math.max(...waits), 60_000, 'the cap');
  });

  it('never locks for longer than the cap, whatever happens (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('fail', 'succeed', 'wait'), fc.integer({ min: 0, max: 120_000 })), { maxLength: 300 }),
        (steps) => {
          const { throttle, advance } = throttleWithClock();
          const attempt = { address: '192.0.2.7', subject: 'account:alice' };
          for (const [step, ms] of steps) {
            if (step === 'fail') throttle.failed(attempt);
            else if (step === 'succeed') throttle.succeeded(attempt);
            else advance(ms);
            assert.ok(throttle.retryAfterMs(attempt) <= policy.maxLockoutMs);
            assert.ok(throttle.retryAfterMs({ address: '192.0.2.8', subject: 'account:alice' }) <= policy.maxLockoutMs);
          }
          // However many failures: after the cap has passed, the next check may run.
          advance(policy.maxLockoutMs);
          assert.equal(throttle.retryAfterMs(attempt), 0);
        },
      ),
    );
  });

  it('successes count nothing and erase nothing', () => {
    const { throttle } = throttleWithClock();
    const attempt = { address: '192.0.2.2', subject: 'account:bob' };
    for (let i = 0; i < 4; i++) throttle.failed(attempt);
    throttle.succeeded({ address: '192.0.2.2', subject: 'account:carol' });
    assert.ok(throttle.retryAfterMs({ address: '192.0.2.2' }) > 0, 'a good account does not reset its address');
  });

  it('forgets failures after a quiet period', () => {
    const { throttle, advance } = throttleWithClock();
    const attempt = { address: '192.0.2.3' };
    for (let i = 0; i < 3; i++) throttle.failed(attempt);
    advance(policy.forgetAfterMs + 1);
    throttle.failed(attempt);
    assert.equal(throttle.retryAfterMs(attempt), 0, 'counted from one again');
  });

  it("a subject's lock does not hold the addresses it last succeeded from", () => {
    const { throttle } = throttleWithClock();
    throttle.succeeded({ address: '198.51.100.1', subject: 'account:alice' });
    // Guessers from many addresses, two failures each: no address is locked, the account is.
    for (let i = 0; i < 6; i++) {
      throttle.failed({ address: `203.0.113.${i}`, subject: 'account:alice' });
    }
    assert.ok(throttle.retryAfterMs({ address: '203.0.113.99', subject: 'account:alice' }) > 0, 'a stranger waits');
    assert.equal(throttle.retryAfterMs({ address: '198.51.100.1', subject: 'account:alice' }), 0, 'the owner does not');
  });

  it('lists and lifts lockouts', () => {
    const { throttle } = throttleWithClock();
    for (let i = 0; i < 4; i++) throttle.failed({ address: '192.0.2.4' });
    assert.deepEqual(
      throttle.lockouts().map((l) => l.key),
      ['address:192.0.2.4'],
    );
    assert.equal(throttle.lift('address:192.0.2.4'), 1);
    assert.equal(throttle.retryAfterMs({ address: '192.0.2.4' }), 0);
    assert.equal(throttle.lift('address:192.0.2.4'), 0);
  });

  it('keeps at most maxKeys keys, forgetting the stalest', () => {
    const { throttle } = throttleWithClock({ ...policy, maxKeys: 100 });
    for (let i = 0; i < 1_000; i++) throttle.failed({ address: `10.0.${i >> 8}.${i & 255}` });
    assert.equal(throttle.lift(), 100);
  });
});

describe('addressKey', () => {
  it('counts IPv4-mapped addresses as IPv4, and IPv6 by its /64', () => {
    assert.equal(addressKey('::ffff:127.0.0.2'), 'address:127.0.0.2');
    assert.equal(addressKey('2001:db8:1:2:3:4:5:6'), addressKey('2001:db8:1:2:ffff::1'));
    assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'));
    assert.equal(addressKey('::1'), 'address:0:0:0:0::/64');
  });
});
