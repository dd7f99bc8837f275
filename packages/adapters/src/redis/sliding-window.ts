import { EventEmitter } from 'node:events';
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
  type RedisLimiterCommonOptions,
  type RedisLimiterEvents,
  type RedisLimiterState,
  type RedisRateLimitDecision,
  RedisScriptLimiter,
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
export class RedisSlidingWindowLimiter extends EventEmitter<RedisLimiterEvents> {
  /** Normalized options: the sliding window's (seed 0), prefix, timeout and failure mode. */
  readonly options: NormalizedRedisSlidingWindowLimiterOptions;

  /** The Lua script every take runs (to preload it, or to audit it). */
  static readonly script = SLIDING_WINDOW_LUA;
  /** SHA-1 of {@link RedisSlidingWindowLimiter.script}, as `EVALSHA` names it. */
  static readonly sha = scriptSha(SLIDING_WINDOW_LUA);
  readonly #redis: RedisScriptLimiter;

  constructor(options: RedisSlidingWindowLimiterOptions) {
    super();
    const { normalized, redis } = normalizeRedisLimiterOptions(
      options,
      REDIS_SLIDING_WINDOW_OPTIONS,
      ({ limit, windowMs }): SlidingWindowLimiterOptions => ({ limit, windowMs, seed: 0 }),
      normalizeSlidingWindowOptions,
    );
    this.options = { ...normalized, ...redis };
    const opts = this.options;
    this.#redis = new RedisScriptLimiter(
      options,
      redis,
      normalized.limit,
      {
        source: RedisSlidingWindowLimiter.script,
        sha: RedisSlidingWindowLimiter.sha,
        args: (cost: number) => [opts.limit, opts.windowMs, cost],
        makeLocal: (): KeyedLimiter => {
          const { limit, windowMs, maxKeys } = opts;
          return new SlidingWindowLimiter({ limit, windowMs, maxKeys });
        },
      },
      this,
    );
  }

  /** Health of the Redis path. */
  get state(): RedisLimiterState {
    return this.#redis.state;
  }

  /** The Redis key a limiter key is stored under. */
  redisKey(key: string): string {
    return this.#redis.redisKey(key);
  }

  /**
   * Takes `cost` (default 1) from `key`'s shared budget. Never rejects for a Redis failure; an
   * invalid `key` or `cost` throws `InvalidArgumentError` before Redis is asked.
   */
  take(key: string, cost?: number): Promise<RedisRateLimitDecision> {
    return this.#redis.take(key, cost);
  }

  /** Server-clock override for tests (ms); `undefined` uses Redis `TIME`. @internal */
  get clockOverride(): number | undefined {
    return this.#redis.clockOverride;
  }

  set clockOverride(ms: number | undefined) {
    this.#redis.clockOverride = ms;
  }
}
