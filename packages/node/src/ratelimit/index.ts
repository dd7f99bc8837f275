import {
  type Contracts,
  RateLimiter as CoreRateLimiter,
  SlidingWindowLimiter as CoreSlidingWindowLimiter,
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
import type { NativeBinding, NativeRateLimiterHandle } from '../binding.js';
import { choose } from '../implementation.js';
import { LAYOUT } from '../layout.js';
import { fromNativeError } from '../native-errors.js';

type Kind = typeof LAYOUT.limiterTokenBucket | typeof LAYOUT.limiterSlidingWindow;

/**
 * Shared body of the native-backed limiters. Options are validated by the core's own
 * normalizers; decisions come from the native core through one `Float64Array` shared at
 * creation, from which this builds the result object. The native state is freed when this object
 * and its bound functions are collected.
 */
abstract class NativeLimiterBase {
  readonly #native: NativeRateLimiterHandle;
  readonly #take: (key: string, nowMs: number, cost: number) => void;
  readonly #peek: (key: string, nowMs: number, cost: number) => void;
  readonly #out = new Float64Array(LAYOUT.decisionFields);
  readonly limit: number;

  protected constructor(binding: NativeBinding, kind: Kind, limit: number, b: number, maxKeys: number, seed: number) {
    this.limit = limit;
    try {
      this.#native = new binding.NativeRateLimiter(kind, limit, b, maxKeys, seed, this.#out);
    } catch (error) {
      throw fromNativeError(error);
    }
    this.#take = this.#native.takeFunction();
    this.#peek = this.#native.peekFunction();
  }

  /** The core's validation throws the exact error the reference would; else map the native one. */
  #fail(error: unknown, key: string, nowMs: number, cost: number): never {
    checkKey(key);
    checkTake(nowMs, cost, this.limit);
    throw fromNativeError(error);
  }

  #decision(): RateLimitDecision {
    const out = this.#out;
    return {
      allowed: out[LAYOUT.decisionAllowed] === 1,
      limit: out[LAYOUT.decisionLimit]!,
      remaining: out[LAYOUT.decisionRemaining]!,
      retryAfterMs: out[LAYOUT.decisionRetryAfterMs]!,
      resetMs: out[LAYOUT.decisionResetMs]!,
    };
  }

  /** See `RateLimiter.take` in `@switchyard/core`: same decisions, same errors. */
  take(key: string, nowMs: number = monotonicNowMs(), cost = 1): RateLimitDecision {
    try {
      this.#take(key, nowMs, cost);
    } catch (error) {
      this.#fail(error, key, nowMs, cost);
    }
    return this.#decision();
  }

  /** The decision `take` would make, changing nothing. */
  peek(key: string, nowMs: number = monotonicNowMs(), cost = 1): RateLimitDecision {
    try {
      this.#peek(key, nowMs, cost);
    } catch (error) {
      this.#fail(error, key, nowMs, cost);
    }
    return this.#decision();
  }

  /** Forgets `key`; returns whether it was stored. */
  reset(key: string): boolean {
    try {
      return this.#native.reset(key);
    } catch (error) {
      checkKey(key);
      throw fromNativeError(error);
    }
  }

  /** Slot index where `key` is stored, or -1 (layout introspection). @internal */
  slotOf(key: string): number {
    try {
      return this.#native.slotOf(key);
    } catch (error) {
      checkKey(key);
      throw fromNativeError(error);
    }
  }

  /** Keys currently stored. */
  get size(): number {
    return this.#native.size();
  }
}

/**
 * `@switchyard/core`'s `RateLimiter` backed by the native core: same options, decisions, errors.
 * Built for a binding by {@link nativeRateLimiter}.
 * @internal
 */
export class NativeRateLimiter extends NativeLimiterBase implements Contracts.RateLimiter {
  readonly options: NormalizedRateLimiterOptions;

  constructor(binding: NativeBinding, options: RateLimiterOptions) {
    const o = normalizeRateLimiterOptions(options);
    super(binding, LAYOUT.limiterTokenBucket, o.capacity, o.refillMicroPerMs, o.maxKeys, o.seed);
    this.options = o;
  }
}

/**
 * `@switchyard/core`'s `SlidingWindowLimiter` backed by the native core. Built for a binding by
 * {@link nativeSlidingWindowLimiter}.
 * @internal
 */
export class NativeSlidingWindowLimiter extends NativeLimiterBase implements Contracts.SlidingWindowLimiter {
  readonly options: NormalizedSlidingWindowLimiterOptions;

  constructor(binding: NativeBinding, options: SlidingWindowLimiterOptions) {
    const o = normalizeSlidingWindowOptions(options);
    super(binding, LAYOUT.limiterSlidingWindow, o.limit, o.windowMs, o.maxKeys, o.seed);
    this.options = o;
  }
}

/** The native-backed `RateLimiter` class over `binding`. @internal */
export function nativeRateLimiter(binding: NativeBinding): Contracts.RateLimiterConstructor {
  return class RateLimiter extends NativeRateLimiter {
    constructor(options: RateLimiterOptions) {
      super(binding, options);
    }
  };
}

/** The native-backed `SlidingWindowLimiter` class over `binding`. @internal */
export function nativeSlidingWindowLimiter(binding: NativeBinding): Contracts.SlidingWindowLimiterConstructor {
  return class SlidingWindowLimiter extends NativeSlidingWindowLimiter {
    constructor(options: SlidingWindowLimiterOptions) {
      super(binding, options);
    }
  };
}

/** Keyed token buckets: native when the addon is loaded, else `@switchyard/core`'s class itself. */
export const RateLimiter: Contracts.RateLimiterConstructor = choose<Contracts.RateLimiterConstructor>(
  CoreRateLimiter,
  nativeRateLimiter,
);
/** Keyed sliding-window counters: native when the addon is loaded, else the core class itself. */
export const SlidingWindowLimiter: Contracts.SlidingWindowLimiterConstructor =
  choose<Contracts.SlidingWindowLimiterConstructor>(CoreSlidingWindowLimiter, nativeSlidingWindowLimiter);
/** A {@link RateLimiter} instance. */
export type RateLimiter = Contracts.RateLimiter;
/** A {@link SlidingWindowLimiter} instance. */
export type SlidingWindowLimiter = Contracts.SlidingWindowLimiter;
