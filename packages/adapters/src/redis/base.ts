import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import {
  InvalidArgumentError,
  type KeyedLimiter,
  type RateLimitDecision,
  StoreTimeoutError,
  StoreUnavailableError,
} from '@switchyard/core';
import { checkKey, checkKnownKeys } from '@switchyard/core/internal';

/**
 * The part of a Redis client the limiters use; an ioredis `Redis` or `Cluster` has it.
 *
 * `status` and `on` are optional: when the client has them (ioredis does), once it has been ready
 * a take is sent only while `status` is `'ready'`, so nothing waits in the client's offline queue
 * during an outage to be replayed when Redis comes back, and the client's `'error'` events reach
 * the limiter (its `state` and its own `'error'` event) instead of the console.
 */
export interface RedisEvalClient {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  /** Connection status; ioredis: `'wait'`, `'connecting'`, `'ready'`, `'reconnecting'`, `'end'`... */
  readonly status?: string;
  /** Subscribes to the client's events; the limiters listen for `'error'`. */
  on?(event: 'error', listener: (error: unknown) => void): unknown;
}

/** What to do when Redis fails or does not answer within `timeoutMs`. */
export type RedisFailureMode = 'open' | 'closed' | 'local';

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

/** The events a distributed limiter emits. */
export interface RedisLimiterEvents {
  /**
   * A connection error of the client, or a take answered by the failure mode. Emitted only when
   * someone listens: unlike a bare `EventEmitter`, a limiter with no `'error'` listener does not
   * throw; `state` and `onStateChange` report the failure either way.
   */
  error: [StoreTimeoutError | StoreUnavailableError];
}

/** The Redis options every distributed limiter takes. */
export interface RedisLimiterCommonOptions {
  /**
   * The client, e.g. `new Redis(url, { autoResendUnfulfilledCommands: false })` from ioredis.
   * Takes are only sent while the client is ready; turning off ioredis's resend of commands that
   * were in flight when the connection dropped also keeps those few from being applied twice.
   */
  client: RedisEvalClient;
  /** Prefix of every Redis key (default `"sy:rl:"`). The key itself goes in a `{hash tag}`. */
  prefix?: string;
  /** Longest wait for Redis per take, in ms (default 100). Past it, `onFailure` applies. */
  timeoutMs?: number;
  /**
   * When Redis errors or times out (default `'local'`): `'open'` admits, `'closed'` denies,
   * `'local'` decides with an in-process limiter of the same options (`local`, or a core
   * limiter of the same kind — insurance that keeps limiting per process while Redis is away).
   */
  onFailure?: RedisFailureMode;
  /** The in-process limiter for `'local'` (default: a core limiter with the same options). */
  local?: KeyedLimiter;
  /** Called when the limiter goes from healthy to degraded or back. */
  onStateChange?: (state: RedisLimiterState) => void;
}

/** The keys of {@link RedisLimiterCommonOptions}; with a limiter's own keys, any other is an error. */
export const REDIS_COMMON_OPTIONS: readonly (keyof RedisLimiterCommonOptions)[] = [
  'client',
  'prefix',
  'timeoutMs',
  'onFailure',
  'local',
  'onStateChange',
];

/** {@link RedisLimiterCommonOptions} validated, with the defaults filled in. */
export interface NormalizedRedisOptions {
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly onFailure: RedisFailureMode;
}

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
  return new StoreUnavailableError('Redis', describe(error), { cause: error });
}

/** Validates the Redis options every distributed limiter takes. @internal */
export function normalizeRedisOptions(options: RedisLimiterCommonOptions): NormalizedRedisOptions {
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
  return { prefix, timeoutMs, onFailure };
}

/**
 * The options of a distributed limiter, checked and normalized the one way both limiters do it:
 * unknown keys first (before any is read), then the algorithm's own options (`pick` takes them,
 * with `seed: 0`; `maxKeys` is added only when given, so keys the caller left out stay out and
 * the algorithm's own defaults apply), then the Redis ones. @internal
 */
export function normalizeRedisLimiterOptions<
  O extends RedisLimiterCommonOptions & { maxKeys?: number },
  A extends { maxKeys?: number },
  N,
>(
  options: O,
  known: readonly string[],
  pick: (options: O) => A,
  normalize: (own: A) => N,
): { normalized: N; redis: NormalizedRedisOptions } {
  checkKnownKeys(options, known, 'options');
  const own = pick(options);
  const { maxKeys } = options;
  if (maxKeys !== undefined) own.maxKeys = maxKeys;
  const normalized = normalize(own);
  return { normalized, redis: normalizeRedisOptions(options) };
}

