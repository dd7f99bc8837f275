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
}
