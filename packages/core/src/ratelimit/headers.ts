import { InvalidArgumentError } from '../errors.js';
import type { RateLimitDecision } from './decision.js';
import type { MultiDecision } from './multi.js';

/** Header families {@link rateLimitHeaders} can send. */
export type HeaderFamily = 'ietf' | 'legacy' | 'retry-after';

/** A quota as the IETF `RateLimit-Policy` field describes it. */
export interface QuotaPolicy {
  /** Policy name, the list member's key (`"default"`). */
  name: string;
  /** Quota units per window (`q`). */
  quota: number;
  /** Window in seconds (`w`). */
  windowSeconds: number;
}

/** Options of {@link rateLimitHeaders}. */
export interface RateLimitHeaderOptions {
  /** Families to send (default all three: `['ietf', 'legacy', 'retry-after']`). */
  families?: HeaderFamily[];
  /** The policies, by name, for `RateLimit-Policy` (omitted for a name without one). */
  policies?: QuotaPolicy[];
  /** Share of the quota used from which `warning` is set (default 0.8). */
  warnAt?: number;
  /** Header carrying the warning when set (default none: read `warning` from the result). */
  warningHeader?: string;
}

/** Headers to send and whether the client passed the warning share of its quota. */
export interface RateLimitHeaders {
  headers: Record<string, string>;
  warning: boolean;
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

const ALL_FAMILIES: readonly HeaderFamily[] = ['ietf', 'legacy', 'retry-after'];

/** A structured-field string (RFC 8941 sf-string) from a policy name. */
function sfString(name: string): string {
  if (!/^[\x20-\x7e]*$/.test(name))
    throw new InvalidArgumentError('policy name', `not printable ASCII: ${JSON.stringify(name)}`);
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The `RateLimit-Policy` entry of a limiter's options: a token bucket's quota is its capacity and
 * its window the time to refill it from empty; a sliding window's are its limit and window.
 */
export function quotaPolicy(
  name: string,
  options: { capacity: number; refillPerSecond: number } | { limit: number; windowMs: number },
): QuotaPolicy {
  return 'capacity' in options
    ? {
        name,
        quota: options.capacity,
        windowSeconds: Math.max(1, Math.ceil(options.capacity / options.refillPerSecond)),
      }
    : { name, quota: options.limit, windowSeconds: Math.max(1, seconds(options.windowMs)) };
}

/**
 * Response headers for one decision or a {@link MultiDecision}:
 *
 * - `ietf` (draft-ietf-httpapi-ratelimit-headers, structured fields): `RateLimit-Policy:
 *   "default";q=100;w=60` per policy given, and `RateLimit: "default";r=50;t=30` per limit, where
 *   `r` is `remaining` and `t` is `resetMs` in seconds, rounded up.
 * - `legacy`: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (delta seconds,
 *   rounded up) of the binding limit (the denying one, or the one with the least share left).
 * - `retry-after`: on a deny, `Retry-After` in seconds, rounded up, so the client never retries early.
 *
 * `warning` is true when the binding limit's used share (`1 − remaining/limit`) reaches `warnAt`.
 * In dry-run mode the headers describe the real state, but `Retry-After` is not sent (nothing was
 * denied).
 */
export function rateLimitHeaders(
  decision: RateLimitDecision | MultiDecision,
  options: RateLimitHeaderOptions = {},
): RateLimitHeaders {
  // At most three entries: `includes` on the given array spares a Set per response.
  const families = options.families ?? ALL_FAMILIES;
  const warnAt = options.warnAt ?? 0.8;
  if (!(warnAt >= 0 && warnAt <= 1))
    throw new InvalidArgumentError('warnAt', `expected a share in [0, 1], got ${warnAt}`);
  const multi: MultiDecision =
    'results' in decision
      ? decision
      : {
          allowed: decision.allowed,
          wouldAllow: decision.allowed,
          dryRun: false,
          results: [{ name: options.policies?.[0]?.name ?? 'default', decision }],
          binding: { name: options.policies?.[0]?.name ?? 'default', decision },
          retryAfterMs: decision.retryAfterMs,
        };
  const headers: Record<string, string> = {};
  const binding = multi.binding?.decision;
  if (families.includes('ietf')) {
    const named = new Set(multi.results.map((r) => r.name));
    const policies = (options.policies ?? []).filter((p) => named.has(p.name));
    if (policies.length > 0) {
      headers['RateLimit-Policy'] = policies
        .map((p) => `${sfString(p.name)};q=${p.quota};w=${p.windowSeconds}`)
        .join(', ');
    }
    if (multi.results.length > 0) {
      headers.RateLimit = multi.results
        .map((r) => `${sfString(r.name)};r=${r.decision.remaining};t=${seconds(r.decision.resetMs)}`)
        .join(', ');
    }
  }
  if (families.includes('legacy') && binding) {
    headers['X-RateLimit-Limit'] = String(binding.limit);
    headers['X-RateLimit-Remaining'] = String(binding.remaining);
    headers['X-RateLimit-Reset'] = String(seconds(binding.resetMs));
  }
  if (families.includes('retry-after') && !multi.allowed)
    headers['Retry-After'] = String(Math.max(1, seconds(multi.retryAfterMs)));
  const warning = binding !== undefined && 1 - binding.remaining / binding.limit >= warnAt;
  if (warning && options.warningHeader)
    headers[options.warningHeader] = `${Math.round((1 - binding.remaining / binding.limit) * 100)}% of quota used`;
  return { headers, warning };
}
