/**
 * After each upstream attempt of a request to a service with `retries:`, `breaker:` or
 * `health:`: the front door reports what the attempt came to, and {@link afterAttempt} records
 * it against the target's breaker, decides whether to retry (`decideRetry`), and if so chooses
 * the target of the next attempt. Pure but for the state it is meant to change (breakers, the
 * retry budget, in-flight counts); time and randomness come from `inputs`.
 * @module
 */
import { type AttemptResult, decideRetry, type RetryVerdict, type ServiceResilience } from '../resilience/index.js';
import type { DecisionInputs, ForwardDecision, GatewayState } from '../types.js';
import { chooseTarget, releaseFlight } from './balance.js';
import { setFlight, type Tracked, takeFlight, tracked } from './flight.js';

/** What the front door knows about the attempt that just ended. */
export interface AttemptContext {
  /** 1 for the first attempt. */
  attempt: number;
  /** The request method (upper case). */
  method: string;
  /** Whether any of the request body went upstream (false for a request without one). */
  bodySent: boolean;
  /** Ms left before the request's deadline (`request_ms`); `Infinity` without one. */
  remainingMs: number;
}

/**
 * One upstream attempt as access logs and metrics see it: which target, what happened, and
 * whether it was retried and why (or why not).
 */
export interface AttemptRecord {
  /** 1 for the first attempt. */
  attempt: number;
  /** The target's id (its origin). */
  target: string;
  result: AttemptResult;
  /**
   * The retry verdict for a failed attempt (a 5xx, a connection error, a timeout); `undefined`
   * for an attempt that did not fail (any status below 500), a failure mid-body (the client
   * already has the status line) and a client abort.
   */
  retry: RetryVerdict | undefined;
  /** When the attempt ended (the decision clock). */
  atMs: number;
}

/** What to do after an attempt. */
export interface AttemptPlan {
  record: AttemptRecord;
  /** The next attempt's decision (another target when one can take it), or `undefined`: no retry. */
  next: ForwardDecision | undefined;
  /** How long to wait before the next attempt. */
  delayMs: number;
}

/** Whether an attempt's result is the target's own failure (what a breaker counts). */
export function isTargetFailure(result: AttemptResult): boolean {
  switch (result.kind) {
    case 'response':
      // 4xx is the client's doing, never the target's.
      return result.status >= 500;
    case 'client-aborted':
      return false;
    default:
      return true;
  }
}

/**
 * Records the attempt's outcome and plans the next one; see the module comment. A client
 * abort only frees the breaker's trial slot. Call it at most once per attempt for the response
 * or failure before response headers, and once more for a failure mid-body.
 */
export function afterAttempt(
  state: GatewayState,
  decision: ForwardDecision,
  result: AttemptResult,
  context: AttemptContext,
  inputs: DecisionInputs,
): AttemptPlan {
  const { nowMs } = inputs;
  const record: AttemptRecord = {
    attempt: context.attempt,
    target: decision.target.id,
    result,
    retry: undefined,
    atMs: nowMs,
  };
  const t = tracked.get(decision);
  const res = state.runtime.resilience?.of(decision.service);
  const target = t === undefined ? undefined : res?.targets[t.index];
  if (result.kind === 'client-aborted') {
    if (t?.admission !== undefined) target?.cancel(t.admission);
    if (t) t.admission = undefined;
    return { record, next: undefined, delayMs: 0 };
  }
  const failed = isTargetFailure(result);
  if (target !== undefined) target.record(!failed, t?.admission ?? 'normal', nowMs);
  if (t) t.admission = undefined;
  if (!failed || result.kind === 'body-error') return { record, next: undefined, delayMs: 0 };
  let verdict = decideRetry({
    policy: decision.service.resilience?.retries,
    mode: decision.route.retry ?? 'idempotent',
    method: context.method,
    attempt: context.attempt,
    result,
    bodySent: context.bodySent,
    nowMs,
    remainingMs: context.remainingMs,
    random: inputs.random,
    // Taken below, once a target for the retry is known.
    budget: undefined,
  });
  let next: ForwardDecision | undefined;
  if (verdict.retry && t !== undefined) {
    next = retarget(state, decision, t, inputs);
    if (next === undefined) verdict = { retry: false, reason: verdict.reason, why: 'no-target' };
    else if (res?.budget !== undefined && !res.budget.take(nowMs)) {
      undo(state, next, res);
      next = undefined;
      verdict = { retry: false, reason: verdict.reason, why: 'budget' };
    }
  } else if (verdict.retry) verdict = { retry: false, reason: verdict.reason, why: 'no-target' };
  record.retry = verdict;
  if (next !== undefined) {
    // The failed attempt is over: its in-flight count goes, the next one's came with `next`.
    const key = takeFlight(decision);
    if (key !== undefined) releaseFlight(state.runtime, key);
    tracked.delete(decision);
  }
  return { record, next, delayMs: verdict.retry ? verdict.delayMs : 0 };
}

/**
 * A copy of `decision` for a retry: another usable target (the key's next choice under
 * consistent hashing) that has not been tried, else any usable one (a single-target service
 * retries its one target). `undefined` when none is usable.
 */
function retarget(
  state: GatewayState,
  decision: ForwardDecision,
  t: Tracked,
  inputs: DecisionInputs,
): ForwardDecision | undefined {
  const { prepared } = t;
  const hashKey = () => t.key;
  const choice =
    chooseTarget(prepared, state.runtime, hashKey, inputs.random, true, inputs.nowMs, new Set(t.tried)) ??
    chooseTarget(prepared, state.runtime, hashKey, inputs.random, true, inputs.nowMs);
  if (choice === undefined) return undefined;
  const rest = decision.upstreamPath.slice(decision.target.basePath.length);
  const host = choice.target.host;
  const next: ForwardDecision = {
    ...decision,
    target: choice.target,
    upstreamPath: `${choice.target.basePath}${rest}`,
    // A service that sends each target its own `Host` sends the new target's.
    requestHeaders:
      host === undefined
        ? decision.requestHeaders
        : decision.requestHeaders.map((h): [string, string] => (h[0] === 'host' ? ['host', host] : h)),
  };
  setFlight(next, prepared.flightKeys[choice.index]!);
  tracked.set(next, {
    prepared,
    index: choice.index,
    key: t.key,
    admission: choice.admission,
    tried: [...t.tried, choice.index],
  });
  return next;
}

/** Gives back what {@link retarget} took for a retry that will not happen. */
function undo(state: GatewayState, next: ForwardDecision, res: ServiceResilience): void {
  const key = takeFlight(next);
  if (key !== undefined) releaseFlight(state.runtime, key);
  const t = tracked.get(next);
  if (t?.admission !== undefined) res.targets[t.index]?.cancel(t.admission);
  tracked.delete(next);
}
