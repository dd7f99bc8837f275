/**
 * Step 4 of the pipeline: the route's rate limits, taken all or nothing.
 *
 * In-memory limits alone are synchronous and go through core's `takeAll` (peek every limit, take
 * only when all admit). With a `store: redis` limit the order is:
 *
 * 1. peek every in-memory limit; if one denies, answer 429 and consume nothing anywhere;
 * 2. take each Redis limit in order; if one denies, answer 429. A Redis take cannot be peeked
 *    (a peek then take would race other gateways), so Redis limits taken before the denying one
 *    stay consumed, and no in-memory budget is touched;
 * 3. take the in-memory limits with `takeAll` (all or nothing again: other requests may have run
 *    while Redis answered); if one denies now, 429 — the Redis budgets stay consumed.
 *
 * A Redis failure (a rejected take, or a limiter that reports its own `fail-open`/`fail-closed`
 * fallback) follows `redis.on_error`: `fail-open` admits and that limit is left out of the
 * headers; `fail-closed` answers 503 `limit-store-unavailable` with `Retry-After: 1`; `local`
 * decides with the policy's in-process limiter under the same key.
 * @module
 */
import {
  type MultiDecision,
  type QuotaPolicy,
  type RateLimitDecision,
  type RateLimitHeaderOptions,
  rateLimitHeaders,
  takeAll,
} from '@switchyard/core';
import { bindingLimit } from '@switchyard/core/internal';
import type { CompiledGateway, CompiledLimitPolicy, HeaderList } from '../types.js';
import { lowerName, RATE_LIMIT_WARNING_HEADER } from './headers.js';
import { type KeyInput, keyValue } from './keys.js';

/** A policy as applied to one request: the key its budget is charged under. */
export interface AppliedPolicy {
  policy: CompiledLimitPolicy;
  key: string;
  /** Whether the key came from the client address because the request lacked the policy's own key. */
  fallback: boolean;
}

/**
 * The key of a request under a policy: `v:<value>` of its key source, or, when the request does
 * not carry that key (no such header, cookie or query key), the client address key
 * `ip:<address>`. So leaving out `x-user-id` does not escape a per-user limit: it is charged per
 * address instead. `client-ip` policies use the address key directly (IPv6 grouped per /64).
 */
export function applyPolicy(policy: CompiledLimitPolicy, input: KeyInput, clientKey: () => string): AppliedPolicy {
  if (policy.key.from === 'client-ip') return { policy, key: clientKey(), fallback: false };
  const v = keyValue(policy.key, input);
  return v === undefined ? { policy, key: clientKey(), fallback: true } : { policy, key: `v:${v}`, fallback: false };
}

/** Why the limits did not admit the request, or that they did. */
export type LimitOutcome =
  | { kind: 'none' }
  | { kind: 'admitted'; decision: MultiDecision }
  | { kind: 'denied'; decision: MultiDecision }
  | { kind: 'unavailable'; decision: MultiDecision | undefined; policy: string };

type Result = { name: string; decision: RateLimitDecision };

/** A {@link MultiDecision} over results, with core `takeAll`'s choice of the binding limit. */
export function combine(results: Result[], wouldAllow: boolean): MultiDecision {
  const { binding, retryAfterMs } = bindingLimit(results, wouldAllow);
  return { allowed: wouldAllow, wouldAllow, dryRun: false, results, binding, retryAfterMs };
}

function outcomeOf(decision: MultiDecision): LimitOutcome {
  return decision.allowed ? { kind: 'admitted', decision } : { kind: 'denied', decision };
}

/** Takes in-memory limits only; synchronous. */
export function takeMemory(applied: readonly AppliedPolicy[], nowMs: number): LimitOutcome {
  if (applied.length === 0) return { kind: 'none' };
  return outcomeOf(
    takeAll(
      applied.map((a) => ({ name: a.policy.name, limiter: a.policy.local, key: a.key })),
      { nowMs },
    ),
  );
}

