export { decodePercent, utf8Length } from './decode.js';
export { type RawConstraint, type RawRoute, readRouteSpec } from './read-spec.js';
export { normalizeHost, readHeader } from './request.js';
export { type ResolvedRouterOptions, Router, resolveRouterOptions } from './router.js';
export type * from './types.js';
