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
    out: Int32Array,
  ) => NativeRouterHandle;
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
}
