export {
  decodeRequestSegment,
  type PathPolicy,
  REJECTION_REASONS,
  rejectionReason,
} from './canonical.js';
export { decodePercent, utf8Length } from './decode.js';
export { type RawConstraint, type RawRoute, readRouteSpec } from './read-spec.js';
export { normalizeHost, readHeader } from './request.js';
export {
  canonicalizePath,
  type ResolvedRouterOptions,
  Router,
  resolveOptionsOnce,
  resolveRouterOptions,
} from './router.js';
export type * from './types.js';
