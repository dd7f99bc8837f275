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
  /** A plain N-API function reading a string argument into a reused buffer (boundary micro-benchmark). */
  pathToucher(): (path: string) => number;
  /** The same through napi-rs `String` (allocates; for comparison). */
  touchPathString(path: string): number;
  /** The Rust router (crates/switchyard-napi/src/router.rs). */
  NativeRouter: new (
    caseSensitive: boolean,
    trailingSlash: string,
    maxParamLength: number,
    encodedSlash: string,
    malformedEncoding: string,
    dotSegments: string,
    mergeSlashes: boolean,
    backslash: string,
    out: Int32Array,
  ) => NativeRouterHandle;
  /**
   * `canonicalizePath` as a plain N-API function with its own scratch: `(policyBits, target) =>
   * 0 | rejection index`, writing `[canonical, pathEnd, segment]` into `out` and a canonical path
   * that differs from the target's path part into `bytes` (see crates/switchyard-napi/src/router.rs).
   */
  pathCanonicalizer(out: Int32Array, bytes: Uint8Array): (policyBits: number, target: string) => number;
  /** Key hash of `key`: writes `[hi, lo]` into `out`. */
  hashingKeyHash(key: string, out: Uint32Array): void;
  /** Consistent hash over nodes given as parallel arrays; see packages/node/src/hashing. */
  NativeConsistentHash: new (
    ids: string[],
    weights: number[],
    algorithm: string,
    vnodesPerWeight: number,
    tableSize: number,
    epsilon: number | null,
  ) => NativeConsistentHashHandle;
  /** Weighted split over targets given as parallel arrays. */
  NativeWeightedSplit: new (
    ids: string[],
    weights: number[],
  ) => NativeWeightedSplitHandle;
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

/** A native consistent hash; nodes are addressed by index (insertion order). @internal */
export interface NativeConsistentHashHandle {
  /**
   * A raw N-API function `(key) => node index`, bound to this instance (and keeping it alive):
   * about 40 ns of boundary instead of the ~300 ns of a napi-rs method call. Get it once.
   */
  pickFunction(): (key: string) => number;
  /** Writes up to `min(n, out.length)` node indices into `out`; returns how many. */
  pickN(key: string, n: number, out: Uint32Array): number;
  add(id: string, weight: number): void;
  remove(index: number): void;
  setHealthy(index: number, healthy: boolean): void;
  /** A raw N-API function `(index, load) => 0` bound to this instance; see `pickFunction`. */
  setLoadFunction(): (index: number, load: number) => number;
  /** NaN when bounded loads are off. */
  loadCap(index: number): number;
}

/** A native weighted split; targets are addressed by index. @internal */
export interface NativeWeightedSplitHandle {
  /** A raw N-API function `(key) => target index` bound to this instance; see `pickFunction`. */
  pickKeyFunction(): (key: string) => number;
  /** A raw N-API function `(random) => target index` bound to this instance. */
  pickRandomFunction(): (random: number) => number;
  setWeight(index: number, weight: number): void;
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

/**
 * A native router. `match` returns the route id or -1 and writes `[count, (start, end, flags) x
 * count]` into the shared array (UTF-16 offsets into `path`; flags 1 = percent-decode, 2 = holds
 * U+FFFD that may stand for a lone surrogate).
 * @internal
 */
export interface NativeRouterHandle {
  add(
    path: string,
    methods: readonly string[] | null,
    host: string | null,
    headerNames: string[],
    headerKinds: number[],
    headerValues: string[],
    queryKeys: string[],
    queryKinds: number[],
    queryValues: string[],
    priority: number,
  ): number;
  paramNames(route: number): string[];
  headerSlots(): string[];
  hasHostRoutes(): boolean;
  methodId(method: string): number;
  /** `[key, method, route, method, route, ...]` for the JS static fast path, or `[]`. */
  staticAnswers(route: number): string[];
  /** The hot call, as a plain N-API function bound to this router: route id or -1. */
  matcher(): (methodId: number, path: string, host: string | undefined) => number;
  matchWithHeaders(
    methodId: number,
    path: string,
    host: string | undefined,
    headers: Array<string | undefined>,
  ): number;
  /**
   * The `resolve` hot call, as a plain N-API function bound to this router: route id or -1, the
   * outcome after the params region of the shared `Int32Array` and a canonical path that differs
   * from the request's in `bytes` (which the router writes from now on).
   */
  resolver(bytes: Uint8Array): (methodId: number, path: string, host: string | undefined) => number;
  resolveWithHeaders(
    methodId: number,
    path: string,
    host: string | undefined,
    headers: Array<string | undefined>,
  ): number;
  /** The value of the param the last match flagged as joined (flag 4). */
  joinedParam(): string;
  /** Method names by id. */
  methodNames(): string[];
  /** The methods of the last "method not allowed", by name (when the shared output is too small). */
  allowedMethods(): string[];
}
