import {
  RateLimiter as CoreRateLimiter,
  SlidingWindowLimiter as CoreSlidingWindowLimiter,
  checkTake,
  type KeyedLimiter,
  monotonicNowMs,
  type NormalisedRateLimiterOptions,
  type NormalisedSlidingWindowLimiterOptions,
  normaliseRateLimiterOptions,
  normaliseSlidingWindowOptions,
  type RateLimitDecision,
  type RateLimiterOptions,
  type SlidingWindowLimiterOptions,
} from '@switchyard/core';
import type { NativeBinding, NativeKeyedLimiter } from '../binding.js';
import { nativeBinding } from '../implementation.js';
import { fromNativeError } from '../native-errors.js';

/**
 * Shared body of the native-backed limiters. Options are validated by the core's own
 * normalisers; decisions come from the native core through one `Float64Array` shared at
 * construction, from which this builds the result object.
 */
abstract class NativeLimiterBase implements KeyedLimiter {
  readonly #native: NativeKeyedLimiter;
  readonly #out = new Float64Array(5);
  readonly limit: number;

  protected constructor(limit: number, create: (out: Float64Array) => NativeKeyedLimiter) {
    this.limit = limit;
    try {
      this.#native = create(this.#out);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /** The core's validation throws the exact error the reference would; else map the native one. */
  #fail(error: unknown, nowMs: number, cost: number): never {
    checkTake(nowMs, cost, this.limit);
    throw fromNativeError(error);
  }

  #decision(): RateLimitDecision {
    const out = this.#out;
    return { allowed: out[0] === 1, limit: out[1]!, remaining: out[2]!, retryAfterMs: out[3]!, resetMs: out[4]! };
  }

  take(key: string, nowMs: number = monotonicNowMs(), cost = 1): RateLimitDecision {
    try {
      this.#native.take(key, nowMs, cost);
    } catch (error) {
      this.#fail(error, nowMs, cost);
    }
    return this.#decision();
  }

  peek(key: string, nowMs: number = monotonicNowMs(), cost = 1): RateLimitDecision {
    try {
      this.#native.peek(key, nowMs, cost);
    } catch (error) {
      this.#fail(error, nowMs, cost);
    }
    return this.#decision();
  }

  /** Slot index where `key` is stored, or -1 (layout introspection). @internal */
  slotOf(key: string): number {
    return this.#native.slotOf(key);
  }

  reset(key: string): boolean {
    try {
      return this.#native.reset(key);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  get size(): number {
    return this.#native.size;
  }
}

function createClasses(binding: NativeBinding) {
  /** `@switchyard/core`'s `RateLimiter` backed by the native core: same options, decisions, errors. */
  class RateLimiter extends NativeLimiterBase {
    readonly options: NormalisedRateLimiterOptions;

    constructor(options: RateLimiterOptions) {
      const o = normaliseRateLimiterOptions(options);
      super(o.capacity, (out) => new binding.NativeRateLimiter(o.capacity, o.refillMicroPerMs, o.maxKeys, o.seed, out));
      this.options = o;
    }
  }

  /** `@switchyard/core`'s `SlidingWindowLimiter` backed by the native core. */
  class SlidingWindowLimiter extends NativeLimiterBase {
    readonly options: NormalisedSlidingWindowLimiterOptions;

    constructor(options: SlidingWindowLimiterOptions) {
      const o = normaliseSlidingWindowOptions(options);
      super(o.limit, (out) => new binding.NativeSlidingWindowLimiter(o.limit, o.windowMs, o.maxKeys, o.seed, out));
      this.options = o;
    }
  }

  return { RateLimiter, SlidingWindowLimiter };
}

const native = nativeBinding ? createClasses(nativeBinding) : null;

/** Keyed token buckets: native when the addon is loaded, else `@switchyard/core`'s class itself. */
export const RateLimiter: typeof CoreRateLimiter = (native?.RateLimiter ??
  CoreRateLimiter) as unknown as typeof CoreRateLimiter;
/** Keyed sliding-window counters: native when the addon is loaded, else the core class itself. */
export const SlidingWindowLimiter: typeof CoreSlidingWindowLimiter = (native?.SlidingWindowLimiter ??
  CoreSlidingWindowLimiter) as unknown as typeof CoreSlidingWindowLimiter;
/** Instance type, as in `@switchyard/core`. */
export type RateLimiter = CoreRateLimiter;
/** Instance type, as in `@switchyard/core`. */
export type SlidingWindowLimiter = CoreSlidingWindowLimiter;
