/**
 * `@switchyard/adapters`: Switchyard's primitives put to work outside one process. For now the
 * Redis-backed distributed rate limiter.
 *
 * @packageDocumentation
 */
export {
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
export { SLIDING_WINDOW_LUA, TOKEN_BUCKET_LUA } from './redis/script.js';
