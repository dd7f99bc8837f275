export {
  checkKey,
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
  type HeaderFamily,
  type QuotaPolicy,
  quotaPolicy,
  type RateLimitHeaderOptions,
  type RateLimitHeaders,
  rateLimitHeaders,
} from './headers.js';
export { type Cidr, formatIp, type IpBytes, inCidr, maskIp, parseCidr, parseIp } from './ip.js';
export { type ClientAddressInfo, type ClientIpOptions, ClientIpResolver, rateLimitKeys } from './keys.js';
export { type AppliedLimit, type MultiDecision, type TakeAllOptions, takeAll } from './multi.js';
export {
  MAX_LIMIT_TIMES_WINDOW,
  type NormalizedSlidingWindowLimiterOptions,
  normalizeSlidingWindowOptions,
  SlidingWindowLimiter,
  type SlidingWindowLimiterOptions,
} from './sliding-window.js';
export {
  type NormalizedRateLimiterOptions,
  normalizeRateLimiterOptions,
  RateLimiter,
  type RateLimiterOptions,
  refillMicroPerMs,
} from './token-bucket.js';
