/**
 * Shape of the native addon (crates/switchyard-napi). Internal: the public API is the wrapper
 * classes, which keep the semantics of `@switchyard/core`.
 * @internal
 */
export interface NativeBinding {
  /** Empty call, for the boundary micro-benchmark. */
  noop(): number;
  /** Panics inside the guard; for the test that a panic becomes a typed error. */
  panicForTest(): number;
  /** Keyed token buckets; see crates/switchyard-napi/src/ratelimit.rs. */
  NativeRateLimiter: new (
    capacity: number,
    refillMicroPerMs: number,
    maxKeys: number,
    seed: number,
    decisions: Float64Array,
  ) => NativeKeyedLimiter;
  /** Keyed sliding-window counters. */
  NativeSlidingWindowLimiter: new (
    limit: number,
    windowMs: number,
    maxKeys: number,
    seed: number,
    decisions: Float64Array,
  ) => NativeKeyedLimiter;
}

/**
 * A native limiter. `take`/`peek` write `[allowed, limit, remaining, retryAfterMs, resetMs]` into
 * the array given at construction and return `allowed` as 0 or 1.
 * @internal
 */
export interface NativeKeyedLimiter {
  take(key: string, nowMs: number, cost: number): number;
  peek(key: string, nowMs: number, cost: number): number;
  reset(key: string): boolean;
  slotOf(key: string): number;
  readonly size: number;
}
