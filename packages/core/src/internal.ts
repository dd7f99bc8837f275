/**
 * `@switchyard/core/internal`: the one door through which `@switchyard/node` and
 * `@switchyard/adapters` reach the reference's internals (option normalizers, argument checks,
 * the route-spec reader, decoding helpers), so that every package validates and decodes with the
 * same code and the same error messages. Not part of the public API: no semver promise, and not
 * in the API reference. See docs/architecture.md.
 *
 * @packageDocumentation
 */
export { type HashingInternals, hashingInternals } from './hashing/internals.js';
export { murmur3 } from './hashing/key-hash.js';
export { checkKnownKeys } from './options.js';
export {
  checkKey,
  checkTake,
  DEFAULT_MAX_KEYS,
  MAX_KEYS,
  MAX_LIMIT,
  MAX_NOW_MS,
  monotonicNowMs,
} from './ratelimit/decision.js';
export { type Cidr, formatIp, type IpBytes, inCidr, maskIp, parseCidr, parseIp } from './ratelimit/ip.js';
export { bindingLimit } from './ratelimit/multi.js';
export { MAX_LIMIT_TIMES_WINDOW, normalizeSlidingWindowOptions } from './ratelimit/sliding-window.js';
export { normalizeRateLimiterOptions, refillMicroPerMs } from './ratelimit/token-bucket.js';
export {
  decodeRequestSegment,
  type PathPolicy,
  REJECTION_REASONS,
  rejectionReason,
} from './router/canonical.js';
export { compileRoute } from './router/compile.js';
export { decodePercent, utf8Length } from './router/decode.js';
export { copyRouteSpec, RouteMatch } from './router/match.js';
export { type RawConstraint, type RawRoute, readRouteSpec } from './router/read-spec.js';
export { normalizeHost, readHeader } from './router/request.js';
export { type ResolvedRouterOptions, resolveOptionsOnce, resolveRouterOptions } from './router/router.js';
export { processSeed } from './seed.js';
