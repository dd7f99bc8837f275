/**
 * `@switchyard/adapters`: Switchyard's primitives put to work outside one process. For now the
 * Redis-backed distributed rate limiter.
 *
 * @packageDocumentation
 * @module @switchyard/adapters
 */
export {
  type NormalizedRedisRateLimiterOptions,
  type RedisEvalClient,
  type RedisFailureMode,
  type RedisLimiterCommonOptions,
  type RedisLimiterState,
  type RedisRateLimitDecision,
  RedisRateLimiter,
  type RedisRateLimiterOptions,
  RedisSlidingWindowLimiter,
  type RedisSlidingWindowLimiterOptions,
} from './redis/index.js';
