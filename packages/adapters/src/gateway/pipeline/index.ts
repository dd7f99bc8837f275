/**
 * The request pipeline: `decide` (one request in, one decision out), `release`, the response
 * header plan, `explainRequest`, and the pure steps they are made of.
 * @module
 */
export {
  type AttemptContext,
  type AttemptPlan,
  type AttemptRecord,
  afterAttempt,
  isTargetFailure,
} from './attempts.js';
export {
  chooseService,
  chooseTarget,
  MAX_SCHEDULE,
  type PreparedService,
  prepareService,
  pruneIdleFlights,
  roundRobinSchedule,
  type ServiceChoice,
  type TargetChoice,
  weightedIndex,
} from './balance.js';
export { decide, RESPOND_STATUS, release, splitTarget, type TargetParts, UPSTREAM_FAILURE } from './decide.js';
export { explainRequest, type GatewayExplanation, type LimitExplanation, type RouteVerdict } from './explain.js';
export {
  forwardedElement,
  GATEWAY_REQUEST_HEADERS,
  HOP_BY_HOP,
  isValidRequestId,
  isWebSocketUpgrade,
  newRequestId,
  parseTraceparent,
  planRequestHeaders,
  planResponseHeaders,
  planTraceparent,
  RATE_LIMIT_RESPONSE_HEADERS,
  RATE_LIMIT_WARNING_HEADER,
  type RequestHeaderInput,
  type ResponseHeaderOptions,
  requestIdOf,
  type TraceParent,
} from './headers.js';
export { ClientAddress, cookieValue, describeKey, type KeyInput, keyValue, queryValue } from './keys.js';
export { type AppliedPolicy, applyPolicy, type LimitOutcome, quotaOf } from './limits.js';
export { rewritePath, upstreamTarget } from './rewrite.js';
export type { RouteResolver } from './route.js';
export {
  normalizeVersion,
  type ResolvedVersion,
  resolveVersion,
  type VersionSource,
  versionFromPath,
} from './version.js';
