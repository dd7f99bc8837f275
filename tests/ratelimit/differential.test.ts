// Model-based differential test: the native core and the TS reference are driven with the same
// generated sequence of takes, peeks, resets and clock moves (forward and back), over many keys
// and a small maxKeys so eviction and the overflow bucket are exercised, and must agree on every
// decision and on size after every step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty } from '../support/fast-check.js';
import { type Implementation as Impl, native, reference } from '../support/implementations.js';

const pool = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'ip:203.0.113.7', 'é', '😀', '\ud800', '\udfff', 'k'.repeat(300)];
const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...pool) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => `user:${n}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
);
const op = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('take' as const), key, cost: fc.integer({ min: 0, max: 5 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('peek' as const), key, cost: fc.integer({ min: 0, max: 5 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), key }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('clock' as const),
      dt: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 20_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('back' as const), dt: fc.integer({ min: 1, max: 5_000 }) }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
const table = fc.record({ maxKeys: fc.integer({ min: 1, max: 12 }), seed: fc.integer({ min: 0, max: 0xffffffff }) });

type Limiter = InstanceType<Impl['RateLimiter']>;

function replay(make: () => Limiter, ops: Op[]): unknown[] {
  const limiter = make();
  let now = 50_000;
  const out: unknown[] = [];
  for (const o of ops) {
    if (o.kind === 'clock') now += o.dt;
    else if (o.kind === 'back') now = Math.max(0, now - o.dt);
    else if (o.kind === 'reset') out.push(limiter.reset(o.key));
    else {
      const cost = Math.min(o.cost, limiter.limit);
      out.push(o.kind === 'take' ? limiter.take(o.key, now, cost) : limiter.peek(o.key, now, cost));
      // The table layout too: same slot for the same key, so eviction picks the same victims.
      out.push(limiter.slotOf(o.key));
    }
    out.push(limiter.size);
    expect(limiter.size).toBeLessThanOrEqual(limiter.options.maxKeys);
  }
  return out;
}

describe('native == reference on generated operation sequences', () => {
  it('RateLimiter', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3000 }),
        table,
        fc.array(op, { maxLength: 200 }),
        (capacity, refill, t, ops) => {
          const options = { capacity, refillPerSecond: refill / 1000, ...t };
          expect(replay(() => new native.RateLimiter(options), ops)).toEqual(
            replay(() => new reference.RateLimiter(options), ops),
          );
        },
      ),
      400,
    );
  });

  it('SlidingWindowLimiter', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 2000 }),
        table,
        fc.array(op, { maxLength: 200 }),
        (limit, windowMs, t, ops) => {
          const options = { limit, windowMs, ...t };
          const make = (impl: Impl) => () => new impl.SlidingWindowLimiter(options) as unknown as Limiter;
          expect(replay(make(native), ops)).toEqual(replay(make(reference), ops));
        },
      ),
      400,
    );
  });

  it('agrees with large limits, rates and clocks near the documented bounds', () => {
    const big = { capacity: 1_000_000_000, refillPerSecond: 999_999_999.999, maxKeys: 3 };
    const times = [0, 1, 2 ** 49, 2 ** 50 - 1, 5, 2 ** 50 - 2];
    const run = (impl: Impl) => {
      const rl = new impl.RateLimiter(big);
      const sw = new impl.SlidingWindowLimiter({ limit: 1_000_000_000, windowMs: 2_251_799, maxKeys: 3 });
      return times.flatMap((t, i) => [
        rl.take(`k${i % 4}`, t, 999_999_999),
        rl.take('k0', t, 1_000_000_000),
        sw.take(`k${i % 4}`, t, 700_000_000),
        sw.peek('k1', t, 1_000_000_000),
      ]);
    };
    expect(run(native)).toEqual(run(reference));
  });
});
