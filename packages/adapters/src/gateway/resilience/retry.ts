/**
 * Retry decisions, pure: whether a failed upstream attempt may be tried again, and after how
 * long. Time and randomness are inputs; the front door only carries the verdict out.
 *
 * The rules, in the order they are checked (the first that says no is the verdict's `why`):
 * 1. only a connection error (nothing or part of the request sent, no response) or a 502, 503
 *    or 504 from the upstream is retryable; a timeout waiting for response headers is not (the
 *    upstream has the request and is slow: trying again multiplies the load on a sick target);
 * 2. the service must have a `retries:` policy, and the route must allow it: `retry: idempotent`
 *    (the default) only for GET, HEAD, OPTIONS, TRACE, PUT and DELETE; `always`; or `never`;
 * 3. a request whose body has started to go upstream is never retried: bodies are streamed, not
 *    buffered, so what was sent cannot be sent again. In practice a request with a body is
 *    retried only after a connection that failed before the request was written (refused,
 *    connect timeout);
 * 4. at most `attempts` attempts in all;
 * 5. the delay is exponential backoff with full jitter, capped; a `Retry-After` of the
 *    upstream's answer is never undercut (the delay is at least that long), and one longer than
 *    `maxRetryAfterMs` ends the retries (the upstream's answer goes to the client as it is);
 * 6. the delay must end before the request's deadline (`request_ms`);
 * 7. a retry takes a token from the service's retry budget; an empty budget ends the retries.
 * @module
 */

/** A service's `retries:` policy, compiled. */
export interface RetryPolicy {
  /** Attempts in all, the first included (1: no retry). */
  attempts: number;
  /** Backoff before the first retry, before jitter (doubles each retry). */
  backoffMs: number;
  /** Cap of the backoff before jitter. */
  maxBackoffMs: number;
  /** Longest `Retry-After` honoured; a longer one ends the retries. */
  maxRetryAfterMs: number;
  /** The retry budget: a token bucket of retries, per service. */
  budget: { capacity: number; refillPerSecond: number };
}

/** Which methods a route lets be retried (`routes[].retry`). */
export type RetryMode = 'idempotent' | 'always' | 'never';

/** What one upstream attempt came to, as the front door saw it. */
export type AttemptResult =
  /** The upstream answered with response headers (the final, non-1xx status). */
  | { kind: 'response'; status: number; retryAfter: string | undefined }
  /** No connection: refused, unreachable, connect timeout. Nothing of the request was sent. */
  | { kind: 'connect-error'; error: string }
  /** The connection failed after the request started to go out, before response headers. */
  | { kind: 'reset'; error: string }
  /** No response headers within `headers_ms`, or the whole-request deadline passed. */
  | { kind: 'timeout'; error: string }
  /** The upstream failed mid-body, after the client got the status line: never retryable. */
  | { kind: 'body-error'; error: string }
  /** The client went away: no verdict on the target. */
  | { kind: 'client-aborted' };

/** Why a retry is wanted. */
export type RetryReason = 'connect-error' | 'reset' | 'status-502' | 'status-503' | 'status-504';

/** Why an attempt that failed is not retried. */
export type NoRetryReason =
  /** The failure is not one retries are for (a 4xx/5xx other than 502-504, a timeout, mid-body). */
  | 'not-retryable'
  /** The service has no `retries:` policy. */
  | 'disabled'
  /** The route says `retry: never`. */
  | 'route'
  /** The method is not idempotent and the route says `retry: idempotent`. */
  | 'method'
  /** Part of the request body was already streamed upstream. */
  | 'body-sent'
  /** `attempts` reached. */
  | 'attempts'
  /** The upstream's `Retry-After` is longer than `max_retry_after_ms`. */
  | 'retry-after'
  /** The delay would end after the request's deadline. */
  | 'deadline'
  /** The service's retry budget is empty. */
  | 'budget'
  /** No target can take the retry. */
  | 'no-target';

/** A retry decision. */
export type RetryVerdict =
  | { retry: true; reason: RetryReason; delayMs: number }
  | { retry: false; reason: RetryReason | undefined; why: NoRetryReason };

/** Methods RFC 9110 §9.2.2 defines as idempotent. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Whether `method` may be retried under `mode`. */
export function methodRetryable(method: string, mode: RetryMode): boolean {
  return mode === 'always' || (mode === 'idempotent' && IDEMPOTENT_METHODS.has(method));
}

/** The retry reason of an attempt's result, `undefined` when the result is not retryable. */
export function retryReasonOf(result: AttemptResult): RetryReason | undefined {
  switch (result.kind) {
    case 'connect-error':
      return 'connect-error';
    case 'reset':
      return 'reset';
    case 'response':
      return result.status === 502
        ? 'status-502'
        : result.status === 503
          ? 'status-503'
          : result.status === 504
            ? 'status-504'
            : undefined;
    default:
      return undefined;
  }
}

