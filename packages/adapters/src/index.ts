/**
 * `@switchyard/adapters`: Switchyard's primitives put to work outside one process: here the
 * Redis-backed distributed rate limiter; the gateway in the subpaths `./gateway` (config and
 * pipeline), `./proxy` (the standalone proxy and CLI), `./express` and `./fastify`.
 *
 * @packageDocumentation
 * @module @switchyard/adapters
 */
export {
  type NormalizedRedisRateLimiterOptions,
  type RedisEvalClient,
  type RedisFailureMode,
  type RedisLimiterCommonOptions,
  type RedisLimiterEvents,
  type RedisLimiterState,
  type RedisRateLimitDecision,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  RedisSlidingWindowLimiter,
  type RedisSlidingWindowLimiterOptions,
} from './redis/index.js';
