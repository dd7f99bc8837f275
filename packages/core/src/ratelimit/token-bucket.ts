import type * as Contract from '../contracts.js';
import { InvalidArgumentError } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { ceilDiv, checkInteger, MAX_LIMIT, type RateLimitDecision, tableOptions } from './decision.js';
import { KeyedLimiterBase, type Policy } from './limiter.js';

/** Micro-tokens per token: bucket state is kept in millionths of a token. */
const MICRO = 1_000_000;
/** Largest refill rate in micro-tokens per ms (1e9 tokens per second). */
const MAX_REFILL = 1_000_000_000_000;

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Bucket size in whole tokens: the largest burst. Integer, 1 to 1e9. */
  capacity: number;
  /**
   * Tokens added per second, continuously. At most three decimals (0.001 to 1e9): the bucket is
   * kept in micro-tokens and refills by exactly `refillPerSecond × 1000` micro-tokens per ms.
   */
  refillPerSecond: number;
  /** Most keys stored at once (default 100,000; at most 2^26). The table is allocated up front. */
  maxKeys?: number;
  /**
   * Seed of the key hash (uint32). Default: a random seed drawn once per process, so keys crafted
   * to collide cannot be prepared in advance. Pass one when every process of a fleet must place
   * keys alike (reproducible tests, a fleet compared slot by slot); keep it secret then.
   */
  seed?: number;
}

/** `refillPerSecond` → micro-tokens per ms, the integer both implementations use. @internal */
export function refillMicroPerMs(refillPerSecond: unknown): number {
  const perMs = typeof refillPerSecond === 'number' ? Math.round(refillPerSecond * 1000) : Number.NaN;
  if (
    typeof refillPerSecond !== 'number' ||
    !Number.isFinite(refillPerSecond) ||
    perMs < 1 ||
    perMs > MAX_REFILL ||
    Math.abs(refillPerSecond * 1000 - perMs) > 1e-6
  ) {
    throw new InvalidArgumentError(
      'refillPerSecond',
      `expected a number from 0.001 to 1e9 with at most three decimals, got ${String(refillPerSecond)}`,
    );
  }
  return perMs;
}

/**
 * Token-bucket rule. State per key: `[tokens (micro-tokens), lastMs]`.
 *
 * - Refill: at `nowMs > lastMs`, `tokens = min(full, tokens + (nowMs − lastMs) × refill)` and
 *   `lastMs = nowMs`. At `nowMs ≤ lastMs` nothing changes: a clock that goes back adds nothing.
 * - A take of `cost` is admitted when `tokens ≥ cost × 1e6`, and then consumes it.
 * - `remaining = floor(tokens / 1e6)`; `retryAfterMs = behind + ceil((cost×1e6 − tokens) / refill)`
 *   and `resetMs = behind + ceil((full − tokens) / refill)` (0 when full), where
 *   `behind = max(0, lastMs − nowMs)`.
 * @internal
 */
export class TokenBucketPolicy implements Policy {
  readonly limit: number;
  readonly width = 2;
  readonly full: number;
  readonly refill: number;

  constructor(capacity: number, refill: number) {
    this.limit = capacity;
    this.full = capacity * MICRO;
    this.refill = refill;
  }

  fresh(s: Float64Array, at: number, nowMs: number): void {
    s[at] = this.full;
    s[at + 1] = nowMs;
  }

  /** Tokens at `nowMs` (state unchanged). */
  private tokensAt(s: Float64Array, at: number, nowMs: number): number {
    const tokens = s[at]!;
    const last = s[at + 1]!;
    if (nowMs <= last) return tokens;
    // Compare before multiplying: elapsed × refill could pass 2^53, the deficit cannot.
    return nowMs - last >= ceilDiv(this.full - tokens, this.refill) ? this.full : tokens + (nowMs - last) * this.refill;
  }

  isIdle(s: Float64Array, at: number, nowMs: number): boolean {
    return nowMs >= s[at + 1]! && this.tokensAt(s, at, nowMs) === this.full;
  }

  decide(s: Float64Array, at: number, nowMs: number, cost: number): RateLimitDecision {
    let tokens = this.tokensAt(s, at, nowMs);
    const last = Math.max(s[at + 1]!, nowMs);
    const behind = last - nowMs;
    const need = cost * MICRO;
    const allowed = tokens >= need;
    let retryAfterMs = 0;
    if (allowed) tokens -= need;
    else retryAfterMs = behind + ceilDiv(need - tokens, this.refill);
    s[at] = tokens;
    s[at + 1] = last;
    return {
      allowed,
      limit: this.limit,
      remaining: (tokens - (tokens % MICRO)) / MICRO,
      retryAfterMs,
      resetMs: tokens === this.full ? 0 : behind + ceilDiv(this.full - tokens, this.refill),
    };
  }
}

/** The keys of {@link RateLimiterOptions}; any other is an error. */
const RATE_LIMITER_OPTIONS: readonly (keyof RateLimiterOptions)[] = ['capacity', 'refillPerSecond', 'maxKeys', 'seed'];

/** {@link RateLimiterOptions} validated and normalized. */
export type NormalizedRateLimiterOptions = Readonly<Required<RateLimiterOptions>> & {
  /** `refillPerSecond × 1000`: micro-tokens added per millisecond. */
  refillMicroPerMs: number;
};

/** Validates and normalizes {@link RateLimiterOptions} without building a limiter. @internal */
export function normalizeRateLimiterOptions(options: RateLimiterOptions): NormalizedRateLimiterOptions {
  checkKnownKeys(options, RATE_LIMITER_OPTIONS, 'options');
  const capacity = checkInteger('capacity', options?.capacity, 1, MAX_LIMIT);
  const refill = refillMicroPerMs(options.refillPerSecond);
  return { capacity, refillPerSecond: refill / 1000, refillMicroPerMs: refill, ...tableOptions(options) };
}

/**
 * Keyed token buckets: each key holds up to `capacity` tokens, refilled continuously at
 * `refillPerSecond`; a take of `cost` tokens is admitted when the bucket holds them. Over any
 * interval of `t` ms a key is admitted at most `capacity + refillPerSecond × t / 1000` cost.
 *
 * Time is an input: `nowMs` is integer milliseconds (default: a monotonic clock, integer
 * `performance.now()`). All arithmetic is on integers below 2^53, so this reference and the
 * native core decide identically. The keyed store is bounded; see `docs/ratelimit.md` for the
 * eviction policy and the shared overflow bucket.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ capacity: 10, refillPerSecond: 5 });
 * const d = limiter.take('203.0.113.7');
 * if (!d.allowed) reply(429, { 'Retry-After': Math.ceil(d.retryAfterMs / 1000) });
 * ```
 */
export class RateLimiter extends KeyedLimiterBase implements Contract.RateLimiter {
  /** Normalized options: capacity, refill in micro-tokens per ms, maxKeys, seed. */
  readonly options: NormalizedRateLimiterOptions;

  constructor(options: RateLimiterOptions) {
    const normalized = normalizeRateLimiterOptions(options);
    super(new TokenBucketPolicy(normalized.capacity, normalized.refillMicroPerMs), normalized);
    this.options = normalized;
  }
}