/**
 * Backoff before retry number `retry` (1 for the first retry): full jitter, a uniform draw in
 * `[0, min(maxMs, baseMs * 2^(retry-1)))`, so that clients that failed together do not retry
 * together (AWS architecture blog, "Exponential Backoff And Jitter").
 */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

const DELAY_SECONDS = /^[0-9]+$/;
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;
const RFC850_DATE =
  /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), ([0-9]{2})-([A-Z][a-z]{2})-([0-9]{2}) ([0-9]{2}:[0-9]{2}:[0-9]{2}) GMT$/;
const ASCTIME_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$/;

/**
 * `Retry-After` (RFC 9110 §10.2.3) as a delay in ms from `nowMs`: delay-seconds, or an
 * HTTP-date in any of its three forms (a date in the past is 0). `undefined` for an absent or
 * malformed value, which is then ignored (the backoff alone decides).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (DELAY_SECONDS.test(v)) return Number(v) * 1000;
  let at: number;
  if (IMF_FIXDATE.test(v) || ASCTIME_DATE.test(v)) at = Date.parse(`${v}${v.endsWith('GMT') ? '' : ' GMT'}`);
  else {
    const m = RFC850_DATE.exec(v);
    if (m === null) return undefined;
    // Two-digit years: RFC 9110 §5.6.7 reads one more than 50 years ahead as the past century.
    const thisYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(m[3]);
    if (year > thisYear + 50) year -= 100;
    at = Date.parse(`${m[1]} ${m[2]} ${year} ${m[4]} GMT`);
  }
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * A token bucket of retries: `capacity` tokens, refilled at `refillPerSecond`; each retry takes
 * one. It caps the extra load retries put on a service that fails for everyone (a retry storm)
 * while letting isolated failures be retried. Pure: the clock is an argument.
 */
export class RetryBudget {
  /** Most tokens (retries in a burst). */
  readonly capacity: number;
  /** Tokens added back per second. */
  readonly refillPerSecond: number;
  #tokens: number;
  /** When `#tokens` was last brought up to date; `undefined` before the first use. */
  #atMs: number | undefined;

  constructor(capacity: number, refillPerSecond: number) {
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.#tokens = capacity;
  }

  #refill(nowMs: number): void {
    if (this.#atMs !== undefined && nowMs > this.#atMs) {
      this.#tokens = Math.min(this.capacity, this.#tokens + ((nowMs - this.#atMs) / 1000) * this.refillPerSecond);
    }
    if (this.#atMs === undefined || nowMs > this.#atMs) this.#atMs = nowMs;
  }

  /** Tokens left at `nowMs` (fractional while refilling). */
  tokens(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens;
  }

  /** Takes one retry's token; `false` (and nothing taken) when less than one is left. */
  take(nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Everything {@link decideRetry} reads. */
export interface RetryInput {
  /** The service's policy; `undefined`: no retries. */
  policy: RetryPolicy | undefined;
  /** The route's `retry:`. */
  mode: RetryMode;
  /** The request method, upper case. */
  method: string;
  /** The attempt that just ended, 1-based. */
  attempt: number;
  result: AttemptResult;
  /** Whether any of the request body went upstream (always `false` for a request without one). */
  bodySent: boolean;
  nowMs: number;
  /** Ms left before the request's deadline (`Infinity` without one). */
  remainingMs: number;
  random: () => number;
  /** The service's retry budget (taken from only when the verdict is to retry). */
  budget: RetryBudget | undefined;
}

/** Whether to retry, and after how long; see the module comment for the rules. */
export function decideRetry(input: RetryInput): RetryVerdict {
  const { policy, result } = input;
  const reason = retryReasonOf(result);
  if (reason === undefined) return { retry: false, reason, why: 'not-retryable' };
  if (policy === undefined) return { retry: false, reason, why: 'disabled' };
  if (input.mode === 'never') return { retry: false, reason, why: 'route' };
  if (!methodRetryable(input.method, input.mode)) return { retry: false, reason, why: 'method' };
  if (input.bodySent) return { retry: false, reason, why: 'body-sent' };
  if (input.attempt >= policy.attempts) return { retry: false, reason, why: 'attempts' };
  let delayMs = backoffMs(input.attempt, policy.backoffMs, policy.maxBackoffMs, input.random);
  if (result.kind === 'response') {
    const after = parseRetryAfter(result.retryAfter, input.nowMs);
    if (after !== undefined) {
      if (after > policy.maxRetryAfterMs) return { retry: false, reason, why: 'retry-after' };
      delayMs = Math.max(delayMs, after);
    }
  }
  if (delayMs >= input.remainingMs) return { retry: false, reason, why: 'deadline' };
  if (input.budget !== undefined && !input.budget.take(input.nowMs)) return { retry: false, reason, why: 'budget' };
  return { retry: true, reason, delayMs };
}
