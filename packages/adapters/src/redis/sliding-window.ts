import {
  type KeyedLimiter,
  type NormalizedSlidingWindowLimiterOptions,
  SlidingWindowLimiter,
  type SlidingWindowLimiterOptions,
} from '@switchyard/core';
import { normalizeSlidingWindowOptions } from '@switchyard/core/internal';
import {
  type NormalizedRedisOptions,
  normalizeRedisLimiterOptions,
  REDIS_COMMON_OPTIONS,
  RedisLimiterBase,
  type RedisLimiterCommonOptions,
  scriptSha,
} from './base.js';
import { SLIDING_WINDOW_LUA } from './script.js';

/** Options of {@link RedisSlidingWindowLimiter}: the sliding window's, plus the Redis ones. */
export interface RedisSlidingWindowLimiterOptions
  extends Omit<SlidingWindowLimiterOptions, 'seed'>,
    RedisLimiterCommonOptions {}

/** {@link RedisSlidingWindowLimiterOptions} validated, with the defaults filled in. */
export type NormalizedRedisSlidingWindowLimiterOptions = NormalizedSlidingWindowLimiterOptions & NormalizedRedisOptions;

/** The keys of {@link RedisSlidingWindowLimiterOptions}; any other is an error. */
const REDIS_SLIDING_WINDOW_OPTIONS: readonly string[] = ['limit', 'windowMs', 'maxKeys', ...REDIS_COMMON_OPTIONS];

/**
 * Distributed sliding-window counters in Redis: the decision rule of `SlidingWindowLimiter`
 * (same options, integer arithmetic and decision fields), applied atomically by one Lua script on
 * the Redis server's clock, on one hash-tagged key per limiter key (`<prefix>{<key>}`), with the
 * deadline, failure modes and health state of {@link RedisRateLimiter}.
 */
export class RedisSlidingWindowLimiter extends RedisLimiterBase {
  /** Normalized options: the sliding window's (seed 0), prefix, timeout and failure mode. */
  readonly options: NormalizedRedisSlidingWindowLimiterOptions;

  /** The Lua script every take runs (to preload it, or to audit it). */
  static readonly script = SLIDING_WINDOW_LUA;
  /** SHA-1 of {@link RedisSlidingWindowLimiter.script}, as `EVALSHA` names it. */
  static readonly sha = scriptSha(SLIDING_WINDOW_LUA);

  constructor(options: RedisSlidingWindowLimiterOptions) {
    const { normalized, redis } = normalizeRedisLimiterOptions(
      options,
      REDIS_SLIDING_WINDOW_OPTIONS,
      ({ limit, windowMs }): SlidingWindowLimiterOptions => ({ limit, windowMs, seed: 0 }),
      normalizeSlidingWindowOptions,
    );
    super(options, redis, normalized.limit);
    this.options = { ...normalized, ...redis };
  }

  protected get script(): { source: string; sha: string } {
    return { source: RedisSlidingWindowLimiter.script, sha: RedisSlidingWindowLimiter.sha };
  }

  protected scriptArgs(cost: number): (string | number)[] {
    return [this.options.limit, this.options.windowMs, cost];
  }

  protected makeLocal(): KeyedLimiter {
    const { limit, windowMs, maxKeys } = this.options;
    return new SlidingWindowLimiter({ limit, windowMs, maxKeys });
  }
}
