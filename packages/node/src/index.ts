/**
 * `@switchyard/node`: the Switchyard primitives backed by the native Rust core, with the same
 * names and types as `@switchyard/core`, which it falls back to when the addon cannot load.
 * See {@link implementation}.
 *
 * @packageDocumentation
 */
export * from '@switchyard/core';
export { ConsistentHash, keyHash, WeightedSplit } from './hashing/index.js';
export { type Implementation, implementation, nativeLoadError } from './implementation.js';
export { RateLimiter, SlidingWindowLimiter } from './ratelimit/index.js';
export { canonicalizePath, Router } from './router/index.js';
