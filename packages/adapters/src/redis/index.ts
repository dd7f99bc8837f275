import {
  type KeyedLimiter,
  type NormalizedRateLimiterOptions,
  RateLimiter,
  type RateLimiterOptions,
} from '@switchyard/core';
import { normalizeRateLimiterOptions } from '@switchyard/core/internal';
import {
  type NormalizedRedisOptions,
  normalizeRedisLimiterOptions,
  REDIS_COMMON_OPTIONS,
  RedisLimiterBase,
  type RedisLimiterCommonOptions,
  scriptSha,
} from './base.js';
import { TOKEN_BUCKET_LUA } from './script.js';

export type {
  RedisEvalClient,
  RedisFailureMode,
  RedisLimiterCommonOptions,
  RedisLimiterEvents,
  RedisLimiterState,
  RedisRateLimitDecision,
} from './base.js';
export {
  RedisSlidingWindowLimiter,
  type RedisSlidingWindowLimiterOptions,
} from './sliding-window.js';

/** Options of {@link RedisRateLimiter}: the token bucket's, plus the Redis ones. */
export interface RedisRateLimiterOptions extends Omit<RateLimiterOptions, 'seed'>, RedisLimiterCommonOptions {}

/** {@link RedisRateLimiterOptions} validated, with the defaults filled in. */
export type NormalizedRedisRateLimiterOptions = NormalizedRateLimiterOptions & NormalizedRedisOptions;

/** The keys of {@link RedisRateLimiterOptions}; any other is an error. */
const REDIS_RATE_LIMITER_OPTIONS: readonly string[] = [
  'capacity',
  'refillPerSecond',
  'maxKeys',
  ...REDIS_COMMON_OPTIONS,
];

/**
 * Distributed token buckets in Redis: the decision rule of `RateLimiter` (same options, same
 * integer arithmetic, same decision fields), applied atomically by one Lua script on the Redis
 * server's clock, so every gateway process shares each key's budget. Keys are
 * `<prefix>{<key>}`: one key per script call, hash-tagged, so it runs on Redis Cluster.
 *
 * No request waits on Redis longer than `timeoutMs`: on an error or a timeout the take is
 * answered by `onFailure` and `state` reports it (`onStateChange` is told). Differences from the
 * in-process limiter: no `maxKeys` (Redis memory is bounded by expiry: a bucket lives only until
 * it is full again), and time cannot be passed in (the server clock decides).
 */
export class RedisRateLimiter extends RedisLimiterBase {
  /** Normalized options: the token bucket's (seed 0), prefix, timeout and failure mode. */
  readonly options: NormalizedRedisRateLimiterOptions;

  /** The Lua script every take runs (to preload it, or to audit it). */
  static readonly script = TOKEN_BUCKET_LUA;
  /** SHA-1 of {@link RedisRateLimiter.script}, as `EVALSHA` names it. */
  static readonly sha = scriptSha(TOKEN_BUCKET_LUA);

  constructor(options: RedisRateLimiterOptions) {
    const { normalized, redis } = normalizeRedisLimiterOptions(
      options,
      REDIS_RATE_LIMITER_OPTIONS,
      ({ capacity, refillPerSecond }): RateLimiterOptions => ({ capacity, refillPerSecond, seed: 0 }),
      normalizeRateLimiterOptions,
    );
    super(options, redis, normalized.capacity);
    this.options = { ...normalized, ...redis };
  }

  protected get script(): { source: string; sha: string } {
    return { source: RedisRateLimiter.script, sha: RedisRateLimiter.sha };
  }

  protected scriptArgs(cost: number): (string | number)[] {
    return [this.options.capacity, this.options.refillMicroPerMs, cost];
  }

  protected makeLocal(): KeyedLimiter {
    const { capacity, refillPerSecond, maxKeys } = this.options;
    return new RateLimiter({ capacity, refillPerSecond, maxKeys });
  }
}
