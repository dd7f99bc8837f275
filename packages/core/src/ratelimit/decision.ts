import { InvalidArgumentError } from '../errors.js';
import { processSeed } from '../seed.js';

/** What one `take` or `peek` decided. Every field is a non-negative integer (or a boolean). */
export interface RateLimitDecision {
  /** Whether the request is admitted (and, for `take`, its cost consumed). */
  allowed: boolean;
  /** The configured limit: `capacity` for a token bucket, `limit` for a sliding window. */
  limit: number;
  /** Whole units still available after this decision; never negative. */
  remaining: number;
  /**
   * 0 when allowed. When denied: the smallest wait, in ms, after which the same take, with no
   * other traffic on the key, is admitted — one millisecond earlier it would still be denied.
   */
  retryAfterMs: number;
  /**
   * Milliseconds from `nowMs` until, with no further traffic, the key's whole limit is available
   * again: the bucket is full, or both counted windows have expired. 0 when it already is. This
   * is what the `RateLimit` header's `t` and `X-RateLimit-Reset` report (in seconds, rounded up).
   */
  resetMs: number;
}

/** The operations both limiters (reference and native) offer. */
export interface KeyedLimiter {
  /** Takes `cost` (default 1) from `key`'s budget at `nowMs` if available; says what happened. */
  take(key: string, nowMs?: number, cost?: number): RateLimitDecision;
  /** The decision `take` would make, changing nothing. */
  peek(key: string, nowMs?: number, cost?: number): RateLimitDecision;
  /** Forgets `key`; returns whether it was stored. */
  reset(key: string): boolean;
  /** Keys currently stored. */
  readonly size: number;
  /** `capacity` or `limit`. */
  readonly limit: number;
}

/** Largest accepted `nowMs` (exclusive): 2^50 ms. Keeps every sum of times below 2^53. */
export const MAX_NOW_MS = 2 ** 50;
/** Largest accepted `capacity`, `limit` and `cost`. */
export const MAX_LIMIT = 1_000_000_000;
/** Largest accepted `maxKeys`. */
export const MAX_KEYS = 2 ** 26;
/** Default `maxKeys`: 100,000 keys, about 3 MB of table. */
export const DEFAULT_MAX_KEYS = 100_000;

// Not in the ES library typings, but in every runtime the core targets (Node, browsers, Deno, Bun).
declare const performance: { now(): number };

/** Integer ms on a monotonic clock: the default `nowMs` of every limiter. */
export function monotonicNowMs(): number {
  return Math.floor(performance.now());
}

/** @internal */
export function checkInteger(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** Validates a key: any string (hashed as its UTF-8 bytes). @internal */
export function checkKey(key: unknown): void {
  if (typeof key !== 'string') throw new InvalidArgumentError('key', `expected a string, got ${typeof key}`);
}

/** Validates `nowMs` (defaulting it to the monotonic clock) and `cost`. @internal */
export function checkTake(nowMs: number | undefined, cost: number, limit: number): number {
  const now = nowMs === undefined ? monotonicNowMs() : nowMs;
  checkInteger('nowMs', now, 0, MAX_NOW_MS - 1);
  checkInteger('cost', cost, 0, limit);
  return now;
}

/** Normalized limiter options shared by both kinds. @internal */
export interface TableOptions {
  maxKeys: number;
  seed: number;
}

/** @internal */
export function tableOptions(options: { maxKeys?: number; seed?: number }): TableOptions {
  return {
    maxKeys: checkInteger('maxKeys', options.maxKeys ?? DEFAULT_MAX_KEYS, 1, MAX_KEYS),
    seed: checkInteger('seed', options.seed ?? processSeed(), 0, 0xffffffff),
  };
}

/** `ceil(a / b)` for integers `0 ≤ a < 2^53`, `b ≥ 1`: `%` is exact, so is the division after. */
export function ceilDiv(a: number, b: number): number {
  const r = a % b;
  return (a - r) / b + (r === 0 ? 0 : 1);
}

/** `floor(a / b)` for integers `0 ≤ a < 2^53`, `b ≥ 1`. */
export function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}
