import { createHash } from 'node:crypto';
import {
  InvalidArgumentError,
  type KeyedLimiter,
  type NormalizedRateLimiterOptions,
  type RateLimitDecision,
  RateLimiter,
  type RateLimiterOptions,
  StoreTimeoutError,
  StoreUnavailableError,
} from '@switchyard/core';
import { checkKey, checkKnownKeys, normalizeRateLimiterOptions } from '@switchyard/core/internal';
import { TOKEN_BUCKET_LUA } from './script.js';

/** The part of a Redis client this limiter uses; an ioredis `Redis` or `Cluster` has it. */
export interface RedisEvalClient {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** What to do when Redis fails or does not answer within `timeoutMs`. */
export type RedisFailureMode = 'open' | 'closed' | 'local';

/** Options of {@link RedisRateLimiter}: the token bucket's, plus the Redis ones. */
export interface RedisRateLimiterOptions extends Omit<RateLimiterOptions, 'seed'> {
  /** The client (e.g. `new Redis(url)` from ioredis; set `maxRetriesPerRequest` as you like). */
  client: RedisEvalClient;
  /** Prefix of every Redis key (default `"sy:rl:"`). The key itself goes in a `{hash tag}`. */
  prefix?: string;
  /** Longest wait for Redis per take, in ms (default 100). Past it, `onFailure` applies. */
  timeoutMs?: number;
  /**
   * When Redis errors or times out (default `'local'`): `'open'` admits, `'closed'` denies,
   * `'local'` decides with an in-process limiter of the same options (`local`, or a core
   * `RateLimiter` — insurance that keeps limiting per process while Redis is away).
   */
  onFailure?: RedisFailureMode;
  /** The in-process limiter for `'local'` (default: a `RateLimiter` with the same options). */
  local?: KeyedLimiter;
  /** Called when the limiter goes from healthy to degraded or back. */
  onStateChange?: (state: RedisLimiterState) => void;
}

/** Health of the Redis path, as last observed. */
export interface RedisLimiterState {
  status: 'ok' | 'degraded';
  /**
   * The last failure: a {@link StoreTimeoutError} (no answer within `timeoutMs`) or a
   * {@link StoreUnavailableError} (the client's error as its `cause`, or an unusable reply).
   */
  lastError: StoreTimeoutError | StoreUnavailableError | undefined;
  /** Takes answered by the failure mode instead of Redis, since construction. */
  failures: number;
}

/** A decision, and who made it. */
export interface RedisRateLimitDecision extends RateLimitDecision {
  source: 'redis' | 'fail-open' | 'fail-closed' | 'local';
}

/** The keys of {@link RedisRateLimiterOptions}; any other is an error. */
const REDIS_OPTIONS: readonly (keyof RedisRateLimiterOptions)[] = [
  'capacity',
  'refillPerSecond',
  'maxKeys',
  'client',
  'prefix',
  'timeoutMs',
  'onFailure',
  'local',
  'onStateChange',
];

/** {@link RedisRateLimiterOptions} validated, with the defaults filled in. */
export type NormalizedRedisRateLimiterOptions = NormalizedRateLimiterOptions & {
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly onFailure: RedisFailureMode;
};

/** The script's reply: `[allowed, limit, remaining, retryAfterMs, resetMs]`, all integers. */
function readReply(reply: unknown): number[] {
  if (!Array.isArray(reply) || reply.length !== 5) {
    throw new StoreUnavailableError('Redis', `unexpected reply to the rate-limit script: ${String(reply)}`);
  }
  const fields = reply.map(Number);
  if (!fields.every(Number.isInteger)) {
    throw new StoreUnavailableError('Redis', `unexpected reply to the rate-limit script: ${String(reply)}`);
  }
  return fields;
}

/** Any failure on the Redis path, as the error `state` reports. */
function asStoreError(error: unknown): StoreTimeoutError | StoreUnavailableError {
  if (error instanceof StoreTimeoutError || error instanceof StoreUnavailableError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailableError('Redis', reason, { cause: error });
}

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
export class RedisRateLimiter {
  /** Normalized options: the token bucket's (seed 0), prefix, timeout and failure mode. */
  readonly options: NormalizedRedisRateLimiterOptions;
  readonly #client: RedisEvalClient;
  readonly #local: KeyedLimiter | undefined;
  readonly #onStateChange: ((state: RedisLimiterState) => void) | undefined;
  #state: RedisLimiterState = { status: 'ok', lastError: undefined, failures: 0 };
  /** Server-clock override for tests (ms); `undefined` uses Redis `TIME`. @internal */
  clockOverride: number | undefined;

  /** The Lua script every take runs (to preload it, or to audit it). */
  static readonly script = TOKEN_BUCKET_LUA;
  /** SHA-1 of {@link RedisRateLimiter.script}, as `EVALSHA` names it. */
  static readonly sha = createHash('sha1').update(TOKEN_BUCKET_LUA).digest('hex');

  constructor(options: RedisRateLimiterOptions) {
    checkKnownKeys(options, REDIS_OPTIONS, 'options');
    const { capacity, refillPerSecond, maxKeys } = options;
    // Keys the caller left out stay out, so the bucket's own defaults apply.
    const bucket: RateLimiterOptions = { capacity, refillPerSecond, seed: 0 };
    if (maxKeys !== undefined) bucket.maxKeys = maxKeys;
    const normalized = normalizeRateLimiterOptions(bucket);
    const timeoutMs = options.timeoutMs ?? 100;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new InvalidArgumentError('timeoutMs', `expected a positive integer, got ${String(timeoutMs)}`);
    }
    const onFailure = options.onFailure ?? 'local';
    if (!['open', 'closed', 'local'].includes(onFailure)) {
      throw new InvalidArgumentError('onFailure', `expected "open", "closed" or "local", got ${String(onFailure)}`);
    }
    const prefix = options.prefix ?? 'sy:rl:';
    if (typeof prefix !== 'string') throw new InvalidArgumentError('prefix', `expected a string, got ${typeof prefix}`);
    if (!options.client || typeof options.client.evalsha !== 'function') {
      throw new InvalidArgumentError('client', 'expected a Redis client with evalsha/eval (e.g. ioredis)');
    }
    if (options.local !== undefined && typeof options.local?.take !== 'function') {
      throw new InvalidArgumentError('local', 'expected a limiter with take(key, nowMs, cost), e.g. a RateLimiter');
    }
    if (options.onStateChange !== undefined && typeof options.onStateChange !== 'function') {
      throw new InvalidArgumentError('onStateChange', `expected a function, got ${typeof options.onStateChange}`);
    }
    this.options = { ...normalized, prefix, timeoutMs, onFailure };
    this.#client = options.client;
    this.#onStateChange = options.onStateChange;
    this.#local =
      onFailure === 'local'
        ? (options.local ??
          new RateLimiter({
            capacity: normalized.capacity,
            refillPerSecond: normalized.refillPerSecond,
            maxKeys: normalized.maxKeys,
          }))
        : undefined;
  }

  /** Health of the Redis path. */
  get state(): RedisLimiterState {
    return { ...this.#state };
  }

  /** The Redis key a limiter key is stored under. */
  redisKey(key: string): string {
    return `${this.options.prefix}{${key}}`;
  }

  async #eval(key: string, cost: number): Promise<unknown> {
    const args = [
      this.redisKey(key),
      this.options.capacity,
      this.options.refillMicroPerMs,
      cost,
      this.clockOverride === undefined ? '' : this.clockOverride,
    ];
    try {
      return await this.#client.evalsha(RedisRateLimiter.sha, 1, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
      return await this.#client.eval(TOKEN_BUCKET_LUA, 1, ...args);
    }
  }

  #setState(status: 'ok' | 'degraded', error: StoreTimeoutError | StoreUnavailableError | undefined): void {
    const changed = this.#state.status !== status;
    this.#state = {
      status,
      lastError: error ?? this.#state.lastError,
      failures: this.#state.failures + (status === 'degraded' ? 1 : 0),
    };
    if (changed) this.#onStateChange?.(this.state);
  }

  /**
   * Takes `cost` (default 1) from `key`'s shared budget. Never rejects for a Redis failure; an
   * invalid `key` or `cost` throws `InvalidArgumentError` before Redis is asked.
   */
  async take(key: string, cost = 1): Promise<RedisRateLimitDecision> {
    checkKey(key);
    if (!Number.isInteger(cost) || cost < 0 || cost > this.options.capacity) {
      throw new InvalidArgumentError(
        'cost',
        `expected an integer in [0, ${this.options.capacity}], got ${String(cost)}`,
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreTimeoutError('Redis', this.options.timeoutMs)), this.options.timeoutMs);
    });
    try {
      const [allowed, limit, remaining, retryAfterMs, resetMs] = readReply(
        await Promise.race([this.#eval(key, cost), timeout]),
      );
      this.#setState('ok', undefined);
      return {
        allowed: allowed === 1,
        limit: limit!,
        remaining: remaining!,
        retryAfterMs: retryAfterMs!,
        resetMs: resetMs!,
        source: 'redis',
      };
    } catch (error) {
      this.#setState('degraded', asStoreError(error));
      return this.#fallback(key, cost);
    } finally {
      clearTimeout(timer);
    }
  }

  #fallback(key: string, cost: number): RedisRateLimitDecision {
    const limit = this.options.capacity;
    switch (this.options.onFailure) {
      case 'open':
        return { allowed: true, limit, remaining: 0, retryAfterMs: 0, resetMs: 0, source: 'fail-open' };
      case 'closed':
        return {
          allowed: false,
          limit,
          remaining: 0,
          retryAfterMs: this.options.timeoutMs,
          resetMs: 0,
          source: 'fail-closed',
        };
      default:
        return { ...this.#local!.take(key, undefined, cost), source: 'local' };
    }
  }
}
