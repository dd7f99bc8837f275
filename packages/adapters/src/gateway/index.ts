/**
 * `@switchyard/adapters` gateway: the config compiler, the request pipeline and the contract
 * types between them and the front doors.
 * @module
 */

// --- request pipeline (gw-pipeline) ---
export {
  ClientAddress,
  chooseService,
  chooseTarget,
  decide,
  explainRequest,
  type GatewayExplanation,
  type LimitExplanation,
  normalizeVersion,
  parseTraceparent,
  planRequestHeaders,
  planResponseHeaders,
  RATE_LIMIT_WARNING_HEADER,
  type ResolvedVersion,
  type RouteVerdict,
  release,
  resolveVersion,
  rewritePath,
  type ServiceChoice,
  type TargetChoice,
} from './pipeline/index.js';
export * from './types.js';
// --- end request pipeline ---
