/**
 * Shape of the native addon (crates/switchyard-napi). Internal: the public API is the wrapper
 * classes, which keep the semantics of `@switchyard/core`.
 *
 * Every primitive has the same shape on this side: a class for the cold calls, and functions
 * bound to the instance's native state for the hot ones, each got once (`matcher()`,
 * `pickFunction()`, `takeFunction()`...) and kept by the wrapper. Structured results go through
 * typed arrays shared at construction; their layout is `LAYOUT` (layout.ts).
 * @internal
 * @module
 */

/** The addon's exports. @internal */
export interface NativeBinding {
  /** The crate version; the loader requires it to equal this package's version. */
  version(): string;
  /** The data-layout constants by name; the loader requires them to equal `LAYOUT`. */
  layout(): Record<string, number>;
  /** The Rust side's error codes, `{ key: code }` as `ErrorCodes` of `@switchyard/core` spells them. */
  errorCodes(): Record<string, string>;
  /** Cargo features the addon was built with (`testing`: the test-only exports of {@link NativeTestingExports}). */
  features(): string[];
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
    bytes: Uint8Array,
    /** Of the hash tables over request text; omitted: 0. The wrapper passes `options.seed` or the process seed. */
    seed?: number,
  ) => NativeRouterHandle;
  /**
   * `canonicalizePath` as a plain N-API function with its own scratch: `(policy, target) =>
   * LAYOUT.rejectionNone | rejection index`, the policy packed as `LAYOUT.policy*` say, writing
   * the `LAYOUT.canonical*` slots of `out` and a canonical path that differs from the target's
   * path part into `bytes` (at least `LAYOUT.canonicalBytesMin`; a longer path has its length
   * written only).
   */
  pathCanonicalizer(out: Int32Array, bytes: Uint8Array): (policy: number, target: string) => number;
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
   * A rate limiter of kind `LAYOUT.limiterTokenBucket` (`a` = capacity, `b` = refill in
   * micro-tokens per ms) or `LAYOUT.limiterSlidingWindow` (`a` = limit, `b` = windowMs), writing
   * each decision into `decisions` (`LAYOUT.decision*`).
   */
  NativeRateLimiter: new (
    kind: number,
    a: number,
    b: number,
    maxKeys: number,
    seed: number,
    decisions: Float64Array,
  ) => NativeRateLimiterHandle;
}

