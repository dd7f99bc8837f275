/**
 * `@switchyard/core`: the pure-TypeScript reference implementation of every Switchyard
 * primitive. Zero runtime dependencies; runs anywhere JavaScript runs. `@switchyard/node`
 * exports the same names backed by the native core.
 *
 * @packageDocumentation
 * @module @switchyard/core
 */
export type * as Contracts from './contracts.js';
export * from './errors.js';
export * from './hashing/index.js';
export * from './ratelimit/index.js';
export * from './router/index.js';
