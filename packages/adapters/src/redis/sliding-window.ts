import {
  type KeyedLimiter,
  type NormalisedSlidingWindowLimiterOptions,
  normaliseSlidingWindowOptions,
  SlidingWindowLimiter,
  type SlidingWindowLimiterOptions,
} from '@switchyard/core';
import { type RedisFailureMode, RedisLimiterBase, type RedisLimiterCommonOptions, scriptSha } from './base.js';
import { SLIDING_WINDOW_LUA } from './script.js';

/** Options of {@link RedisSlidingWindowLimiter}: the sliding window's, plus the Redis ones. */
export interface RedisSlidingWindowLimiterOptions
  extends Omit<SlidingWindowLimiterOptions, 'seed'>,
    RedisLimiterCommonOptions {}

/**
 * Distributed sliding-window counters in Redis: the decision rule of `SlidingWindowLimiter`
 * (same options, integer arithmetic and decision fields), applied atomically by one Lua script on
 * the Redis server's clock, on one hash-tagged key per limiter key (`<prefix>{<key>}`), with the
 * deadline, failure modes and health state of {@link RedisRateLimiter}.
 */
export class RedisSlidingWindowLimiter extends RedisLimiterBase {
  readonly options: NormalisedSlidingWindowLimiterOptions & {
    prefix: string;
    timeoutMs: number;
    onFailure: RedisFailureMode;
  };

  static readonly script = SLIDING_WINDOW_LUA;
  static readonly sha = scriptSha(SLIDING_WINDOW_LUA);

  constructor(options: RedisSlidingWindowLimiterOptions) {
    const normalised = normaliseSlidingWindowOptions({ ...options, seed: 0 });
    super(options, normalised.limit);
    this.options = {
      ...normalised,
      prefix: options.prefix ?? 'sy:rl:',
      timeoutMs: options.timeoutMs ?? 100,
      onFailure: options.onFailure ?? 'local',
    };
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