/** A native consistent hash; nodes are addressed by index (insertion order). @internal */
export interface NativeConsistentHashHandle {
  /**
   * A raw N-API function `(key) => node index`, bound to this instance's native state (which it
   * keeps alive): about 40 ns of boundary instead of the ~300 ns of a napi-rs method call. Get it
   * once.
   */
  pickFunction(): (key: string) => number;
  /** Writes up to `min(n, out.length)` node indices into `out`; returns how many. */
  pickN(key: string, n: number, out: Uint32Array): number;
  add(id: string, weight: number): void;
  remove(index: number): void;
  setHealthy(index: number, healthy: boolean): void;
  /** A raw N-API function `(index, load) => void` bound to this instance; see `pickFunction`. */
  setLoadFunction(): (index: number, load: number) => void;
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

/** A native rate limiter. @internal */
export interface NativeRateLimiterHandle {
  /** A raw N-API function `(key, nowMs, cost) => void` writing the decision array; get it once. */
  takeFunction(): (key: string, nowMs: number, cost: number) => void;
  /** As `takeFunction`, deciding without changing anything. */
  peekFunction(): (key: string, nowMs: number, cost: number) => void;
  reset(key: string): boolean;
  slotOf(key: string): number;
  size(): number;
}

/**
 * A native router. `match` returns the route id or `LAYOUT.routerNoRoute` and writes `[count,
 * (start, end, flags) x count]` into the params region of the shared array (UTF-16 offsets into
 * `path`; flags `LAYOUT.paramDecode`, `LAYOUT.paramReplacementChar`, `LAYOUT.paramJoined`);
 * `resolve` also writes the `LAYOUT.routerResolve*` slots after it, and a canonical path that
 * differs from the request's into the shared bytes.
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
  /** Header names by slot, from slot `from` (default 0). */
  headerSlots(from?: number): string[];
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
   * outcome in the `LAYOUT.routerResolve*` slots and a canonical path that differs from the
   * request's in the shared bytes (its length only, when it does not fit).
   */
  resolver(): (methodId: number, path: string, host: string | undefined) => number;
  /**
   * `matcher()` for a table with header constraints: the value of each header slot
   * (`headerSlots()` order, `undefined` = absent) as one more argument, for at most
   * `LAYOUT.routerHeaderArgs` slots (more: `matchWithHeaders`).
   */
  matcherWithHeaders(): HeaderCall;
  /** `resolver()` with header values, as `matcherWithHeaders()`. */
  resolverWithHeaders(): HeaderCall;
  /** Replaces the shared canonical bytes with a larger array (at least `LAYOUT.canonicalBytesMin`). */
  shareCanonicalBytes(bytes: Uint8Array): void;
  resolveWithHeaders(
    methodId: number,
    path: string,
    host: string | undefined,
    headers: Array<string | undefined>,
  ): number;
  /** The value of the param the last match flagged `LAYOUT.paramJoined`. */
  joinedParam(): string;
  /** Method names by id, from id `from` (default 0). */
  methodNames(from?: number): string[];
  /** The methods of the last "method not allowed", by name (when the params region is too small for their ids). */
  allowedMethods(): string[];
}

/**
 * A bound router call with header values: method id, path, host, then one value per header slot
 * (up to `LAYOUT.routerHeaderArgs`; a missing or `undefined` one is absent). Returns the route id
 * or -1.
 * @internal
 */
export type HeaderCall = (
  methodId: number,
  path: string,
  host: string | undefined,
  h0: string | undefined,
  h1?: string,
  h2?: string,
  h3?: string,
  h4?: string,
  h5?: string,
  h6?: string,
  h7?: string,
) => number;

/**
 * Exports of an addon built with the `testing` cargo feature (scripts/bootstrap.mjs builds it so
 * for `npm test` and `npm run bench`; a production build has none of them).
 * @internal
 */
export interface NativeTestingExports {
  /** Empty call, for the boundary micro-benchmark. */
  noop(): number;
  /** Panics inside the guard; for the test that a panic becomes a typed error. */
  panicForTest(): number;
  /** A bound N-API function reading a string argument into a reused buffer (boundary micro-benchmark). */
  pathToucher(): (path: string) => number;
  /** The same through napi-rs `String` (allocates; for comparison). */
  touchPathString(path: string): number;
  /** Binding-pattern probe: the chosen pattern (bench/binding-pattern.mjs). */
  probeNative(): (key: string) => number;
  /** The isolate's external-memory total as V8 counts it, which native tables report into. */
  externalMemoryTotal(): number;
  /** Net bytes the addon's allocator holds for this thread (allocated less freed). */
  allocatedBytes(): number;
}

/**
 * The test-only exports of `binding`, or an error saying how to get them.
 * @internal
 */
export function testingExports(binding: NativeBinding | null): NativeBinding & NativeTestingExports {
  if (binding === null) {
    throw new Error('this test needs the native addon, which is not loaded (see nativeLoadError)');
  }
  const candidate = binding as NativeBinding & Partial<NativeTestingExports>;
  if (!binding.features().includes('testing') || typeof candidate.noop !== 'function') {
    throw new Error(
      'this test needs the native addon built with the `testing` cargo feature ' +
        '(node scripts/bootstrap.mjs builds it so; or SWITCHYARD_NATIVE_FEATURES=testing node packages/node/build-native.mjs)',
    );
  }
  return candidate as NativeBinding & NativeTestingExports;
}
