/**
 * `@switchyard/adapters/gateway`: what a gateway decides, with no socket: `gateway.yaml` loaded,
 * validated and compiled, the request pipeline that decides each request, and the contract types
 * shared by the pipeline and the front doors.
 *
 * @packageDocumentation
 * @module @switchyard/adapters/gateway
 */

// The config: load, validate, compile, check, print.
export {
  type BalanceConfig,
  type CompileOptions,
  compileGateway,
  DIAGNOSTIC_CODES,
  type DiagnosticCode,
  formatDiagnostics,
  formatKeySource,
  formatProblem,
  formatProblems,
  formatRouteTable,
  GATEWAY_SCHEMA,
  type GatewayConfig,
  type GatewayRedisClient,
  isGatewayConfig,
  type LimitPolicyConfig,
  loadConfig,
  parseConfig,
  parseKeySource,
  type RouteConfig,
  renderConfigReference,
  routerOptionsOf,
  routeSpecOf,
  type SchemaNode,
  type ServiceConfig,
  type TargetConfig,
} from './config/index.js';
// Typed events of the front doors (access logs, metrics and traces subscribe to them).
export * from './events.js';
// The request pipeline: one request in, one decision out; the response header plan; explain.
export {
  type AttemptContext,
  type AttemptPlan,
  type AttemptRecord,
  afterAttempt,
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
// Resilience: retries, breakers, health state and their events. Named one by one (not `export *`)
// so that these names take precedence over a star export of the same name elsewhere.
export {
  ActiveHealth,
  type Admission,
  type AttemptResult,
  type BreakerPolicy,
  type BreakerReason,
  type BreakerState,
  type BreakerTransition,
  backoffMs,
  CircuitBreaker,
  decideRetry,
  type HealthPolicy,
  type HealthStatus,
  type HealthTransition,
  IDEMPOTENT_METHODS,
  methodRetryable,
  type NoRetryReason,
  parseRetryAfter,
  ResilienceRuntime,
  RetryBudget,
  type RetryInput,
  type RetryMode,
  type RetryPolicy,
  type RetryReason,
  type RetryVerdict,
  retryReasonOf,
  ServiceResilience,
  type TargetChangeReason,
  TargetHealth,
  type TargetStateEvent,
  type TargetStateListener,
  type TargetStatus,
  type TargetView,
} from './resilience/index.js';
export * from './types.js';
