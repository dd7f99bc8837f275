import type * as Contract from '../contracts.js';
import { checkKnownKeys } from '../options.js';
import { checkInteger, floorDiv, MAX_LIMIT, type RateLimitDecision, tableOptions } from './decision.js';
import { KeyedLimiterBase, type Policy } from './limiter.js';

/** Largest accepted `limit × windowMs`, so every term of the rule stays below 2^53. */
export const MAX_LIMIT_TIMES_WINDOW = 2 ** 51;

/** Options of {@link SlidingWindowLimiter}. */
export interface SlidingWindowLimiterOptions {
  /** Cost admitted per window. Integer, 1 to 1e9. */
  limit: number;
  /** Window length in ms. Integer ≥ 1, with `limit × windowMs ≤ 2^51`. */
  windowMs: number;
  /** Most keys stored at once (default 100,000; at most 2^26). */
  maxKeys?: number;
  /** Seed of the key hash (uint32); default random per process, as for `RateLimiter`. */
  seed?: number;
}

/**
 * Sliding-window-counter rule. State per key: `[window, prev, cur]` — the index of the current
 * fixed window (`floor(ms / W)`), the cost admitted in the window before it and in it.
 *
 * - Roll: at a later window the counts shift (`prev = cur` for the next window, both 0 after);
 *   at an earlier window than the state's (a clock gone back) `nowMs` is taken as the start of
 *   the state's window, where the previous window weighs most, so nothing is freed.
 * - With `e` the offset into the window, a take is admitted when
 *   `prev·(W − e) + (cur + cost)·W ≤ limit·W` (the weighted estimate, multiplied through by W).
 * - `remaining = floor((limit·W − prev·(W−e) − cur·W) / W)`, 0 if negative.
 * - `retryAfterMs`: the earliest integer ms at which the inequality holds with no other traffic,
 *   minus `nowMs`. `resetMs`: until the end of the next window when `cur > 0`, else the end of
 *   this one when `prev > 0`, else 0.
 * @internal
 */
export class SlidingWindowPolicy implements Policy {
  readonly limit: number;
  readonly width = 3;
  readonly windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  fresh(s: Float64Array, at: number, nowMs: number): void {
    s[at] = floorDiv(nowMs, this.windowMs);
    s[at + 1] = 0;
    s[at + 2] = 0;
  }

  isIdle(s: Float64Array, at: number, nowMs: number): boolean {
    const w = floorDiv(nowMs, this.windowMs);
    const window = s[at]!;
    const prev = s[at + 1]!;
    const cur = s[at + 2]!;
    return w >= window && (w >= window + 2 || (w === window + 1 && cur === 0) || (prev === 0 && cur === 0));
  }

  /** Earliest absolute ms a take of `cost` is admitted from a denied state. */
  private earliest(window: number, prev: number, cur: number, cost: number): number {
    const l = this.limit;
    const w = this.windowMs;
    const start = window * w;
    if (cur + cost <= l && prev > 0) {
      const e = Math.max(0, w - floorDiv((l - cur - cost) * w, prev));
      if (e < w) return start + e;
    }
    if (cur === 0) return start + w;
    const e = Math.max(0, w - floorDiv((l - cost) * w, cur));
    return e < w ? start + w + e : start + 2 * w;
  }

  decide(s: Float64Array, at: number, nowMs: number, cost: number): RateLimitDecision {
    const l = this.limit;
    const w = this.windowMs;
    let window = s[at]!;
    let prev = s[at + 1]!;
    let cur = s[at + 2]!;
    const nowWindow = floorDiv(nowMs, w);
    let e = 0;
    if (nowWindow === window) e = nowMs - window * w;
    else if (nowWindow > window) {
      prev = nowWindow === window + 1 ? cur : 0;
      cur = 0;
      window = nowWindow;
      e = nowMs - window * w;
    }
    const weightedPrev = prev * (w - e);
    const allowed = weightedPrev + (cur + cost) * w <= l * w;
    let retryAfterMs = 0;
    if (allowed) cur += cost;
    else retryAfterMs = this.earliest(window, prev, cur, cost) - nowMs;
    const used = weightedPrev + cur * w;
    const start = window * w;
    s[at] = window;
    s[at + 1] = prev;
    s[at + 2] = cur;
    return {
      allowed,
      limit: l,
      remaining: used >= l * w ? 0 : floorDiv(l * w - used, w),
      retryAfterMs,
      resetMs: cur > 0 ? start + 2 * w - nowMs : prev > 0 ? start + w - nowMs : 0,
    };
  }
}

/** The keys of {@link SlidingWindowLimiterOptions}; any other is an error. */
const SLIDING_WINDOW_OPTIONS: readonly (keyof SlidingWindowLimiterOptions)[] = ['limit', 'windowMs', 'maxKeys', 'seed'];

/** {@link SlidingWindowLimiterOptions} validated and normalized. */
export type NormalizedSlidingWindowLimiterOptions = Readonly<Required<SlidingWindowLimiterOptions>>;

/** Validates and normalizes {@link SlidingWindowLimiterOptions} without building a limiter. @internal */
export function normalizeSlidingWindowOptions(
  options: SlidingWindowLimiterOptions,
): NormalizedSlidingWindowLimiterOptions {
  checkKnownKeys(options, SLIDING_WINDOW_OPTIONS, 'options');
  const limit = checkInteger('limit', options?.limit, 1, MAX_LIMIT);
  const windowMs = checkInteger('windowMs', options.windowMs, 1, Math.floor(MAX_LIMIT_TIMES_WINDOW / limit));
  return { limit, windowMs, ...tableOptions(options) };
}

/**
 * Keyed sliding-window counters: at most about `limit` cost per `windowMs`, estimated from the
 * current and previous fixed windows (the previous weighted by how much of it still overlaps
 * the sliding window). Over any interval of `t` ms a key is admitted at most
 * `limit × (floor(t / windowMs) + 2)` cost — each fixed window admits at most `limit`.
 *
 * Same decision shape, time input, integer arithmetic and bounded store as {@link RateLimiter}.
 */
export class SlidingWindowLimiter extends KeyedLimiterBase implements Contract.SlidingWindowLimiter {
  /** Normalized options. */
  readonly options: NormalizedSlidingWindowLimiterOptions;

  constructor(options: SlidingWindowLimiterOptions) {
    const normalized = normalizeSlidingWindowOptions(options);
    super(new SlidingWindowPolicy(normalized.limit, normalized.windowMs), normalized);
    this.options = normalized;
  }
}
