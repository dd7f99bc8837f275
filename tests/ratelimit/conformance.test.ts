import { InvalidArgumentError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/errors.js';
import { implementations as impls, isNative } from '../support/implementations.js';

it('the native-backed classes are in use (not the fallback)', () => {
  expect(isNative).toBe(true);
});

describe.each(impls)('RateLimiter conformance: $name', ({ RateLimiter }) => {
  it('admits a burst of capacity, then one token per refill interval', () => {
    const rl = new RateLimiter({ capacity: 3, refillPerSecond: 2 });
    expect([0, 0, 0].map((t) => rl.take('k', t).remaining)).toEqual([2, 1, 0]);
    const denied = rl.take('k', 0);
    expect(denied).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfterMs: 500, resetMs: 1500 });
    expect(rl.take('k', 499).allowed).toBe(false);
    expect(rl.take('k', 500)).toEqual({ allowed: true, limit: 3, remaining: 0, retryAfterMs: 0, resetMs: 1500 });
  });

  it('refills continuously and caps at capacity', () => {
    const rl = new RateLimiter({ capacity: 5, refillPerSecond: 0.5 });
    expect(rl.take('k', 0, 5).remaining).toBe(0);
    expect(rl.peek('k', 2000, 0).remaining).toBe(1);
    expect(rl.peek('k', 3999, 0).remaining).toBe(1);
    expect(rl.peek('k', 1_000_000, 0)).toMatchObject({ remaining: 5, resetMs: 0 });
    const heavy = rl.take('k', 1000, 2);
    // 0.5 token in the bucket, 1.5 missing at 0.5/s: 3000 ms.
    expect(heavy).toMatchObject({ allowed: false, retryAfterMs: 3000, resetMs: 9000 });
  });

  it('charges the given cost; cost 0 is a free look that still reports', () => {
    const rl = new RateLimiter({ capacity: 10, refillPerSecond: 1 });
    expect(rl.take('k', 0, 7).remaining).toBe(3);
    expect(rl.take('k', 0, 0)).toMatchObject({ allowed: true, remaining: 3 });
    expect(rl.take('k', 0, 4)).toMatchObject({ allowed: false, remaining: 3, retryAfterMs: 1000 });
  });

  it('peek decides like take and changes nothing', () => {
    const rl = new RateLimiter({ capacity: 2, refillPerSecond: 1 });
    rl.take('k', 0);
    const seen = rl.peek('k', 10, 2);
    expect(seen).toEqual(rl.peek('k', 10, 2));
    expect(rl.take('k', 10, 2)).toEqual(seen);
    expect(rl.peek('new', 0).remaining).toBe(1);
    expect(rl.size).toBe(1);
  });

  it('a clock that goes back adds nothing, and retryAfterMs counts the way back', () => {
    const rl = new RateLimiter({ capacity: 1, refillPerSecond: 1 });
    expect(rl.take('k', 10_000).allowed).toBe(true);
    const back = rl.take('k', 2_000);
    expect(back).toMatchObject({ allowed: false, retryAfterMs: 9_000, resetMs: 9_000 });
    expect(rl.take('k', 10_999).allowed).toBe(false);
    expect(rl.take('k', 11_000).allowed).toBe(true);
  });

  it('reset forgets one key; size counts stored keys', () => {
    const rl = new RateLimiter({ capacity: 1, refillPerSecond: 1 });
    rl.take('a', 0);
    rl.take('b', 0);
    expect(rl.size).toBe(2);
    expect(rl.reset('a')).toBe(true);
    expect(rl.reset('a')).toBe(false);
    expect(rl.size).toBe(1);
    expect(rl.take('a', 0).allowed).toBe(true);
    expect(rl.take('b', 0).allowed).toBe(false);
  });

  it('tells keys apart by their exact UTF-8 bytes, long keys included', () => {
    const rl = new RateLimiter({ capacity: 1, refillPerSecond: 1 });
    const long = 'x'.repeat(5000);
    const keys = ['é', 'e\u0301', '😀', '\ud83d', '', long, `${long}y`, `${'é'.repeat(300)}`];
    for (const key of keys) expect(rl.take(key, 0).allowed, JSON.stringify(key.slice(0, 10))).toBe(true);
    for (const key of keys) expect(rl.take(key, 0).allowed).toBe(false);
    expect(rl.size).toBe(keys.length);
  });

  it('reads a monotonic clock when nowMs is omitted', () => {
    const rl = new RateLimiter({ capacity: 2, refillPerSecond: 0.001 });
    expect(rl.take('k').remaining).toBe(1);
    expect(rl.take('k').remaining).toBe(0);
    expect(rl.take('k').allowed).toBe(false);
  });

  it('rejects bad options and arguments with InvalidArgumentError naming them', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ capacity: 0, refillPerSecond: 1 }, 'capacity'],
      [{ capacity: 1.5, refillPerSecond: 1 }, 'capacity'],
      [{ capacity: 1, refillPerSecond: 0 }, 'refillPerSecond'],
      [{ capacity: 1, refillPerSecond: 0.0001 }, 'refillPerSecond'],
      [{ capacity: 1, refillPerSecond: Number.NaN }, 'refillPerSecond'],
      [{ capacity: 1, refillPerSecond: 1, maxKeys: 0 }, 'maxKeys'],
      [{ capacity: 1, refillPerSecond: 1, seed: -1 }, 'seed'],
    ];
    for (const [options, argument] of bad) {
      expect(() => new RateLimiter(options as never)).toThrow(InvalidArgumentError);
      try {
        new RateLimiter(options as never);
      } catch (error) {
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
    }
    const rl = new RateLimiter({ capacity: 2, refillPerSecond: 1 });
    const argumentOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        return (error as InvalidArgumentError).argument;
      }
      return 'no error';
    };
    expect(argumentOf(() => rl.take('k', 0, 3))).toBe('cost');
    expect(argumentOf(() => rl.take('k', 0, 1.5))).toBe('cost');
    expect(argumentOf(() => rl.take('k', -1))).toBe('nowMs');
    expect(argumentOf(() => rl.take('k', 2 ** 50))).toBe('nowMs');
    expect(argumentOf(() => rl.peek('k', Number.NaN))).toBe('nowMs');
    expect(argumentOf(() => rl.take(42 as never, 0))).toBe('key');
    expect(argumentOf(() => rl.reset(undefined as never))).toBe('key');
    expect(() => rl.take(42 as never, 0)).toThrow('invalid key: expected a string, got number');
    expect(rl.size).toBe(0);
  });

  it('rejects an unknown option by name, before looking at the others', () => {
    const error = thrownBy(() => new RateLimiter({ capacity: 1, refillPerSecond: 1, maxkeys: 10 } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'SWITCHYARD_INVALID_ARGUMENT', argument: 'options.maxkeys' });
    expect(error.message).toBe(
      'invalid options.maxkeys: unknown option; expected capacity, refillPerSecond, maxKeys or seed',
    );
    expect(thrownBy(() => new RateLimiter({ capacity: 0, refill: 1 } as never))).toMatchObject({
      argument: 'options.refill',
    });
    // A limiter's normalized options are not options: refillMicroPerMs is derived, not accepted.
    const rl = new RateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 7, seed: 3 });
    expect(rl.options).toEqual({ capacity: 2, refillPerSecond: 1, refillMicroPerMs: 1000, maxKeys: 7, seed: 3 });
    expect(thrownBy(() => new RateLimiter(rl.options))).toMatchObject({ argument: 'options.refillMicroPerMs' });
    // Keys holding undefined are still keys the caller wrote.
    expect(
      thrownBy(() => new RateLimiter({ capacity: 1, refillPerSecond: 1, sede: undefined } as never)),
    ).toMatchObject({ argument: 'options.sede' });
  });

  it('reclaims only idle keys when full, else charges one shared overflow bucket', () => {
    const rl = new RateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 2 });
    rl.take('a', 0);
    rl.take('b', 0);
    expect([rl.take('c', 0), rl.take('d', 0), rl.take('e', 0)].map((d) => d.allowed)).toEqual([true, true, false]);
    expect(rl.size).toBe(2);
    expect(rl.peek('a', 0, 0).remaining).toBe(1);
    // At 1000 ms "a" and "b" are full again: idle, so new keys get their slots.
    expect(rl.take('f', 1000, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(rl.take('g', 1000, 2)).toMatchObject({ allowed: true, remaining: 0 });
    expect(rl.size).toBe(2);
    expect(rl.peek('f', 1000, 0).remaining).toBe(0);
  });
});