/** SHA-1 of a script, what `EVALSHA` names it by. @internal */
export function scriptSha(script: string): string {
  return createHash('sha1').update(script).digest('hex');
}

/**
 * What a distributed limiter's rule supplies: its Lua script, the script's arguments for a take,
 * and the in-process limiter of the same rule. @internal
 */
export interface RedisRule {
  /** The Lua script and its SHA-1. */
  readonly source: string;
  readonly sha: string;
  /** ARGV after the key, for a take of `cost` (the clock override is appended). */
  args(cost: number): (string | number)[];
  /** The in-process limiter of the same rule, for `onFailure: 'local'` without `local`. */
  makeLocal(): KeyedLimiter;
}

/**
 * What the distributed limiters share: one Lua script per take on one hash-tagged key, a
 * deadline on every take, the failure modes and the health state. The public limiters hold one
 * (with their {@link RedisRule}) rather than extend it, so that an editor's hover and the API
 * reference name `RedisRateLimiter.take`, not this internal class. Its events go out on the public
 * limiter (`events`), which is the `EventEmitter` users listen to. @internal
 */
export class RedisScriptLimiter {
  readonly #client: RedisEvalClient;
  readonly #onStateChange: ((state: RedisLimiterState) => void) | undefined;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #onFailure: RedisFailureMode;
  readonly #limit: number;
  readonly #rule: RedisRule;
  readonly #events: EventEmitter<RedisLimiterEvents>;
  #local: KeyedLimiter | undefined;
  #state: RedisLimiterState = { status: 'ok', lastError: undefined, failures: 0 };
  /** The client's first connection is over: it was ready, or it failed (an error, a reconnect). */
  #firstConnectionOver = false;
  /** Takes that had no answer within `timeoutMs` and whose command has not settled since. */
  #unanswered = 0;
  /** When the last take was handed to the client (ms, `performance.now()`). */
  #lastSentMs = Number.NEGATIVE_INFINITY;
  /** Server-clock override for tests (ms); `undefined` uses Redis `TIME`. @internal */
  clockOverride: number | undefined;

