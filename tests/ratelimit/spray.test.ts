// An attacker hammers one key while spraying fresh keys to push it out of the table. The policy
// (only idle keys are forgotten; a full table of busy keys charges new keys to one shared overflow
// bucket) must keep the hammered bucket's budget, and the budgets of the legitimate clients.
import { describe, expect, it } from 'vitest';
import { implementations as impls } from '../support/implementations.js';

describe.each(impls)('key spraying cannot reset a bucket: $name', ({ RateLimiter, SlidingWindowLimiter }) => {
  it('token bucket: the hammered key stays within capacity + rate·t; busy clients keep their state', () => {
    const capacity = 10;
    const rl = new RateLimiter({ capacity, refillPerSecond: 2, maxKeys: 64 });
    // Legitimate clients use part of their budget first.
    for (let c = 0; c < 40; c++) rl.take(`client:${c}`, 0, 5);
    let admitted = 0;
    let sprayed = 0;
    const durationMs = 3000;
    for (let now = 0; now <= durationMs; now += 10) {
      for (let i = 0; i < 50; i++) rl.take(`spray:${sprayed++}`, now);
      if (rl.take('attacker', now).allowed) admitted++;
      expect(rl.size).toBeLessThanOrEqual(64);
    }
    expect(sprayed).toBe(301 * 50);
    // Never more than the burst plus the refill over the attack.
    expect(admitted).toBeLessThanOrEqual(capacity + (2 * durationMs) / 1000);
    expect(admitted).toBeGreaterThan(0);
    // Clients drained at 0 read exactly what 1 s of refill gave them (2), not a fresh bucket's 10,
    // after 1000 sprayed keys.
    const early = new RateLimiter({ capacity, refillPerSecond: 2, maxKeys: 8 });
    for (let c = 0; c < 8; c++) early.take(`client:${c}`, 0, 10);
    for (let i = 0; i < 1000; i++) early.take(`spray:${i}`, 1000);
    for (let c = 0; c < 8; c++) expect(early.peek(`client:${c}`, 1000, 0).remaining).toBe(2);
    // The sprayed keys went to the overflow bucket: 10 admitted then refill-limited.
    expect(early.take('one-more', 1000).allowed).toBe(false);
  });

  it('sliding window: the hammered key stays within limit per fixed window', () => {
    const sw = new SlidingWindowLimiter({ limit: 20, windowMs: 1000, maxKeys: 32 });
    const perWindow = new Map<number, number>();
    let sprayed = 0;
    for (let now = 0; now < 5000; now += 5) {
      for (let i = 0; i < 20; i++) sw.take(`spray:${sprayed++}`, now);
      if (sw.take('attacker', now).allowed)
        perWindow.set(Math.floor(now / 1000), (perWindow.get(Math.floor(now / 1000)) ?? 0) + 1);
    }
    for (const count of perWindow.values()) expect(count).toBeLessThanOrEqual(20);
    expect([...perWindow.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20 * 6);
  });
});
