export {
  checkTake,
  DEFAULT_MAX_KEYS,
  type KeyedLimiter,
  MAX_KEYS,
  MAX_LIMIT,
  MAX_NOW_MS,
  monotonicNowMs,
  type RateLimitDecision,
} from './decision.js';
export { rateLimitKeyHash } from './hash.js';
export {
  MAX_LIMIT_TIMES_WINDOW,
  type NormalisedSlidingWindowLimiterOptions,
  normaliseSlidingWindowOptions,
  SlidingWindowLimiter,
  type SlidingWindowLimiterOptions,
} from './sliding-window.js';
export {
  type NormalisedRateLimiterOptions,
  normaliseRateLimiterOptions,
  RateLimiter,
  type RateLimiterOptions,
  refillMicroPerMs,
} from './token-bucket.js';