describe.each(impls)('SlidingWindowLimiter conformance: $name', ({ SlidingWindowLimiter }) => {
  it('admits the limit per window and weighs the previous window by its overlap', () => {
    const sw = new SlidingWindowLimiter({ limit: 10, windowMs: 1000 });
    expect(sw.take('k', 0, 10)).toEqual({ allowed: true, limit: 10, remaining: 0, retryAfterMs: 0, resetMs: 2000 });
    // At 1100 the previous window weighs 0.9 × 10 = 9, leaving room for 1.
    const denied = sw.take('k', 500);
    expect(denied).toMatchObject({ allowed: false, retryAfterMs: 600 });
    expect(sw.take('k', 1099).allowed).toBe(false);
    expect(sw.take('k', 1100)).toMatchObject({ allowed: true, remaining: 0, resetMs: 1900 });
    // At 1600: 10 × 0.4 + 1 = 5 used.
    expect(sw.peek('k', 1600, 0).remaining).toBe(5);
    expect(sw.peek('k', 3000, 0)).toMatchObject({ remaining: 10, resetMs: 0 });
  });

  it('a clock gone back to an earlier window counts from the start of the stored one', () => {
    const sw = new SlidingWindowLimiter({ limit: 4, windowMs: 100 });
    sw.take('k', 50, 4); // window 0
    sw.take('k', 150, 1); // window 1, prev 4 weighs 2: admitted
    const back = sw.take('k', 20, 1);
    // Taken as 100 (prev weighs 4): denied until 4·(100−e) + 2·100 ≤ 400 ⇔ e ≥ 50.
    expect(back).toMatchObject({ allowed: false, retryAfterMs: 150 - 20 });
    expect(sw.take('k', 149).allowed).toBe(false);
  });

  it('rejects bad options', () => {
    expect(() => new SlidingWindowLimiter({ limit: 0, windowMs: 1 })).toThrow(InvalidArgumentError);
    expect(() => new SlidingWindowLimiter({ limit: 1, windowMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SlidingWindowLimiter({ limit: 2 ** 20, windowMs: 2 ** 32 })).toThrow(/windowMs/);
    const sw = new SlidingWindowLimiter({ limit: 3, windowMs: 10 });
    expect(() => sw.take('k', 0, 4)).toThrow(/cost/);
  });

  it('rejects an unknown option by name', () => {
    const error = thrownBy(() => new SlidingWindowLimiter({ limit: 3, windowMs: 1000, window: 60_000 } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: 'options.window' });
    expect(error.message).toBe('invalid options.window: unknown option; expected limit, windowMs, maxKeys or seed');
    const sw = new SlidingWindowLimiter({ limit: 3, windowMs: 1000 });
    expect(new SlidingWindowLimiter(sw.options).options).toEqual(sw.options);
  });
});

describe('native limiter binding', () => {
  const load = async () => {
    const { nativeBinding } = await import('../../packages/node/src/implementation.js');
    const { fromNativeError } = await import('../../packages/node/src/native-errors.js');
    if (nativeBinding === null) throw new Error('these tests need the native addon (see nativeLoadError)');
    const mapped = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        return fromNativeError(error);
      }
      return undefined;
    };
    return { binding: nativeBinding, mapped };
  };

  it('refuses a decision array that is too small and an unknown kind, with typed errors', async () => {
    const { binding, mapped } = await load();
    const { InternalError, InvalidArgumentError } = await import('@switchyard/core');
    const small = mapped(() => new binding.NativeRateLimiter(0, 5, 1000, 10, 0, new Float64Array(2)));
    expect(small).toBeInstanceOf(InternalError);
    expect(small?.message).toMatch(/decisions/);
    expect(mapped(() => new binding.NativeRateLimiter(7, 5, 1000, 10, 0, new Float64Array(5)))).toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('the bound take/peek functions write the decision array and throw coded errors that map back to the typed classes', async () => {
    const { binding, mapped } = await load();
    const out = new Float64Array(5);
    const limiter = new binding.NativeRateLimiter(0, 5, 1000, 10, 0, out);
    const take = limiter.takeFunction();
    const peek = limiter.peekFunction();
    expect(mapped(() => take('k', 0, 2))).toBeUndefined();
    expect([...out]).toEqual([1, 5, 3, 0, 2000]);
    expect(limiter.size()).toBe(1);
    expect(mapped(() => peek('k', 0, 1.5))).toMatchObject({ argument: 'cost' });
    expect(mapped(() => take('k', -1, 1))).toMatchObject({ argument: 'nowMs' });
    expect(mapped(() => take(7 as never, 0, 1))).toMatchObject({ argument: 'key' });
    expect(mapped(() => (take as (key: string) => void)('k'))).toMatchObject({ argument: 'nowMs' });
    expect(limiter.reset('k')).toBe(true);
    expect(limiter.size()).toBe(0);
  });
});
