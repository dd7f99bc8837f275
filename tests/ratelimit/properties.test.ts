// The invariants of the issue, as fast-check properties, for both implementations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty } from '../support/fast-check.js';
import { implementations as impls } from '../support/implementations.js';

/** A key's traffic: time steps (forward, or back when `back`), costs, and whether to peek. */
const step = fc.record({
  dt: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5000 })),
  back: fc.boolean(),
  cost: fc.integer({ min: 0, max: 6 }),
});
const bucketOptions = fc.record({
  capacity: fc.integer({ min: 1, max: 12 }),
  refillMicroPerMs: fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.constantFrom(1, 1000, 333, 1_000_000)),
});
const windowOptions = fc.record({
  limit: fc.integer({ min: 1, max: 12 }),
  windowMs: fc.integer({ min: 1, max: 3000 }),
});

/** Runs the steps on one key; returns times, the running max of time, costs and decisions. */
function drive(
  limiter: { take(k: string, t: number, c: number): { allowed: boolean; remaining: number; retryAfterMs: number } },
  peek: (t: number, c: number) => { allowed: boolean },
  limit: number,
  steps: { dt: number; back: boolean; cost: number }[],
) {
  let now = 100_000;
  let high = 0;
  const log: { high: number; cost: number; allowed: boolean }[] = [];
  for (const s of steps) {
    now = s.back ? Math.max(0, now - s.dt) : now + s.dt;
    high = Math.max(high, now);
    const cost = Math.min(s.cost, limit);
    const d = limiter.take('k', now, cost);
    expect(d.remaining).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(d.remaining)).toBe(true);
    if (!d.allowed) {
      // Exact retry: with no other traffic, admitted at now + retryAfterMs and not 1 ms before.
      expect(d.retryAfterMs).toBeGreaterThan(0);
      expect(peek(now + d.retryAfterMs, cost).allowed).toBe(true);
      expect(peek(now + d.retryAfterMs - 1, cost).allowed).toBe(false);
    } else expect(d.retryAfterMs).toBe(0);
    log.push({ high, cost, allowed: d.allowed });
  }
  return log;
}

/** Largest cost admitted over any stretch of the log, against a bound of its (running max) length. */
function checkBound(log: { high: number; cost: number; allowed: boolean }[], bound: (ms: number) => number) {
  for (let i = 0; i < log.length; i++) {
    let admitted = 0;
    for (let j = i; j < log.length; j++) {
      if (log[j]!.allowed) admitted += log[j]!.cost;
      const ms = log[j]!.high - log[i]!.high;
      if (admitted > bound(ms)) expect.fail(`admitted ${admitted} over ${ms} ms, bound ${bound(ms)}`);
    }
  }
}

describe.each(impls)('rate-limit invariants: $name', ({ RateLimiter, SlidingWindowLimiter }) => {
  it('token bucket: admits ≤ capacity + rate·t over any interval (clock may go back), exact retryAfterMs, remaining ≥ 0', () => {
    assertProperty(
      fc.property(bucketOptions, fc.array(step, { maxLength: 60 }), ({ capacity, refillMicroPerMs }, steps) => {
        const rl = new RateLimiter({ capacity, refillPerSecond: refillMicroPerMs / 1000 });
        const log = drive(rl, (t, c) => rl.peek('k', t, c), capacity, steps);
        // Micro-tokens: capacity·1e6 + refill·ms, compared in integers.
        checkBound(log, (ms) => (capacity * 1e6 + refillMicroPerMs * ms) / 1e6);
      }),
      300,
    );
  });

  it('sliding window: admits ≤ limit·(floor(t/W) + 2) over any interval, exact retryAfterMs, remaining ≥ 0', () => {
    assertProperty(
      fc.property(windowOptions, fc.array(step, { maxLength: 60 }), ({ limit, windowMs }, steps) => {
        const sw = new SlidingWindowLimiter({ limit, windowMs });
        const log = drive(sw, (t, c) => sw.peek('k', t, c), limit, steps);
        checkBound(log, (ms) => limit * (Math.floor(ms / windowMs) + 2));
      }),
      300,
    );
  });

  it('a clock that goes back never creates tokens: remaining at an earlier time ≤ remaining at the latest', () => {
    assertProperty(
      fc.property(
        bucketOptions,
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 10_000 }),
        ({ capacity, refillMicroPerMs }, costs, back) => {
          const rl = new RateLimiter({ capacity, refillPerSecond: refillMicroPerMs / 1000 });
          let t = 20_000;
          for (const c of costs) {
            t += 7;
            rl.take('k', t, Math.min(c, capacity));
          }
          const atLatest = rl.peek('k', t, 0).remaining;
          expect(rl.take('k', t - back, 0).remaining).toBeLessThanOrEqual(atLatest);
          expect(rl.peek('k', t, 0).remaining).toBe(atLatest);
        },
      ),
      100,
    );
  });
});
