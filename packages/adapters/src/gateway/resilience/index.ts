/**
 * Resilience decisions, pure (time and randomness are arguments): retry policy and budget,
 * `Retry-After`, circuit breakers, active health-check state, and the per-target state that the
 * balancer reads and the front doors feed. See docs/gateway.md, "Resilience".
 * @module
 */
export {
  type Admission,
  type BreakerPolicy,
  type BreakerReason,
  type BreakerState,
  type BreakerTransition,
  CircuitBreaker,
} from './breaker.js';
export { ActiveHealth, type HealthPolicy, type HealthStatus, type HealthTransition } from './health.js';
export {
  type AttemptResult,
  backoffMs,
  decideRetry,
  IDEMPOTENT_METHODS,
  methodRetryable,
  type NoRetryReason,
  parseRetryAfter,
  RetryBudget,
  type RetryInput,
  type RetryMode,
  type RetryPolicy,
  type RetryReason,
  type RetryVerdict,
  retryReasonOf,
} from './retry.js';
export {
  ResilienceRuntime,
  ServiceResilience,
  type TargetChangeReason,
  TargetHealth,
  type TargetStateEvent,
  type TargetStateListener,
  type TargetStatus,
  type TargetView,
} from './targets.js';