/** Takes a mix of in-memory and Redis limits in the order described in this module's summary. */
export async function takeShared(
  applied: readonly AppliedPolicy[],
  nowMs: number,
  onError: 'fail-open' | 'fail-closed' | 'local',
): Promise<LimitOutcome> {
  const memory = applied.filter((a) => a.policy.shared === undefined);
  const shared = applied.filter((a) => a.policy.shared !== undefined);
  const peeked: Result[] = memory.map((a) => ({ name: a.policy.name, decision: a.policy.local.peek(a.key, nowMs) }));
  if (!peeked.every((p) => p.decision.allowed)) return outcomeOf(combine(peeked, false));
  const taken: Result[] = [];
  for (const a of shared) {
    let decision: RateLimitDecision | undefined;
    let failed = false;
    try {
      decision = await a.policy.shared!.take(a.key);
      const source = (decision as { source?: unknown }).source;
      if (source === 'fail-open' || source === 'fail-closed') failed = true;
    } catch {
      failed = true;
    }
    if (failed) {
      if (onError === 'fail-open') continue;
      if (onError === 'fail-closed') {
        // The limits decided so far all admitted: their state goes in the headers, and the
        // answer's own `Retry-After: 1` is the only one.
        const results = [...peeked, ...taken];
        return {
          kind: 'unavailable',
          decision: results.length ? combine(results, true) : undefined,
          policy: a.policy.name,
        };
      }
      decision = a.policy.local.take(a.key, nowMs);
    }
    taken.push({ name: a.policy.name, decision: decision! });
    if (!decision!.allowed) return outcomeOf(combine([...peeked, ...taken], false));
  }
  const local = takeAll(
    memory.map((a) => ({ name: a.policy.name, limiter: a.policy.local, key: a.key })),
    { nowMs },
  );
  const results = [...local.results, ...taken];
  if (results.length === 0) return { kind: 'none' };
  return outcomeOf(combine(results, local.allowed));
}

/** Peeks every limit without consuming anything (for `explain`); Redis limits cannot be peeked. */
export function peekLimits(
  applied: readonly AppliedPolicy[],
  nowMs: number,
): { name: string; key: string; store: 'memory' | 'redis'; decision: RateLimitDecision | undefined }[] {
  return applied.map((a) => ({
    name: a.policy.name,
    key: a.key,
    store: a.policy.shared === undefined ? 'memory' : 'redis',
    decision: a.policy.shared === undefined ? a.policy.local.peek(a.key, nowMs) : undefined,
  }));
}

/** The `RateLimit-Policy` entry of a compiled policy. */
export function quotaOf(policy: CompiledLimitPolicy): QuotaPolicy {
  return { name: policy.name, quota: policy.limit, windowSeconds: Math.max(1, Math.ceil(policy.windowMs / 1000)) };
}

/** Header options of a compiled gateway: legacy and `Retry-After` always, IETF when configured. */
export function headerOptions(compiled: CompiledGateway): RateLimitHeaderOptions {
  return {
    families: compiled.rateLimitHeaders?.ietf ? ['legacy', 'ietf', 'retry-after'] : ['legacy', 'retry-after'],
    policies: [...compiled.limits.values()].map(quotaOf),
    warnAt: 0.8,
    warningHeader: RATE_LIMIT_WARNING_HEADER,
  };
}

/**
 * The limit headers of a decision as a lower-case header list: `X-RateLimit-Limit`,
 * `-Remaining`, `-Reset` of the binding limit, `Retry-After` on a deny, `X-RateLimit-Warning`
 * once 80% of the binding budget is used, and `RateLimit`/`RateLimit-Policy` when configured.
 */
export function limitHeaderList(decision: MultiDecision | undefined, options: RateLimitHeaderOptions): HeaderList {
  if (decision === undefined || decision.results.length === 0) return [];
  const { headers } = rateLimitHeaders(decision, options);
  const out: HeaderList = [];
  for (const name in headers) out.push([lowerName(name), headers[name]!]);
  return out;
}