  constructor(
    options: RedisLimiterCommonOptions,
    redis: NormalizedRedisOptions,
    limit: number,
    rule: RedisRule,
    events: EventEmitter<RedisLimiterEvents>,
  ) {
    const { prefix, timeoutMs, onFailure } = redis;
    this.#client = options.client;
    this.#onStateChange = options.onStateChange;
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
    this.#onFailure = onFailure;
    this.#limit = limit;
    this.#rule = rule;
    this.#events = events;
    this.#local = onFailure === 'local' ? options.local : undefined;
    listenForClientErrors(this.#client, this);
  }

  /** Health of the Redis path. */
  get state(): RedisLimiterState {
    return { ...this.#state };
  }

  /** The Redis key a limiter key is stored under. */
  redisKey(key: string): string {
    return `${this.#prefix}{${key}}`;
  }

  async #eval(key: string, cost: number): Promise<unknown> {
    const args = [this.redisKey(key), ...this.#rule.args(cost), this.clockOverride ?? ''];
    const { source, sha } = this.#rule;
    try {
      return await this.#client.evalsha(sha, 1, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
      return await this.#client.eval(source, 1, ...args);
    }
  }

  /** A connection error the client reported: the path is degraded until a take succeeds. @internal */
  clientError(error: unknown): void {
    this.#firstConnectionOver = true;
    this.#fail(new StoreUnavailableError('Redis', `connection error: ${describe(error)}`, { cause: error }));
  }

  #fail(error: StoreTimeoutError | StoreUnavailableError): void {
    this.#setState('degraded', error);
    if (this.#events.listenerCount('error') > 0) this.#events.emit('error', error);
  }

  /**
   * Why a take must not be sent now, or undefined when the client can take it. A client that
   * lost its connection queues what it is given and sends it when it is back, long after the
   * request was answered by the failure mode: so once the client has been ready (or says it is
   * reconnecting), only a ready client gets a take. During its first connection attempt a client
   * may queue one briefly (a lazily connecting client connects on its first command); the take
   * still waits no longer than `timeoutMs`. Once that attempt failed (a Redis down at start-up),
   * the client is in an outage like any other: nothing more is queued.
   *
   * A client that is connected but whose Redis does not answer (a frozen or overloaded server)
   * would be sent every take, each to be answered by the failure mode after `timeoutMs` and applied
   * when Redis catches up. So while a take that timed out has no answer yet, the others are
   * answered by the failure mode at once, without being sent; one is sent as a probe every
   * {@link probeIntervalMs}, in case the client never settles the one outstanding.
   */
  #notReady(): StoreUnavailableError | undefined {
    const status = this.#client.status;
    if (status === undefined || status === 'ready') {
      this.#firstConnectionOver ||= status === 'ready';
      if (this.#unanswered > 0 && performance.now() - this.#lastSentMs < probeIntervalMs(this.#timeoutMs)) {
        return new StoreUnavailableError(
          'Redis',
          `an earlier take has had no answer for more than ${this.#timeoutMs} ms; not sent until Redis answers`,
        );
      }
      return undefined;
    }
    if (!this.#firstConnectionOver && STARTING.has(status)) return undefined;
    this.#firstConnectionOver = true;
    return new StoreUnavailableError('Redis', `the client is not connected (status "${status}")`);
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
    if (!Number.isInteger(cost) || cost < 0 || cost > this.#limit) {
      throw new InvalidArgumentError('cost', `expected an integer in [0, ${this.#limit}], got ${String(cost)}`);
    }
    // Never hand a take to a client that would queue it: a queued take is replayed, and charged,
    // when Redis comes back, long after this request was answered by the failure mode.
    const notReady = this.#notReady();
    if (notReady !== undefined) {
      this.#fail(notReady);
      return this.#fallback(key, cost);
    }
    let timer: NodeJS.Timeout | undefined;
    const sent = this.#eval(key, cost);
    this.#lastSentMs = performance.now();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Counted until the command settles, whatever its outcome (see #notReady).
        this.#unanswered++;
        const settled = () => {
          this.#unanswered--;
        };
        sent.then(settled, settled);
        reject(new StoreTimeoutError('Redis', this.#timeoutMs));
      }, this.#timeoutMs);
    });
    try {
      const [allowed, limit, remaining, retryAfterMs, resetMs] = readReply(await Promise.race([sent, timeout]));
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
      this.#fail(asStoreError(error));
      return this.#fallback(key, cost);
    } finally {
      clearTimeout(timer);
    }
  }

  #fallback(key: string, cost: number): RedisRateLimitDecision {
    const limit = this.#limit;
    switch (this.#onFailure) {
      case 'open':
        return { allowed: true, limit, remaining: 0, retryAfterMs: 0, resetMs: 0, source: 'fail-open' };
      case 'closed':
        return {
          allowed: false,
          limit,
          remaining: 0,
          retryAfterMs: this.#timeoutMs,
          resetMs: 0,
          source: 'fail-closed',
        };
      default:
        this.#local ??= this.#rule.makeLocal();
        return { ...this.#local.take(key, undefined, cost), source: 'local' };
    }
  }
}

/**
 * How often a take is still sent while an earlier one that timed out has no answer: a probe, so
 * that a client which never settles that command cannot keep the limiter on its failure mode.
 */
export function probeIntervalMs(timeoutMs: number): number {
  return Math.max(1_000, 10 * timeoutMs);
}

/** Client statuses (ioredis's) of a first connection, before any outage. */
const STARTING = new Set(['wait', 'connecting', 'connect']);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One `'error'` listener per client, shared by every limiter on it (a gateway has one limiter per
 * policy on one client: a listener each would trip Node's max-listeners warning). Limiters are
 * held weakly, so a dropped limiter (a reload) is not kept alive by its client.
 */
const limitersByClient = new WeakMap<object, Set<WeakRef<RedisScriptLimiter>>>();

function listenForClientErrors(client: RedisEvalClient, limiter: RedisScriptLimiter): void {
  if (typeof client.on !== 'function') return;
  let limiters = limitersByClient.get(client);
  if (limiters === undefined) {
    const set = new Set<WeakRef<RedisScriptLimiter>>();
    limiters = set;
    limitersByClient.set(client, set);
    client.on('error', (error) => {
      for (const ref of set) {
        const live = ref.deref();
        if (live === undefined) set.delete(ref);
        else live.clientError(error);
      }
    });
  }
  for (const ref of limiters) if (ref.deref() === undefined) limiters.delete(ref);
  limiters.add(new WeakRef(limiter));
}
