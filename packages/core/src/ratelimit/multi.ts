import { checkTake, type KeyedLimiter, type RateLimitDecision } from './decision.js';

/** One limit that applies to a request: a limiter, the key it is charged under, a name. */
export interface AppliedLimit {
  /** Name used in headers (`RateLimit: "<name>";r=…`) and reports. */
  name: string;
  limiter: KeyedLimiter;
  key: string;
  /** Cost of this request under this limit (default 1). */
  cost?: number;
}

/** Outcome of {@link takeAll}. */
export interface MultiDecision {
  /** Whether to let the request through: `wouldAllow`, or always `true` in dry-run mode. */
  allowed: boolean;
  /** Whether every limit admits the request (what enforcement would do). */
  wouldAllow: boolean;
  /** Whether the decision was made in dry-run (shadow) mode. */
  dryRun: boolean;
  /** Per limit, in the order given: its decision (after consuming, when the request was admitted). */
  results: { name: string; decision: RateLimitDecision }[];
  /**
   * The limit that decides the headers: the first denying one with the longest `retryAfterMs`,
   * or, when all admit, the one with the least `remaining` share.
   */
  binding: { name: string; decision: RateLimitDecision } | undefined;
  /** Longest wait among denying limits (0 when all admit). */
  retryAfterMs: number;
}

/** Options of {@link takeAll}. */
export interface TakeAllOptions {
  /** Time of the request (default: the limiters' monotonic clock). */
  nowMs?: number;
  /**
   * Shadow mode: decide and report exactly as enforcement would, consume exactly as enforcement
   * would, but let the request through (`allowed: true`, `wouldAllow` tells the truth).
   */
  dryRun?: boolean;
  /** Called with the decision when a request would be denied (in both modes), e.g. to log it. */
  onDeny?: (decision: MultiDecision) => void;
}

/**
 * Applies several limits to one request (per IP, per route, global, ...), all or nothing:
 * each limit is first `peek`ed; only when every one admits is each `take`n. A request denied by
 * one limit therefore consumes from none — a client over its per-IP limit does not drain the
 * route's or the global budget. Limiters are synchronous, so nothing runs between the peeks and
 * the takes and they decide the same.
 */
export function takeAll(limits: AppliedLimit[], options: TakeAllOptions = {}): MultiDecision {
  const now = checkTake(options.nowMs, 0, 0);
  let results: MultiDecision['results'];
  let wouldAllow = true;
  if (limits.length === 1) {
    // One limit is all or nothing by itself: `take` charges only what it admits, and decides as
    // `peek` would, so the peek is skipped (a gateway route usually has one limit).
    const l = limits[0]!;
    const decision = l.limiter.take(l.key, now, l.cost ?? 1);
    results = [{ name: l.name, decision }];
    wouldAllow = decision.allowed;
  } else {
    results = [];
    for (const l of limits) {
      const decision = l.limiter.peek(l.key, now, l.cost ?? 1);
      results.push({ name: l.name, decision });
      if (!decision.allowed) wouldAllow = false;
    }
    if (wouldAllow)
      for (let i = 0; i < limits.length; i++) {
        const l = limits[i]!;
        results[i] = { name: l.name, decision: l.limiter.take(l.key, now, l.cost ?? 1) };
      }
  }
  const { binding, retryAfterMs } = bindingLimit(results, wouldAllow);
  const dryRun = options.dryRun ?? false;
  const decision: MultiDecision = { allowed: wouldAllow || dryRun, wouldAllow, dryRun, results, binding, retryAfterMs };
  if (!wouldAllow) options.onDeny?.(decision);
  return decision;
}

/**
 * The limit that decides the headers, and the longest wait: among denying results the one with
 * the longest `retryAfterMs`; when all admit, the one with the least `remaining` share. Shared
 * with the gateway, which takes Redis and in-memory limits in steps of its own. @internal
 */
export function bindingLimit(
  results: MultiDecision['results'],
  wouldAllow: boolean,
): { binding: MultiDecision['binding']; retryAfterMs: number } {
  let binding: MultiDecision['binding'];
  let retryAfterMs = 0;
  for (const r of results) {
    const d = r.decision;
    if (!wouldAllow) {
      if (!d.allowed && (binding === undefined || d.retryAfterMs > retryAfterMs)) {
        binding = r;
        retryAfterMs = d.retryAfterMs;
      }
    } else if (binding === undefined || d.remaining / d.limit < binding.decision.remaining / binding.decision.limit) {
      binding = r;
    }
  }
  return { binding, retryAfterMs };
}
