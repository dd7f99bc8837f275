/**
 * `switchyard explain`: what the pipeline would decide for one request, and why the other routes
 * did not match — without consuming any budget or moving any balancer state.
 * @module
 */
import type { ExplainReason, RateLimitDecision, RequestRejection } from '@switchyard/core';
import type { TargetView } from '../resilience/index.js';
import type { CompiledRoute, Decision, DecisionInputs, GatewayRequest, GatewayState } from '../types.js';
import { resilienceOf, type ServiceChoice, type TargetChoice } from './balance.js';
import { begin, finish } from './decide.js';
import { describeKey } from './keys.js';
import { combine, type LimitOutcome, peekLimits } from './limits.js';
import { prepare } from './prepare.js';
import type { ResolvedVersion } from './version.js';

/** One rate limit that applies to the request, peeked. */
export interface LimitExplanation {
  name: string;
  algorithm: 'token-bucket' | 'sliding-window';
  store: 'memory' | 'redis';
  /** The key source as written (`client-ip`, `header:x-user-id`). */
  source: string;
  /** The key the request would be charged under. */
  key: string;
  /** Whether `key` is the client address because the request lacked the policy's own key. */
  fallback: boolean;
  /** What a take would decide now; `undefined` for a Redis limit, which cannot be peeked. */
  decision: RateLimitDecision | undefined;
}

/** One route's verdict from the router. */
export interface RouteVerdict {
  /** Router route id. */
  id: number;
  /** The compiled route (its index in `routes:`, service, version...), when the id names one. */
  route: CompiledRoute | undefined;
  path: string;
  reason: ExplainReason;
  detail: string;
}

/** What {@link explainRequest} returns. */
export interface GatewayExplanation {
  request: {
    method: string;
    target: string;
    host: string | undefined;
    /** Canonical path; `undefined` when the request was rejected before it had one. */
    path: string | undefined;
    version: ResolvedVersion | undefined;
    clientIp: string | undefined;
  };
  /** What `decide` would answer now (nothing consumed; a Redis limit counts as admitting). */
  decision: Decision;
  service: ServiceChoice | undefined;
  target: TargetChoice | undefined;
  limits: LimitExplanation[];
  /** Winning router route id, or `null`. */
  winner: number | null;
  /** Why the request as a whole matches nothing, before any route is tried. */
  rejected: RequestRejection | null;
  /** Every route and why it did or did not match, in route id order. */
  routes: RouteVerdict[];
  /**
   * The state of every target of the chosen service (breaker, health, whether the balancer may
   * choose it), when that service has `retries:`, `breaker:` or `health:`; else `undefined`.
   */
  targets: TargetView[] | undefined;
}

/**
 * Explains one request against a gateway state: the decision the pipeline would make (route,
 * version, service, target choice, the limits that apply, peeked), and every route's verdict
 * from `Router.explain`. Nothing is consumed: limiters are peeked, the round-robin cursor and the
 * in-flight counts are left as they are. Random choices draw from `inputs.random`.
 */
export function explainRequest(state: GatewayState, req: GatewayRequest, inputs: DecisionInputs): GatewayExplanation {
  const m = begin(req, state, inputs);
  const compiled = state.compiled;
  const request = {
    method: req.method,
    target: req.target,
    host: m.host,
    path: m.kind === 'matched' ? m.path : m.decision.path,
    version: m.version,
    clientIp: undefined as string | undefined,
  };
  const routerExplain = m.routerRequest ? prepare(compiled).resolver.explain(m.routerRequest) : undefined;
  const routes: RouteVerdict[] = (routerExplain?.candidates ?? []).map((c) => ({
    id: c.route,
    route: compiled.routes[c.route],
    path: c.path,
    reason: c.reason,
    detail: c.detail,
  }));
  const tail = { winner: routerExplain?.winner ?? null, rejected: routerExplain?.rejected ?? null, routes };
  if (m.kind === 'unmatched') {
    return {
      request,
      decision: m.decision,
      service: undefined,
      target: undefined,
      limits: [],
      ...tail,
      targets: undefined,
    };
  }
  request.clientIp = m.keys.clientIp();
  const peeked = peekLimits(m.applied, inputs.nowMs);
  const limits: LimitExplanation[] = m.applied.map((a, i) => ({
    name: a.policy.name,
    algorithm: a.policy.algorithm,
    store: peeked[i]!.store,
    source: describeKey(a.policy.key),
    key: a.key,
    fallback: a.fallback,
    decision: peeked[i]!.decision,
  }));
  const results = peeked.flatMap((p) => (p.decision ? [{ name: p.name, decision: p.decision }] : []));
  const wouldAllow = results.every((r) => r.decision.allowed);
  const outcome: LimitOutcome =
    results.length === 0
      ? { kind: 'none' }
      : { kind: wouldAllow ? 'admitted' : 'denied', decision: combine(results, wouldAllow) };
  const chosen = finish(m, outcome, false);
  const service = chosen.service ? compiled.services.get(chosen.service.service) : undefined;
  const res = service ? resilienceOf(state.runtime).of(service) : undefined;
  return {
    request,
    decision: chosen.decision,
    service: chosen.service,
    target: chosen.target,
    limits,
    ...tail,
    targets: res?.targets.map((t) => t.view(inputs.nowMs)),
  };
}
