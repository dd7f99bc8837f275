import { createHash } from 'node:crypto';
import {
  InvalidArgumentError,
  type KeyedLimiter,
  normalizeRateLimiterOptions,
  type RateLimitDecision,
  RateLimiter,
  type RateLimiterOptions,
} from '@switchyard/core';
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
  /** The error (or timeout) that made it degraded. */
  lastError: Error | undefined;
  /** Takes answered by the failure mode instead of Redis, since construction. */
  failures: number;
}

/** A decision, and who made it. */
export interface RedisRateLimitDecision extends RateLimitDecision {
  source: 'redis' | 'fail-open' | 'fail-closed' | 'local';
}

class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = 'RedisTimeoutError';
  }
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
  readonly options: ReturnType<typeof normalizeRateLimiterOptions> & {
    prefix: string;
    timeoutMs: number;
    onFailure: RedisFailureMode;
  };
  readonly #client: RedisEvalClient;
  readonly #local: KeyedLimiter | undefined;
  readonly #onStateChange: ((state: RedisLimiterState) => void) | undefined;
  #state: RedisLimiterState = { status: 'ok', lastError: undefined, failures: 0 };
  /** Server-clock override for tests (ms); `undefined` uses Redis `TIME`. @internal */
  clockOverride: number | undefined;

  static readonly script = TOKEN_BUCKET_LUA;
  static readonly sha = createHash('sha1').update(TOKEN_BUCKET_LUA).digest('hex');

  constructor(options: RedisRateLimiterOptions) {
    const normalized = normalizeRateLimiterOptions({ ...options, seed: 0 });
    const timeoutMs = options.timeoutMs ?? 100;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new InvalidArgumentError('timeoutMs', `expected a positive integer, got ${String(timeoutMs)}`);
    }
    const onFailure = options.onFailure ?? 'local';
    if (!['open', 'closed', 'local'].includes(onFailure)) {
      throw new InvalidArgumentError('onFailure', `expected "open", "closed" or "local", got ${String(onFailure)}`);
    }
    if (!options.client || typeof options.client.evalsha !== 'function') {
      throw new InvalidArgumentError('client', 'expected a Redis client with evalsha/eval (e.g. ioredis)');
    }
    this.options = { ...normalized, prefix: options.prefix ?? 'sy:rl:', timeoutMs, onFailure };
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

  async #eval(key: string, cost: number): Promise<unknown[]> {
    const args = [
      this.redisKey(key),
      this.options.capacity,
      this.options.refillMicroPerMs,
      cost,
      this.clockOverride === undefined ? '' : this.clockOverride,
    ];
    try {
      return (await this.#client.evalsha(RedisRateLimiter.sha, 1, ...args)) as unknown[];
    } catch (error) {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
      return (await this.#client.eval(TOKEN_BUCKET_LUA, 1, ...args)) as unknown[];
    }
  }

  #setState(status: 'ok' | 'degraded', error: Error | undefined): void {
    const changed = this.#state.status !== status;
    this.#state = {
      status,
      lastError: error ?? this.#state.lastError,
      failures: this.#state.failures + (status === 'degraded' ? 1 : 0),
    };
    if (changed) this.#onStateChange?.(this.state);
  }

  /** Takes `cost` (default 1) from `key`'s shared budget. Never rejects for a Redis failure. */
  async take(key: string, cost = 1): Promise<RedisRateLimitDecision> {
    if (!Number.isInteger(cost) || cost < 0 || cost > this.options.capacity) {
      throw new InvalidArgumentError(
        'cost',
        `expected an integer in [0, ${this.options.capacity}], got ${String(cost)}`,
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
    });
    try {
      const reply = await Promise.race([this.#eval(key, cost), timeout]);
      this.#setState('ok', undefined);
      const [allowed, limit, remaining, retryAfterMs, resetMs] = reply.map(Number);
      return {
        allowed: allowed === 1,
        limit: limit!,
        remaining: remaining!,
        retryAfterMs: retryAfterMs!,
        resetMs: resetMs!,
        source: 'redis',
      };
    } catch (error) {
      this.#setState('degraded', error instanceof Error ? error : new Error(String(error)));
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
