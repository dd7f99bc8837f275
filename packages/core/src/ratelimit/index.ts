export type { KeyedLimiter, RateLimitDecision } from './decision.js';
export { rateLimitKeyHash } from './hash.js';
export {
  type HeaderFamily,
  type QuotaPolicy,
  quotaPolicy,
  type RateLimitHeaderOptions,
  type RateLimitHeaders,
  rateLimitHeaders,
} from './headers.js';
export {
  type ClientAddressInfo,
  type ClientIpOptions,
  ClientIpResolver,
  type ClientRequest,
  type NodeRequestLike,
  rateLimitKeys,
} from './keys.js';
export { type AppliedLimit, type MultiDecision, type TakeAllOptions, takeAll } from './multi.js';
export {
  type NormalizedSlidingWindowLimiterOptions,
  SlidingWindowLimiter,
  type SlidingWindowLimiterOptions,
} from './sliding-window.js';
export { type NormalizedRateLimiterOptions, RateLimiter, type RateLimiterOptions } from './token-bucket.js';
