import {
  RateLimiter as CoreRateLimiter,
  SlidingWindowLimiter as CoreSlidingWindowLimiter,
  type KeyedLimiter,
  type NormalizedRateLimiterOptions,
  type NormalizedSlidingWindowLimiterOptions,
  type RateLimitDecision,
  type RateLimiterOptions,
  type SlidingWindowLimiterOptions,
} from '@switchyard/core';
import {
  checkKey,
  checkTake,
  monotonicNowMs,
  normalizeRateLimiterOptions,
  normalizeSlidingWindowOptions,
} from '@switchyard/core/internal';
import type { NativeBinding, NativeRateLimitHotPath } from '../binding.js';
import { nativeBinding } from '../implementation.js';
import { fromNativeError } from '../native-errors.js';

/**
 * Shared body of the native-backed limiters. Options are validated by the core's own
 * normalisers; decisions come from the native core through one `Float64Array` shared at
 * creation, from which this builds the result object. The native limiter is a handle, freed when
 * this object is collected.
 */
function createClasses(binding: NativeBinding) {
  const handles = new FinalizationRegistry<number>((handle) => binding.rateLimiterFree(handle));
  const hot = {} as NativeRateLimitHotPath;
  binding.rateLimiterInstall(hot);

  abstract class NativeLimiterBase implements KeyedLimiter {
    readonly #handle: number;
    readonly #out = new Float64Array(5);
    readonly limit: number;

    protected constructor(kind: 0 | 1, limit: number, b: number, maxKeys: number, seed: number) {
      this.limit = limit;
      try {
        this.#handle = binding.rateLimiterCreate(kind, limit, b, maxKeys, seed, this.#out);
      } catch (error) {
        throw fromNativeError(error);
      }
      handles.register(this, this.#handle);
    }

    /** The core's validation throws the exact error the reference would; else map the native one. */
    #fail(error: unknown, key: string, nowMs: number, cost: number): never {
      checkKey(key);
      checkTake(nowMs, cost, this.limit);
      throw fromNativeError(error);
    }

    #decision(): RateLimitDecision {
      const out = this.#out;
      return { allowed: out[0] === 1, limit: out[1]!, remaining: out[2]!, retryAfterMs: out[3]!, resetMs: out[4]! };
    }

    /** See `RateLimiter.take` in `@switchyard/core`: same decisions, same errors. */
    take(key: string, nowMs: number = monotonicNowMs(), cost = 1): RateLimitDecision {
      try {
        hot.rateLimiterTake(this.#handle, key, nowMs, cost);
      } catch (error) {
        this.#fail(error, key, nowMs, cost);
      }
      return this.#decision();
    }

    /** The decision `take` would make, changing nothing. */
    peek(key: string, nowMs: number = monotonicNowMs(), cost = 1): RateLimitDecision {
      try {
        hot.rateLimiterPeek(this.#handle, key, nowMs, cost);
      } catch (error) {
        this.#fail(error, key, nowMs, cost);
      }
      return this.#decision();
    }

    /** Forgets `key`; returns whether it was stored. */
    reset(key: string): boolean {
      try {
        return binding.rateLimiterReset(this.#handle, key);
      } catch (error) {
        checkKey(key);
        throw fromNativeError(error);
      }
    }

    /** Slot index where `key` is stored, or -1 (layout introspection). @internal */
    slotOf(key: string): number {
      return binding.rateLimiterSlotOf(this.#handle, key);
    }

    /** Keys currently stored. */
    get size(): number {
      return binding.rateLimiterSize(this.#handle);
    }
  }

  /** `@switchyard/core`'s `RateLimiter` backed by the native core: same options, decisions, errors. */
  class RateLimiter extends NativeLimiterBase {
    readonly options: NormalizedRateLimiterOptions;

    constructor(options: RateLimiterOptions) {
      const o = normalizeRateLimiterOptions(options);
      super(0, o.capacity, o.refillMicroPerMs, o.maxKeys, o.seed);
      this.options = o;
    }
  }

  /** `@switchyard/core`'s `SlidingWindowLimiter` backed by the native core. */
  class SlidingWindowLimiter extends NativeLimiterBase {
    readonly options: NormalizedSlidingWindowLimiterOptions;

    constructor(options: SlidingWindowLimiterOptions) {
      const o = normalizeSlidingWindowOptions(options);
      super(1, o.limit, o.windowMs, o.maxKeys, o.seed);
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
