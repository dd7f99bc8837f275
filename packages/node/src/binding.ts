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
  /**
   * Rate limiters (crates/switchyard-napi/src/ratelimit.rs), as functions over a handle. `kind` 0:
   * token bucket (`a` = capacity, `b` = refill in micro-tokens per ms); 1: sliding window (`a` =
   * limit, `b` = windowMs). `take`/`peek` write `[allowed, limit, remaining, retryAfterMs,
   * resetMs]` into the array given at creation and return `allowed` as 0 or 1.
   */
  rateLimiterCreate(kind: number, a: number, b: number, maxKeys: number, seed: number, decisions: Float64Array): number;
  /** Puts the hot `rateLimiterTake`/`rateLimiterPeek` raw callbacks on `target`. */
  rateLimiterInstall(target: object): void;
  rateLimiterReset(handle: number, key: string): boolean;
  rateLimiterSlotOf(handle: number, key: string): number;
  rateLimiterSize(handle: number): number;
  rateLimiterFree(handle: number): void;
}

/**
 * The hot rate-limit calls, raw N-API callbacks installed by `rateLimiterInstall`: they write the
 * decision array and return nothing.
 * @internal
 */
export interface NativeRateLimitHotPath {
  rateLimiterTake(handle: number, key: string, nowMs: number, cost: number): void;
  rateLimiterPeek(handle: number, key: string, nowMs: number, cost: number): void;
}
